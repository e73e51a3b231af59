"""The comments stage: the feed parsed (once per feed), its threads by post, and the
safe HTML of every comment body, by comment id."""

from __future__ import annotations

import marshal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.build.cache import (
    BuildCache,
    CommentHtmlStore,
    cache_key,
    comment_map,
    comment_map_kept,
    feed_rows,
    save_comment_map,
    save_feed_rows,
    save_thread_outline,
    thread_outline,
)
from generator.build.pools import run_cached
from generator.build.source_record import feed_digest
from generator.build.thread_store import Outline, ThreadStore, from_rows, grouped_rows, to_rows
from generator.build.threads import COMMENT_FIELDS, merge_comments
from generator.contract.comment_html import plain_comment_html, render_comment_body
from generator.contract.feed import Feed, parse_feed_document
from generator.core.errors import Problem, SiteError
from generator.core.models import PublicComment

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


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
    key = cache_key("feed", digest, repr(COMMENT_FIELDS))
    stored = feed_rows(cache, key)
    if stored is not None:
        try:
            rows, likes = marshal.loads(stored)
            return Feed(from_rows(rows), {str(post): int(n) for post, n in likes.items()})
        except (ValueError, TypeError, EOFError, AttributeError):  # damaged, or another format
            pass
    feed = parse_feed_document(text if isinstance(text, str) else text(), path)
    save_feed_rows(cache, key, marshal.dumps((to_rows(feed.comments), dict(feed.likes))))
    return feed


@dataclass(frozen=True)
class Comments:
    """What the comments stage gives the site model."""

    threads: ThreadStore
    warnings: list[Problem]
    likes: dict[str, int]
    # Safe HTML of each visible comment's body, by comment id: read from the cache as pages
    # ask for it when the feed is the one the cache kept it for (cache.CommentHtmlStore).
    html: Mapping[str, str]


def load_comments(
    cache: BuildCache,
    read_feed: Callable[[], str],
    digest: str,
    post_keys: Sequence[str],
    max_depth: int,
    feed_path: str,
    jobs: int | None,
    pool: ProcessPoolExecutor | None = None,
) -> Comments:
    """The feed whose text hashes to ``digest`` ("" for none) merged into threads.

    When this very feed was merged for the same posts and depth before, only the outline
    kept then is read (each thread's count and fingerprint, and the warnings): the threads
    are made one by one as pages ask for them (thread_store.py). Otherwise the feed is
    parsed (parse_feed_cached), every thread made and hashed, and the outline kept.
    """
    keys = sorted(post_keys)
    outline_key = _outline_key(digest, keys, max_depth)
    if digest:
        known = _stored_outline(cache, outline_key)
        if known is not None and comment_map_kept(cache, cache_key("comment map", digest)):
            outline, warnings, likes = known
            store = ThreadStore(outline, Path(cache.path), digest, max_depth, feed_path)
            return Comments(store, warnings, likes, CommentHtmlStore(Path(cache.path)))
    feed = parse_feed_cached(cache, read_feed, feed_path, digest) if digest else Feed(())
    threads, warnings = merge_comments(feed.comments, keys, max_depth, feed_path)
    store = ThreadStore.of(threads)
    if digest:
        problems = [(p.message, p.path, p.line) for p in warnings]
        kept = {"outline": dict(store.outline), "warnings": problems, "likes": dict(feed.likes)}
        save_thread_outline(cache, outline_key, marshal.dumps(kept),
                            grouped_rows(digest, feed.comments))  # fmt: skip
    html = render_comments(cache, feed.comments, digest, jobs, pool)
    return Comments(store, warnings, dict(feed.likes), html)


def _outline_key(digest: str, keys: Sequence[str], max_depth: int) -> str:
    return cache_key("threads", digest, str(max_depth), "\0".join(sorted(keys)),
                     repr(COMMENT_FIELDS))  # fmt: skip


def comments_known(
    cache: BuildCache, digest: str, post_keys: Sequence[str], max_depth: int
) -> bool:
    """Whether load_comments will find this feed's outline and comment HTML kept: without
    a feed, or when they are missing, it parses the feed."""
    key = _outline_key(digest, post_keys, max_depth)
    if not digest or not cache.keys_present("thread_outlines", [key]):
        return False
    return comment_map_kept(cache, cache_key("comment map", digest))


def prepare_comments(
    cache_path: str,
    read_feed: Callable[[], str],
    digest: str,
    post_keys: Sequence[str],
    max_depth: int,
    feed_path: str,
) -> tuple[Problem, ...]:
    """load_comments in a Markdown worker, for the parent to read from the cache.

    A cold build parsed 50,000 comments, threaded and rendered them in the parent, which
    then held them, with the feed's parsed JSON, at the build's peak of memory; a worker
    does it now, beside the Markdown, and keeps the outline, each post's rows and the
    comment HTML in the cache. Returns the problems of a feed that cannot be used.
    """
    return _problems_of(cache_path, lambda cache: load_comments(
        cache, read_feed, digest, post_keys, max_depth, feed_path, jobs=1))  # fmt: skip


def check_feed(cache_path: str, read_feed: Callable[[], str], digest: str, feed_path: str) -> (
    tuple[Problem, ...]
):  # fmt: skip
    """parse_feed_cached in a process of its own (pools.ForkedCall), forked while the build
    is small: the feed's parsed JSON (about three times its text) is the largest thing a
    cold build makes. Leaves the checked rows in the cache; returns the feed's problems."""
    return _problems_of(
        cache_path, lambda cache: parse_feed_cached(cache, read_feed, feed_path, digest)
    )


def _problems_of(cache_path: str, work: Callable[[BuildCache], object]) -> tuple[Problem, ...]:
    """``work`` in another process, on its own connection to the cache: the feed's
    problems, none when it did its work (what it made stays in the cache)."""
    cache = BuildCache(Path(cache_path))
    try:
        work(cache)
    except SiteError as exc:
        return exc.problems
    finally:
        cache.close()
    return ()


def feed_checked(cache: BuildCache, digest: str) -> bool:
    """Whether the cache holds the checked rows of the feed of ``digest`` (not read)."""
    return bool(cache.keys_present("feed_rows", [cache_key("feed", digest, repr(COMMENT_FIELDS))]))


def _stored_outline(
    cache: BuildCache, key: str
) -> tuple[Outline, list[Problem], dict[str, int]] | None:
    stored = thread_outline(cache, key)
    if stored is None:
        return None
    try:
        kept = marshal.loads(stored)
        outline = {str(post): (int(count), str(digest), _newest(newest))
                   for post, (count, digest, newest) in kept["outline"].items()}  # fmt: skip
        warnings = [Problem(str(message), path, line) for message, path, line in kept["warnings"]]
        likes = {str(post): int(n) for post, n in kept["likes"].items()}
    except (ValueError, TypeError, EOFError, KeyError, AttributeError):  # damaged, or older
        return None
    return outline, warnings, likes


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


def _newest(stored: Any) -> tuple[int, str] | None:
    """A thread's newest comment as kept: (microseconds, id), or None (marshal's types)."""
    return None if stored is None else (int(stored[0]), str(stored[1]))
