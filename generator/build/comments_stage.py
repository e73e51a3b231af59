"""The comments stage: the feed parsed (once per feed), and the safe HTML of every
comment body, by comment id."""

from __future__ import annotations

import dataclasses
import marshal
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from generator.build.cache import (
    BuildCache,
    cache_key,
    comment_map,
    feed_rows,
    save_comment_map,
    save_feed_rows,
    save_thread_digests,
    thread_digests,
)
from generator.build.pools import run_cached
from generator.build.source_record import feed_digest
from generator.build.threads import merge_comments
from generator.contract.comment_html import plain_comment_html, render_comment_body
from generator.contract.feed import Feed, parse_feed_document
from generator.contract.theme_page import Thread
from generator.core.errors import Problem
from generator.core.models import PublicComment

_COMMENT_FIELDS = tuple(f.name for f in dataclasses.fields(PublicComment))
_TIME_FIELDS = ("created",)  # kept as ISO text in the rows; every other field is plain


def parse_feed_cached(
    cache: BuildCache, text: str | Callable[[], str], path: str, digest: str | None = None
) -> Feed:
    """parse_feed_document(text, path), from the cache when this very text was parsed before.

    ``text`` may be a function that reads it, called only when the cache has no feed under
    ``digest`` (an unchanged feed is then not even read; source_record.py).

    Checking a big feed costs a build with one essay edited more than any other step (a
    third of a second per 10,000 comments); the checked comments are kept as plain rows
    (marshal, five times faster to load than pickled objects), with the like counts, under
    the hash of the feed's text. A feed with a problem is never stored: it is checked, and
    refused, again.
    """
    if digest is None:
        text = text if isinstance(text, str) else text()
        digest = feed_digest(text)
    key = cache_key("feed", digest, repr(_COMMENT_FIELDS))
    stored = feed_rows(cache, key)
    if stored is not None:
        try:
            rows, likes = marshal.loads(stored)
            return Feed(_from_rows(rows), {str(post): int(n) for post, n in likes.items()})
        except (ValueError, TypeError, EOFError, AttributeError):  # damaged, or another format
            pass
    feed = parse_feed_document(text if isinstance(text, str) else text(), path)
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


def merge_threads(
    cache: BuildCache,
    comments: Sequence[PublicComment],
    digest: str,
    post_keys: Iterable[str],
    max_depth: int,
    feed_path: str,
) -> tuple[dict[str, Thread], list[Problem]]:
    """merge_comments(), each thread's fingerprint from the cache when the feed (``digest``,
    its text's hash), the posts and the depth are those it was computed for.

    Hashing every field of 50,000 comments was half of merging them; the fingerprints
    change only with the feed, so a build with an essay edited reuses them all.
    """
    keys = sorted(post_keys)
    key = cache_key("threads", digest, str(max_depth), "\0".join(keys), repr(_COMMENT_FIELDS))
    known: dict[str, str] | None = None
    stored = thread_digests(cache, key)
    if stored is not None:
        try:
            loaded = marshal.loads(stored)
        except (ValueError, TypeError, EOFError):  # damaged, or another Python's format
            loaded = None
        if isinstance(loaded, dict):
            known = loaded
    threads, warnings = merge_comments(comments, keys, max_depth, feed_path, known)
    if known is None:
        fresh = {post: thread.fingerprint for post, thread in threads.items()}
        save_thread_digests(cache, key, marshal.dumps(fresh))
    return threads, warnings


def render_comments(
    cache: BuildCache,
    comments: Sequence[PublicComment],
    feed_hash: str,
    jobs: int | None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, str]:
    """Safe HTML of each comment's body, by comment id.

    Plain prose is turned into paragraphs here; bodies with Markdown are rendered in
    parallel and cached by their hash. The whole map is kept too, a row per comment
    under the hash of the feed's text (``feed_hash``: the comments are parsed from it),
    so a build whose feed did not change reads it back at once, without hashing every
    body again (rows rather than one pickle or JSON text, which would cost a big build
    a hundred megabytes of memory while being made).
    """
    whole = cache_key("comment map", feed_hash)
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
