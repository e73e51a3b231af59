"""The garbage collector's pace while a build runs (its own module: the build's first
step needs it, and the worker pools' modules cost a no-change build 20 ms to import)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A build holds millions of small objects at once (comments, thread nodes, entries), nearly
# none of them in cycles; at the default thresholds the collector walks all of them again
# every few hundred thousand allocations: a tenth of a build with one essay edited.
BUILD_GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cycles less often while a build runs; the usual thresholds after it
    (`salon serve` lives on between builds)."""
    before = gc.get_threshold()
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
