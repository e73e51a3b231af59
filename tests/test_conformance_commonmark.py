"""The CommonMark spec's 652 examples through Salon's own renderer.

Salon is CommonMark plus additions (markdown.FEATURES) and heading anchors. An example
whose output differs is explained only if leaving out one or two of those additions (or
stripping the heading ids) gives the spec's HTML byte for byte; anything else is a bug
in Salon's renderer and fails the test.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from functools import lru_cache
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.utils import read_fixture_file

from generator.build.markdown import FEATURES, build_markdown, render
from tests.conformance import conformance_file

_HEADING_ID = re.compile(r'(<h[1-6]) id="[^"]*"')


@lru_cache(maxsize=1)
def _examples() -> list[dict[str, Any]]:
    path = conformance_file("markdown-it-py", "tests/test_cmark_spec/commonmark.json")
    examples: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return examples


@lru_cache(maxsize=64)
def _variant(without: frozenset[str]) -> MarkdownIt:
    return build_markdown(without)


def _without_anchors(html: str) -> str:
    return _HEADING_ID.sub(r"\1", html)


def classify(markdown: str, expected: str) -> str:
    """ "exact", the additions that explain a difference ("anchors+linkify"), or "unexplained"."""
    html = render(markdown).html
    if html == expected:
        return "exact"
    if _without_anchors(html) == expected:
        return "anchors"
    for size in (1, 2):
        for leave_out in itertools.combinations(FEATURES, size):
            variant = _variant(frozenset(leave_out)).render(markdown)
            if variant == expected:
                return "+".join(leave_out)
            if _without_anchors(variant) == expected:
                return "+".join(("anchors", *leave_out))
    # markdown-it-py itself writes an empty blockquote on one line (examples 218, 239, 240):
    # the library's own difference, in whitespace only, which Salon's additions do not touch.
    plain = MarkdownIt("commonmark", {"html": True}).render(markdown)
    bare = _without_anchors(_variant(frozenset(FEATURES)).render(markdown))
    if bare == plain and _squeezed(plain) == _squeezed(expected):
        return "markdown-it-py whitespace"
    return "unexplained"


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


def test_every_commonmark_example_matches_or_is_explained_by_an_addition() -> None:
    examples = _examples()
    assert len(examples) == 652
    kinds = {
        example["example"]: classify(example["markdown"], example["html"]) for example in examples
    }
    counts = Counter(kinds.values())
    print("\nCommonMark spec through Salon:", dict(sorted(counts.items())))
    unexplained = [number for number, kind in kinds.items() if kind == "unexplained"]
    assert unexplained == [], f"examples that differ for no reason: {unexplained}"
    # Most of the spec is untouched by Salon's additions; a sudden drop means one of them
    # now reaches where it should not.
    assert counts["exact"] >= 575


def test_the_classifier_catches_a_real_difference() -> None:
    assert classify("*a*\n", "<p><em>a</em></p>\n") == "exact"
    assert classify("# A\n", "<h1>A</h1>\n") == "anchors"
    assert classify('"a"\n', "<p>&quot;a&quot;</p>\n") == "typographer"
    assert classify("*a*\n", "<p><strong>a</strong></p>\n") == "unexplained"
    assert classify(">\n", "<blockquote>\n</blockquote>\n") == "markdown-it-py whitespace"
    assert classify(">\n", "<blockquote>\n<p></p></blockquote>\n") == "unexplained"


@pytest.mark.parametrize("name", ["tables.md", "strikethrough.md"])
def test_table_and_strikethrough_fixtures_match_or_are_explained(name: str) -> None:
    path = conformance_file("markdown-it-py", f"tests/test_port/fixtures/{name}")
    cases = read_fixture_file(path)
    assert len(cases) > 10
    kinds = {
        f"{title} (line {line})": classify(text, expected) for line, title, text, expected in cases
    }
    print(f"\n{name} through Salon:", dict(sorted(Counter(kinds.values()).items())))
    assert [case for case, kind in kinds.items() if kind == "unexplained"] == []


@pytest.mark.parametrize("number", [1, 200, 652])
def test_the_spec_file_is_the_pinned_one(number: int) -> None:
    assert _examples()[number - 1]["example"] == number
