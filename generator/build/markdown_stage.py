"""The Markdown stage: each document's body rendered into a Rendered record, by worker
processes that start at once and store what they render in the cache themselves."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from generator.build.anchors import NO_RESERVED_IDS, ReservedIds
from generator.build.cache import (
    BuildCache,
    RenderedStore,
    cache_key,
    light_record,
    read_many,
    store_rendered,
)
from generator.build.highlight import forget_if_grown, remembering
from generator.build.markdown import render
from generator.build.pools import Progress, fork_pool, parallel_workers, release_pool
from generator.core.errors import SiteError
from generator.core.models import Document, Rendered

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# What a worker renders one body from: its source (for errors), the source's hash (under
# which the cache keeps the body), its summary and the theme's reserved ids.
MarkdownInput = tuple[str, str, str, ReservedIds]


class PendingMarkdown:
    """Markdown being rendered in worker processes, started by ``start_markdown``.

    The workers start at once and the parent is free until ``finish``: a build threads
    and renders its comments meanwhile, so no core waits for the other. Each worker
    stores what it renders in the cache itself, so rendered HTML never travels back
    to the parent or waits there in memory.
    """

    def __init__(
        self,
        cache: BuildCache,
        keys: dict[str, str],
        todo: list[tuple[str, MarkdownInput]],
        jobs: int | None,
        side: Callable[[], Any] | None = None,
    ) -> None:
        self.cache = cache
        self.keys = keys
        self.total = len(todo)
        self.batches = [
            (str(cache.path), todo[start : start + MARKDOWN_BATCH])
            for start in range(0, len(todo), MARKDOWN_BATCH)
        ]
        self.pool: ProcessPoolExecutor | None = None
        self.results: Iterator[int] | None = None
        self.side: Future[Any] | None = None  # ``side``'s answer, when a worker runs it
        workers = parallel_workers(len(todo), jobs)
        if workers > 1:
            # The workers inherit ``side`` when forked (it is never pickled), and the
            # first of them to be free runs it before any Markdown.
            self.pool = fork_pool(workers, _adopt_side, (side,))
            if side is not None:
                self.side = self.pool.submit(_run_side)
            self.results = self.pool.map(_render_and_store, self.batches)

    def __enter__(self) -> PendingMarkdown:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers; what they have not started is dropped (after an error)."""
        if self.pool is not None:
            release_pool(self.pool, cancel=True)
            self.pool = None

    def _render_here(self, items: list[tuple[str, MarkdownInput]]) -> int:
        return _render_batch(self.cache.db, items)

    def finish(self, progress: Progress | None = None) -> RenderedStore:
        try:
            results = self.results or (self._render_here(items) for _, items in self.batches)
            done = 0
            for count in results:
                done += count
                if progress:
                    progress(done, self.total)
        finally:
            self.close()
        cache, keys = self.cache, self.keys
        lights = cache.get_many("light", keys.values(), snapshot=True)
        for key in set(keys.values()) - set(lights):  # a cache from before "light" existed
            lights[key] = light_record(cache.get_many("markdown", [key])[key])
        cache.keep_snapshot("light", lights.keys(), lambda: lights)
        cache.prune("markdown", keys.values())
        cache.prune("light", keys.values())
        forget_if_grown(cache.db, len(keys))
        by_source = {source: lights[key] for source, key in keys.items()}
        return RenderedStore(cache.path, keys, by_source)


MARKDOWN_BATCH = 25  # documents a worker renders, then stores in one transaction
_WORKER_DB: tuple[int, str, sqlite3.Connection] | None = None


def _worker_db(path: str) -> sqlite3.Connection:
    """This process's own connection to the cache (a forked one must not share the parent's)."""
    global _WORKER_DB
    if _WORKER_DB is None or _WORKER_DB[:2] != (os.getpid(), path):
        db = sqlite3.connect(path, timeout=120)
        db.execute("PRAGMA synchronous = OFF")  # a lost cache only costs time
        _WORKER_DB = (os.getpid(), path, db)
    return _WORKER_DB[2]


_SIDE: Callable[[], Any] | None = None  # in a worker: the job handed over by the fork


def _adopt_side(side: Callable[[], Any] | None) -> None:
    global _SIDE
    _SIDE = side


def _run_side() -> Any:
    assert _SIDE is not None, "no side job in this worker"
    return _SIDE()


def _render_and_store(batch: tuple[str, list[tuple[str, MarkdownInput]]]) -> int:
    path, items = batch
    return _render_batch(_worker_db(path), items)


def _render_batch(db: sqlite3.Connection, items: list[tuple[str, MarkdownInput]]) -> int:
    """Render a batch, each body read from the cache, and store the results there."""
    bodies = read_many(db, "bodies", [digest for _, (_, digest, _, _) in items])
    rendered: dict[str, Rendered] = {}
    with remembering(db):  # code fences highlighted before are not highlighted again
        for key, (source, digest, summary, reserved) in items:
            body = bodies.get(digest)
            if body is None:  # the cache lost it since the content step wrote it
                raise SiteError.at("changed while this build read it; build again", source)
            rendered[key] = render(body, summary, reserved)
    store_rendered(db, rendered)
    return len(items)


def start_markdown(
    cache: BuildCache,
    documents: Sequence[Document],
    source_hashes: Mapping[str, str],
    jobs: int | None,
    reserved: ReservedIds = NO_RESERVED_IDS,
    side: Callable[[], Any] | None = None,
) -> PendingMarkdown:
    """Start rendering the Markdown of each document not in the cache.

    A body and its summary are pure functions of the source they were parsed from, so a
    rendering is keyed by the source's hash (``source_hashes``, by source path) and the
    theme's ``reserved`` ids, which heading ids give way to. The documents come without
    their bodies: the workers read those from the cache (the content step put them there),
    so that neither this process nor the workers it forks hold them all.
    ``side``: a job for one of the workers, if there are any (``PendingMarkdown.side``
    is then its future; None when there are no workers and the caller must do it).
    """
    ids = reserved.key()
    keys = {doc.source: cache_key("markdown", ids, source_hashes[doc.source]) for doc in documents}
    present = cache.keys_present("markdown", keys.values())
    todo = {
        keys[doc.source]: (doc.source, source_hashes[doc.source], doc.summary, reserved)
        for doc in documents
        if keys[doc.source] not in present
    }
    return PendingMarkdown(cache, keys, list(todo.items()), jobs, side)
