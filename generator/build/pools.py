"""Worker processes for the parallel stages (parsing, Markdown, comments, pages)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def worker_count(jobs: int | None) -> int:
    """Worker processes for ``--jobs``: as asked, else one per core."""
    return jobs if jobs is not None else (os.cpu_count() or 1)


def fork_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of workers forked from this process, so they inherit what it holds.

    (Where processes cannot fork, the workers start afresh; page rendering, which
    relies on inheriting, then runs in this process: see Renderer.run_jobs.)

    Call ``release_pool`` when done. Until then the cyclic garbage collector leaves the
    objects that exist now alone (gc.freeze): otherwise its passes in a worker would
    write to every object it inherited and copy the parent's memory page by page.
    """
    gc.freeze()
    fork = "fork" in multiprocessing.get_all_start_methods()  # not on Windows
    context = multiprocessing.get_context("fork") if fork else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def release_pool(pool: ProcessPoolExecutor, cancel: bool = False) -> None:
    pool.shutdown(cancel_futures=cancel)
    gc.unfreeze()


@contextmanager
def forked_workers(workers: int) -> Iterator[ProcessPoolExecutor]:
    pool = fork_pool(workers)
    try:
        yield pool
    finally:
        release_pool(pool, cancel=True)
