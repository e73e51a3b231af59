"""Salon's shortcut before linkify-it's pretest gives exactly what the library gives.

`maybe_link` may say True where no link is (the library then decides), never False where
the library's pretest is True. Proven on linkify-it-py's own link fixtures (fetched by
tests/fetch_conformance.py) and on generated text built from the pattern's pieces.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt

from generator.build.markdown import build_markdown, render
from generator.contract.comment_html import comment_markdown
from generator.contract.link_pretest import maybe_link
from tests.conformance import conformance_file

LIBRARY = LinkifyIt()


def _fixture_lines(name: str) -> list[str]:
    path = conformance_file("linkify-it-py", f"test/fixtures/{name}")
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("%"):
            continue
        lines.append(re.sub(r"\s+%.*$", "", line))
    return lines


@lru_cache(maxsize=1)
def _with_library_pretest() -> MarkdownIt:
    md = build_markdown()
    assert md.linkify is not None
    del md.linkify.pretest  # Salon's shortcut is an instance attribute; the class's remains
    return md


@pytest.mark.parametrize("name", ["links.txt", "not_links.txt"])
def test_shortcut_agrees_with_the_library_on_its_own_fixtures(name: str) -> None:
    lines = _fixture_lines(name)
    assert len(lines) > 30
    shortcut = build_markdown()
    assert shortcut.linkify is not None
    for line in lines:
        assert shortcut.linkify.pretest(line) == LIBRARY.pretest(line), line
        assert shortcut.render(line) == _with_library_pretest().render(line), line


def test_every_fixture_link_passes_the_shortcut() -> None:
    for line in _fixture_lines("links.txt"):
        if LIBRARY.match(line):
            assert maybe_link(line), line


def test_protocol_relative_and_localhost_links_are_linked_as_the_library_links_them() -> None:
    out = render("See //localhost/x and http://localhost:8080/ today.\n").html
    assert '<a href="//localhost/x">//localhost/x</a>' in out
    assert '<a href="http://localhost:8080/">' in out
    # Comments use the same shortcut (their renderer then refuses scheme-less links).
    comments = comment_markdown().linkify
    assert comments is not None
    for line in _fixture_lines("links.txt"):
        assert comments.pretest(line) == LIBRARY.pretest(line), line


# Text made of the pieces linkify-it's pretest looks for, in any case, with the
# characters Python's case-insensitive matching folds onto them ("ſ", "K", "İ", "ı").
_PIECES = st.sampled_from(
    [
        "http:", "HTTPS:", "httpſ:", "ftp:", "mailto:", "//", "/", ":", "@", ".", "www",
        "WWW.", "localhost", "LOCALHOſT", "Localho", "com", "рф", "1", "12", "x", " ",
        "\n", "_", "-", ">", "<", "|", "ſ", "K", "İ", "ı", "é", "e.g", "a.b", "...",
    ]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, max_size=8).map("".join))
def test_the_shortcut_never_hides_what_the_library_would_consider(text: str) -> None:
    if LIBRARY.pretest(text):
        assert maybe_link(text), text


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_the_shortcut_never_hides_a_link_in_any_text(text: str) -> None:
    if LIBRARY.pretest(text):
        assert maybe_link(text), text
