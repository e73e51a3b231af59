"""Likes that track nobody: a count per essay, de-duplicated without keeping who liked.

One like per essay per network per day. The network is the reader's address cut to
its prefix (/24 for IPv4, /48 for IPv6, as for comments), the day is the site's
calendar day; a keyed hash (HMAC with the site secret) of the three is all the store
keeps, and only until that day is over, so nothing can be traced back to a reader.
No cookie is set and no address is written anywhere.

Plain SQL that SQLite and PostgreSQL both accept, on the store's connection: this
module owns only its two tables (migration 5, ``LIKES_MIGRATION``, in the migrations'
dialect style: {bigint} is the word each database spells its own way). A change to a
count bumps the store's change counter in its own transaction, so the feed is rewritten
with it by whichever instance's publisher sees it first (feed_export.feed_is_behind).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol

from generator.service.addresses import truncate_ip

LIKES_MIGRATION = """
    CREATE TABLE like_counts (
        post TEXT PRIMARY KEY,
        likes {bigint} NOT NULL DEFAULT 0,
        updated TEXT NOT NULL
    );
    CREATE TABLE like_marks (
        mark TEXT PRIMARY KEY,
        day TEXT NOT NULL
    );
    CREATE INDEX like_marks_by_day ON like_marks (day)
"""


class Database(Protocol):
    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...


CHANGES = "changes"  # the store's counter of changes to the public feed (store_public.CHANGES)


def _bump_changes(db: Database) -> None:
    db.execute(
        "INSERT INTO counters VALUES (?, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
        (CHANGES,),
    )


def like_day(moment: datetime, tz: tzinfo) -> str:
    """The site's calendar day of ``moment``, as YYYY-MM-DD."""
    return moment.astimezone(tz).date().isoformat()


def like_mark(secret: bytes, address: str, post: str, day: str) -> str:
    """The keyed hash that stands for "this network liked this essay today"."""
    network = truncate_ip(address) or "unknown"
    message = f"like\0{network}\0{post}\0{day}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def record_like(db: Database, mark: str, post: str, day: str, now: datetime) -> bool:
    """Count one like unless this mark was counted already; True if it counted.

    Run inside the store's write transaction. Marks of earlier days are removed on the
    way: de-duplication only ever needs today's.
    """
    db.execute("DELETE FROM like_marks WHERE day < ?", (day,))
    inserted = db.execute(
        "INSERT INTO like_marks (mark, day) VALUES (?, ?) ON CONFLICT (mark) DO NOTHING",
        (mark, day),
    )
    if inserted.rowcount != 1:
        return False
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    db.execute(
        "INSERT INTO like_counts (post, likes, updated) VALUES (?, 1, ?) "
        "ON CONFLICT (post) DO UPDATE SET likes = like_counts.likes + 1, "
        "updated = excluded.updated",
        (post, stamp),
    )
    _bump_changes(db)
    return True


def reset_likes(db: Database, post: str, now: datetime) -> int:
    """Set an essay's count back to zero; returns the count it had."""
    row = db.execute("SELECT likes FROM like_counts WHERE post = ?", (post,)).fetchone()
    if row is None:
        return 0
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    db.execute("UPDATE like_counts SET likes = 0, updated = ? WHERE post = ?", (stamp, post))
    if int(row[0]):
        _bump_changes(db)
    return int(row[0])


def like_counts(db: Database) -> dict[str, int]:
    """Every essay's count above zero, by post key."""
    rows = db.execute("SELECT post, likes FROM like_counts WHERE likes > 0 ORDER BY post")
    return {str(post): int(likes) for post, likes in rows.fetchall()}


def seed_likes(db: Database, counts: Mapping[str, int], now: datetime) -> None:
    """Take in the counts of a feed the store has not written (a fresh clone's); counts
    the store already holds are kept."""
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    for post, likes in sorted(counts.items()):
        db.execute(
            "INSERT INTO like_counts (post, likes, updated) VALUES (?, ?, ?) "
            "ON CONFLICT (post) DO NOTHING",
            (post, int(likes), stamp),
        )
