"""Checks every built page must pass: unique ids, balanced HTML, comments readable as mf2.

Each returns a list of problems (empty when the page is right), so a test over a whole
site reports every page's problems at once.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from typing import Any

import mf2py

from tests.htmldom import VOID, parse_html


def duplicate_ids(html: str) -> list[str]:
    ids = Counter(el.attrs["id"] for el in parse_html(html).iter() if "id" in el.attrs)
    return [f'id "{name}" appears {count} times' for name, count in ids.items() if count > 1]


class _Balance(HTMLParser):
    """Every element that is opened is closed, in order (Salon writes every end tag)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, int]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        line = self.getpos()[0]
        if not self.open:
            self.problems.append(f"line {line}: </{tag}> closes nothing")
        elif self.open[-1][0] != tag:
            opened, at = self.open[-1]
            self.problems.append(f"line {line}: </{tag}> while <{opened}> (line {at}) is open")
            if any(name == tag for name, _ in self.open):
                while self.open and self.open.pop()[0] != tag:
                    pass
        else:
            self.open.pop()


def unbalanced(html: str) -> list[str]:
    checker = _Balance()
    checker.feed(html)
    checker.close()
    return checker.problems + [f"<{tag}> of line {line} never closed" for tag, line in checker.open]


def _entries(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        if "h-entry" in item.get("type", []):
            found.append(item)
        found.extend(_entries(item.get("children", [])))
    return found


def _url(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("value") or (value.get("properties", {}).get("url") or [""])[0])
    return str(value)


def comment_problems(html: str, url: str) -> list[str]:
    """The post's h-entry holds every shown comment as `comment` (h-cite, h-card author),
    and each reply names its parent with `in-reply-to`."""
    doc = parse_html(html)
    shown = [li for li in doc.find_all("li", class_="comment") if "removed" not in li.classes()]
    parents = {}
    subtree: dict[str, set[str]] = {}  # a comment's id: the ids of the comments under it
    for li in doc.find_all("li", class_="comment"):
        subtree[li.attrs["id"]] = {
            el.attrs["id"] for el in li.iter() if el.tag == "li" and "comment" in el.classes()
        }
    for li in shown:
        ancestor = li.parent
        while ancestor is not None and not (
            ancestor.tag == "li" and "comment" in ancestor.classes()
        ):
            ancestor = ancestor.parent
        parents[li.attrs["id"]] = ancestor.attrs["id"] if ancestor is not None else None
    if not shown:
        return []
    entries = _entries(mf2py.parse(doc=html, url=url)["items"])
    if len(entries) != 1:
        return [f"expected one h-entry, found {len(entries)}"]
    comments = entries[0]["properties"].get("comment", [])
    problems = []
    if len(comments) != len(shown):
        problems.append(f"{len(shown)} comments on the page, {len(comments)} in the h-entry")
    for comment in comments:
        if "h-cite" not in comment.get("type", []):
            problems.append(f"a comment is {comment.get('type')}, not h-cite")
            continue
        props = comment["properties"]
        own = _url((props.get("url") or [""])[0]).rsplit("#", 1)[-1]
        authors = props.get("author", [])
        if not authors or "h-card" not in authors[0].get("type", []):
            problems.append(f"comment {own}: its author is not an h-card")
        if own not in parents:
            problems.append(f"comment {own}: its u-url is not the comment's own address")
            continue
        parent = parents[own]
        replied = [_url(value).rsplit("#", 1)[-1] for value in props.get("in-reply-to", [])]
        # A reply names its parent; below the depth cap, replies are shown under an
        # ancestor, so the parent named is then among the comments under that ancestor.
        if parent is not None and (len(replied) != 1 or replied[0] not in subtree[parent]):
            problems.append(f"comment {own}: in-reply-to {replied}, shown under {parent}")
        if parent is None and replied:
            problems.append(f"comment {own}: a top-level comment replies to {replied}")
    return problems
