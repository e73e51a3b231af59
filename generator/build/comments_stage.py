"""The comments stage: the feed parsed (once per feed), and the safe HTML of every
comment body, by comment id."""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from generator.build.cache import (
    BuildCache,
    cache_key,
    comment_map,
    feed_rows,
    save_comment_map,
    save_feed_rows,
)
from generator.build.code_fingerprint import code_fingerprint
from generator.build.pools import run_cached
from generator.contract.comment_html import plain_comment_html, render_comment_body
from generator.contract.feed import Feed, parse_feed_document
from generator.core.models import PublicComment

_COMMENT_FIELDS = tuple(f.name for f in dataclasses.fields(PublicComment))
_TIME_FIELDS = ("created",)  # kept as ISO text in the rows; every other field is plain


def parse_feed_cached(cache: BuildCache, text: str, path: str) -> Feed:
    """parse_feed_document(text, path), from the cache when this very text was parsed before.

    Checking a big feed costs a build with one essay edited more than any other step (a
    third of a second per 10,000 comments); the checked comments are kept as plain rows
    (marshal, five times faster to load than pickled objects), with the like counts, under
    the hash of the feed's text. A feed with a problem is never stored: it is checked, and
    refused, again.
    """
    key = cache_key("feed", hashlib.sha1(text.encode()).hexdigest(), repr(_COMMENT_FIELDS))
    stored = feed_rows(cache, key)
    if stored is not None:
        try:
            rows, likes = marshal.loads(stored)
            return Feed(_from_rows(rows), {str(post): int(n) for post, n in likes.items()})
        except (ValueError, TypeError, EOFError, AttributeError):  # damaged, or another format
            pass
    feed = parse_feed_document(text, path)
    save_feed_rows(cache, key, marshal.dumps((_to_rows(feed.comments), dict(feed.likes))))
    return feed


def _to_rows(comments: Sequence[PublicComment]) -> list[tuple[object, ...]]:
    times = [_COMMENT_FIELDS.index(name) for name in _TIME_FIELDS]
    rows = []
    for comment in comments:
        row = [getattr(comment, name) for name in _COMMENT_FIELDS]
        for index in times:
            row[index] = row[index].isoformat()
        rows.append(tuple(row))
    return rows


def _from_rows(rows: list[tuple[object, ...]]) -> tuple[PublicComment, ...]:
    times = [_COMMENT_FIELDS.index(name) for name in _TIME_FIELDS]
    comments = []
    for row in rows:
        values = list(row)
        for index in times:
            values[index] = datetime.fromisoformat(str(values[index]))
        comments.append(PublicComment(*values))  # type: ignore[arg-type]
    return tuple(comments)


def render_comments(
    cache: BuildCache,
    comments: Sequence[PublicComment],
    jobs: int | None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, str]:
    """Safe HTML of each comment's body, by comment id.

    Plain prose is turned into paragraphs here; bodies with Markdown are rendered in
    parallel and cached by their hash. The whole map is kept too, a row per comment
    under the hash of every body, so a build whose feed did not change reads it back
    at once (rows rather than one pickle or JSON text, which would cost a big build a
    hundred megabytes of memory while being made).
    """
    digest = hashlib.sha1(code_fingerprint().encode())
    for comment in comments:
        if not comment.removed:
            digest.update(f"{comment.id}\0{comment.body}\1".encode())
    whole = digest.hexdigest()
    known = comment_map(cache, whole)
    if known is not None:
        return known
    html: dict[str, str] = {}
    keys: dict[str, str] = {}  # comment id: hash of a body that needs Markdown
    inputs: dict[str, str] = {}  # that hash: the body
    for comment in comments:
        if comment.removed:
            continue
        plain = plain_comment_html(comment.body)
        if plain is not None:
            html[comment.id] = plain
        else:
            keys[comment.id] = key = cache_key(comment.body)
            inputs[key] = comment.body
    rendered = run_cached(cache, "comments", inputs, render_comment_body, jobs, pool=pool)
    html.update((cid, rendered[key]) for cid, key in keys.items())
    cache.prune("comments", keys.values())
    save_comment_map(cache, whole, html)
    return html
