"""The store's public view: approved comments with public fields only, and the feed's lines.

Every approved comment keeps its own line of the public feed (``comments.feed_line``),
rewritten in the same transaction as any change to it; writing the feed is then a read
of those lines in one snapshot, in the feed's order, joined (contract/feed.py). That is
what keeps a moderation action fast on a big site: it serialises the comments it
changed, never all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from generator.contract.avatars import avatar_seed
from generator.contract.feed import feed_line
from generator.core.models import PublicComment, StoredComment
from generator.service.likes import like_counts
from generator.service.store_backend import Backend
from generator.service.store_schema import COLUMNS, row_to_comment

CHANGES = "changes"  # counter: bumped by every change that may alter the public feed


def to_public(c: StoredComment, published_avatar: str, secret: bytes) -> PublicComment:
    """A comment's public fields; the avatar it was published with, or its seed."""
    return PublicComment(
        id=c.id, post=c.post, parent=c.parent, author=c.author, website=c.website,
        body=c.body, created=c.created, by_author=c.by_author,
        avatar="" if c.removed else (published_avatar or avatar_seed(secret, c.email or c.author)),
        removed=c.removed,
    )  # fmt: skip


def shown_ids(rows: Iterable[tuple[str, str | None, bool]]) -> set[str]:
    """Of approved (id, parent, removed), those the feed shows: every comment not removed,
    and the removed ones an approved reply below them needs as a placeholder."""
    rows = list(rows)
    parent_of = {cid: parent for cid, parent, _ in rows}
    shown = {cid for cid, _, gone in rows if not gone}
    for _cid, parent, gone in rows:
        if gone:
            continue
        # Up to the first shown ancestor: its own walk covers the rest.
        while parent and parent in parent_of and parent not in shown:
            shown.add(parent)  # a removed parent, kept as a placeholder
            parent = parent_of[parent]
    return shown


def public_comments(db: Backend, secret: bytes) -> list[PublicComment]:
    """Approved comments, public fields only, plus placeholders that approved replies need."""
    rows = [
        (row_to_comment(row[:-1]), str(row[-1]))
        for row in db.execute(
            f"SELECT {COLUMNS}, avatar FROM comments WHERE status = 'approved' ORDER BY created, id"
        )
    ]
    shown = shown_ids((c.id, c.parent, c.removed) for c, _ in rows)
    return [to_public(c, avatar, secret) for c, avatar in rows if c.id in shown]


def refresh_lines(db: Backend, secret: bytes, ids: Sequence[str]) -> None:
    """Inside a transaction: rewrite the feed line of each comment (none unless approved)."""
    for cid in ids:
        row = db.execute(f"SELECT {COLUMNS}, avatar FROM comments WHERE id = ?", (cid,)).fetchone()
        if row is None:
            continue  # deleted for good
        comment = row_to_comment(row[:-1])
        line = feed_line(to_public(comment, str(row[-1]), secret)) if comment.status.value == (
            "approved") else ""  # fmt: skip
        db.execute("UPDATE comments SET feed_line = ? WHERE id = ?", (line, cid))


def feed_snapshot(db: Backend, secret: bytes) -> tuple[int, list[str], dict[str, int]]:
    """The change counter, the feed's lines in order and the like counts by post, all
    from the same moment.

    Comments approved before the store kept lines (schema 2) get theirs written first.
    """
    while True:
        with db.snapshot():
            row = db.execute("SELECT value FROM counters WHERE name = ?", (CHANGES,)).fetchone()
            seq = int(row[0]) if row else 0
            rows = db.execute(
                "SELECT id, post, created, parent, removed, feed_line FROM comments "
                "WHERE status = 'approved'"
            ).fetchall()
            likes = like_counts(db)
        missing = [str(r[0]) for r in rows if not r[5]]
        if not missing:
            break
        with db.transaction():
            refresh_lines(db, secret, missing)
    shown = shown_ids((str(r[0]), str(r[3]) if r[3] else None, bool(r[4])) for r in rows)
    # The feed's order: post, time, id (times are stored as UTC text of one fixed shape,
    # so their text sorts as the times do). Sorted here, not by the database, whose
    # collation of text may not be Python's.
    ordered = sorted((str(r[1]), str(r[2]), str(r[0]), str(r[5])) for r in rows
                     if str(r[0]) in shown)  # fmt: skip
    return seq, [line for _, _, _, line in ordered], likes
