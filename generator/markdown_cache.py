"""Markdown rendering for a whole site: cached by content hash, parallel when cold.

Rendering is a pure function of (text, summary, generator version), so its result
can be kept between builds and computed in any process.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import __version__
from .config import SiteConfig
from .markdown import render
from .models import Document, Rendered

PARALLEL_THRESHOLD = 200  # below this, starting worker processes costs more than it saves


def cache_key(doc: Document) -> str:
    digest = hashlib.sha1(f"{__version__}\0{doc.summary}\0".encode())
    digest.update(doc.body.encode())
    return digest.hexdigest()


class RenderCache:
    """A small SQLite table of rendered Markdown, private to the site (.salon/)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS markdown (key TEXT PRIMARY KEY, value BLOB)")

    def get_many(self, keys: Sequence[str]) -> dict[str, Rendered]:
        found: dict[str, Rendered] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT key, value FROM markdown WHERE key IN ({marks})", chunk)
            for key, value in rows:
                try:
                    found[key] = pickle.loads(value)
                except Exception:  # a cache from another version: render again
                    continue
        return found

    def put_many(self, items: dict[str, Rendered]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO markdown VALUES (?, ?)",
                [(key, pickle.dumps(value, protocol=5)) for key, value in items.items()],
            )

    def close(self) -> None:
        self.db.close()


def _render_pair(pair: tuple[str, str]) -> Rendered:
    return render(pair[0], pair[1])


def render_documents(
    documents: Sequence[Document],
    config: SiteConfig,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Rendered]:
    """Rendered Markdown for each document, by source path."""
    keys = {doc.source: cache_key(doc) for doc in documents}
    cache = RenderCache(config.private_dir / "cache.sqlite3")
    try:
        cached = cache.get_many(list(set(keys.values())))
        missing = [doc for doc in documents if keys[doc.source] not in cached]
        todo = list({keys[d.source]: (d.body, d.summary) for d in missing}.items())
        workers = jobs if jobs is not None else (os.cpu_count() or 1)
        fresh: dict[str, Rendered] = {}
        if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = pool.map(_render_pair, [p for _, p in todo], chunksize=32)
                for done, ((key, _), result) in enumerate(zip(todo, results, strict=True), 1):
                    fresh[key] = result
                    if progress and done % 50 == 0:
                        progress(done, len(todo))
        else:
            for key, (body, summary) in todo:
                fresh[key] = render(body, summary)
        if fresh:
            cache.put_many(fresh)
    finally:
        cache.close()
    everything = {**cached, **fresh}
    return {source: everything[key] for source, key in keys.items()}
