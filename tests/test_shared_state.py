"""The state several service instances share, on both backends (real SQLite, real PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.service.shared_state import Limit, StoredNotice, StoredSession
from generator.service.store import CommentStore

LIMITS = (Limit(3, 60), Limit(5, 3600))


@pytest.fixture
def store(store_location: Path | str) -> Iterator[CommentStore]:
    with CommentStore.open(store_location) as opened:
        yield opened


def test_a_session_is_seen_by_another_connection_until_it_expires(
    store: CommentStore, store_location: Path | str
) -> None:
    store.shared.add_session("k1", StoredSession("csrf1", 100.0, 200.0), keep=64)
    with CommentStore.open(store_location) as other:
        assert other.shared.session("k1", 150.0) == StoredSession("csrf1", 100.0, 200.0)
        assert other.shared.session("k1", 200.0) is None  # expired: and forgotten
    assert store.shared.session("k1", 150.0) is None


def test_the_oldest_sessions_go_beyond_the_limit_and_take_their_notices(
    store: CommentStore,
) -> None:
    for n in range(5):
        store.shared.add_session(f"k{n}", StoredSession("c", 100.0 + n, 1000.0), keep=3)
        store.shared.set_notice(f"k{n}", StoredNotice("Approved.", (("c1", "pending"),), False))
    assert [store.shared.session(f"k{n}", 110.0) is not None for n in range(5)] == [
        False, False, True, True, True
    ]  # fmt: skip
    assert store.shared.pop_notice("k0") is None
    assert store.shared.pop_notice("k4") == StoredNotice("Approved.", (("c1", "pending"),), False)
    assert store.shared.pop_notice("k4") is None  # one time only


def test_a_notice_for_an_unknown_session_is_not_kept(store: CommentStore) -> None:
    store.shared.set_notice("nobody", StoredNotice("x", (), True))
    assert store.shared.pop_notice("nobody") is None


def test_rate_limits_count_across_connections_and_say_how_long_to_wait(
    store: CommentStore, store_location: Path | str
) -> None:
    with CommentStore.open(store_location) as other:
        assert store.shared.hit("intake", "a", LIMITS, 0.0) is None
        assert other.shared.hit("intake", "a", LIMITS, 10.0) is None
        assert store.shared.hit("intake", "a", LIMITS, 20.0) is None
        assert other.shared.hit("intake", "a", LIMITS, 30.0) == 30  # the first hit leaves at 60
        assert other.shared.retry_after("intake", "a", LIMITS, 30.0) == 30
        assert store.shared.hit("intake", "b", LIMITS, 30.0) is None  # another address
        assert store.shared.hit("login", "a", LIMITS, 30.0) is None  # another scope
        assert store.shared.hit("intake", "a", LIMITS, 60.5) is None
        assert store.shared.hit("intake", "a", LIMITS, 61.0) == 9  # 10, 20, 60.5 in the minute
        assert store.shared.hit("intake", "a", LIMITS, 80.0) is None  # 5 in the hour now
        assert store.shared.hit("intake", "a", LIMITS, 200.0) == 3400
        store.shared.forget_hits("intake", "a")
        assert other.shared.hit("intake", "a", LIMITS, 200.0) is None


def test_concurrent_hits_get_no_more_than_the_limit_through(store_location: Path | str) -> None:
    """64 at once (as 64 wrong passwords sent together): exactly the limit is let through."""
    CommentStore.open(store_location).close()
    results: list[int | None] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def worker() -> None:
        with CommentStore.open(store_location) as mine:
            start.wait()
            for _ in range(4):
                outcome = mine.shared.hit("login", "addr", (Limit(5, 900),), 1000.0)
                with lock:
                    results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 64
    assert results.count(None) == 5


def test_a_token_is_spent_once_everywhere_until_it_would_expire(
    store: CommentStore, store_location: Path | str
) -> None:
    with CommentStore.open(store_location) as other:
        assert store.shared.claim_token("n1", 0.0, 100.0) is True
        assert other.shared.claim_token("n1", 50.0, 100.0) is False
        assert store.shared.claim_token("n1", 99.0, 100.0) is False
        assert other.shared.claim_token("n1", 100.0, 100.0) is True  # forgotten by then
        assert other.shared.claim_token("n2", 100.0, 100.0) is True


def test_a_lease_has_one_holder_until_it_expires_or_is_released(store: CommentStore) -> None:
    assert store.shared.take_lease("hook", "a", 0.0, 30.0)
    assert not store.shared.take_lease("hook", "b", 10.0, 30.0)
    assert store.shared.take_lease("hook", "a", 10.0, 30.0)  # renewed by its holder
    assert not store.shared.take_lease("hook", "b", 39.0, 30.0)
    assert store.shared.take_lease("hook", "b", 40.0, 30.0)  # a's expired
    store.shared.release_lease("hook", "a")  # not a's to release any more
    assert not store.shared.take_lease("hook", "a", 41.0, 30.0)
    store.shared.release_lease("hook", "b")
    assert store.shared.take_lease("hook", "a", 41.0, 30.0)


def test_published_texts_are_versioned(store: CommentStore) -> None:
    assert store.shared.published("posts") is None and store.shared.published_seq("posts") == 0
    assert store.shared.publish("posts", "one") == 1
    assert store.shared.publish("posts", "two") == 2
    assert store.shared.published("posts") == (2, "two")
