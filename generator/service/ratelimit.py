"""Per-key rate limits (a key is a client address): a sliding log of recent hits.

In memory, in the one process that serves the site; the service runs as a single
threaded process (waitress), so every request sees the same counts.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int  # at most this many hits ...
    seconds: float  # ... in any window of this length


class RateLimiter:
    def __init__(self, limits: Sequence[Limit]) -> None:
        if not limits:
            raise ValueError("a rate limiter needs at least one limit")
        self.limits = tuple(limits)
        self._depth = max(limit.count for limit in self.limits)
        self._longest = max(limit.seconds for limit in self.limits)
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def _wait(self, hits: deque[float], now: float) -> float:
        """Seconds until one more hit is allowed (0 if it is allowed now)."""
        wait = 0.0
        for limit in self.limits:
            if len(hits) >= limit.count:
                # The limit.count-th most recent hit leaves the window at this time.
                frees_at = hits[-limit.count] + limit.seconds
                wait = max(wait, frees_at - now)
        return wait

    def retry_after(self, key: str, now: float) -> int | None:
        """Whole seconds to wait before the next hit, or None if it is allowed now."""
        with self._lock:
            hits = self._hits.get(key)
            wait = self._wait(hits, now) if hits else 0.0
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, key: str, now: float) -> None:
        with self._lock:
            self._record(key, now)

    def _record(self, key: str, now: float) -> None:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self._depth)
        hits.append(now)
        self._calls += 1
        if self._calls % 1024 == 0:
            self._forget_idle(now)

    def hit(self, key: str, now: float) -> int | None:
        """Count a hit if allowed and return None; else the seconds to wait (not counted)."""
        with self._lock:
            hits = self._hits.get(key)
            wait = self._wait(hits, now) if hits else 0.0
            if wait > 0:
                return max(1, math.ceil(wait))
            self._record(key, now)
            return None

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no hit inside the longest window, so memory stays bounded."""
        idle = [key for key, hits in self._hits.items() if hits[-1] <= now - self._longest]
        for key in idle:
            del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)
