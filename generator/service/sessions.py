"""The moderator's sessions: server-side, in the store, with a fixed lifetime.

The cookie holds only a random id; the store keeps what the id means, keyed by a hash
of it (so the table holds nothing a cookie could be made from). Being in the store, a
session is valid on every instance of the service and survives a restart; logging
out forgets it at once, everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from generator.service.shared_state import SharedState, StoredNotice, StoredSession

MAX_SESSIONS = 64  # the oldest are forgotten beyond this

Session = StoredSession


@dataclass(frozen=True)
class Flash:
    """A one-time notice shown on the next page, with what an Undo would restore."""

    message: str
    undo: tuple[tuple[str, str], ...] = ()  # (comment id, status before the action)
    error: bool = False


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, lifetime_seconds: float, shared: Callable[[], SharedState]) -> None:
        self.lifetime = lifetime_seconds
        self._shared = shared  # this thread's connection to the store

    def create(self, now: float) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        session = Session(csrf=secrets.token_urlsafe(32), created=now, expires=now + self.lifetime)
        self._shared().add_session(_digest(session_id), session, keep=MAX_SESSIONS)
        return session_id, session

    def get(self, session_id: str | None, now: float) -> Session | None:
        if not session_id:
            return None
        return self._shared().session(_digest(session_id), now)

    def end(self, session_id: str | None) -> None:
        if session_id:
            self._shared().end_session(_digest(session_id))

    def set_flash(self, session_id: str, flash: Flash) -> None:
        self._shared().set_notice(
            _digest(session_id), StoredNotice(flash.message, flash.undo, flash.error)
        )

    def pop_flash(self, session_id: str) -> Flash | None:
        notice = self._shared().pop_notice(_digest(session_id))
        return None if notice is None else Flash(notice.message, notice.undo, notice.error)

    def count(self, now: float) -> int:
        return self._shared().count_sessions(now)
