"""Series: essays that belong together, read in order ("Part 2 of 5"). Pure.

An essay joins a series with `series: Name` in its front matter; `series_order: N`
places it, and essays without one follow in date order. Each series gets a page
(/series/<slug>/) and an Atom feed beside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from generator.core.errors import Problem
from generator.core.urls import slugify

T = TypeVar("T")


@dataclass(frozen=True)
class SeriesMember:
    key: str
    source: str
    name: str  # the series it belongs to, as written
    order: int | None
    date: datetime | None


@dataclass(frozen=True)
class Series(Generic[T]):
    name: str
    url: str
    items: tuple[T, ...]  # in reading order

    @property
    def total(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class SeriesPlace(Generic[T]):
    """Where one essay stands in its series."""

    series: Series[T]
    number: int  # 1-based

    @property
    def previous(self) -> T | None:
        return self.series.items[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> T | None:
        return self.series.items[self.number] if self.number < self.series.total else None


def series_url(name: str) -> str:
    return f"/series/{slugify(name) or 'series'}/"


def group_series(
    members: Sequence[SeriesMember], items: dict[str, T]
) -> tuple[tuple[Series[T], ...], dict[str, SeriesPlace[T]], list[Problem]]:
    """Every series (by name), each member's place, and problems (two parts numbered alike)."""
    by_url: dict[str, list[SeriesMember]] = defaultdict(list)
    for member in members:
        if member.name:
            by_url[series_url(member.name)].append(member)
    every: list[Series[T]] = []
    places: dict[str, SeriesPlace[T]] = {}
    problems: list[Problem] = []
    for url, group in sorted(by_url.items()):
        ordered = sorted(
            group,
            key=lambda m: (
                m.order is None,
                m.order or 0,
                m.date.timestamp() if m.date else 0.0,
                m.key,
            ),
        )
        seen: dict[int, str] = {}
        for member in ordered:
            if member.order is not None and member.order in seen:
                problems.append(
                    Problem(
                        f"series_order: {member.order} is also given to {seen[member.order]} "
                        f'in the series "{member.name}"',
                        member.source,
                    )
                )
            elif member.order is not None:
                seen[member.order] = member.source
        name = min(m.name for m in group)  # one spelling for the page, whatever the order
        series = Series(name, url, tuple(items[m.key] for m in ordered))
        every.append(series)
        for number, member in enumerate(ordered, 1):
            places[member.key] = SeriesPlace(series, number)
    return tuple(every), places, problems
