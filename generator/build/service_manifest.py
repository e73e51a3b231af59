"""The posts the comment service is told about (the posts manifest's entries)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from generator.contract.posts_manifest import PostInfo
from generator.core.config import SiteConfig
from generator.core.models import Document, Kind

if TYPE_CHECKING:  # a no-change build must not import the later steps' modules
    from generator.build.site import Entry


def manifest_posts(
    config: SiteConfig,
    docs: Sequence[Document],
    entries: Iterable[Entry],
    open_keys: set[str],
    likes: bool = False,
) -> list[PostInfo]:
    """Each published post: where it is, whether it takes comments and (when the site
    shows likes, ``likes``) likes; for the mail to followers also its date and excerpt
    (and its full text when followers get that)."""
    followers = config.email.followers
    by_key = {entry.key: entry for entry in entries}
    found = []
    for doc in docs:
        entry = by_key.get(doc.key)
        date = doc.date.isoformat() if doc.date else ""
        excerpt = entry.excerpt_html if entry is not None and followers.enabled else ""
        html = ""
        if entry is not None and followers.enabled and followers.content == "full":
            html = entry.html
        found.append(PostInfo(doc.key, doc.title, doc.url, doc.key in open_keys, date,
                              excerpt, html, likes=likes and doc.likes))  # fmt: skip
    return found


def next_scheduled(docs: Sequence[Document], now: datetime) -> str:
    """When the next scheduled essay falls due (ISO 8601), or "" if none is scheduled:
    the service tells the author, since only a build run then publishes (and mails) it."""
    due = [
        d.date for d in docs
        if d.kind is Kind.POST and not d.draft and d.date is not None and d.date > now
    ]  # fmt: skip
    return min(due).isoformat() if due else ""
