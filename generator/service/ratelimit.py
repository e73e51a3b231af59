"""Per-key rate limits (a key is a client address), counted in the store.

A sliding log of recent hits per scope ("intake" for comments, "login" for wrong
passwords) and key, shared by every service instance on the store, so a limit counts
across them and survives a restart (shared_state.py keeps the rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from generator.service.shared_state import Limit, SharedState

__all__ = ["Limit", "RateLimiter"]


class RateLimiter:
    def __init__(self, scope: str, limits: Sequence[Limit], shared: Callable[[], SharedState]):
        if not limits:
            raise ValueError("a rate limiter needs at least one limit")
        self.scope = scope
        self.limits = tuple(limits)
        self._shared = shared  # this thread's connection to the store

    def retry_after(self, key: str, now: float) -> int | None:
        """Whole seconds to wait before the next hit, or None if it is allowed now."""
        return self._shared().retry_after(self.scope, key, self.limits, now)

    def hit(self, key: str, now: float) -> int | None:
        """Count a hit if allowed and return None; else the seconds to wait (not counted).
        Atomic across threads and instances."""
        return self._shared().hit(self.scope, key, self.limits, now)

    def reset(self, key: str) -> None:
        self._shared().forget_hits(self.scope, key)
