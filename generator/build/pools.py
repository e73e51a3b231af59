"""Worker processes for the parallel stages (parsing, Markdown, comments, pages)."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def worker_count(jobs: int | None) -> int:
    """Worker processes for ``--jobs``: as asked, else one per core."""
    return jobs if jobs is not None else (os.cpu_count() or 1)


_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def die_with_parent(parent: int) -> None:
    """Make this worker die when the build that started it dies, even by SIGKILL.

    A killed parent cannot clean up: without this, its workers are reparented to init
    and live on, holding the pipes of whoever started the build. Linux delivers SIGKILL
    to the child when its parent goes (PR_SET_PDEATHSIG); the check after it covers a
    parent that died before the call. Elsewhere, a worker notices the broken pipe to its
    parent only when it next reads a task.
    """
    # Ctrl-C reaches the whole process group: the build stops its workers itself, and a
    # traceback from each of them would bury its one line. (The worker was forked with
    # SIGINT blocked, so none arrived before this.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)  # this process's C library
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


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
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=die_with_parent,
        initargs=(os.getpid(),),
    )  # fmt: skip
    if fork and hasattr(signal, "pthread_sigmask"):
        # A forked pool starts all its workers at the first task: start them now, with
        # SIGINT blocked, so that a Ctrl-C meanwhile waits for this process to take it.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pool.submit(int).result()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return pool


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
