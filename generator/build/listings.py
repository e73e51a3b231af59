"""Lists of posts: the home page, taxonomies and archives, paginated. Pure."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from generator.core.urls import page_url, slugify, taxonomy_url

T = TypeVar("T")


@dataclass(frozen=True)
class Paginated(Generic[T]):
    """One page of a listing."""

    items: tuple[T, ...]
    number: int
    total: int
    base_url: str

    @property
    def url(self) -> str:
        return page_url(self.base_url, self.number)

    @property
    def prev_url(self) -> str | None:
        return page_url(self.base_url, self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return page_url(self.base_url, self.number + 1) if self.number < self.total else None


def paginate(items: Sequence[T], per_page: int, base_url: str) -> list[Paginated[T]]:
    total = max(1, math.ceil(len(items) / per_page))
    return [
        Paginated(tuple(items[i * per_page : (i + 1) * per_page]), i + 1, total, base_url)
        for i in range(total)
    ]


@dataclass(frozen=True)
class Term(Generic[T]):
    """A tag or a category with its posts, newest first."""

    taxonomy: str
    name: str
    slug: str
    url: str
    items: tuple[T, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    def heading(self) -> TermHeading:
        return TermHeading(self.taxonomy, self.name, self.slug, self.url, len(self.items))


@dataclass(frozen=True)
class TermHeading:
    """What a term's own page and the list of terms show of it: its posts only counted.

    A page's render key covers everything the page receives; when each page of a tag
    received all the tag's posts, editing one post made every page of its tags again."""

    taxonomy: str
    name: str
    slug: str
    url: str
    count: int


def group_terms(taxonomy: str, pairs: Sequence[tuple[Sequence[str], T]]) -> list[Term[T]]:
    """Group items by term; names that slug alike ("Grief", "grief") share one page."""
    groups: dict[str, list[T]] = defaultdict(list)
    names: dict[str, str] = {}
    slugs: dict[str, str] = {}  # by name: 50 tags on 5,000 essays are 50 slugs to make
    for terms, item in pairs:
        # Two names of one item may share a slug ("Grief", "grief"): list the item once.
        # A slug's page is named by the first name seen with it.
        first: dict[str, str] = {}
        for name in terms:
            slug = slugs.get(name)
            if slug is None:
                slug = slugs[name] = slugify(name) or "untitled"
            first.setdefault(slug, name)
        for slug, name in first.items():
            names.setdefault(slug, name)
            groups[slug].append(item)
    return sorted(
        (
            Term(taxonomy, names[slug], slug, taxonomy_url(taxonomy, names[slug]), tuple(items))
            for slug, items in groups.items()
        ),
        key=lambda term: term.name.lower(),
    )


@dataclass(frozen=True)
class Archive(Generic[T]):
    """Posts of one year, or of one month of a year."""

    year: int
    month: int | None
    url: str
    items: tuple[T, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    def heading(self) -> ArchiveHeading:
        return ArchiveHeading(self.year, self.month, self.url, len(self.items))


@dataclass(frozen=True)
class ArchiveHeading:
    """What a year's or month's own pages show of it (as TermHeading, for the same reason)."""

    year: int
    month: int | None
    url: str
    count: int
