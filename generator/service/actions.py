"""Moderation actions shared by the CLI and the /moderate page.

Every change is recorded in the store's audit log, then the public feed is
rewritten atomically, then the site's `comments.on_change` hook is started.
"""

from __future__ import annotations

import fcntl
import logging
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from generator.build.writer import atomic_write
from generator.contract.feed import parse_feed, serialise_feed
from generator.core.config import SiteConfig
from generator.core.errors import CommentError, SiteError
from generator.core.models import CommentStatus, StoredComment
from generator.service.store import CommentStore, new_comment_id
from generator.service.store_files import (
    StoreUnavailable,
    can_read_as_is,
    check_store_file,
    explain,
    open_read_only,
    writable,
)

log = logging.getLogger("salon.service")


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


def open_store(config: SiteConfig, create: bool = True, read_only: bool = False) -> CommentStore:
    """Open the store; the first time, it takes in the comments of the existing feed.

    ``read_only``: for commands that only read; in a folder this user cannot write, the
    store is then read as it is instead of failing on SQLite's first write.
    """
    shown, feed = config.comments.store, config.comments.feed
    check_store_file(config.store_path, shown, feed)
    if config.feed_path.is_dir() and not config.feed_is_remote:
        raise CommentError(f"{feed}: is a folder; the comments feed is a file (remove the folder)")
    path = config.store_path
    readable_as_is = read_only and path.is_file() and can_read_as_is(path)
    try:
        if readable_as_is and not writable(path):
            return CommentStore(open_read_only(path), path)
        return _open_and_seed(config, create)
    except (sqlite3.Error, OSError) as exc:
        problem = explain(exc, shown, feed, path)
        if problem is None:
            raise
        if readable_as_is and isinstance(problem, StoreUnavailable):  # a full disk
            return CommentStore(open_read_only(path), path)
        raise problem from None


def _open_and_seed(config: SiteConfig, create: bool) -> CommentStore:
    store = CommentStore.open(config.store_path, create=create)
    # Until the store has written the feed or taken it in, the feed on disk holds
    # published comments the store may not know (a fresh clone of the site).
    if not store.feed_adopted() and not config.feed_is_remote and config.feed_path.is_file():
        try:
            text = config.feed_path.read_bytes().decode("utf-8")
            existing = parse_feed(text, config.comments.feed)
        except UnicodeDecodeError as exc:
            store.close()
            raise CommentError(
                f"cannot seed the store from the feed: {config.comments.feed}: "
                f"not UTF-8 text ({exc.reason})"
            ) from None
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
        store.mark_feed_adopted()  # from now on the store alone is the truth
        text = serialise_feed(store.public_comments())
        atomic_write(config.feed_path, text.encode("utf-8"), fsync=True)
    return config.feed_path


def run_hook(config: SiteConfig, wait: bool) -> int | None:
    """Start `comments.on_change` in the site folder. Returns its status when waited for.

    The change it follows is already saved and exported, so a hook that cannot start or
    fails is a warning on stderr, never an error that would hide a saved change.
    """
    command = config.comments.on_change.strip()
    if not command:
        return None
    try:
        process = subprocess.Popen(shlex.split(command), cwd=config.root,
                                   stdout=subprocess.PIPE if wait else subprocess.DEVNULL,
                                   stderr=subprocess.STDOUT if wait else subprocess.DEVNULL,
                                   start_new_session=not wait)  # fmt: skip
    except (OSError, ValueError) as exc:
        print(f"warning: comments.on_change: cannot run {command!r}: {exc}", file=sys.stderr)
        return None
    if not wait:
        return None
    # The hook's output goes to our stderr, line by line, so stdout stays ours alone.
    assert process.stdout is not None
    for line in process.stdout:
        sys.stderr.write(line.decode("utf-8", errors="replace"))
    status = process.wait()
    if status != 0:
        print(f"warning: comments.on_change {command!r} exited with status {status}",
              file=sys.stderr)  # fmt: skip
    return status


def after_change(config: SiteConfig, store: CommentStore, wait_for_hook: bool) -> None:
    try:
        export_feed(config, store)
    except (OSError, sqlite3.Error) as exc:
        reason = explain(exc, config.comments.feed, config.comments.feed, config.feed_path)
        detail = str(reason) if reason is not None else str(exc)
        raise CommentError(
            f"the change is saved in the store, but {config.comments.feed} could not be "
            f"rewritten ({detail.removeprefix(config.comments.feed + ': ')}); once that is "
            "fixed, run `salon comments export`"
        ) from None
    run_hook(config, wait_for_hook)


def publish_quietly(config: SiteConfig, store: CommentStore) -> str | None:
    """after_change for the service, hook not waited for: the change is already saved,
    so a feed that cannot be rewritten is logged, and its reason returned, not raised."""
    try:
        after_change(config, store, wait_for_hook=False)
    except (CommentError, OSError) as exc:
        log.error("the public feed could not be rewritten: %s", exc)
        return str(exc)
    return None


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


def author_website(config: SiteConfig) -> str:
    """The site author's URL as a commenter's website: absolute, or none."""
    url = config.author.url.strip()
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("/") and config.base_url:
        return config.base_url + url
    return ""


def reply(
    config: SiteConfig, store: CommentStore, parent_id: str, body: str, actor: str,
    wait_for_hook: bool = True,
) -> StoredComment:  # fmt: skip
    """The site's author answers a comment: approved at once and marked as the author's."""
    if not config.author.name.strip():
        raise CommentError(
            "site.yaml: author.name is not set; a reply needs the name it is signed with"
        )
    if not body.strip():
        raise CommentError("the reply is empty; give its text with --body")
    parent = store.get(parent_id)
    if parent.removed:
        raise CommentError(f"comment {parent_id} was deleted; there is nothing to reply to")
    if parent.status is not CommentStatus.APPROVED:
        raise CommentError(
            f"comment {parent_id} is {parent.status.value}; approve it first, so that your "
            "reply has a visible parent"
        )
    now = datetime.now(UTC)
    comment = StoredComment(
        id=new_comment_id(), post=parent.post, parent=parent.id, author=config.author.name,
        email=config.author.email, website=author_website(config), body=body.strip(),
        created=now, status=CommentStatus.APPROVED, by_author=True, moderated_by=actor,
        moderated_at=now,
    )  # fmt: skip
    store.add(comment, actor=actor)
    after_change(config, store, wait_for_hook)
    return comment
