"""Internal links, images and #fragments of every essay, checked against what the build wrote.

Markdown rendering collects each link with its line (`collect_links`, pure, cached with the
rendered text); after the write step `check_links` resolves every site-internal one
against `output/` — the page or file must exist, and a fragment must be an id on the
target page — and returns a warning naming the source file and line for each that does not.
External links are checked only on request, by `salon check --external` (links_external.py).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.core.config import SiteConfig
from generator.core.errors import Problem

Link = tuple[str, int, bool]  # (the URL as written, its line in the body from 0, an image?)

_HTML_ATTR = re.compile(r"""\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_ID_ATTR = re.compile(r"""\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")
_BREAKS = ("softbreak", "hardbreak")


def collect_links(tokens: Sequence[Any]) -> tuple[Link, ...]:
    """Every link and image of a parsed Markdown body, with the line it is on (from 0)."""
    found: list[Link] = []
    for token in tokens:
        first = token.map[0] if token.map else None
        if first is None:
            continue
        if token.type == "html_block":
            found.extend(_html_links(token.content, first))
        if token.type != "inline" or not token.children:
            continue
        line = first
        for child in token.children:
            if child.type in _BREAKS:
                line += 1
            elif child.type == "link_open" and child.info != "auto":
                found.append((str(child.attrGet("href") or ""), line, False))
            elif child.type == "image":
                found.append((str(child.attrGet("src") or ""), line, True))
            elif child.type == "html_inline":
                found.extend(_html_links(child.content, line))
    return tuple(found)


def _html_links(html: str, first_line: int) -> list[Link]:
    return [
        (
            unescape(match.group(2) if match.group(2) is not None else match.group(3)),
            first_line + html.count("\n", 0, match.start()),
            match.group(1).lower() == "src",
        )
        for match in _HTML_ATTR.finditer(html)
    ]


@dataclass(frozen=True)
class PageLinks:
    """One document's links, and where to say a broken one is."""

    source: str  # content/posts/x.md
    url: str  # the page's own URL, which relative links start from
    body_line: int  # the line of the file where the body starts
    links: tuple[Link, ...]


def is_external(href: str) -> bool:
    parts = urlsplit(href)
    return bool(parts.scheme or parts.netloc)


def check_links(
    config: SiteConfig, pages: Iterable[PageLinks], held: Mapping[str, str] | None = None
) -> list[Problem]:
    """A warning for each internal link, image or fragment that leads nowhere in output/.

    ``held``: the URLs of drafts and scheduled posts left out of this build, by source, so
    that a link to one says why it leads nowhere."""
    checker = _Checker(config, held or {})
    problems: list[Problem] = []
    for page in pages:
        for href, line, image in page.links:
            reason = checker.broken(href, page.url)
            if reason is not None:
                what = "missing image" if image else "broken link"
                problems.append(Problem(f"{what} {href}: {reason}", page.source,
                                        page.body_line + line))  # fmt: skip
    return problems


class _Checker:
    def __init__(self, config: SiteConfig, held: Mapping[str, str]) -> None:
        self.held = held
        self.out = config.output_dir
        self.base = config.base_path
        # Served by the comment service beside the site, not files of it.
        self.service = (config.comments.endpoint.rstrip("/"), "/moderate")
        self.files: dict[str, str | None] = {}
        self.ids: dict[str, frozenset[str]] = {}

    def broken(self, href: str, page_url: str) -> str | None:
        """Why ``href`` on the page at ``page_url`` leads nowhere, or None when it is fine."""
        href = href.strip()
        if not href or is_external(href):
            return None
        parts = urlsplit(href)
        path = unquote(parts.path)
        if not path:
            path = page_url
        elif path.startswith("/"):
            if self.base:
                if path != self.base and not path.startswith(self.base + "/"):
                    where = f"outside the site's path {self.base}/ (base_url)"
                    return f"{where}; write {self.base}{path}"
                path = path[len(self.base) :] or "/"
        else:
            path = posixpath.normpath(posixpath.join(page_url, path)) + (
                "/" if path.endswith("/") else ""
            )
            if path.startswith("//"):
                path = path[1:]
        if any(path == prefix or path.startswith(prefix + "/") for prefix in self.service):
            return None
        target = self._file(path)
        if target is None:
            source = self.held.get(path if path.endswith("/") else path + "/")
            if source is not None:
                return f"it is {source}, a draft or a scheduled post, not published yet"
            return "no such page or file in output/"
        if parts.fragment and target.endswith(".html"):
            fragment = unquote(parts.fragment)
            if fragment not in self._ids(target):
                page = "this page" if not parts.path else path
                return f'{page} has no element with id "{fragment}"'
        return None

    def _file(self, path: str) -> str | None:
        """The file in output/ that a site path is served from (a folder's index.html)."""
        if path not in self.files:
            relative = path.lstrip("/")
            candidates = (
                [relative + "index.html"]
                if relative.endswith("/") or not relative
                else [relative, relative + "/index.html"]
            )
            self.files[path] = next(
                (c for c in candidates if ".." not in c.split("/") and (self.out / c).is_file()),
                None,
            )
        return self.files[path]

    def _ids(self, relative: str) -> frozenset[str]:
        if relative not in self.ids:
            try:
                text = (self.out / relative).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self.ids[relative] = frozenset(
                unescape(next(group for group in match.groups() if group is not None))
                for match in _ID_ATTR.finditer(text)
            )
        return self.ids[relative]
