"""Writing the public feed from the store, and knowing whether the feed is behind it.

The store counts every change that may alter the public feed (its ``changes``
counter, bumped in the change's own transaction). Each time the feed is written, the
count it reflects is recorded beside it in ``.salon/feed.stamp`` (with the store's
identity, so a feed written from another store never passes for this one's). The feed
is behind when the two differ: after a crash between a change and its export (kill -9),
the next command or service start sees it and writes the feed before anything else.
"""

from __future__ import annotations

import fcntl
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.contract.feed import join_feed_lines
from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.core.files import atomic_write
from generator.service.store import CommentStore
from generator.service.store_public import CHANGES

STORE_ID = "store_id"  # setting: this store's identity, made once


@contextmanager
def feed_lock(config: SiteConfig) -> Iterator[None]:
    """One exporter at a time on this machine, so an older snapshot never overwrites a
    newer one (the snapshot is read while the lock is held)."""
    lock_path = config.private_dir / "feed.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stamp_path(config: SiteConfig) -> Path:
    return config.private_dir / "feed.stamp"


def store_identity(store: CommentStore) -> str:
    value = store.setting(STORE_ID)
    if value is None:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO settings VALUES (?, ?) ON CONFLICT DO NOTHING",
                (STORE_ID, secrets.token_hex(8)),
            )
            value = str(db.execute("SELECT value FROM settings WHERE key = ?", (STORE_ID,))
                        .fetchone()[0])  # fmt: skip
    return value


def stamped_changes(config: SiteConfig, store: CommentStore) -> int:
    """The store's change count the feed on disk reflects (-1: unknown, or another store's)."""
    try:
        identity, count = stamp_path(config).read_text(encoding="utf-8").split()
        return int(count) if identity == store_identity(store) else -1
    except (OSError, ValueError):
        return -1


def write_stamp(config: SiteConfig, store: CommentStore, changes: int) -> None:
    text = f"{store_identity(store)} {changes}\n"
    atomic_write(stamp_path(config), text.encode())


def feed_is_behind(config: SiteConfig, store: CommentStore) -> bool:
    """Is there a change in the store the local feed does not show yet?"""
    if config.feed_is_remote:
        return False  # another machine writes it
    changes = store.counter(CHANGES)
    stamped = stamped_changes(config, store)
    if stamped == -1:
        # Never written by this store: behind once the store has changed anything public.
        return changes > 0 and (store.feed_adopted() or not config.feed_path.exists())
    return stamped != changes


def export_feed(config: SiteConfig, store: CommentStore) -> Path:
    """Rewrite the public feed from the store (temp file, fsync, rename), and its stamp.

    The lines come from the store (each approved comment keeps its own), so this is a
    read and a join, not a serialisation of every comment. Serialised per machine by a
    file lock and, on PostgreSQL, across machines by an advisory lock.
    """
    if config.feed_is_remote:
        raise CommentError(
            "comments.feed is a URL; export writes a local file, so set comments.feed to a path "
            "on the machine that runs the comment service"
        )
    with feed_lock(config), store.db.exclusive("salon:feed-export"):
        store.mark_feed_adopted()  # from now on the store alone is the truth
        changes, lines, likes = store.feed_snapshot()
        text = join_feed_lines(lines, likes=likes)
        atomic_write(config.feed_path, text.encode("utf-8"), fsync=True)
        write_stamp(config, store, changes)
    return config.feed_path


def repair_feed(config: SiteConfig, store: CommentStore) -> bool:
    """Write the feed if it is behind the store (a crash after a change, before its
    export). True when it was rewritten. A feed that cannot be written is a warning:
    the store, the truth, is intact, and the next change or start tries again."""
    try:
        if not feed_is_behind(config, store):
            return False
        export_feed(config, store)
    except (CommentError, OSError) as exc:
        print(f"warning: the public feed is behind the store and could not be rewritten: {exc}",
              file=sys.stderr)  # fmt: skip
        return False
    return True
