"""The service's background publisher: the feed, the hook and the posts manifest.

A moderation action in the service saves its change and returns; the change wakes
the publisher's feed thread, which writes the public feed (from the store's lines),
then wakes its hook thread, which runs `comments.on_change` for the change the feed now
shows (once across every instance, service/hook.py). Changes made while either works
are covered by its next round, so at most one export and one hook run at a time, and
one more queued: a queue of 50 approvals costs a few exports, not 50, and a long hook
never holds the feed back.

It also wakes every POLL_SECONDS on its own, so the feed on this machine never trails
the store (changed by another instance, or by the CLI) by more than that; and it
carries the build's posts manifest between machines: a new local `.salon/posts.json`
(a build ran here) is published to the store, and one published by another machine
is written here for the intake to read.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable

from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.core.files import atomic_write
from generator.service.actions import open_store
from generator.service.feed_export import export_feed, feed_is_behind
from generator.service.hook import run_hook_once
from generator.service.store import CommentStore

log = logging.getLogger("salon.service")

POLL_SECONDS = 1.0
FEED_PROBLEM = "feed_problem"  # setting: why the last export failed ("" once it works)
MANIFEST = "posts_manifest"  # published text: the build's posts.json
MANIFEST_AT = "posts_manifest_mtime"  # setting: the modification time of the one published


class Publisher:
    """Two threads: one writes the feed and carries the manifest, the other runs the hook,
    so that a long hook (a build and a deploy) never holds the feed back."""

    def __init__(self, config: SiteConfig, poll_seconds: float = POLL_SECONDS) -> None:
        self.config = config
        self.poll = poll_seconds
        self._wake = threading.Event()
        self._hook_wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._manifest_seen: tuple[int, str] = (-1, "")  # (store seq, digest) synced

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        for name, target in (("salon-publisher", self._run_feed), ("salon-hook", self._run_hook)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Finish the rounds in progress and one last one, so no change stays unexported.
        A hook still running is waited for (at most a minute; its lease frees it later)."""
        self._stop.set()
        self._wake.set()
        self._hook_wake.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run_feed(self) -> None:
        self._loop(self._wake, self.step_feed)

    def _run_hook(self) -> None:
        self._loop(self._hook_wake, self.step_hook)

    def _loop(self, wake: threading.Event, step: Callable[[CommentStore], None]) -> None:
        store: CommentStore | None = None
        try:
            while True:
                if store is not None and store.db.broken:  # the database went away
                    with contextlib.suppress(Exception):
                        store.close()
                    store = None
                if store is None:
                    try:
                        store = open_store(self.config)
                    except CommentError as exc:
                        log.error("publisher: %s", exc)
                stopping = self._stop.is_set()
                if not stopping:
                    wake.wait(self.poll)
                    wake.clear()
                if store is not None:
                    step(store)
                if stopping:  # that was the last round
                    return
        finally:
            if store is not None:
                store.close()

    def step(self, store: CommentStore) -> None:
        """One round of both, in this thread (at start, before serving; and in tests)."""
        self.step_feed(store)
        self.step_hook(store)

    def step_feed(self, store: CommentStore) -> None:
        """The feed if behind, the manifest both ways. Never raises: a problem is logged
        and kept in the store for /moderate."""
        try:
            self._feed(store)
            self._manifest(store)
        except Exception as exc:  # the thread must outlive any one bad round
            log.error("publisher: %s", exc)
        self._hook_wake.set()

    def step_hook(self, store: CommentStore) -> None:
        try:
            run_hook_once(self.config, store, wait=True)
        except Exception as exc:
            log.error("publisher: on_change: %s", exc)

    def _feed(self, store: CommentStore) -> None:
        if not feed_is_behind(self.config, store):
            return
        try:
            export_feed(self.config, store)
        except (CommentError, OSError) as exc:
            log.error("the public feed could not be rewritten: %s", exc)
            store.set_setting(FEED_PROBLEM, str(exc))
            return
        if store.setting(FEED_PROBLEM):
            store.set_setting(FEED_PROBLEM, "")

    def _manifest(self, store: CommentStore) -> None:
        path = self.config.private_dir / "posts.json"
        local, mtime = b"", 0.0
        with contextlib.suppress(OSError):
            local, mtime = path.read_bytes(), path.stat().st_mtime
        digest = hashlib.sha256(local).hexdigest()
        seq, seen_digest = self._manifest_seen
        published = store.shared.published(MANIFEST)
        published_at = float(store.setting(MANIFEST_AT) or 0)
        # A build ran here since we last looked (or before we started, and after the
        # manifest in the store was made): the store gets this machine's manifest.
        fresh_here = local and digest != seen_digest and (seq != -1 or mtime > published_at)
        if fresh_here and (published is None or published[1].encode() != local):
            text = local.decode("utf-8", errors="replace")
            new_seq = store.shared.publish(MANIFEST, text)
            store.set_setting(MANIFEST_AT, repr(mtime))
            self._manifest_seen = (new_seq, digest)
            return
        if published is not None and published[0] != seq:
            data = published[1].encode()
            if data != local:  # another machine's build: the intake here reads it
                atomic_write(path, data)
            self._manifest_seen = (published[0], hashlib.sha256(data).hexdigest())
        elif local and digest != seen_digest:
            self._manifest_seen = (seq, digest)


def wait_until_published(publisher: Publisher, seconds: float = 5.0) -> None:
    """For tests and shutdown: give the publisher a moment to finish a round."""
    publisher.wake()
    time.sleep(min(seconds, publisher.poll))
