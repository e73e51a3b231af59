"""The service's background publisher: the feed written off the request, coalesced;
the posts manifest carried from the machine that built to every other instance."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from generator.core.config import SiteConfig
from generator.core.models import CommentStatus
from generator.service import actions as moderation
from generator.service import feed_export
from generator.service import publisher as publisher_module
from generator.service.publisher import Publisher
from generator.service.store import CommentStore
from tests.service_support import POSTS, make_site, store_of
from tests.test_store import comment


def two_machines(tmp_path: Path, postgres_url: str) -> tuple[SiteConfig, SiteConfig]:
    """Two site folders (two machines) on one PostgreSQL store; only the first has built."""
    first = make_site(tmp_path / "a", comments=f"store: {postgres_url}")
    second = make_site(tmp_path / "b", comments=f"store: {postgres_url}", manifest=False)
    return first, second


def test_the_manifest_built_on_one_machine_reaches_the_others(
    tmp_path: Path, postgres_url: str
) -> None:
    built, other = two_machines(tmp_path, postgres_url)
    with store_of(built) as here, store_of(other) as there:
        Publisher(built).step(here)
        Publisher(other).step(there)
        manifest = json.loads((other.private_dir / "posts.json").read_text())
        assert manifest["posts"] == POSTS
        # A rebuild on the first machine closes a post: the second sees it.
        publisher_here, publisher_there = Publisher(built), Publisher(other)
        publisher_here.step(here)
        publisher_there.step(there)
        changed = {**POSTS, "hello": {**POSTS["hello"], "open": False}}
        time.sleep(0.01)
        (built.private_dir / "posts.json").write_text(json.dumps({"version": 1, "posts": changed}))
        publisher_here.step(here)
        publisher_there.step(there)
        manifest = json.loads((other.private_dir / "posts.json").read_text())
        assert manifest["posts"]["hello"]["open"] is False


def test_a_change_on_one_machine_is_in_the_other_machines_feed_within_a_round(
    tmp_path: Path, postgres_url: str
) -> None:
    first, second = two_machines(tmp_path, postgres_url)
    with store_of(first) as here, store_of(second):
        here.add(comment("c1", CommentStatus.APPROVED))
        moderation.export_feed(first, here)
        assert not second.feed_path.exists()
        publisher = Publisher(second, poll_seconds=0.05)
        publisher.start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not second.feed_path.exists():
                time.sleep(0.05)
        finally:
            publisher.stop()
    assert [c["id"] for c in json.loads(second.feed_path.read_text())["comments"]] == ["c1"]


def test_the_service_publishes_in_the_background_and_coalesces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports: list[int] = []
    export_feed = feed_export.export_feed

    def slow_export(config: SiteConfig, store: CommentStore) -> Path:
        exports.append(1)
        time.sleep(0.2)  # a big feed: changes pile up meanwhile
        return export_feed(config, store)

    # Both ways an export happens: the publisher's rounds, and the repair its thread runs
    # when it opens its store (on a loaded machine, after the first changes were saved).
    monkeypatch.setattr(publisher_module, "export_feed", slow_export)
    monkeypatch.setattr(feed_export, "export_feed", slow_export)
    config = make_site(tmp_path / "site")
    with store_of(config) as store:
        for n in range(20):
            store.add(comment(f"c{n}"))
        publisher = Publisher(config, poll_seconds=30)
        store.after_change = publisher.wake
        publisher.start()
        try:
            for n in range(20):
                moderation.set_status(config, store, [f"c{n}"], CommentStatus.APPROVED, "mod",
                                      background=True)  # fmt: skip
        finally:
            publisher.stop()  # its last round exports whatever is left
    feed = json.loads(config.feed_path.read_text())
    assert len(feed["comments"]) == 20
    assert 1 <= len(exports) <= 4  # twenty changes, not twenty exports
