"""site.yaml's likes, share, search and related sections, and the front matter that
goes with them (series, series_order, related, likes, share)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build.content import parse_document, source_from_text
from generator.core.config import SiteConfig, parse_config
from generator.core.engagement import SHARE_TARGETS
from generator.core.errors import SiteError
from generator.core.models import Document, Kind

ROOT = Path("/site")
MINIMAL = "title: Notes\nbase_url: https://notes.example\n"


def parse(text: str) -> SiteConfig:
    return parse_config(MINIMAL + text, "site.yaml", ROOT)


def problems(text: str) -> list[str]:
    with pytest.raises(SiteError) as caught:
        parse(text)
    return [str(problem) for problem in caught.value.problems]


def test_everything_is_on_by_default() -> None:
    engagement = parse("").engagement
    assert engagement.likes.enabled and not engagement.likes.on_listings
    assert engagement.share.targets == SHARE_TARGETS
    assert engagement.search.enabled and engagement.search.pagefind
    assert engagement.related.enabled and engagement.related.count == 3


def test_each_section_is_read() -> None:
    engagement = parse(
        "likes: {enabled: false, on_listings: true, export_seconds: 0}\n"
        "share: {targets: [email, copy]}\nsearch: {pagefind: false}\n"
        "related: {count: 5}\n"
    ).engagement
    assert not engagement.likes.enabled and engagement.likes.on_listings
    assert engagement.likes.export_seconds == 0
    assert engagement.share.targets == ("email", "copy")
    assert not engagement.search.pagefind
    assert engagement.related.count == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("likes: {enabeld: false}\n", 'site.yaml:3: likes.enabeld: unknown key (did you mean'),
        ("share: {targets: [email, myspace]}\n",
         "site.yaml:3: share.targets: expected a list drawn from email, mastodon, bluesky"),
        ("share: {mastodon_share: 'http://x.example'}\n",
         "site.yaml:3: share.mastodon_share: expected an https URL"),
        ("related: {count: 0}\n", "site.yaml:3: related.count: expected a whole number of at"),
        ("search: yes\n", "site.yaml:3: search: expected a mapping"),
    ],
)  # fmt: skip
def test_mistakes_name_the_line(text: str, expected: str) -> None:
    assert any(message.startswith(expected) for message in problems(text)), problems(text)


def document(front: str) -> Document:
    text = f"---\ntitle: T\ndate: 2024-01-01\n{front}---\nBody\n"
    source = source_from_text(Kind.POST, "content/posts/t.md", "t", text)
    return parse_document(source, parse(""))


def test_front_matter_of_series_related_likes_and_share() -> None:
    doc = document("series: On Endings\nseries_order: 2\nrelated: [a, /b/]\nlikes: false\n"
                   "share: false\n")  # fmt: skip
    assert doc.series == "On Endings" and doc.series_order == 2
    assert doc.related == ("a", "/b/")
    assert doc.likes is False and doc.share is False
    assert "series" not in doc.extra


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("series_order: 2\n", "content/posts/t.md:4: series_order: needs `series:`"),
        ("series: S\nseries_order: first\n",
         "content/posts/t.md:5: series_order: expected a whole number"),
        ("likes: maybe\n", "content/posts/t.md:4: likes: expected true or false"),
    ],
)  # fmt: skip
def test_front_matter_mistakes_name_file_and_line(front: str, expected: str) -> None:
    with pytest.raises(SiteError) as caught:
        document(front)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(expected) for m in messages), messages
