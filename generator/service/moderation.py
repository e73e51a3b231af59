"""Moderation actions shared by the CLI and the /moderate page.

Every change is recorded in the store's audit log, then the public feed is
rewritten atomically, then the site's `comments.on_change` hook is started.
"""

from __future__ import annotations

import fcntl
import shlex
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..comments.feed import parse_feed, serialise_feed
from ..config import SiteConfig
from ..errors import CommentError, SiteError
from ..models import CommentStatus, StoredComment
from ..writer import atomic_write
from .store import CommentStore


@contextmanager
def feed_lock(config: SiteConfig) -> Iterator[None]:
    """One exporter at a time, so an older snapshot never overwrites a newer one."""
    lock_path = config.private_dir / "feed.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_store(config: SiteConfig, create: bool = True) -> CommentStore:
    """Open the store; an empty store is first seeded from the existing public feed."""
    store = CommentStore.open(config.store_path, create=create)
    if store.count() == 0 and not config.feed_is_remote and config.feed_path.exists():
        try:
            existing = parse_feed(
                config.feed_path.read_text(encoding="utf-8"), config.comments.feed
            )
        except SiteError as exc:
            store.close()
            raise CommentError(f"cannot seed the store from the feed: {exc}") from None
        store.seed_from_public(existing, actor="seed-from-feed")
    return store


def export_feed(config: SiteConfig, store: CommentStore) -> Path:
    """Rewrite the public feed from the store (temp file, fsync, rename)."""
    if config.feed_is_remote:
        raise CommentError(
            "comments.feed is a URL; export writes a local file, so set comments.feed to a path "
            "on the machine that runs the comment service"
        )
    with feed_lock(config):
        text = serialise_feed(store.public_comments())
        atomic_write(config.feed_path, text.encode("utf-8"), fsync=True)
    return config.feed_path


def run_hook(config: SiteConfig, wait: bool) -> int | None:
    """Start `comments.on_change` in the site folder. Returns its status when waited for."""
    command = config.comments.on_change.strip()
    if not command:
        return None
    process = subprocess.Popen(shlex.split(command), cwd=config.root,
                                stdout=sys.stderr if wait else subprocess.DEVNULL,
                                stderr=sys.stderr if wait else subprocess.DEVNULL,
                                start_new_session=not wait)  # fmt: skip
    return process.wait() if wait else None


def after_change(config: SiteConfig, store: CommentStore, wait_for_hook: bool) -> None:
    export_feed(config, store)
    run_hook(config, wait_for_hook)


def set_status(
    config: SiteConfig, store: CommentStore, ids: Sequence[str], status: CommentStatus,
    actor: str, wait_for_hook: bool = True,
) -> list[StoredComment]:  # fmt: skip
    changed = store.set_status(ids, status, actor)
    after_change(config, store, wait_for_hook)
    return changed


def edit(
    config: SiteConfig, store: CommentStore, comment_id: str, actor: str,
    wait_for_hook: bool = True, **changes: object,
) -> StoredComment:  # fmt: skip
    comment = store.edit(comment_id, actor, **changes)  # type: ignore[arg-type]
    after_change(config, store, wait_for_hook)
    return comment


def delete(
    config: SiteConfig, store: CommentStore, ids: Sequence[str], actor: str,
    wait_for_hook: bool = True,
) -> None:  # fmt: skip
    store.delete(ids, actor)
    after_change(config, store, wait_for_hook)


def parse_status(text: str) -> CommentStatus:
    try:
        return CommentStatus(text)
    except ValueError:
        choices = ", ".join(s.value for s in CommentStatus)
        raise CommentError(f'unknown status "{text}"; use one of {choices}') from None
