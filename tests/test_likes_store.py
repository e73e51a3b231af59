"""The likes tables: one count per essay, one mark per network, essay and day, nothing
else kept; the same plain SQL on real SQLite and real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generator.service.likes import (
    like_counts,
    like_day,
    like_mark,
    record_like,
    reset_likes,
)
from generator.service.store import CommentStore
from generator.service.store_backend import Backend
from generator.service.store_public import CHANGES

SECRET = b"s" * 32
NOW = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)


@pytest.fixture
def store(store_location: Path | str) -> Iterator[CommentStore]:
    """A real store at the current schema (migration 5 made the likes tables)."""
    with CommentStore.open(store_location) as opened:
        yield opened


@pytest.fixture
def db(store: CommentStore) -> Backend:
    return store.db


def test_one_like_per_network_per_essay_per_day(db: Any) -> None:
    day = like_day(NOW, ZoneInfo("Europe/London"))
    same_network = [like_mark(SECRET, f"192.0.2.{n}", "essay", day) for n in (1, 200)]
    assert same_network[0] == same_network[1]  # one /24
    assert record_like(db, same_network[0], "essay", day, NOW)
    assert not record_like(db, same_network[1], "essay", day, NOW)
    other = like_mark(SECRET, "198.51.100.7", "essay", day)
    assert record_like(db, other, "essay", day, NOW)
    assert record_like(db, like_mark(SECRET, "192.0.2.1", "other", day), "other", day, NOW)
    assert like_counts(db) == {"essay": 2, "other": 1}


def test_the_next_day_counts_again_and_old_marks_are_gone(db: Any) -> None:
    tz = ZoneInfo("Europe/London")
    today = like_day(NOW, tz)
    record_like(db, like_mark(SECRET, "2001:db8:1:2::9", "essay", today), "essay", today, NOW)
    later = NOW + timedelta(days=1)
    tomorrow = like_day(later, tz)
    mark = like_mark(SECRET, "2001:db8:1:ffff::1", "essay", tomorrow)  # the same /48
    assert record_like(db, mark, "essay", tomorrow, later)
    days = [row[0] for row in db.execute("SELECT day FROM like_marks").fetchall()]
    assert days == [tomorrow]
    assert like_counts(db) == {"essay": 2}


def test_nothing_stored_names_the_reader(db: Any) -> None:
    day = like_day(NOW, UTC)
    record_like(db, like_mark(SECRET, "203.0.113.77", "essay", day), "essay", day, NOW)
    rows = [
        *db.execute("SELECT * FROM like_marks").fetchall(),
        *db.execute("SELECT * FROM like_counts").fetchall(),
    ]
    text = repr(rows)
    assert "203.0.113" not in text
    assert like_mark(b"t" * 32, "203.0.113.77", "essay", day) not in text  # keyed


def test_reset_sets_the_count_to_zero(db: Any) -> None:
    day = like_day(NOW, UTC)
    record_like(db, like_mark(SECRET, "192.0.2.1", "essay", day), "essay", day, NOW)
    assert reset_likes(db, "essay", NOW) == 1
    assert reset_likes(db, "unknown", NOW) == 0
    assert like_counts(db) == {}


def test_the_day_is_the_sites_calendar_day() -> None:
    assert like_day(NOW, ZoneInfo("Europe/London")) == "2026-03-28"
    assert like_day(NOW, ZoneInfo("Asia/Tokyo")) == "2026-03-29"
    assert like_day(NOW, ZoneInfo("America/New_York")) == "2026-03-28"


def test_a_counted_like_or_a_reset_is_a_change_the_feed_must_show(store: CommentStore) -> None:
    day = like_day(NOW, UTC)
    mark = like_mark(SECRET, "192.0.2.1", "essay", day)
    with store.transaction() as db:
        assert record_like(db, mark, "essay", day, NOW)
    assert store.counter(CHANGES) == 1
    with store.transaction() as db:
        assert not record_like(db, mark, "essay", day, NOW)  # not counted: no change
        assert reset_likes(db, "unknown", NOW) == 0
    assert store.counter(CHANGES) == 1
    with store.transaction() as db:
        assert reset_likes(db, "essay", NOW) == 1
    assert store.counter(CHANGES) == 2
    changes, _lines, likes = store.feed_snapshot()
    assert (changes, likes) == (2, {})
