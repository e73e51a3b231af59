"""Slugs, permalinks and output paths: pure, and never a path outside output/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build.output_set import check_relative
from generator.core.errors import SiteError
from generator.core.urls import (
    UnsafePath,
    _normalised_output_path,
    iri_to_uri,
    is_safe_segment,
    normalise_url,
    output_path,
    page_url,
    permalink,
    slug_from_filename,
    slugify,
    taxonomy_url,
)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  The   Alliance  ", "the-alliance"),
        ("Don't panic", "dont-panic"),
        ("Don’t panic", "dont-panic"),
        ("snake_case and-dashes", "snake-case-and-dashes"),
        ("Über die Stille", "über-die-stille"),
        ("Психология слушания", "психология-слушания"),
        ("ﬁne ligature", "fine-ligature"),  # NFKC
        ("???", ""),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slug_from_filename_drops_a_date_prefix() -> None:
    assert slug_from_filename("2024-05-01-On Listening") == "on-listening"
    assert slug_from_filename("2024-notes") == "2024-notes"


@pytest.mark.parametrize("segment", ["essay", "café", "v1.2", "2024"])
def test_safe_segments(segment: str) -> None:
    assert is_safe_segment(segment)


@pytest.mark.parametrize(
    "segment", ["", ".", "..", ".hidden", "a/b", "a\\b", "a b", "a?b", "a#b", "100%", "a\x00"]
)
def test_unsafe_segments(segment: str) -> None:
    assert not is_safe_segment(segment)


def test_permalink_fills_every_placeholder() -> None:
    moment = datetime(2024, 3, 7, 23, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert permalink("/{year}/{month}/{slug}/", "walks", moment) == "/2024/03/walks/"
    assert permalink("/{year}/{month}/{day}/{slug}/", "walks", moment) == "/2024/03/07/walks/"
    assert permalink("/{category}/{slug}/", "walks", moment, "Field Notes") == (
        "/field-notes/walks/"
    )
    assert permalink("/{category}/{slug}/", "walks", moment) == "/uncategorized/walks/"
    assert permalink("/essays/{slug}.html", "walks", moment) == "/essays/walks.html"


def test_permalink_uses_the_date_as_written_in_its_own_timezone() -> None:
    late = datetime(2024, 12, 31, 23, 30, tzinfo=ZoneInfo("Pacific/Auckland"))
    assert permalink("/{year}/{month}/{day}/{slug}/", "x", late) == "/2024/12/31/x/"


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("/", "/"),
        ("", "/"),
        ("about", "/about/"),
        ("/about", "/about/"),
        ("//about//me/", "/about/me/"),
        ("/./about/", "/about/"),
        ("/feed.xml", "/feed.xml"),
        ("/old/page.html", "/old/page.html"),
    ],
)
def test_normalise_url(url: str, normal: str) -> None:
    assert normalise_url(url) == normal


@pytest.mark.parametrize("url", ["/../x/", "/a/../../b/", "..", "/a\\..\\b/", "/a\x00/"])
def test_normalise_url_refuses_escapes(url: str) -> None:
    with pytest.raises(UnsafePath):
        normalise_url(url)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/", "index.html"),
        ("/2024/05/walks/", "2024/05/walks/index.html"),
        ("/feed.xml", "feed.xml"),
        ("/tags/grief/page/2/", "tags/grief/page/2/index.html"),
    ],
)
def test_output_path(url: str, path: str) -> None:
    assert output_path(url) == path


@pytest.mark.parametrize("url", ["/../../etc/passwd", "../x/", "/a/../../b/", "/x\\..\\..\\y"])
def test_output_path_refuses_to_leave_output(url: str) -> None:
    with pytest.raises(UnsafePath):
        output_path(url)


def test_taxonomy_and_page_urls() -> None:
    assert taxonomy_url("tags", "Therapeutic Relationship") == "/tags/therapeutic-relationship/"
    assert taxonomy_url("tags", "!!!") == "/tags/untitled/"
    assert page_url("/", 1) == "/"
    assert page_url("/", 2) == "/page/2/"
    assert page_url("/tags/grief/", 3) == "/tags/grief/page/3/"


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a/b.html", "a/b.html"), ("./a//b/./c.html", "a/b/c.html"), ("feed.xml", "feed.xml")],
)
def test_output_paths_are_normalised(path: str, expected: str) -> None:
    assert check_relative(path) == expected


@pytest.mark.parametrize(
    "path", ["../x", "/etc/passwd", "a/../../x", "a/..", "a\\b", "a\x00b", "", ".", "//x"]
)
def test_output_paths_that_would_leave_output_are_refused(path: str) -> None:
    with pytest.raises(SiteError, match="it would leave output/"):
        check_relative(path)


@pytest.mark.parametrize(
    ("iri", "uri"),
    [
        ("https://a.example/plain/", "https://a.example/plain/"),
        ("https://a.example/tags/über/", "https://a.example/tags/%C3%BCber/"),
        ("https://a.example/%C3%BC/", "https://a.example/%C3%BC/"),  # already encoded: kept
        ("https://a.example/a b/?q=ä#f ö", "https://a.example/a%20b/?q=%C3%A4#f%20%C3%B6"),
        ("https://bücher.example:8080/x/", "https://xn--bcher-kva.example:8080/x/"),
        ("tag:a.example,2025-01-06:comment-ä", "tag:a.example,2025-01-06:comment-%C3%A4"),
        ('https://a.example/a"b<c>{d}/', "https://a.example/a%22b%3Cc%3E%7Bd%7D/"),
    ],
)
def test_iri_to_uri_percent_encodes_what_a_uri_cannot_carry(iri: str, uri: str) -> None:
    assert iri_to_uri(iri) == uri
    assert iri_to_uri(uri) == uri  # idempotent


def _answer(function: Callable[[str], str], url: str) -> str:
    try:
        return function(url)
    except UnsafePath:
        return "refused"


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(["/", ".", "..", "a", "feed.xml", "é", "\\", "\x00", "-"]),
                max_size=9).map("".join))  # fmt: skip
def test_output_path_answers_as_the_general_path_does(url: str) -> None:
    assert _answer(output_path, url) == _answer(_normalised_output_path, url)
