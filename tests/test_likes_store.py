"""The likes tables: one count per essay, one mark per network, essay and day, nothing
else kept; the same plain SQL on real SQLite and real PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generator.service.likes import (
    LIKES_MIGRATION,
    like_counts,
    like_day,
    like_mark,
    record_like,
    reset_likes,
)

SECRET = b"s" * 32
NOW = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)


class Postgres:
    """A psycopg connection that takes the store's `?` placeholders."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), parameters)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    if request.param == "sqlite":
        conn: Any = sqlite3.connect(tmp_path / "store.sqlite3", isolation_level=None)
    else:
        conn = Postgres(request.getfixturevalue("postgres_url"))
    for statement in LIKES_MIGRATION.split(";"):
        if statement.strip():
            conn.execute(statement)
    yield conn
    (conn.conn if isinstance(conn, Postgres) else conn).close()


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
