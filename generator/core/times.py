"""How Salon writes a moment in its feeds (Atom, RSS, sitemap and the comments feed)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_time(moment: datetime) -> str:
    """RFC 3339 in UTC to the second, as feeds (and the comments feed) write times."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
