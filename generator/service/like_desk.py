"""What the like handlers share: the token check, the limits, and the exporter that
puts like counts into the public feed coalesced (one rewrite for a burst of likes).

The limits count in the store (shared_state.py), across every instance; a like bumps
the store's change counter, so under `salon comments serve` the exporter only wakes the
publisher, which writes the feed and runs the hook once across instances (its lease)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from generator.core.config import SiteConfig
from generator.service.actions import open_store, publish
from generator.service.ratelimit import Limit, RateLimiter
from generator.service.shared_state import SharedState
from generator.service.tokens import Signer, derive_key

log = logging.getLogger("salon.service")


class LikeExporter:
    """Puts like counts into the public feed at most once per ``seconds``.

    The first like after a quiet spell schedules an export; the likes that follow
    within the window ride along with it. ``seconds`` 0 exports at once.
    """

    def __init__(
        self, config: SiteConfig, seconds: float,
        after_change: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self.config = config
        self.seconds = seconds
        self.after_change = after_change  # the server's publisher, when it runs one
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.exports = 0  # how many times the feed was rewritten for likes (for tests)

    def changed(self) -> None:
        if self.seconds <= 0:
            self._export()
            return
        with self._lock:
            if self._timer is not None:
                return
            self._timer = threading.Timer(self.seconds, self._export)
            self._timer.daemon = True
            self._timer.start()

    def _export(self) -> None:
        with self._lock:
            self._timer = None
        if self.after_change is not None:  # the publisher writes the feed and runs the hook
            self.after_change()
            self.exports += 1
            return
        # Its own connection: the timer runs on a thread of its own.
        try:
            store = open_store(self.config)
        except Exception as exc:  # the counts are saved; the next export takes them
            log.error("like counts could not be exported: %s", exc)
            return
        try:
            publish(self.config, store, background=True)
            self.exports += 1
        finally:
            store.close()

    def flush(self) -> None:
        """Export now if an export is waiting (the service is stopping)."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            self._export()


class LikeDesk:
    """What the like handlers share: the token check, the limits, the exporter."""

    def __init__(
        self, config: SiteConfig, secret: bytes, max_token_age: float,
        shared: Callable[[], SharedState], after_change: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        rules = config.engagement.likes
        # The key the comment form's tokens are signed with: salon.js sends the same one.
        self.signer = Signer(derive_key(secret, "form"))
        self.mark_key = derive_key(secret, "likes")
        self.max_token_age = max_token_age
        self.limits = RateLimiter(
            "likes", [Limit(rules.rate_per_minute, 60), Limit(rules.rate_per_hour, 3600)], shared
        )
        self.exporter = LikeExporter(config, rules.export_seconds, after_change)
