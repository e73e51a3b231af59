"""Comment threads by post key, each made when a page first asks for it.

A build needs every thread's count (listings) and fingerprint (render keys), but the
comments themselves only for the pages it renders: after one edit, one or two. Making
the 50,000 comments of a 5,000-essay site into objects and threading them all cost such
a build 0.6 s. So each build whose feed is unchanged reads the outline kept with the
feed (count and fingerprint of each thread, comments_stage.py) and makes a thread from
its post's own rows when it is asked for: merged alone, a post's comments give the very
thread the whole feed gives it, since a reply is shown only under a parent of its own
post (tests/test_thread_store.py compares the two).

Forked page workers open their own read-only connection to the cache, as
cache.RenderedStore does.
"""

from __future__ import annotations

import hashlib
import heapq
import marshal
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from generator.build.cache import ProcessReader, cache_key
from generator.build.threads import COMMENT_FIELDS, merge_comments
from generator.contract.theme_page import Thread
from generator.core.errors import SiteError
from generator.core.models import PublicComment

# post key: (visible comments, fingerprint, newest visible comment: (microseconds, id))
Outline = Mapping[str, tuple[int, str, tuple[int, str] | None]]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TIME_FIELDS = ("created",)  # kept as ISO text in the rows; every other field is plain
_TIMES = tuple(COMMENT_FIELDS.index(name) for name in _TIME_FIELDS)


def to_rows(comments: Sequence[PublicComment]) -> list[tuple[object, ...]]:
    rows = []
    for comment in comments:
        row = [getattr(comment, name) for name in COMMENT_FIELDS]
        for index in _TIMES:
            row[index] = row[index].isoformat()
        rows.append(tuple(row))
    return rows


def from_rows(rows: Sequence[Sequence[object]]) -> tuple[PublicComment, ...]:
    comments = []
    for row in rows:
        values = list(row)
        for index in _TIMES:
            values[index] = datetime.fromisoformat(str(values[index]))
        comments.append(PublicComment(*values))  # type: ignore[arg-type]
    return tuple(comments)


def rows_key(feed_digest: str, post: str) -> str:
    """Where the rows of ``post``'s comments in the feed of ``feed_digest`` are kept."""
    return cache_key("thread rows", feed_digest, repr(COMMENT_FIELDS), post)


def grouped_rows(feed_digest: str, comments: Sequence[PublicComment]) -> dict[str, bytes]:
    """Each post's comments as marshalled rows, by rows_key."""
    by_post: dict[str, list[PublicComment]] = {}
    for comment in comments:
        by_post.setdefault(comment.post, []).append(comment)
    return {rows_key(feed_digest, post): marshal.dumps(to_rows(group))
            for post, group in by_post.items()}  # fmt: skip


class ThreadStore(Mapping[str, Thread]):
    """Threads by post key: those already made (``made``), others from the cache."""

    def __init__(
        self,
        outline: Outline,
        cache_path: Path | None = None,
        feed_digest: str = "",
        max_depth: int = 5,
        feed_path: str = "",
        made: Mapping[str, Thread] | None = None,
    ) -> None:
        self.outline = outline
        self._feed_digest = feed_digest
        self._max_depth = max_depth
        self._feed_path = feed_path
        self._made: dict[str, Thread] = dict(made or {})
        self._reader = ProcessReader(cache_path) if cache_path is not None else None

    @staticmethod
    def of(threads: Mapping[str, Thread]) -> ThreadStore:
        """A store of threads already made (a build whose feed was parsed, tests)."""
        outline = {post: (thread.count, thread.fingerprint, _newest(thread))
                   for post, thread in threads.items()}  # fmt: skip
        return ThreadStore(outline, made=threads)

    def newest_posts(self, count: int) -> list[str]:
        """The posts holding the ``count`` newest visible comments of all (and perhaps a
        few more): the posts whose own newest comment is among the ``count`` newest such.

        (A post holding one of those comments has its newest comment at least as new; a
        post ranked above it by its newest comment holds one of them too.)"""
        ranked = ((newest, post) for post, (_n, _f, newest) in self.outline.items() if newest)
        return [post for _newest_comment, post in heapq.nlargest(count, ranked)]

    @property
    def shape_digest(self) -> str:
        """What stands for the store in a model's shape (context_keys.shape_of): its outline,
        every thread's count, fingerprint and newest comment, not the threads themselves
        (repr, not marshal: marshal's bytes vary with how the values are shared)."""
        return hashlib.sha1(repr(sorted(self.outline.items())).encode()).hexdigest()

    def count(self, post: str) -> int:
        return self.outline[post][0] if post in self.outline else 0

    def fingerprint(self, post: str) -> str:
        return self.outline[post][1] if post in self.outline else ""

    def __getitem__(self, post: str) -> Thread:
        found = self._made.get(post)
        if found is not None:
            return found
        if post not in self.outline:
            raise KeyError(post)
        thread = self._made[post] = self._load(post)
        return thread

    def _load(self, post: str) -> Thread:
        row = None
        if self._reader is not None:
            db = self._reader.connection()[0]
            key = rows_key(self._feed_digest, post)
            row = db.execute("SELECT value FROM thread_rows WHERE key = ?", (key,)).fetchone()
        try:
            comments = from_rows(marshal.loads(row[0])) if row is not None else None
        except (ValueError, TypeError, EOFError):
            comments = None
        if comments is not None:
            count, digest, _newest_comment = self.outline[post]
            threads, _ = merge_comments(comments, [post], self._max_depth, self._feed_path,
                                        {post: digest})  # fmt: skip
            thread = threads.get(post)
            if thread is not None and thread.count == count:
                return thread
        # The rows went missing or changed under this build (a cache removed by hand):
        # a page without its comments would be a silent loss.
        raise SiteError.at(
            "the build cache (.salon/cache.sqlite3) changed while this build read it; build again"
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self.outline)

    def __len__(self) -> int:
        return len(self.outline)


def _newest(thread: Thread) -> tuple[int, str] | None:
    """The newest visible comment's time (in microseconds, exact) and id: the order of
    feed_map.recent_comments."""
    shown = [node.comment for node in thread.flat if not node.comment.removed]
    if not shown:
        return None
    newest = max(shown, key=lambda comment: (comment.created, comment.id))
    return (newest.created - _EPOCH) // _MICROSECOND, newest.id
