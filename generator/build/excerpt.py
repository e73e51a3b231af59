"""An essay's excerpt, as tokens: what listings and feeds show in place of the whole.

The text before `<!-- more -->` (at any depth: inside a list or a blockquote too), else
the author's summary, else the first top-level paragraph. What is cut off inside a
container is closed again, so the excerpt is always balanced HTML. An excerpt is shown
away from its essay, among others: footnote marks would lead nowhere and heading ids
would repeat on a listing page, so both are left out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token

MORE_MARKER = re.compile(r"^\s*<!--\s*more\s*-->\s*$")


def more_index(tokens: list[Token]) -> int | None:
    return next(
        (
            i
            for i, t in enumerate(tokens)
            if t.type == "html_block" and MORE_MARKER.match(t.content)
        ),
        None,
    )


def balanced(tokens: list[Token]) -> list[Token]:
    """``tokens`` with containers left open at the end emptied out or closed."""
    from markdown_it.token import Token  # the reference's: imported with it, not before

    tokens = list(tokens)
    while tokens and tokens[-1].nesting == 1:  # a container opened just before the cut
        tokens.pop()
    opened: list[Token] = []
    for token in tokens:
        if token.nesting == 1:
            opened.append(token)
        elif token.nesting == -1 and opened:
            opened.pop()
    closers = [
        Token(
            opener.type.removesuffix("_open") + "_close",
            opener.tag,
            -1,
            level=opener.level,
            markup=opener.markup,
            block=opener.block,
            hidden=opener.hidden,
        )
        for opener in reversed(opened)
    ]
    return tokens + closers


def first_paragraph(tokens: list[Token]) -> list[Token]:
    for start, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            for end in range(start + 1, len(tokens)):
                if tokens[end].type == "paragraph_close" and tokens[end].level == 0:
                    return tokens[start : end + 1]
    return []


def for_listing(tokens: list[Token]) -> list[Token]:
    """No footnotes, no footnote marks, no heading ids: the excerpt stands among others."""
    ends = [i for i, token in enumerate(tokens) if token.type == "footnote_block_open"]
    tokens = tokens[: ends[0]] if ends else tokens
    shown: list[Token] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            token = token.copy(children=[c for c in token.children if c.type != "footnote_ref"])
        elif token.type == "heading_open" and token.attrGet("id") is not None:
            token = token.copy(attrs={k: v for k, v in token.attrs.items() if k != "id"})
        shown.append(token)
    return shown
