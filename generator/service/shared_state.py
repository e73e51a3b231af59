"""What several comment-service instances share, kept in the store with an expiry.

Sessions and their one-time notices, rate-limit hits (comment submissions, wrong
passwords), spent form tokens, leases (one runner for a job across instances) and what
the build published for the service (the posts manifest). Being in the store is what
makes a login on one instance valid on the others, a rate limit count across them, a
token spent on one spent everywhere, and a restart sign nobody out.

Times are the service's clock in seconds (floats); every row carries when it may be
forgotten, and each kind is swept now and then as it is written, never in a request's
critical path more than once in a while.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from generator.service.store_backend import Backend

SWEEP_EVERY = 256  # writes of one kind between two sweeps of its expired rows


@dataclass(frozen=True)
class Limit:
    count: int  # at most this many hits ...
    seconds: float  # ... in any window of this length


@dataclass(frozen=True)
class StoredSession:
    csrf: str
    created: float
    expires: float


@dataclass(frozen=True)
class StoredNotice:
    message: str
    undo: tuple[tuple[str, str], ...]
    error: bool


class SharedState:
    """The shared tables, through one store connection (one per thread)."""

    def __init__(self, db: Backend) -> None:
        self.db = db
        self._writes: dict[str, int] = {}

    def _due(self, kind: str) -> bool:
        self._writes[kind] = self._writes.get(kind, 0) + 1
        return self._writes[kind] % SWEEP_EVERY == 1

    # -- sessions ----------------------------------------------------------------

    def add_session(self, key: str, session: StoredSession, keep: int) -> None:
        """Store a session; beyond ``keep`` live sessions the oldest are forgotten."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires <= ?", (session.created,))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                (key, session.csrf, session.created, session.expires),
            )
            db.execute(
                "DELETE FROM sessions WHERE key NOT IN (SELECT key FROM sessions "
                "ORDER BY created DESC, key LIMIT ?)",
                (keep,),
            )
            db.execute("DELETE FROM notices WHERE session_key NOT IN (SELECT key FROM sessions)")

    def session(self, key: str, now: float) -> StoredSession | None:
        row = self.db.execute(
            "SELECT csrf, created, expires FROM sessions WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        if now >= float(row[2]):
            self.end_session(key)
            return None
        return StoredSession(str(row[0]), float(row[1]), float(row[2]))

    def end_session(self, key: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM sessions WHERE key = ?", (key,))
            db.execute("DELETE FROM notices WHERE session_key = ?", (key,))

    def count_sessions(self, now: float) -> int:
        row = self.db.execute("SELECT count(*) FROM sessions WHERE expires > ?", (now,)).fetchone()
        return int(row[0])

    def set_notice(self, key: str, notice: StoredNotice) -> None:
        """The notice for the session's next page (only for a session that exists)."""
        undo = json.dumps([list(pair) for pair in notice.undo])
        with self.db.transaction() as db:
            row = db.execute("SELECT expires FROM sessions WHERE key = ?", (key,)).fetchone()
            if row is None:
                return
            db.execute(
                "INSERT INTO notices VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_key) DO UPDATE "
                "SET message = excluded.message, undo = excluded.undo, error = excluded.error, "
                "expires = excluded.expires",
                (key, notice.message, undo, int(notice.error), float(row[0])),
            )

    def pop_notice(self, key: str) -> StoredNotice | None:
        with self.db.transaction() as db:
            row = db.execute(
                "SELECT message, undo, error FROM notices WHERE session_key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM notices WHERE session_key = ?", (key,))
        undo = tuple((str(a), str(b)) for a, b in json.loads(str(row[1]) or "[]"))
        return StoredNotice(str(row[0]), undo, bool(row[2]))

    # -- rate limits -------------------------------------------------------------

    def _wait(
        self, db: Backend, scope: str, key: str, limits: Sequence[Limit], now: float
    ) -> float:
        """Seconds until one more hit is allowed (0 if it is allowed now)."""
        # One query for every limit (a round trip fewer on PostgreSQL): the most recent
        # hits within the longest window, as many as the largest count needs.
        longest = max(limit.seconds for limit in limits)
        most = max(max(1, limit.count) for limit in limits)
        times = [float(row[0]) for row in db.execute(
            "SELECT at FROM rate_hits WHERE scope = ? AND key = ? AND at > ? "
            f"ORDER BY at DESC LIMIT {int(most)}",
            (scope, key, now - longest),
        )]  # fmt: skip
        wait = 0.0
        for limit in limits:
            count = max(1, limit.count)
            within = [at for at in times if at > now - limit.seconds]
            if len(within) >= count:  # the count-th most recent leaves the window then
                wait = max(wait, within[count - 1] + limit.seconds - now)
        return wait

    def hit(self, scope: str, key: str, limits: Sequence[Limit], now: float) -> int | None:
        """Count a hit if allowed and return None; else whole seconds to wait (not counted).

        Atomic across threads and instances: the count and the new hit are one
        transaction under a lock for the key, so N requests at once get no more than
        the limit through, however they interleave.
        """
        longest = max(limit.seconds for limit in limits)
        with self.db.transaction() as db:
            db.lock(f"rate:{scope}:{key}")
            wait = self._wait(db, scope, key, limits, now)
            if wait > 0:
                return max(1, math.ceil(wait))
            db.execute("INSERT INTO rate_hits VALUES (?, ?, ?)", (scope, key, now))
            if self._due(f"rate:{scope}"):
                db.execute(
                    "DELETE FROM rate_hits WHERE scope = ? AND at <= ?", (scope, now - longest)
                )
        return None

    def retry_after(self, scope: str, key: str, limits: Sequence[Limit], now: float) -> int | None:
        wait = self._wait(self.db, scope, key, limits, now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def forget_hits(self, scope: str, key: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM rate_hits WHERE scope = ? AND key = ?", (scope, key))

    # -- spent tokens ------------------------------------------------------------

    def claim_token(self, nonce: str, now: float, ttl: float) -> bool:
        """True the first time a nonce is claimed on any instance, False ever after
        (until it would have expired anyway)."""
        with self.db.transaction() as db:
            if self._due("tokens"):
                db.execute("DELETE FROM spent_tokens WHERE expires <= ?", (now,))
            cursor = db.execute(
                "INSERT INTO spent_tokens VALUES (?, ?) ON CONFLICT (nonce) DO UPDATE "
                "SET expires = excluded.expires WHERE spent_tokens.expires <= ?",
                (nonce, now + ttl, now),
            )
            return cursor.rowcount == 1

    # -- leases ------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, now: float, seconds: float) -> bool:
        """Hold the named lease until now + seconds, if it is free, expired or ours."""
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO leases VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
                "SET holder = excluded.holder, expires = excluded.expires "
                "WHERE leases.expires <= ? OR leases.holder = excluded.holder",
                (name, holder, now + seconds, now),
            )
            return cursor.rowcount == 1

    def release_lease(self, name: str, holder: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

    # -- published by the build --------------------------------------------------

    def publish(self, name: str, value: str) -> int:
        """Store a new version of a published text; returns its sequence number."""
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO published VALUES (?, 1, ?) ON CONFLICT (name) DO UPDATE "
                "SET seq = published.seq + 1, value = excluded.value",
                (name, value),
            )
            row = db.execute("SELECT seq FROM published WHERE name = ?", (name,)).fetchone()
        return int(row[0])

    def published_seq(self, name: str) -> int:
        row = self.db.execute("SELECT seq FROM published WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def published(self, name: str) -> tuple[int, str] | None:
        row = self.db.execute("SELECT seq, value FROM published WHERE name = ?", (name,)).fetchone()
        return (int(row[0]), str(row[1])) if row else None
