"""One build at a time per site: two at once would share .salon/staging and output/.

The lock is an advisory ``flock`` on ``.salon/build.lock``: the kernel releases it when
its holder exits, however it exits (kill -9 included), so a crashed build never leaves
a stale lock behind. A second build waits for the first, saying so in one line; the
first build's interrupted write phase, if any, is finished once the lock is held.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.build.writer import finish_interrupted_write

LOCK = "build.lock"


def _holder(handle_path: Path) -> str:
    try:
        pid = handle_path.read_text(encoding="ascii").strip()
    except OSError:
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


@contextmanager
def build_lock(private_dir: Path, say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the site's build lock; wait for another build that holds it."""
    private_dir.mkdir(parents=True, exist_ok=True)
    path = private_dir / LOCK
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = f"another build of this site is running{_holder(path)}; waiting for it"
            (say or _to_stderr)(message)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            finish_interrupted_write(private_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
