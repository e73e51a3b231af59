"""Who wants mail: confirmed addresses, reply subscriptions, followers (private store).

Every function takes the caller's transaction (``db``), so a subscription is saved with
the comment that asked for it, and an erasure removes an address from every table and
from the outbox at once.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from generator.service.outbox import forget_recipient
from generator.service.store_backend import Backend

DAY = 24 * 3600.0


class Scope(enum.Enum):
    REPLIES = "replies"  # replies to my comment
    THREAD = "thread"  # every new comment on the essay


@dataclass(frozen=True)
class Address:
    email: str
    key: str  # what links name the address by
    confirmed: float | None
    asked: float | None  # when the last confirmation mail was queued


def address(db: Backend, email: str, create: bool = False) -> Address | None:
    email = email.lower()
    row = db.execute(
        "SELECT email, key, confirmed, asked FROM addresses WHERE email = ?", (email,)
    ).fetchone()
    if row is None and create:
        db.execute(
            "INSERT INTO addresses (email, key) VALUES (?, ?) ON CONFLICT (email) DO NOTHING",
            (email, secrets.token_urlsafe(12)),
        )
        return address(db, email)
    if row is None:
        return None
    return Address(str(row[0]), str(row[1]), row[2], row[3])


def by_key(db: Backend, key: str) -> Address | None:
    row = db.execute("SELECT email FROM addresses WHERE key = ?", (key,)).fetchone()
    return address(db, str(row[0])) if row else None


def may_ask(found: Address, now: float, per_day: int = 1) -> bool:
    """At most one confirmation mail an address a day (per_day for followers)."""
    return found.asked is None or now - float(found.asked) >= DAY / per_day


def mark_asked(db: Backend, email: str, now: float) -> None:
    db.execute("UPDATE addresses SET asked = ? WHERE email = ?", (now, email.lower()))


def confirm(db: Backend, email: str, now: float) -> None:
    db.execute(
        "UPDATE addresses SET confirmed = ? WHERE email = ? AND confirmed IS NULL",
        (now, email.lower()),
    )


def subscribe(db: Backend, email: str, post: str, comment_id: str, scope: Scope,
              now: float) -> None:  # fmt: skip
    address(db, email, create=True)
    db.execute(
        "INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (email.lower(), post, comment_id, scope.value, now),
    )


def has_subscription(db: Backend, email: str, comment_id: str) -> bool:
    return db.execute("SELECT 1 FROM subscriptions WHERE email = ? AND comment_id = ?",
                      (email.lower(), comment_id)).fetchone() is not None  # fmt: skip


def reply_subscribers(db: Backend, post: str, parent: str | None) -> list[tuple[str, str]]:
    """(email, subscribed comment) of confirmed addresses told about a new comment on
    ``post`` replying to ``parent``: those subscribed to the parent's replies, and those
    following the essay's whole thread."""
    rows = db.execute(
        # Only through a comment that is published: a subscription made with a comment
        # still pending (or rejected) tells nobody anything.
        "SELECT s.email, s.comment_id FROM subscriptions s JOIN addresses a ON a.email = s.email "
        "JOIN comments c ON c.id = s.comment_id AND c.status = 'approved' AND c.removed = 0 "
        "WHERE a.confirmed IS NOT NULL AND s.post = ? AND (s.scope = 'thread' OR "
        "(s.scope = 'replies' AND s.comment_id = ?)) ORDER BY s.email",
        (post, parent or ""),
    ).fetchall()
    return [(str(e), str(c)) for e, c in rows]


def unsubscribe(db: Backend, email: str, comment_id: str | None) -> int:
    """One subscription (the thread a link came from) or, with None, every one."""
    if comment_id is None:
        cursor = db.execute("DELETE FROM subscriptions WHERE email = ?", (email.lower(),))
    else:
        post = db.execute("SELECT post FROM subscriptions WHERE email = ? AND comment_id = ?",
                          (email.lower(), comment_id)).fetchone()  # fmt: skip
        if post is None:
            return 0
        cursor = db.execute("DELETE FROM subscriptions WHERE email = ? AND post = ?",
                            (email.lower(), str(post[0])))  # fmt: skip
    return cursor.rowcount


# -- followers ---------------------------------------------------------------------------


def follow(db: Backend, email: str, now: float) -> tuple[Address, bool]:
    """Record a follow request; (the address, True if it is already a confirmed follower)."""
    found = address(db, email, create=True)
    assert found is not None
    db.execute("INSERT INTO followers (email, created) VALUES (?, ?) ON CONFLICT DO NOTHING",
               (found.email, now))  # fmt: skip
    row = db.execute("SELECT confirmed FROM followers WHERE email = ?", (found.email,)).fetchone()
    return found, row[0] is not None


def follower_asked(db: Backend, email: str) -> float | None:
    row = db.execute("SELECT asked FROM followers WHERE email = ?", (email.lower(),)).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def mark_follower_asked(db: Backend, email: str, now: float) -> None:
    db.execute("UPDATE followers SET asked = ? WHERE email = ?", (now, email.lower()))


def confirm_follower(db: Backend, email: str, now: float) -> bool:
    cursor = db.execute(
        "UPDATE followers SET confirmed = ? WHERE email = ? AND confirmed IS NULL",
        (now, email.lower()),
    )
    confirm(db, email, now)  # the address is proven either way
    return cursor.rowcount == 1


def unfollow(db: Backend, email: str) -> bool:
    return db.execute("DELETE FROM followers WHERE email = ?", (email.lower(),)).rowcount == 1


def confirmed_followers(db: Backend) -> list[Address]:
    rows = db.execute(
        "SELECT a.email, a.key, a.confirmed, a.asked FROM followers f JOIN addresses a "
        "ON a.email = f.email WHERE f.confirmed IS NOT NULL ORDER BY f.confirmed, f.email"
    ).fetchall()
    return [Address(str(e), str(k), c, a) for e, k, c, a in rows]


def followers(db: Backend) -> list[tuple[str, float, float | None]]:
    """(email, asked to follow, confirmed) of every follower, confirmed or not."""
    rows = db.execute("SELECT email, created, confirmed FROM followers ORDER BY created, email")
    return [(str(e), float(c), None if f is None else float(f)) for e, c, f in rows]


def follower_counts(db: Backend) -> tuple[int, int]:
    """(confirmed followers, confirmations pending)."""
    row = db.execute(
        "SELECT count(confirmed), count(*) - count(confirmed) FROM followers"
    ).fetchone()
    return int(row[0]), int(row[1])


def forget(db: Backend, emails: Sequence[str]) -> int:
    """Erase addresses: their confirmation, subscriptions, following, queued mail."""
    dropped = 0
    for email in {e.lower() for e in emails if e}:
        db.execute("DELETE FROM subscriptions WHERE email = ?", (email,))
        db.execute("DELETE FROM followers WHERE email = ?", (email,))
        db.execute("DELETE FROM addresses WHERE email = ?", (email,))
        dropped += forget_recipient(db, email)
    return dropped
