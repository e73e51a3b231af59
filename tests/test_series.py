"""Series: reading order from series_order then date, places, problems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from generator.build.series import SeriesMember, group_series, series_url

START = datetime(2024, 1, 1, tzinfo=UTC)


def member(key: str, name: str, order: int | None, day: int) -> SeriesMember:
    return SeriesMember(key, f"content/posts/{key}.md", name, order, START + timedelta(days=day))


def test_order_then_date_and_the_place_of_each_part() -> None:
    members = [member("c", "On Endings", None, 1), member("a", "On Endings", 2, 9),
               member("b", "On Endings", 1, 5), member("x", "Other", None, 0)]  # fmt: skip
    series, places, problems = group_series(members, {m.key: m.key for m in members})
    assert problems == []
    endings = next(s for s in series if s.name == "On Endings")
    assert endings.items == ("b", "a", "c")  # numbered parts first, then by date
    assert endings.url == "/series/on-endings/"
    assert places["a"].number == 2 and places["a"].series.total == 3
    assert places["a"].previous == "b" and places["a"].next == "c"
    assert places["b"].previous is None and places["c"].next is None


def test_two_parts_with_one_number_are_reported() -> None:
    members = [member("a", "S", 1, 0), member("b", "S", 1, 1)]
    _, _, problems = group_series(members, {"a": "a", "b": "b"})
    assert [p.path for p in problems] == ["content/posts/b.md"]
    assert "series_order: 1 is also given to content/posts/a.md" in problems[0].message


def test_series_urls_are_safe_slugs() -> None:
    assert series_url("Notes on Supervision") == "/series/notes-on-supervision/"
    assert series_url("../../etc").startswith("/series/")
    assert ".." not in series_url("../../etc")
