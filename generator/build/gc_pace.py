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
    """No automatic collection in the build's own process while it runs, and fewer in its
    workers (which turn it on again: ``in_worker``); the usual pace after it (`salon
    serve` lives on between builds).

    Even at the build's thresholds, the collector's passes over the young objects were 7%
    of a build with one essay edited (0.18 s at 5,000 essays, 29 passes), and found
    nearly nothing: the model is made of plain, acyclic records. What cycles there are
    (the Jinja environment's) are collected once the build is over."""
    before, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    gc.disable()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if enabled:
            gc.enable()


def in_worker() -> None:
    """A worker process of the build: its garbage is its own to collect (at the build's
    pace, which it inherited)."""
    gc.enable()
