"""The build cache: parsed documents, rendered Markdown and rendered comment bodies,
kept between builds in a private SQLite file (.salon/cache.sqlite3). Storage only:
the stages that fill it are content_stage, markdown_stage and comments_stage.

Each entry is keyed by a hash of everything its value is a pure function of, so a
stale entry can never be used: a changed input simply has another key.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.build.body_reads import body_read
from generator.build.code_fingerprint import code_fingerprint
from generator.core.models import Rendered, light_digest_of

# A table read whole by every build (the documents, the light records) is also kept as one
# pickle of all the values the last build asked for: one unpickling of 5,000 documents
# took half the time of 5,000 (a pickle shares what repeats: a zone, an enum), and no row
# is read. It is made again when what a build asks for drifts from it by more than this.
SNAPSHOT_DRIFT = 0.1  # a share of the keys asked for; at least SNAPSHOT_MIN of them
SNAPSHOT_MIN = 100


class BuildCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=120)  # Markdown workers write to it too
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = OFF")  # a lost cache only costs time
        # Tables of earlier versions, whose entries cost more memory than they saved time.
        for table in ("comment_maps", "feeds", "thread_digests"):
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        for table in (
            "documents",
            "bodies",
            "words",
            "markdown",
            "light",
            "comments",
            "comment_html",
            "feed_rows",
            "thread_outlines",
            "thread_rows",
            "search_texts",
            "highlight",  # Pygments' HTML for code fences (highlight.py), as text
        ):
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)"
            )
        self.db.execute("CREATE TABLE IF NOT EXISTS snapshots (name TEXT PRIMARY KEY, value BLOB)")
        self._snapshot_keys: dict[str, set[str]] = {}  # by table: the keys its snapshot held

    def close(self) -> None:
        self.db.close()

    def get_many(self, table: str, keys: Iterable[str], snapshot: bool = False) -> dict[str, Any]:
        """The values stored under ``keys`` (those the table holds); with ``snapshot``, most
        from the table's snapshot (see SNAPSHOT_DRIFT), the rest from its rows."""
        if not snapshot:
            return read_many(self.db, table, keys)
        kept = self._snapshot(table)
        self._snapshot_keys[table] = set(kept)
        wanted = list(dict.fromkeys(keys))
        found = {key: kept[key] for key in wanted if key in kept}
        if len(found) < len(wanted):
            found.update(read_many(self.db, table, [key for key in wanted if key not in found]))
        return found

    def keep_snapshot(
        self, table: str, keys: Collection[str], values: Callable[[], Mapping[str, Any]]
    ) -> None:
        """Make ``values()`` (the values of ``keys``) the table's snapshot, unless the one
        get_many read is near enough: then they are not even made (a value is a pure
        function of its key: a snapshot is never stale, only incomplete)."""
        before = self._snapshot_keys.get(table, set())
        drift = len(before.symmetric_difference(keys))
        if before and drift <= max(SNAPSHOT_MIN, SNAPSHOT_DRIFT * len(keys)):
            return
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO snapshots VALUES (?, ?)",
                (table, pickle.dumps(dict(values()), protocol=5)),
            )
        self._snapshot_keys[table] = set(keys)

    def _snapshot(self, table: str) -> dict[str, Any]:
        row = self.db.execute("SELECT value FROM snapshots WHERE name = ?", (table,)).fetchone()
        try:
            kept = pickle.loads(row[0]) if row is not None else {}
        except Exception:  # written by another version of Salon: as if there were none
            return {}
        return kept if isinstance(kept, dict) else {}

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


def read_many(db: sqlite3.Connection, table: str, keys: Iterable[str]) -> dict[str, Any]:
    """The values stored under ``keys`` in ``table`` (those it holds), through ``db``: the
    build's connection, or a worker's own."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", chunk)
        for key, value in rows:
            try:
                found[key] = pickle.loads(value)
            except Exception:  # written by another version of Salon: compute again
                continue
    return found


class ProcessReader:
    """A read-only connection to the cache, this process's and this thread's own: a
    process forked from the one that opened it opens another (it must not share its
    parent's), and so does another thread (SQLite's objects refuse to serve two: `salon
    serve` builds in one and previews an edit in the watcher's)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._owner = (0, 0)  # the process and thread that opened it

    def connection(self) -> tuple[sqlite3.Connection, bool]:
        """The connection, and whether it was opened just now."""
        owner = (os.getpid(), threading.get_ident())
        if self._db is not None and self._owner == owner:
            return self._db, False
        # (Another thread's is left to it, not closed here: SQLite would refuse that too.)
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        self._owner = owner
        return self._db, True


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
        self._reader = ProcessReader(path)
        self._recent: dict[str, Rendered] = {}

    def __getitem__(self, source: str) -> Rendered:
        body_read(source, "html")  # a page that asks for a body shows it (body_reads.py)
        db, opened = self._reader.connection()
        if opened:
            self._recent = {}  # a process of its own: its own runs of pages
        found = self._recent.get(source)
        if found is not None:
            return found
        key = self._keys[source]
        row = db.execute("SELECT value FROM markdown WHERE key = ?", (key,)).fetchone()
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


class CommentHtmlStore(Mapping[str, str]):
    """The comment HTML the cache keeps for this build's feed, read when a page asks.

    A build with one essay edited renders a dozen pages, and reading the HTML of all
    50,000 comments for them cost it 0.12 s. So the first ``ROW_READS`` comments asked for
    are read one row at a time, and everything at once after that (a cold build's pages
    ask for all of them); ``load`` reads everything now, before page workers are forked,
    so that they share one copy. Each process reads through its own connection.
    """

    ROW_READS = 300

    def __init__(self, path: Path) -> None:
        self._reader = ProcessReader(path)
        self._asked = 0
        self._all: dict[str, str] | None = None

    def load(self) -> dict[str, str]:
        if self._all is None:
            rows = self._reader.connection()[0].execute(
                "SELECT key, value FROM comment_html WHERE key != ?", (_MAP_DIGEST,)
            )
            self._all = dict(rows)
        return self._all

    def __getitem__(self, comment_id: str) -> str:
        if self._all is None and self._asked < self.ROW_READS and comment_id != _MAP_DIGEST:
            self._asked += 1
            db = self._reader.connection()[0]
            query = "SELECT value FROM comment_html WHERE key = ?"
            row = db.execute(query, (comment_id,)).fetchone()
            if row is None:
                raise KeyError(comment_id)
            return str(row[0])
        return self.load()[comment_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.load())

    def __len__(self) -> int:
        return len(self.load())


def cache_key(*parts: str) -> str:
    """The key of a value computed from ``parts`` by this version of Salon's code."""
    digest = hashlib.sha1(code_fingerprint().encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def keys_after(*first: str) -> Callable[..., str]:
    """``cache_key(*first, *rest)`` as a function of ``rest``, the parts all keys share
    hashed once (a key per source, 5,000 of them, each hashed the settings again)."""
    start = hashlib.sha1(code_fingerprint().encode())
    for part in first:
        start.update(b"\0" + part.encode())

    def key(*rest: str) -> str:
        digest = start.copy()
        for part in rest:
            digest.update(b"\0" + part.encode())
        return digest.hexdigest()

    return key


def light_record(rendered: Rendered) -> Rendered:
    """A rendered document without its body's HTML: what listings need, with a digest
    of all it holds."""
    light = replace(rendered, html="", digest="")
    return replace(light, digest=light_digest_of(light))


def store_rendered(db: sqlite3.Connection, fresh: dict[str, Rendered]) -> None:
    """Rendered Markdown and its light record, by key (a worker's own connection too)."""
    with db:
        db.executemany(
            "INSERT OR REPLACE INTO markdown VALUES (?, ?)",
            ((key, pickle.dumps(value, protocol=5)) for key, value in fresh.items()),
        )
        db.executemany(
            "INSERT OR REPLACE INTO light VALUES (?, ?)",
            ((key, pickle.dumps(light_record(value), protocol=5)) for key, value in fresh.items()),
        )


def comment_map(cache: BuildCache, digest: str) -> dict[str, str] | None:
    """The whole map of comment HTML stored under ``digest``, if that is the one stored."""
    stored = cache.db.execute("SELECT value FROM comment_html WHERE key = ?", (_MAP_DIGEST,))
    if stored.fetchone() != (digest,):
        return None
    rows = cache.db.execute("SELECT key, value FROM comment_html WHERE key != ?", (_MAP_DIGEST,))
    return dict(rows)


def comment_map_kept(cache: BuildCache, digest: str) -> bool:
    """Whether the map of comment HTML stored is the one of ``digest`` (without reading it)."""
    stored = cache.db.execute("SELECT value FROM comment_html WHERE key = ?", (_MAP_DIGEST,))
    return bool(stored.fetchone() == (digest,))


def save_comment_map(cache: BuildCache, digest: str, html: Mapping[str, str]) -> None:
    with cache.db:
        cache.db.execute("DELETE FROM comment_html")  # only the latest map is worth keeping
        cache.db.executemany("INSERT INTO comment_html VALUES (?, ?)", html.items())
        cache.db.execute("INSERT INTO comment_html VALUES (?, ?)", (_MAP_DIGEST, digest))


def feed_rows(cache: BuildCache, key: str) -> bytes | None:
    """The parsed feed stored under ``key`` (comments_stage.parse_feed_cached's rows)."""
    found = cache.db.execute("SELECT value FROM feed_rows WHERE key = ?", (key,)).fetchone()
    return bytes(found[0]) if found is not None else None


def save_feed_rows(cache: BuildCache, key: str, rows: bytes) -> None:
    with cache.db:
        cache.db.execute("DELETE FROM feed_rows")  # only the latest feed is worth keeping
        cache.db.execute("INSERT INTO feed_rows VALUES (?, ?)", (key, rows))


def thread_outline(cache: BuildCache, key: str) -> bytes | None:
    """The threads' outline stored under ``key`` (comments_stage.load_comments')."""
    found = cache.db.execute("SELECT value FROM thread_outlines WHERE key = ?", (key,)).fetchone()
    return bytes(found[0]) if found is not None else None


def save_thread_outline(
    cache: BuildCache, key: str, outline: bytes, rows: Mapping[str, bytes]
) -> None:
    """The outline, and the rows of each post's comments (thread_store.py) beside it."""
    with cache.db:
        # Only the latest feed's are worth keeping.
        cache.db.execute("DELETE FROM thread_outlines")
        cache.db.execute("DELETE FROM thread_rows")
        cache.db.execute("INSERT INTO thread_outlines VALUES (?, ?)", (key, outline))
        cache.db.executemany("INSERT INTO thread_rows VALUES (?, ?)", rows.items())


_MAP_DIGEST = "#digest"  # the row holding the hash of the bodies (no comment id has a #)
