"""The comment_list filter gives the bytes of the recursive Jinja loop it replaced in
partials/comments.html, for any thread: nesting, removed comments, the author's own,
hostile names, websites and ids, open or closed comments, any time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.contract.theme_page import Thread, ThreadNode, install_filters
from generator.core.config import parse_config
from generator.core.models import PublicComment
from generator.core.themes import format_date

ROOT = Path(__file__).resolve().parent.parent

# partials/comments.html's loop before the filter, kept verbatim as the reference.
OLD_LOOP = (ROOT / "tests/fixtures/templates/comment_loop_before_filter.html").read_text()
NEW = "  {{ entry|comment_list }}\n"

HOSTILE = st.text(alphabet=st.sampled_from(list("aZ é<>&\"'`/#:.\n")), max_size=12)
WEBSITES = st.one_of(
    HOSTILE,
    st.sampled_from(["https://example.org/a?b=1&c=<2>", "http://x.test", "javascript:alert(1)"]),
)
MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                       timezones=st.just(UTC))  # fmt: skip


def _environment(zone: str, bodies: dict[str, str]) -> jinja2.Environment:
    config = parse_config(
        f"title: T\nbase_url: https://example.org\ntimezone: {zone}\n", "site.yaml", ROOT
    )
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = format_date
    env.filters["isoformat"] = lambda value: value.isoformat(timespec="seconds") if value else ""
    env.filters["absolute"] = lambda path: config.base_url + path if path.startswith("/") else path
    install_filters(env, config, bodies)
    return env


@st.composite
def threads(draw: st.DrawFn) -> tuple[ThreadNode, ...]:
    """A forest of up to 8 comments, each under an earlier one or at the top."""
    count = draw(st.integers(min_value=1, max_value=8))
    comments = []
    parents: list[int | None] = []
    for index in range(count):
        parent = draw(st.one_of(st.none(), st.integers(0, index - 1))) if index else None
        parents.append(parent)
        cid = draw(st.one_of(st.just(f"c{index}"), HOSTILE.map(lambda text, i=index: f"{text}{i}")))
        comments.append(
            PublicComment(
                cid, "p", comments[parent].id if parent is not None else None,
                draw(HOSTILE), draw(WEBSITES), draw(HOSTILE), draw(MOMENTS),
                by_author=draw(st.booleans()), avatar=draw(st.sampled_from(["", "ab12"])),
                removed=draw(st.booleans()),
            )
        )  # fmt: skip

    def node(index: int, depth: int) -> ThreadNode:
        children = [i for i, p in enumerate(parents) if p == index]
        return ThreadNode(comments[index], depth, tuple(node(i, depth + 1) for i in children))

    return tuple(node(i, 1) for i, p in enumerate(parents) if p is None)


@settings(max_examples=300, deadline=None)
@given(
    roots=threads(),
    comments_open=st.booleans(),
    url=st.sampled_from(["/2024/03/essay/", "", "https://elsewhere.test/x/", '/a&b"/']),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/St_Johns"]),
    cached=st.booleans(),
)
def test_the_filter_gives_the_bytes_of_the_loop_it_replaced(
    roots: tuple[ThreadNode, ...], comments_open: bool, url: str, zone: str, cached: bool
) -> None:
    bodies = {roots[0].comment.id: "<p>cached &amp; safe</p>"} if cached else {}
    env = _environment(zone, bodies)
    entry = SimpleNamespace(url=url, comments_open=comments_open, thread=Thread(roots, len(roots)))
    old = env.from_string(OLD_LOOP).render(entry=entry)
    new = env.from_string(NEW).render(entry=entry)
    assert new == old


def test_a_hostile_name_and_website_are_escaped() -> None:
    comment = PublicComment(
        "c1", "p", None, '<script>alert("x")</script>', 'javascript:alert(1)', "hi",
        datetime(2024, 3, 5, 7, 8, tzinfo=UTC),
    )  # fmt: skip
    env = _environment("UTC", {})
    entry = SimpleNamespace(
        url="/e/", comments_open=True, thread=Thread((ThreadNode(comment, 1, ()),), 1)
    )
    html = env.from_string(NEW).render(entry=entry)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "javascript:" not in html
    when = '<time class="dt-published" datetime="2024-03-05T07:08:00+00:00">'
    assert f"{when}5 March 2024 at 07:08</time>" in html
