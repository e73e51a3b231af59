"""Template filters that pages lean on thousands of times: dates and identicons."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.contract.avatars import identicon_svg
from generator.core.themes import format_date

ROOT = Path(__file__).resolve().parent.parent
MOMENT = datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("%-d %B %Y", "5 March 2024"),
        ("%-d %B %Y at %H:%M", "5 March 2024 at 07:08"),
        ("%-d %b %Y %-H:%M", "5 Mar 2024 7:08"),
        ("%-m/%-d %-I:%-M:%-S %p", "3/5 7:8:9 AM"),
        ("%d.%m.%Y", "05.03.2024"),
        ("100%% on %-d", "100% on 5"),
        ("%%-d stays literal", "%-d stays literal"),
        ("", ""),
    ],
)
def test_dates_with_unpadded_numbers(fmt: str, expected: str) -> None:
    assert format_date(MOMENT, fmt) == expected


def test_twelve_hour_clock_at_midnight_and_noon() -> None:
    assert format_date(MOMENT.replace(hour=0), "%-I %p") == "12 AM"
    assert format_date(MOMENT.replace(hour=12), "%-I %p") == "12 PM"


def strftime_reference(value: datetime, fmt: str) -> str:
    """The filter as it was: strftime, with %-d style codes replaced by unpadded numbers."""
    unpadded = {"d": value.day, "m": value.month, "H": value.hour, "I": value.hour % 12 or 12,
                "M": value.minute, "S": value.second}  # fmt: skip

    pieces = re.split(r"(%%|%-[dmHIMS])", fmt)
    return "".join(
        (str(unpadded[p[2]]) if p.startswith("%-") else "%") if i % 2 else value.strftime(p)
        for i, p in enumerate(pieces)
    )


# The theme's formats, then every code the fast filter knows, and some it hands to strftime.
FORMATS = [
    "%-d %B %Y",
    "%-d %B %Y at %H:%M",
    "%-d %b %Y %H:%M",
    "%-d %b",
    "%d %m %-m %H %-H %I %-I %M %-M %S %-S %y %Y %B %b %A %a %p %%",
    "%j %U %Z %z %e|%-j",
    "100% sure, %-d",
    "%Y-%m-%dT%H:%M:%S",
    "%%%-d%%",
    "",
    "no code at all",
]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31),
        timezones=st.sampled_from(
            [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/St_Johns"),
             timezone(timedelta(hours=-3, minutes=-30))]
        ),
    )
)  # fmt: skip
def test_the_date_filter_gives_what_strftime_gives(moment: datetime) -> None:
    for fmt in FORMATS:
        assert format_date(moment, fmt) == strftime_reference(moment, fmt), fmt


def test_the_date_filter_over_every_day_of_twenty_years() -> None:
    day = datetime(2015, 1, 1, 0, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    for offset in range(0, 20 * 366, 1):
        moment = day + timedelta(days=offset, minutes=offset * 37)
        for fmt in FORMATS[:5]:
            assert format_date(moment, fmt) == strftime_reference(moment, fmt)


def test_no_date_is_empty_text() -> None:
    assert format_date(None) == ""


def test_identicon_is_a_stable_mirrored_pattern() -> None:
    svg = identicon_svg("abcdef0123456789abcd")
    assert svg.startswith('<svg class="avatar" width="40" height="40"')
    assert 'fill="hsl(259 40% 92%)"' in svg
    path = svg.split(' d="')[1].split('"')[0]
    cells = {tuple(map(int, cell[1:].split()[:2])) for cell in path.split("h1v1h-1z") if cell}
    assert (0, 0) in cells and (2, 3) in cells and (2, 0) not in cells
    for x, y in cells:  # mirrored about the middle column
        assert (4 - x, y) in cells


def test_identicons_differ_between_people() -> None:
    seeds = [hashlib.sha1(str(n).encode()).hexdigest()[:20] for n in range(200)]
    assert len({identicon_svg(seed) for seed in seeds}) > 190


def reference_identicon(seed: str, size: int = 40) -> str:
    """The identicon as avatars.py first drew it, with loops: the reference of its bytes."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    masks = [sum((digest[2 + row * 3 + col] & 1) << row for row in range(5)) for col in range(3)]
    path = "".join(
        f"M{x} {y}h1v1h-1z"
        for x in range(5)
        for y in range(5)
        if masks[x if x < 3 else 4 - x] >> y & 1
    )
    return (
        f'<svg class="avatar" width="{size}" height="{size}" viewBox="-0.5 -0.5 6 6" '
        f'aria-hidden="true" focusable="false"><rect x="-0.5" y="-0.5" width="6" height="6" '
        f'fill="hsl({hue} 40% 92%)"/><path fill="hsl({hue} 45% 38%)" d="{path}"/></svg>'
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from([24, 40, 64]))
def test_identicon_bytes_are_those_of_the_reference(seed: str, size: int) -> None:
    assert str(identicon_svg(seed, size)) == reference_identicon(seed, size)


# The comment form's "In reply to" list as the theme wrote it before the reply_options filter.
REPLY_LOOP = (
    "{% for node in entry.thread.flat if not node.comment.removed %}"
    "<option value=\"{{ node.comment.id }}\"{% if form.get('parent') == node.comment.id %}"
    " selected{% endif %}>{{ node.comment.author }}, "
    '{{ node.comment.created|local|date("%-d %b %Y %H:%M") }}</option>{% endfor %}'
)


@settings(max_examples=200, deadline=None)
@given(
    comments=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=12),
            st.text(max_size=20),
            st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                         timezones=st.just(UTC)),
            st.booleans(),
        ),
        max_size=8,
    ),
    pick=st.integers(min_value=-1, max_value=8),
)  # fmt: skip
def test_reply_options_are_the_bytes_of_the_loop_they_replace(
    comments: list[tuple[str, str, datetime, bool]], pick: int
) -> None:
    from types import SimpleNamespace

    import jinja2

    from generator.contract.theme_page import Thread, ThreadNode, install_filters
    from generator.core.config import parse_config
    from generator.core.models import PublicComment

    config = parse_config("title: T\nbase_url: https://example.org\ntimezone: Europe/Berlin\n",
                          "site.yaml", ROOT)  # fmt: skip
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = format_date
    install_filters(env, config, {})
    nodes = tuple(
        ThreadNode(PublicComment(cid, "p", None, author, "", "", created, removed=removed), 1, ())
        for cid, author, created, removed in comments
    )
    thread = Thread(nodes, len(nodes), flat=nodes)
    parent = comments[pick][0] if 0 <= pick < len(comments) else None
    context = {"entry": SimpleNamespace(thread=thread), "form": {"parent": parent}}
    old = env.from_string(REPLY_LOOP).render(context)
    new = env.from_string("{{ entry.thread|reply_options(form.get('parent')) }}").render(context)
    assert new == old
