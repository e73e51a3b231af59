"""Running the site's `comments.on_change` command after a change is saved and exported:
once per change across every instance on the store."""

from __future__ import annotations

import logging
import os
import shlex
import socket
import subprocess
import sys
import threading
import time

from generator.core.config import SiteConfig
from generator.service.feed_export import stamped_changes
from generator.service.store import CommentStore
from generator.service.store_public import CHANGES

log = logging.getLogger("salon.service")


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


HOOK_DONE = "hook_done"  # counter: the store's change count the hook last ran for
HOOK_LEASE = "on_change"  # lease: the one instance running the hook
HOOK_LEASE_SECONDS = 30 * 60.0  # a runner that died frees it after this long
HOOK_PROBLEM = "hook_problem"  # setting: the last failure, shown on /moderate


def hook_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_hook_once(config: SiteConfig, store: CommentStore, wait: bool) -> int | None:
    """Run `comments.on_change` for the store's latest change, unless it ran for it already.

    Across every instance on the store one runner at a time (a lease in the store); the
    changes made while it runs are covered by one more run afterwards (the caller's next
    call), never one run per change or per instance. A failure is recorded in the store
    (``hook_problem``) for /moderate to show, and logged.
    """
    if not config.comments.on_change.strip():
        return None
    # The change the hook is for: the one this machine's feed shows (the hook builds from
    # it), so a change not yet exported here is left for the next run, never skipped.
    target = store.counter(CHANGES) if config.feed_is_remote else stamped_changes(config, store)
    if store.counter(HOOK_DONE) >= target:
        return None
    holder = hook_holder()
    if not store.shared.take_lease(HOOK_LEASE, holder, time.time(), HOOK_LEASE_SECONDS):
        if wait:
            print("comments.on_change is running elsewhere (another instance); it will run "
                  "again for this change when it finishes", file=sys.stderr)  # fmt: skip
        return None
    try:
        if store.counter(HOOK_DONE) >= target:  # it ran while we took the lease
            return None
        status = run_hook(config, wait)
        store.raise_counter(HOOK_DONE, target)
        command = config.comments.on_change.strip()
        if wait and status != 0:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            problem = f"{when} UTC: `{command}` " + (
                "could not start" if status is None else f"exited with status {status}"
            )
            store.set_setting(HOOK_PROBLEM, problem)
            log.error("comments.on_change failed: %s", problem)
        elif wait and store.setting(HOOK_PROBLEM):
            store.set_setting(HOOK_PROBLEM, "")
        return status
    finally:
        store.shared.release_lease(HOOK_LEASE, holder)
