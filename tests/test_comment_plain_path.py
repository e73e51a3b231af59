"""Plain-prose comment bodies skip Markdown: the shortcut must change nothing.

Thousands of generated bodies, built from fragments chosen to sit on every edge of the
shortcut (typographer sequences, apostrophes, list markers, links, spacing), are rendered
both ways; wherever the shortcut answers, its HTML must equal the full pipeline's.
"""

from __future__ import annotations

import random

import pytest

from generator.contract.comment_html import comment_markdown, plain_comment_html, sanitise_html
from tests.hostile_corpus import FEED_ONLY, HOSTILE


def full_pipeline(text: str) -> str:
    return sanitise_html(comment_markdown().render(text))


WORDS = [
    "word", "Thank", "you", "I'm", "don't", "isn't", "l'été", "café", "Øresund", "naïve",
    "2019", "5'6", "12", "x", "3rd", "so-called", "well—said", "yes–no", "end.", "Why?",
    "Wow!", "Well,", "Hm;", "note:", "(aside)", "50%", "and/or", "…", "“quoted”", "‘single’",
    "\n", "\n\n",
]  # fmt: skip
EDGES = [
    "'quoted'", "'", "rock 'n' roll", "..", "...", "--", "---", ",,", "????", "!!!!", "?…",
    "!…", "(c)", "(TM)", "(r)", "+-", "example.com", "www.x", "http://x.y", "a@b.c", "e.g.",
    "*em*", "_u_", "`code`", "~~s~~", "<b>", "&amp;", "&", "#tag", "[link]", "> quote",
    "1.", "1)", "- item", "+ item", "* item", "\\", "|", "=", "  ", "\t", " ", "\n", "\n\n",
    "\n\n\n", "\n ", " \n", "\n    code", "日本語", "Привет", "مرحبا", "😀", "\u00a0", "\r\n",
]  # fmt: skip


def random_bodies(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        parts = [
            rng.choice(EDGES if rng.random() < 0.08 else WORDS) for _ in range(rng.randint(1, 12))
        ]
        bodies.append("".join(p if rng.random() < 0.3 else p + " " for p in parts).strip(" "))
    return bodies


def test_shortcut_matches_the_full_pipeline_on_generated_bodies() -> None:
    bodies = random_bodies(20000, seed=7)
    taken = 0
    for body in bodies:
        plain = plain_comment_html(body)
        if plain is not None:
            taken += 1
            assert plain == full_pipeline(body), repr(body)
    # The generator must exercise the shortcut, not only its refusals.
    assert taken > 2000


@pytest.mark.parametrize("text", HOSTILE + FEED_ONLY)
def test_shortcut_matches_or_refuses_hostile_text(text: str) -> None:
    plain = plain_comment_html(text)
    assert plain is None or plain == full_pipeline(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thank you for this.", "<p>Thank you for this.</p>\n"),
        ("I'm grateful — it's true.", "<p>I’m grateful — it’s true.</p>\n"),
        ("One line\nnext line\n\nNew one", "<p>One line<br>\nnext line</p>\n<p>New one</p>\n"),
    ],
)  # fmt: skip
def test_plain_prose_takes_the_shortcut(text: str, expected: str) -> None:
    assert plain_comment_html(text) == expected
    assert full_pipeline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Some *emphasis* here",
        "1. a list",
        "see example.com",
        "Wait... what",
        "copyright (c) me",
        "a -- b",
        "'quoted'",
        "x < y",
        "fish & chips",
        "trailing space \nnext",
        "    indented code",
        "",
    ],
)
def test_anything_markdown_could_change_takes_the_full_pipeline(text: str) -> None:
    assert plain_comment_html(text) is None
