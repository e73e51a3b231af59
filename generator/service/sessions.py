"""The moderator's sessions: server-side, in memory, with a fixed lifetime.

The cookie holds only a random id; the service keeps what the id means. Logging out
forgets the id at once; restarting the service logs everyone out, which for one
moderator of a small site is a fair price for keeping nothing on disk.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass

MAX_SESSIONS = 64  # the oldest are forgotten beyond this


@dataclass(frozen=True)
class Session:
    csrf: str  # the token every form of this session carries
    created: float
    expires: float


@dataclass(frozen=True)
class Flash:
    """A one-time notice shown on the next page, with what an Undo would restore."""

    message: str
    undo: tuple[tuple[str, str], ...] = ()  # (comment id, status before the action)
    error: bool = False


def _digest(session_id: str) -> str:
    # Keyed by a hash, so the table in memory holds nothing a cookie could be made from.
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, lifetime_seconds: float) -> None:
        self.lifetime = lifetime_seconds
        self._sessions: dict[str, Session] = {}
        self._flashes: dict[str, Flash] = {}
        self._lock = threading.Lock()

    def create(self, now: float) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        session = Session(csrf=secrets.token_urlsafe(32), created=now, expires=now + self.lifetime)
        with self._lock:
            self._sessions[_digest(session_id)] = session
            while len(self._sessions) > MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda key: self._sessions[key].created)
                self._drop(oldest)
        return session_id, session

    def get(self, session_id: str | None, now: float) -> Session | None:
        if not session_id:
            return None
        key = _digest(session_id)
        with self._lock:
            session = self._sessions.get(key)
            if session is not None and now >= session.expires:
                self._drop(key)
                return None
            return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._drop(_digest(session_id))

    def set_flash(self, session_id: str, flash: Flash) -> None:
        with self._lock:
            key = _digest(session_id)
            if key in self._sessions:
                self._flashes[key] = flash

    def pop_flash(self, session_id: str) -> Flash | None:
        with self._lock:
            return self._flashes.pop(_digest(session_id), None)

    def _drop(self, key: str) -> None:
        self._sessions.pop(key, None)
        self._flashes.pop(key, None)

    def __len__(self) -> int:
        return len(self._sessions)
