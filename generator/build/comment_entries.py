"""Comments as feed entries: stable tag: ids and RFC 4685 threading. Pure.

A comment's Atom id must never change and must not pretend to be an address: it is a
tag: URI (RFC 4151) made of the site's host, the day the comment was written and the
comment's id. Each entry says what it answers (`thr:in-reply-to`): its parent comment,
or the essay itself, whose Atom id is the essay's address.
"""

from __future__ import annotations

from datetime import UTC
from functools import lru_cache
from urllib.parse import urlsplit

from generator.build.feeds import FeedItem, InReplyTo
from generator.core.models import PublicComment


@lru_cache(maxsize=8)  # one site address per build: asked once for every comment entry
def tag_authority(base_url: str) -> tuple[str, str]:
    """The host (IDNA, without a port) and the path of the site's address."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "localhost").encode("idna").decode("ascii")
    return host, parts.path.rstrip("/")


def comment_id_uri(base_url: str, comment: PublicComment) -> str:
    """`tag:example.org,2025-01-06:comment-a1b2` (the site's path, if any, before `comment-`)."""
    host, path = tag_authority(base_url)
    day = comment.created.astimezone(UTC).date().isoformat()
    return f"tag:{host},{day}:{path}{'/' if path else ''}comment-{comment.id}"


def comment_item(
    comment: PublicComment,
    parent: PublicComment | None,
    essay_title: str,
    essay_url: str,
    body_html: str,
    base_url: str,
) -> FeedItem:
    """One comment as an entry; ``essay_url`` is absolute, ``parent`` None at the top."""
    if parent is None:
        reply = InReplyTo(essay_url, essay_url)
    else:
        reply = InReplyTo(comment_id_uri(base_url, parent), f"{essay_url}#comment-{parent.id}")
    return FeedItem(
        f"{comment.author} on “{essay_title}”",
        f"{essay_url}#comment-{comment.id}",
        comment.created,
        comment.created,
        body_html,
        comment.author,
        (),
        comment_id_uri(base_url, comment),
        reply,
    )
