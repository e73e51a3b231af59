"""What each kind of page and feed receives: one frozen dataclass per kind.

A page's template gets the fields of its context as variables (plus `site` and
`page`); its render key is the context's ``fingerprint``, derived from those very
fields (context_keys.py), so nothing a template can reach is left out of the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from generator.build.context_keys import Memo, fields_fingerprint
from generator.build.listings import Archive, ArchiveHeading, Paginated, TermHeading
from generator.build.series import Series, SeriesPlace
from generator.build.site import Entry


class Context:
    """A page's or a feed's inputs; subclasses are frozen dataclasses."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def fingerprint(self, memo: Memo | None = None) -> str:
        return fields_fingerprint(self, memo)

    def variables(self) -> Mapping[str, Any]:
        """The template's variables: the fields, by name."""
        return {item.name: getattr(self, item.name) for item in dataclasses.fields(self)}


# -- pages, through templates --------------------------------------------------------


@dataclass(frozen=True)
class PostPage(Context):
    entry: Entry
    newer: Entry | None
    older: Entry | None
    modified: datetime | None
    comments_feed: str
    series: SeriesPlace[Entry] | None = None  # its place in a series
    related: tuple[Entry, ...] = ()  # the related essays shown under it


@dataclass(frozen=True)
class StandalonePage(Context):
    entry: Entry
    modified: datetime | None


@dataclass(frozen=True)
class HomePage(Context):
    pager: Paginated[Entry]


@dataclass(frozen=True)
class TermsPage(Context):
    taxonomy: str
    label: str
    terms: tuple[TermHeading, ...]


@dataclass(frozen=True)
class TermPage(Context):
    term: TermHeading
    taxonomy: str
    pager: Paginated[Entry]


@dataclass(frozen=True)
class ArchivesPage(Context):
    years: tuple[Archive[Entry], ...]
    months: tuple[Archive[Entry], ...]


@dataclass(frozen=True)
class ArchivePage(Context):
    archive: ArchiveHeading
    label: str
    pager: Paginated[Entry]


@dataclass(frozen=True)
class NotFoundPage(Context):
    recent: tuple[Entry, ...]


@dataclass(frozen=True)
class AliasPage(Context):
    target: str
    entry: Entry


@dataclass(frozen=True)
class SeriesPage(Context):
    series: Series[Entry]


@dataclass(frozen=True)
class SearchPage(Context):
    """The search page: the form, and (with JavaScript) the static index's answers."""


PageContext = (
    PostPage | StandalonePage | HomePage | TermsPage | TermPage | ArchivesPage | ArchivePage
    | NotFoundPage | AliasPage | SeriesPage | SearchPage
)  # fmt: skip


# -- files made without templates ----------------------------------------------------


@dataclass(frozen=True)
class PostsFeed(Context):
    """An Atom feed of posts (the site's, or a tag's or category's)."""

    title: str
    url: str
    home: str
    posts: tuple[Entry, ...]


@dataclass(frozen=True)
class RssFeed(Context):
    title: str
    url: str
    home: str
    posts: tuple[Entry, ...]


@dataclass(frozen=True)
class CommentsFeed(Context):
    """The newest comments of these entries (one post's, or every post's)."""

    title: str
    url: str
    home: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class SitemapFile(Context):
    urls: tuple[tuple[str, datetime | None], ...]

    def fingerprint(self, memo: Memo | None = None) -> str:
        """Every page's address and last change, hashed as one text (value by value, as
        fields_fingerprint goes, 8,000 pages' were a sixth of planning an edit). It shows
        no entry: its key is always computed (plan_index.py)."""
        lines = (f"{url!r}\t{'' if when is None else when.isoformat()}" for url, when in self.urls)
        return hashlib.sha1(("SitemapFile\n" + "\n".join(lines)).encode()).hexdigest()


@dataclass(frozen=True)
class RobotsFile(Context):
    sitemap_url: str


@dataclass(frozen=True)
class RedirectsFile(Context):
    text: str


FileContext = PostsFeed | RssFeed | CommentsFeed | SitemapFile | RobotsFile | RedirectsFile
