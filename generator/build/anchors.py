"""Ids on a rendered page: every one unique, the theme's and the footnotes' first.

A page holds ids from three sources: the theme (`#main`, `#comments`, `#respond`, the
form's fields, `comment-<id>` for each comment), the Markdown renderer (footnotes
`fn1`/`fnref1`, and the author's own raw HTML) and heading anchors. Old links into a
WordPress site point at `#comments` and `#respond`, the skip link at `#main`, so those
win; a heading whose text would give a taken id gets the first free `-1`, `-2`… suffix.
The theme declares its ids in theme.yaml (`reserved_ids`, where `comment-*` reserves a
whole family); headings that fall into a family are prefixed with `section-` instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it.token import Token

_HTML_ID = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


@dataclass(frozen=True)
class ReservedIds:
    """Ids a theme puts on its pages: exact names, and families given as `prefix-*`."""

    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    @classmethod
    def from_names(cls, names: Iterable[str]) -> ReservedIds:
        names = list(names)
        return cls(
            frozenset(n for n in names if not n.endswith("*")),
            tuple(sorted({n[:-1] for n in names if n.endswith("*") and len(n) > 1})),
        )

    def in_family(self, anchor: str) -> bool:
        return anchor.startswith(self.prefixes) if self.prefixes else False

    def key(self) -> str:
        """A stable text for cache and render keys: rendered ids depend on it."""
        return " ".join(sorted(self.exact)) + "|" + " ".join(self.prefixes)


NO_RESERVED_IDS = ReservedIds()


def inline_text(token: Token) -> str:
    """The text of an inline token as a reader sees it: line breaks are spaces."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _footnote_ids(env: dict[str, Any]) -> set[str]:
    notes = env.get("footnotes", {}).get("list", {})
    return {f"{kind}{number + 1}" for number in range(len(notes)) for kind in ("fn", "fnref")}


def _html_ids(tokens: list[Token]) -> set[str]:
    """Ids the author wrote in raw HTML, block or inline."""
    found: set[str] = set()
    for token in tokens:
        pieces = [token] if token.type == "html_block" else token.children or []
        for piece in pieces:
            if piece.type in ("html_block", "html_inline") and "id" in piece.content.lower():
                found.update(
                    next(g for g in m.groups() if g is not None)
                    for m in _HTML_ID.finditer(piece.content)
                )
    return found


def assign_heading_ids(
    tokens: list[Token], env: dict[str, Any], slugify: Callable[[str], str]
) -> None:
    """Give every heading an id unique on the page (a core rule, run after footnotes)."""
    reserved: ReservedIds = env.get("reserved_ids", NO_RESERVED_IDS)
    used = set(reserved.exact) | _footnote_ids(env) | _html_ids(tokens)
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id"):
            continue
        token.attrSet("id", unique_anchor(inline_text(tokens[index + 1]), used, reserved, slugify))


def unique_anchor(
    text: str, used: set[str], reserved: ReservedIds, slugify: Callable[[str], str]
) -> str:
    """A heading's id: its slug (`section` when it has none), `section-` before it inside a
    reserved family, then the first free `-1`, `-2`… suffix; added to ``used``.

    The one rule for both renderers (the reference's core rule above, markdown_fast.py)."""
    base = slugify(text) or "section"
    if reserved.in_family(base):
        base = f"section-{base}"
    anchor, number = base, 0
    while anchor in used:
        number += 1
        anchor = f"{base}-{number}"
    used.add(anchor)
    return anchor
