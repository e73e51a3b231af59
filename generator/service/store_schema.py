"""The store's schema, its migrations, and how a row becomes a StoredComment."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from generator.core.models import CommentStatus, StoredComment
from generator.service.likes import LIKES_MIGRATION
from generator.service.store_files import impossible_row

# Each migration takes the schema from version N to N+1. Never edit one that shipped.
# One text for both databases: {serial}, {real} and {bigint} are the words each spells
# its own way (store_backend._WORDS); SQLite's texts come out exactly as they shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        post TEXT NOT NULL,
        parent TEXT,
        author TEXT NOT NULL,
        email TEXT NOT NULL DEFAULT '',
        website TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        body_hash TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
        by_author INTEGER NOT NULL DEFAULT 0,
        ip TEXT NOT NULL DEFAULT '',
        user_agent TEXT NOT NULL DEFAULT '',
        moderated_by TEXT NOT NULL DEFAULT '',
        moderated_at TEXT,
        held_because TEXT NOT NULL DEFAULT '',
        removed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX comments_by_post ON comments (post, created);
    CREATE INDEX comments_by_status ON comments (status, created);
    CREATE INDEX comments_by_body ON comments (body_hash);
    CREATE INDEX comments_by_email ON comments (email) WHERE email != '';
    CREATE TABLE audit (
        seq {serial},
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        comment_id TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_by_comment ON audit (comment_id, seq);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE imported (
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,
        comment_id TEXT NOT NULL,
        PRIMARY KEY (source, external_id)
    );
    """,
    # 2: the avatar seed a comment was published with before it reached this store (the
    # feed it was adopted from), so adopting a feed keeps every identicon as it was.
    """
    ALTER TABLE comments ADD COLUMN avatar TEXT NOT NULL DEFAULT ''
    """,
    # 3: everything several service instances must share, so that they behave as one and
    # a restart forgets nothing: sessions and their one-time notices, rate-limit hits
    # (comments and wrong passwords), spent form tokens, leases (who runs the hook), the
    # change counters that keep the public feed from staying behind the store, what the
    # build published for the service (the posts manifest), and each approved comment's
    # line of the public feed, so an export joins lines instead of serialising them all.
    """
    ALTER TABLE comments ADD COLUMN feed_line TEXT NOT NULL DEFAULT '';
    CREATE TABLE counters (name TEXT PRIMARY KEY, value {bigint} NOT NULL);
    CREATE TABLE sessions (
        key TEXT PRIMARY KEY,
        csrf TEXT NOT NULL,
        created {real} NOT NULL,
        expires {real} NOT NULL
    );
    CREATE INDEX sessions_by_expiry ON sessions (expires);
    CREATE TABLE notices (
        session_key TEXT PRIMARY KEY,
        message TEXT NOT NULL,
        undo TEXT NOT NULL DEFAULT '',
        error INTEGER NOT NULL DEFAULT 0,
        expires {real} NOT NULL
    );
    CREATE TABLE rate_hits (scope TEXT NOT NULL, key TEXT NOT NULL, at {real} NOT NULL);
    CREATE INDEX rate_hits_by_key ON rate_hits (scope, key, at);
    CREATE INDEX rate_hits_by_time ON rate_hits (at);
    CREATE TABLE spent_tokens (nonce TEXT PRIMARY KEY, expires {real} NOT NULL);
    CREATE INDEX spent_tokens_by_expiry ON spent_tokens (expires);
    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires {real} NOT NULL);
    CREATE TABLE published (name TEXT PRIMARY KEY, seq {bigint} NOT NULL, value TEXT NOT NULL)
    """,
    # 4: telling people (notifications). The outbox holds every message to send, queued
    # in the transaction of the change that caused it; message_id is stable per (event,
    # recipient), so a message is queued once and a resend after a crash can be dropped
    # by the receiver. Subscriptions are commenters' requests to hear about replies;
    # addresses remember who confirmed (double opt-in) and the opaque key links name
    # them by (never the address itself: links end up in logs); followers want new essays;
    # announced lists the essays the service knows of, so none is sent twice.
    """
    CREATE TABLE outbox (
        seq {serial},
        message_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
        created {real} NOT NULL,
        due {real} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        claimed_until {real} NOT NULL DEFAULT 0,
        sent_at {real}
    );
    CREATE INDEX outbox_by_due ON outbox (state, due);
    CREATE INDEX outbox_by_recipient ON outbox (recipient);
    CREATE TABLE subscriptions (
        email TEXT NOT NULL,
        post TEXT NOT NULL,
        comment_id TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('replies', 'thread')),
        created {real} NOT NULL,
        PRIMARY KEY (email, comment_id)
    );
    CREATE INDEX subscriptions_by_post ON subscriptions (post);
    CREATE TABLE addresses (
        email TEXT PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        confirmed {real},
        asked {real}
    );
    CREATE TABLE followers (
        email TEXT PRIMARY KEY,
        created {real} NOT NULL,
        confirmed {real},
        asked {real}
    );
    CREATE TABLE announced (post TEXT PRIMARY KEY, at {real} NOT NULL, mailed INTEGER NOT NULL)
    """,
    # 5: readers' likes: a count per post, and the day's keyed marks that de-duplicate
    # them (service/likes.py, which owns these two tables).
    LIKES_MIGRATION,
)
SCHEMA_VERSION = len(MIGRATIONS)
FEED_ADOPTED = "feed_adopted"  # setting: when the existing public feed was taken in
COLUMNS = (
    "id, post, parent, author, email, website, body, created, status, by_author, ip, "
    "user_agent, moderated_by, moderated_at, held_because, removed"
)


def body_hash(post: str, body: str) -> str:
    normalised = " ".join(body.lower().split())
    return hashlib.sha256(f"{post}\0{normalised}".encode()).hexdigest()


def time_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def row_to_comment(row: Sequence[object]) -> StoredComment:
    try:
        return _comment_of(row)
    except (ValueError, TypeError, OverflowError) as exc:  # a row edited by hand, or damaged
        raise impossible_row(row, exc) from None


def _comment_of(row: Sequence[object]) -> StoredComment:
    (cid, post, parent, author, email, website, body, created, status, by_author, ip, ua,
     moderated_by, moderated_at, held, removed) = tuple(row)  # fmt: skip
    created_at = parse_time(str(created))
    if created_at is None:
        raise ValueError("created: empty")
    return StoredComment(
        id=str(cid), post=str(post), parent=str(parent) if parent else None,
        author=str(author), email=str(email), website=str(website), body=str(body),
        created=created_at, status=CommentStatus(status), by_author=bool(by_author),
        ip=str(ip), user_agent=str(ua), moderated_by=str(moderated_by),
        moderated_at=parse_time(str(moderated_at)) if moderated_at else None,
        held_because=str(held), removed=bool(removed),
    )  # fmt: skip
