"""Time: how Salon writes a moment in its feeds, and the clock that can be replaced."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]  # what "now" is; tests pass a fixed one


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_time(moment: datetime) -> str:
    """RFC 3339 in UTC to the second, as feeds (and the comments feed) write times."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
