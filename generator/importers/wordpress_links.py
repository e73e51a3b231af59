"""The old site's addresses in a WordPress import: which old URLs become aliases of the new
pages, and how links inside the imported posts are pointed at the new URLs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from urllib.parse import unquote

from generator.core.urls import UnsafePath, normalise_url, split_url
from generator.importers.report import ImportReport


def old_address(link: str, old_hosts: Set[str], base_path: str) -> str | None:
    """An old URL as an alias: its path relative to the new site's base, with a
    `?p=ID` or `?page_id=ID` query kept; None for other sites and odd paths."""
    parts = split_url(link.strip())
    if parts is None:
        return None
    if parts.netloc and parts.netloc.lower() not in old_hosts:
        return None
    path = unquote(parts.path) or "/"
    if re.search(r"[%?#\s]", path):
        return None  # not a path a static host could serve from a file
    if base_path:
        if path != base_path and not path.startswith(base_path + "/"):
            return None  # outside the new site: no page here can stand for it
        path = path[len(base_path) :] or "/"
    try:
        address = normalise_url(path)
    except UnsafePath:
        return None
    query = re.match(r"^(p|page_id)=(\d+)$", parts.query)
    if query:
        return f"{address}?{query.group(0)}"
    return None if address == "/" or parts.query else address


@dataclass(frozen=True)
class LinkRewriter:
    """A link in an imported post, pointed at the new page when it named an old one."""

    targets: Mapping[str, str]  # old address (as an alias) -> new URL
    by_slug: Mapping[str, str]  # WordPress slug -> new URL, where unambiguous
    old_hosts: Set[str]
    base_path: str

    def __call__(self, href: str, report: ImportReport) -> str:
        parts = split_url(href)
        if parts is None or parts.scheme not in ("", "http", "https"):
            return href
        if not parts.netloc and not parts.path.startswith("/"):
            return href
        address = old_address(href, self.old_hosts, self.base_path)
        target = self.targets.get(address) if address else None
        if target is None and address and parts.netloc:
            # WordPress finds a post by its slug when the date in a link is off.
            target = self.by_slug.get(address.rstrip("/").rsplit("/", 1)[-1])
        if target is None:
            return href
        report.links_rewritten += 1
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return f"{self.base_path}{target}{fragment}"
