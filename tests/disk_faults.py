"""Real disk faults for tests: a small tmpfs to fill, a read-only bind mount.

Both need mount(2), which root has on CI; elsewhere the tests that use them skip with
the reason. Root ignores chmod, so read-only is a read-only mount, not a permission.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount ({' '.join(args)}): {done.stderr.strip() or 'refused'}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (made if missing), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield path
    finally:
        _umount(path)


@contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """``path`` made read-only in place by a read-only bind mount over it."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root (CI runs as root)")
    _mount("--bind", str(path), str(path))
    try:
        done = subprocess.run(["mount", "-o", "remount,ro,bind", str(path)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
        yield path
    finally:
        _umount(path)


class Filler:
    """Fills a disk to the last byte, and gives space back on demand."""

    def __init__(self, disk: Path) -> None:
        self.path = disk / "filler"

    def fill(self) -> None:
        # Unbuffered, so that every write that fails fails here; then smaller writes for
        # the last partial blocks, so that not even a small write fits afterwards.
        with self.path.open("ab", buffering=0) as handle:
            for block in (b"\0" * 65536, b"\0" * 512, b"\0"):
                try:
                    while True:
                        handle.write(block)
                except OSError:
                    pass

    def free(self, nbytes: int | None = None) -> None:
        if nbytes is None:
            self.path.unlink(missing_ok=True)
        else:
            os.truncate(self.path, max(self.path.stat().st_size - nbytes, 0))
