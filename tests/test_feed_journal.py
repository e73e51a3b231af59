"""The feed never stays behind the store: the change counter, the stamp, the repair at
start; and on_change once per change across instances."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from generator.core.config import load_config
from generator.core.models import CommentStatus
from generator.service import actions as moderation
from generator.service.feed_export import feed_is_behind
from generator.service.hook import HOOK_PROBLEM, run_hook_once
from generator.service.store import CommentStore
from tests.service_support import make_site, store_of
from tests.test_store import comment

REPO = Path(__file__).resolve().parent.parent


def test_a_change_saved_without_its_export_is_repaired_by_the_next_command(
    tmp_path: Path,
) -> None:
    config = make_site(tmp_path / "site")
    with store_of(config) as store:
        store.add(comment("c1", CommentStatus.APPROVED))
        moderation.export_feed(config, store)
        store.add(comment("c2", CommentStatus.APPROVED))  # saved, then "kill -9"
        assert feed_is_behind(config, store)
    with store_of(config) as store:  # any command's start
        assert not feed_is_behind(config, store)
    ids = [c["id"] for c in json.loads(config.feed_path.read_text())["comments"]]
    assert ids == ["c1", "c2"]


def test_a_service_killed_after_approving_repairs_the_feed_when_it_starts(
    tmp_path: Path,
) -> None:
    """A real kill -9 of a process that saved a change and never exported it."""
    config = make_site(tmp_path / "site")
    with store_of(config) as store:
        store.add(comment("c1"))
    script = (
        "import os, signal; from pathlib import Path; "
        "from generator.core.config import load_config; "
        "from generator.core.models import CommentStatus; "
        "from generator.service.actions import open_store; "
        f"store = open_store(load_config(Path({str(config.root)!r}))); "
        "store.set_status(['c1'], CommentStatus.APPROVED, 'mod'); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    process = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=False)
    assert process.returncode == -signal.SIGKILL
    assert "c1" not in (config.feed_path.read_text() if config.feed_path.exists() else "")
    with store_of(load_config(config.root)):
        pass
    assert [c["id"] for c in json.loads(config.feed_path.read_text())["comments"]] == ["c1"]


def test_the_hook_runs_once_per_change_across_instances_and_failures_are_kept(
    tmp_path: Path,
) -> None:
    ran = tmp_path / "ran.txt"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\necho run >> {ran}\nexit ${{HOOK_STATUS:-0}}\n")
    hook.chmod(0o755)
    config = make_site(tmp_path / "site", comments=f"on_change: {hook}")
    with store_of(config) as one, CommentStore.open(config.store_path) as two:
        one.add(comment("c1", CommentStatus.APPROVED))
        assert run_hook_once(config, one, wait=True) is None  # not in the feed yet: later
        assert not ran.exists()
        moderation.export_feed(config, one)
        for store in (one, two, one):  # every instance's publisher sees the change
            run_hook_once(config, store, wait=True)
        assert ran.read_text().count("run") == 1
        two.set_status(["c1"], CommentStatus.REJECTED, "mod")
        one.set_status(["c1"], CommentStatus.APPROVED, "mod")  # two changes, one run
        moderation.export_feed(config, two)
        for store in (two, one):
            run_hook_once(config, store, wait=True)
        assert ran.read_text().count("run") == 2
        os.environ["HOOK_STATUS"] = "3"
        try:
            one.set_status(["c1"], CommentStatus.REJECTED, "mod")
            moderation.export_feed(config, one)
            assert run_hook_once(config, two, wait=True) == 3
        finally:
            del os.environ["HOOK_STATUS"]
        assert "exited with status 3" in (one.setting(HOOK_PROBLEM) or "")
        one.set_status(["c1"], CommentStatus.APPROVED, "mod")
        moderation.export_feed(config, one)
        assert run_hook_once(config, one, wait=True) == 0
        assert one.setting(HOOK_PROBLEM) == ""
