"""The build cache: parsed documents, rendered Markdown and rendered comment bodies,
kept between builds in a private SQLite file (.salon/cache.sqlite3).

Each entry is keyed by a hash of everything its value is a pure function of, so a
stale entry can never be used: a changed input simply has another key. Cold work
runs in a process pool when there is a lot of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from generator.build.content import SourceFile, parse_document
from generator.build.fingerprint import code_fingerprint
from generator.build.markdown import render
from generator.build.pools import fork_pool, forked_workers, release_pool, worker_count
from generator.contract.comment_html import plain_comment_html, render_comment_body
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.models import Document, PublicComment, Rendered

PARALLEL_THRESHOLD = 200  # below this, starting worker processes costs more than it saves
T = TypeVar("T")
Progress = Callable[[int, int], None]


def _hash(*parts: str) -> str:
    digest = hashlib.sha1(code_fingerprint().encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


class BuildCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=120)  # Markdown workers write to it too
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = OFF")  # a lost cache only costs time
        # Tables of earlier versions, whose entries cost more memory than they saved time.
        for table in ("comment_maps", "feeds"):
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        for table in ("documents", "markdown", "light", "comments", "comment_html"):
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)"
            )

    def close(self) -> None:
        self.db.close()

    def get_many(self, table: str, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", chunk)
            for key, value in rows:
                try:
                    found[key] = pickle.loads(value)
                except Exception:  # written by another version of Salon: compute again
                    continue
        return found

    def prune(self, table: str, keep: Iterable[str]) -> None:
        """Forget entries this build did not use, once they outnumber the used ones.

        Every edit adds an entry; without this, years of edits would only ever grow
        the cache.
        """
        wanted = set(keep)
        (count,) = self.db.execute(f"SELECT count(*) FROM {table}").fetchone()
        if count <= 2 * len(wanted) + 500:
            return
        with self.db:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
            self.db.execute("DELETE FROM keep")
            self.db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in wanted))
            self.db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM keep)")

    def keys_present(self, table: str, keys: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT key FROM {table} WHERE key IN ({marks})", chunk)
            found.update(key for (key,) in rows)
        return found

    def put_many(self, table: str, items: dict[str, Any]) -> None:
        if not items:
            return
        with self.db:
            self.db.executemany(  # a generator: one pickle in memory at a time
                f"INSERT OR REPLACE INTO {table} VALUES (?, ?)",
                ((key, pickle.dumps(value, protocol=5)) for key, value in items.items()),
            )

    def compute(
        self,
        table: str,
        inputs: dict[str, Any],
        function: Callable[[Any], T],
        jobs: int | None,
        progress: Progress | None = None,
        pool: ProcessPoolExecutor | None = None,
        keep: Callable[[T], bool] | None = None,
    ) -> dict[str, T]:
        """``function(input)`` for each key, from the cache where possible.

        ``keep``: which fresh results to cache (all when None).
        """
        found: dict[str, T] = self.get_many(table, inputs)
        todo = [(key, value) for key, value in inputs.items() if key not in found]
        fresh = run_many(function, todo, jobs, progress, pool)
        self.put_many(table, {k: v for k, v in fresh.items() if keep is None or keep(v)})
        return {**found, **fresh}


def run_many(
    function: Callable[[Any], T],
    todo: Sequence[tuple[str, Any]],
    jobs: int | None,
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, T]:
    """``function`` over the values, in worker processes when there are many.

    ``pool``: workers already running (the Markdown workers), used instead of forking
    more: forking while another pool's threads run could leave a lock held in the child.
    """
    workers = worker_count(jobs)
    if len(todo) < PARALLEL_THRESHOLD or workers <= 1:
        return {key: function(value) for key, value in todo}
    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(forked_workers(workers))
        outputs = pool.map(function, [value for _, value in todo], chunksize=32)
        results: dict[str, T] = {}
        for done, ((key, _), result) in enumerate(zip(todo, outputs, strict=True), 1):
            results[key] = result
            if progress and (done % 100 == 0 or done == len(todo)):
                progress(done, len(todo))
    return results


def _parse(pair: tuple[SourceFile, SiteConfig]) -> Document | tuple[Problem, ...]:
    try:
        return parse_document(*pair)
    except SiteError as exc:
        return exc.problems


def parse_sources(
    cache: BuildCache, sources: Sequence[SourceFile], config: SiteConfig, jobs: int | None
) -> tuple[list[Document], dict[str, str]]:
    """Every document, parsed or from the cache; all files' problems reported at once.

    Also returns each source's hash, which identifies everything parsed from it.
    """
    settings = repr((config.timezone, config.permalink))
    keys = [_hash(settings, s.kind.value, s.path, s.relative, s.text) for s in sources]
    inputs = {key: (source, config) for key, source in zip(keys, sources, strict=True)}
    # Only successes are kept: a broken file is parsed again until it is fixed.
    parsed = cache.compute(
        "documents", inputs, _parse, jobs, keep=lambda result: isinstance(result, Document)
    )
    documents: list[Document] = []
    problems: list[Problem] = []
    for key in keys:
        result = parsed[key]
        if isinstance(result, Document):
            documents.append(result)
        else:
            problems.extend(result)
    if problems:
        raise SiteError(problems)
    cache.prune("documents", keys)
    return documents, {source.path: key for source, key in zip(sources, keys, strict=True)}


class RenderedStore(Mapping[str, Rendered]):
    """Rendered Markdown by source path, read from the cache when a page asks for it.

    A big archive's rendered HTML is hundreds of megabytes; holding it all would set
    the build's peak memory. Each process (the forked page renderers too) opens its
    own read-only connection; a few recent entries are kept, as pages ask in runs.
    """

    def __init__(self, path: Path, keys: dict[str, str], light: dict[str, Rendered]) -> None:
        self.path = path
        self._keys = keys
        self.light = light  # by source: everything but the body's HTML, for listings
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._recent: dict[str, Rendered] = {}

    def _connection(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            self._pid = os.getpid()
            self._recent = {}
        return self._db

    def __getitem__(self, source: str) -> Rendered:
        found = self._recent.get(source)
        if found is not None:
            return found
        key = self._keys[source]
        row = (
            self._connection()
            .execute("SELECT value FROM markdown WHERE key = ?", (key,))
            .fetchone()
        )
        if row is None:
            raise KeyError(source)
        rendered: Rendered = pickle.loads(row[0])
        if len(self._recent) >= 64:
            self._recent.pop(next(iter(self._recent)))
        self._recent[source] = rendered
        return rendered

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


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
        todo: list[tuple[str, tuple[str, str]]],
        jobs: int | None,
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
        workers = worker_count(jobs)
        if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
            self.pool = fork_pool(workers)
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

    def _render_here(self, items: list[tuple[str, tuple[str, str]]]) -> int:
        _store_rendered(self.cache.db, {key: render(*value) for key, value in items})
        return len(items)

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
        light = cache.get_many("light", keys.values())
        for key in set(keys.values()) - set(light):  # a cache from before "light" existed
            light[key] = _light(cache.get_many("markdown", [key])[key])
        cache.prune("markdown", keys.values())
        cache.prune("light", keys.values())
        by_source = {source: light[key] for source, key in keys.items()}
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


def _render_and_store(batch: tuple[str, list[tuple[str, tuple[str, str]]]]) -> int:
    path, items = batch
    _store_rendered(_worker_db(path), {key: render(*value) for key, value in items})
    return len(items)


def _store_rendered(db: sqlite3.Connection, fresh: dict[str, Rendered]) -> None:
    with db:
        db.executemany(
            "INSERT OR REPLACE INTO markdown VALUES (?, ?)",
            ((key, pickle.dumps(value, protocol=5)) for key, value in fresh.items()),
        )
        db.executemany(
            "INSERT OR REPLACE INTO light VALUES (?, ?)",
            ((key, pickle.dumps(_light(value), protocol=5)) for key, value in fresh.items()),
        )


def start_markdown(
    cache: BuildCache, documents: Sequence[Document], jobs: int | None
) -> PendingMarkdown:
    """Start rendering the Markdown of each document not in the cache."""
    keys = {doc.source: _hash(doc.summary, doc.body) for doc in documents}
    present = cache.keys_present("markdown", keys.values())
    todo = list({keys[d.source]: (d.body, d.summary) for d in documents
                 if keys[d.source] not in present}.items())  # fmt: skip
    return PendingMarkdown(cache, keys, todo, jobs)


def _light(rendered: Rendered) -> Rendered:
    return replace(rendered, html="")


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
    stored = cache.db.execute("SELECT value FROM comment_html WHERE key = ?", (_MAP_DIGEST,))
    if stored.fetchone() == (whole,):
        rows = cache.db.execute(
            "SELECT key, value FROM comment_html WHERE key != ?", (_MAP_DIGEST,)
        )
        return dict(rows)
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
            keys[comment.id] = key = _hash(comment.body)
            inputs[key] = comment.body
    rendered = cache.compute("comments", inputs, render_comment_body, jobs, pool=pool)
    html.update((cid, rendered[key]) for cid, key in keys.items())
    cache.prune("comments", keys.values())
    with cache.db:
        cache.db.execute("DELETE FROM comment_html")  # only the latest map is worth keeping
        cache.db.executemany("INSERT INTO comment_html VALUES (?, ?)", html.items())
        cache.db.execute("INSERT INTO comment_html VALUES (?, ?)", (_MAP_DIGEST, whole))
    return html


_MAP_DIGEST = "#digest"  # the row holding the hash of the bodies (no comment id has a #)
