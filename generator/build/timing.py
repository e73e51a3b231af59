"""The build's named, timed steps (`salon build --timings`), each giving freed memory back."""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _load_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


_MALLOC_TRIM = _load_malloc_trim()


class Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - start
        # Each step frees much of what it built; glibc keeps freed memory unless asked
        # to give it back, and a big archive's build would otherwise only ever grow.
        if _MALLOC_TRIM is not None:
            _MALLOC_TRIM(0)
