"""Worker processes for the parallel stages (parsing, Markdown, comments, pages)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from generator.build.gc_pace import in_worker

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from generator.build.cache import BuildCache

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]
PARALLEL_THRESHOLD = 200  # below this, starting worker processes costs more than it saves


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


def _start_worker(
    parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    die_with_parent(parent)
    in_worker()
    if initializer is not None:
        initializer(*initargs)


def fork_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of workers forked from this process, so they inherit what it holds.

    (Where processes cannot fork, the workers start afresh; page rendering, which
    relies on inheriting, then runs in this process: see execute.py.)

    Call ``release_pool`` when done. Until then the cyclic garbage collector leaves the
    objects that exist now alone (gc.freeze): otherwise its passes in a worker would
    write to every object it inherited and copy the parent's memory page by page.
    """
    # Imported here: a build with little to do (one essay edited) starts no worker, and
    # these modules were a twentieth of its imports.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    gc.freeze()
    fork = can_fork()
    context = multiprocessing.get_context("fork") if fork else None
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
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


class ForkedCall:
    """``function()`` in a process forked now, its answer read when asked for.

    For a job that needs much memory for a while and little of this process's state
    (parsing the comments feed): forked early, while this process is small, its size is
    its own work's plus what it shares. Start it before any pool's threads run (a fork
    must not copy a lock some thread holds). ``result`` is None when the child died
    without answering (the caller then does the work itself).
    """

    def __init__(self, function: Callable[[], T]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._answers, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_answer, args=(os.getpid(), function, send), daemon=True
        )
        self._process.start()
        send.close()

    def result(self) -> Any:
        try:
            succeeded, value = self._answers.recv()
        except EOFError:  # killed (out of memory?): no answer
            return None
        finally:
            self._answers.close()
            self._process.join()
        if not succeeded:
            raise value
        return value

    def stop(self) -> None:
        """End the child if it still runs (the build failed before asking for its answer)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._answers.close()


def _answer(parent: int, function: Callable[[], Any], send: Any) -> None:
    die_with_parent(parent)
    in_worker()
    try:
        send.send((True, function()))
    except BaseException as error:  # handed to the parent, which raises it
        send.send((False, error))
    finally:
        send.close()


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()  # not on Windows


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


class _Inherited:
    """The function a forked worker runs, handed over by the fork itself (never pickled).

    The pool's initializer sets it inside each worker; the parent never does.
    """

    function: Callable[[Any], Any] | None = None

    @classmethod
    def adopt(cls, function: Callable[[Any], Any]) -> None:
        cls.function = function

    @classmethod
    def call(cls, item: Any) -> Any:
        assert cls.function is not None, "not in a worker of map_inherited"
        return cls.function(item)


def map_inherited(
    function: Callable[[T], R], items: Iterable[T], workers: int, chunksize: int = 1
) -> Iterator[R]:
    """``function`` over ``items`` in forked workers, results in order.

    ``function`` may be any callable (a closure over the build's state): the workers
    inherit it when they are forked, so only the items and the results are pickled.
    """
    with contextlib.ExitStack() as stack:
        pool = fork_pool(workers, _Inherited.adopt, (function,))
        stack.callback(release_pool, pool, True)
        yield from pool.map(_Inherited.call, items, chunksize=chunksize)


def parallel_workers(count: int, jobs: int | None) -> int:
    """Workers worth starting for ``count`` items: 1 (none) when few or asked for one."""
    workers = worker_count(jobs)
    return workers if count >= PARALLEL_THRESHOLD and workers > 1 else 1


def run_many(
    function: Callable[[Any], T],
    todo: Sequence[tuple[str, Any]],
    jobs: int | None,
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, T]:
    """``function`` over the values, by key, in worker processes when there are many.

    ``pool``: workers already running (the Markdown workers), used instead of forking
    more: forking while another pool's threads run could leave a lock held in the child.
    """
    workers = parallel_workers(len(todo), jobs)
    if workers <= 1:
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


def run_cached(
    cache: BuildCache,
    table: str,
    inputs: dict[str, Any],
    function: Callable[[Any], T],
    jobs: int | None,
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
    keep: Callable[[T], bool] | None = None,
) -> dict[str, T]:
    """``function(input)`` for each key, from the cache's ``table`` where possible.

    ``keep``: which fresh results to store (all when None).
    """
    found: dict[str, T] = cache.get_many(table, inputs)
    todo = [(key, value) for key, value in inputs.items() if key not in found]
    fresh = run_many(function, todo, jobs, progress, pool)
    cache.put_many(table, {k: v for k, v in fresh.items() if keep is None or keep(v)})
    return {**found, **fresh}
