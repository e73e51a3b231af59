"""Planning: the site model in, the list of every file to make out. Pure.

Each page or feed becomes a job holding its context and its render key, derived
from that context (contexts.py); the sitemap is derived from the planned pages.
Nothing here renders, reads or writes: execute.py runs the jobs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from html import unescape
from typing import TYPE_CHECKING

from generator.build import json_ld
from generator.build.context_keys import Memo, fingerprint_of
from generator.build.contexts import (
    AliasPage,
    ArchivePage,
    ArchivesPage,
    CommentsFeed,
    FileContext,
    HomePage,
    NotFoundPage,
    PageContext,
    PostPage,
    PostsFeed,
    RedirectsFile,
    RobotsFile,
    RssFeed,
    SearchPage,
    SeriesPage,
    SitemapFile,
    StandalonePage,
    TermPage,
    TermsPage,
)
from generator.build.feed_map import recent_comment_count
from generator.build.jobs import FileJob, Job, KeptJob, PageJob
from generator.build.listings import Archive, Term, paginate
from generator.build.plan_index import key_of
from generator.build.site import Entry, SiteModel
from generator.build.theme_assets import CopyFile
from generator.build.theme_hash import KeyBases
from generator.contract.page_images import Preview
from generator.contract.theme_page import PageMeta
from generator.core.config import SiteConfig
from generator.core.urls import output_path

if TYPE_CHECKING:
    from generator.build.plan_index import KeptKeys


@dataclass
class Planner:
    config: SiteConfig
    bases: KeyBases
    kept: KeptKeys | None = None  # the last build's keys that still hold (plan_index.py)
    memo: Memo = field(default_factory=Memo)  # fingerprints of shared listings, once each

    def page(
        self, template: str, url: str, source: str, meta: PageMeta, context: PageContext,
        custom: bool = False,
    ) -> PageJob:  # fmt: skip
        return self._job(template, url, source, custom, meta, None, context, meta.noindex)

    def page_made_later(
        self, template: str, url: str, source: str, meta: Callable[[], PageMeta],
        meta_from: str, context: PageContext, custom: bool = False,
    ) -> PageJob:  # fmt: skip
        """A page whose metadata is made only if it is rendered; ``meta_from`` is a
        fingerprint of everything ``meta()`` is made from, standing for it in the key
        (a post's JSON-LD was 40% of planning its pages, and of their memory)."""
        return self._job(template, url, source, custom, meta, meta_from, context, False)

    def _job(
        self, template: str, url: str, source: str, custom: bool,
        meta: PageMeta | Callable[[], PageMeta], meta_key: str | None, context: PageContext,
        noindex: bool,
    ) -> PageJob:  # fmt: skip
        """``meta_key``: None when ``meta`` is a PageMeta, which then stands for itself."""
        path = output_path(url)

        def parts() -> tuple[str, ...]:
            made = meta_key
            if made is None:
                assert isinstance(meta, PageMeta)
                made = fingerprint_of(meta)
            return (self.bases.pages, path, template, made, context.fingerprint(self.memo))

        key = self._key(path, parts, source)
        return PageJob(path, url, source, template, custom, meta, context, key, noindex)

    def _key(self, path: str, parts: Callable[[], tuple[str, ...]], own: str | None) -> str:
        """The job's key: the last build's, if it still holds; else made of ``parts()``
        (the context, every entry's body left out) and of the bodies the job reads, and
        recorded with the entries it met for the next build (plan_index.py).

        The bodies read are those it read when last made; for a job never made, a page's
        own entry's (``own``, its source) or a feed's every entry's: rendering tells
        (execute.py), and the key is made again if the guess was wrong. Without an index
        (a preview), every entry's the context holds."""
        kept = self.kept
        key = kept.kept(path) if kept is not None else None
        if key is not None:
            return key
        met = self.memo.met
        met.clear()
        base = hashlib.sha1("\0".join(parts()).encode()).hexdigest()
        held = {item.identity: item for item in met if isinstance(item, Entry)}
        if kept is None:  # a preview: every entry held, read whole
            return key_of(base, tuple((source, "all") for source in sorted(held)), held)
        reads = kept.reads(path)
        if reads is None:
            reads = tuple((s, "all") for s in sorted(held) if own is None or s == own)
        return kept.record(path, base, met, reads)

    def _logo(self, model: SiteModel) -> str:
        found = self.memo.seen.get(id(model.logo))
        if found is None:
            found = self.memo.seen[id(model.logo)] = (model.logo, fingerprint_of(model.logo), ())
        return found[1]

    def file(self, path: str, source: str, context: FileContext) -> FileJob:
        parts = lambda: (self.bases.files, path, context.fingerprint(self.memo))  # noqa: E731
        return FileJob(path, source, context, self._key(path, parts, None))

    def feed(self, url: str, source: str, context: FileContext) -> FileJob:
        return self.file(output_path(url), source, context)

    # -- pages of one entry ------------------------------------------------------------

    def post(self, entry: Entry, model: SiteModel) -> Iterator[PageJob | FileJob]:
        newer, older = model.neighbours.get(entry.url, (None, None))
        comments_feed = entry.url + "comments.xml"
        context = PostPage(
            entry, newer, older, entry.last_modified, comments_feed,
            model.series_places.get(entry.key), model.related.get(entry.key, ()),
        )  # fmt: skip
        template = entry.doc.template or "post.html"
        # The metadata is made from the entry, the settings and the logo alone; the
        # settings are in every page's key (bases), the others stand for it here.
        meta_from = f"post meta\0{entry.fingerprint}\0{self._logo(model)}"
        yield self.page_made_later(
            template, entry.url, entry.doc.source, partial(self.post_meta, entry, model.logo),
            meta_from, context, bool(entry.doc.template),
        )  # fmt: skip
        if self.config.comments.enabled:
            title = f"Comments on “{entry.title}”"
            feed = CommentsFeed(title, comments_feed, entry.url, (entry,))
            yield self.feed(comments_feed, entry.doc.source, feed)

    def post_kept(self, entry: Entry, model: SiteModel) -> list[KeptJob] | None:
        """A post's jobs when the last build's keys hold for all of them; None otherwise."""
        if self.kept is None:
            return None
        url, source = entry.url, entry.doc.source
        make = partial(_pick, partial(self.post, entry, model))
        page = self._kept(url, source, make, modified=entry.last_modified)
        if page is None:
            return None
        if not self.config.comments.enabled:
            return [page]
        feed = self._kept(url + "comments.xml", source, make, page=False)
        return [page, feed] if feed is not None else None

    def _kept(self, url: str, source: str, make: Callable[[str], PageJob | FileJob],
              page: bool = True, modified: datetime | None = None) -> KeptJob | None:  # fmt: skip
        """The page (or, not ``page``, the feed) at ``url`` when the last build's key holds
        for it, planned without its context; ``make(path)`` plans it whole (``_pick``).
        None: plan it now."""
        if self.kept is None:
            return None
        path = output_path(url)
        key = self.kept.kept(path)
        if key is None:
            return None
        return KeptJob(path, url if page else "", source, key, modified, make)

    def post_meta(self, entry: Entry, logo: Preview | None) -> PageMeta:
        return PageMeta(
            entry.title, entry.url, "post", entry.description or plain_text(entry.excerpt_html),
            json_ld=json_ld.blog_posting(entry, self.config, logo), image=entry.image,
        )  # fmt: skip

    def standalone(self, entry: Entry) -> PageJob:
        meta = PageMeta(
            entry.title, entry.url, "page", entry.description or plain_text(entry.excerpt_html),
            json_ld=json_ld.web_page(entry, self.config), image=entry.image,
        )  # fmt: skip
        template = entry.doc.template or "page.html"
        context = StandalonePage(entry, entry.last_modified)
        return self.page(
            template, entry.url, entry.doc.source, meta, context, bool(entry.doc.template)
        )

    # -- listings: each page and feed kept as post_kept keeps a post's (Planner._kept),
    # but when planned ``whole`` (a kept file found changed on disk: KeptJob.make) ------

    def home(self, model: SiteModel, whole: bool = False) -> Iterator[PageJob | KeptJob]:
        config = self.config
        make = partial(_pick, partial(self.home, model, True))
        for pager in paginate(model.home_posts, config.posts_per_page, "/"):
            if not whole and (kept := self._kept(pager.url, "home page", make)):
                yield kept
                continue
            title = config.title if pager.number == 1 else f"{config.title} — page {pager.number}"
            meta = PageMeta(
                title, pager.url, "home", config.description, feed_url="/feed.xml",
                json_ld=json_ld.blog(config),
            )  # fmt: skip
            yield self.page("index.html", pager.url, "home page", meta, HomePage(pager))

    def taxonomy(
        self, taxonomy: str, terms: tuple[Term[Entry], ...], whole: bool = False
    ) -> Iterator[PageJob | FileJob | KeptJob]:
        label = "Tags" if taxonomy == "tags" else "Categories"
        make = partial(_pick, partial(self.taxonomy, taxonomy, terms, True))
        url = f"/{taxonomy}/"
        if not whole and (kept := self._kept(url, taxonomy, make)):
            yield kept
        else:
            meta = PageMeta(label, url, "terms")
            headings = tuple(term.heading() for term in terms)
            yield self.page("terms.html", url, taxonomy, meta, TermsPage(taxonomy, label, headings))
        for term in terms:
            heading = None
            for pager in paginate(term.items, self.config.posts_per_page, term.url):
                source = f"{taxonomy} {term.name}"
                if not whole and (kept := self._kept(pager.url, source, make)):
                    yield kept
                    continue
                heading = heading or term.heading()
                title = term.name if pager.number == 1 else f"{term.name} — page {pager.number}"
                meta = PageMeta(
                    title, pager.url, "term", f"Essays filed under {term.name}",
                    feed_url=term.url + "feed.xml",
                )  # fmt: skip
                context = TermPage(heading, taxonomy, pager)
                yield self.page("term.html", pager.url, source, meta, context)
            if self.config.feeds.atom:
                source, url = f"{taxonomy} {term.name}", term.url + "feed.xml"
                if not whole and (kept := self._kept(url, source, make, page=False)):
                    yield kept
                    continue
                title = f"{self.config.title}: {term.name}"
                items = term.items[: self.config.feeds.entries]
                yield self.feed(url, source, PostsFeed(title, url, term.url, items))

    def archives(self, model: SiteModel, whole: bool = False) -> Iterator[PageJob | KeptJob]:
        make = partial(_pick, partial(self.archives, model, True))
        if not whole and (kept := self._kept("/archives/", "archives", make)):
            yield kept
        else:
            meta = PageMeta("Archives", "/archives/", "archives")
            listing = ArchivesPage(model.years, model.months)
            yield self.page("archives.html", "/archives/", "archives", meta, listing)
        archive: Archive[Entry]
        for archive in (*model.years, *model.months):
            label = str(archive.year)
            if archive.month is not None:
                label = datetime(archive.year, archive.month, 1).strftime("%B %Y")
            heading = None
            for pager in paginate(archive.items, self.config.posts_per_page, archive.url):
                source = f"archive {label}"
                if not whole and (kept := self._kept(pager.url, source, make)):
                    yield kept
                    continue
                heading = heading or archive.heading()
                meta = PageMeta(f"Archives: {label}", pager.url, "archive")
                context = ArchivePage(heading, label, pager)
                yield self.page("archive.html", pager.url, source, meta, context)

    def series(self, model: SiteModel) -> Iterator[PageJob | FileJob]:
        for series in model.series:
            meta = PageMeta(
                series.name, series.url, "series", f"The essays of the series {series.name}",
                feed_url=series.url + "feed.xml" if self.config.feeds.atom else "",
            )  # fmt: skip
            yield self.page("series.html", series.url, f"series {series.name}", meta,
                            SeriesPage(series))  # fmt: skip
            if self.config.feeds.atom:
                title = f"{self.config.title}: {series.name}"
                # Newest first, as every feed: the newest part is the news.
                items = tuple(sorted(series.items, key=lambda e: (e.date, e.doc.source),
                                     reverse=True))[: self.config.feeds.entries]  # fmt: skip
                feed = PostsFeed(title, series.url + "feed.xml", series.url, items)
                yield self.feed(feed.url, f"series {series.name}", feed)

    def search(self) -> Iterator[PageJob]:
        if self.config.engagement.search.enabled:
            meta = PageMeta("Search", "/search/", "search", noindex=True)
            yield self.page("search.html", "/search/", "search page", meta, SearchPage())

    def not_found(self, model: SiteModel) -> PageJob:
        meta = PageMeta("Page not found", "/404.html", "404", noindex=True)
        return self.page("404.html", "/404.html", "404 page", meta, NotFoundPage(model.posts[:5]))

    def aliases(self, model: SiteModel) -> Iterator[PageJob | FileJob]:
        redirects: list[str] = []
        base = self.config.base_path
        for entry in (*model.posts, *model.pages):
            for alias in entry.doc.aliases:
                if "?" in alias:
                    path, query = alias.split("?", 1)
                    redirects.append(f"{base}{path or '/'}  {query}  {base}{entry.url}  301")
                    continue
                meta = PageMeta(entry.title, alias, "alias", noindex=True)
                context = AliasPage(self.config.base_url + entry.url, entry)
                source = f"{entry.doc.source} (alias {alias})"
                yield self.page("alias.html", alias, source, meta, context)
        if redirects:
            # Netlify's and Cloudflare Pages' format; a query string cannot be a file.
            text = "\n".join(sorted(redirects)) + "\n"
            yield self.file("_redirects", "aliases", RedirectsFile(text))

    def feeds(self, model: SiteModel) -> Iterator[FileJob]:
        config = self.config
        posts = model.posts[: config.feeds.entries]
        if config.feeds.atom:
            yield self.feed(
                "/feed.xml", "site feed", PostsFeed(config.title, "/feed.xml", "/", posts)
            )
        if config.feeds.rss:
            yield self.feed(
                "/rss.xml", "site RSS feed", RssFeed(config.title, "/rss.xml", "/", posts)
            )
        if config.comments.enabled:
            title = f"Comments on {config.title}"
            feed = CommentsFeed(title, "/comments.xml", "/", _recent_comment_posts(config, model))
            yield self.feed("/comments.xml", "recent comments feed", feed)


def _recent_comment_posts(config: SiteConfig, model: SiteModel) -> tuple[Entry, ...]:
    """The posts the recent comments feed takes its entries from: only those, so that its
    key (and its threads) covers them and not every post. With no comment yet, all: the
    newest post dates the empty feed."""
    keys = set(model.threads.newest_posts(recent_comment_count(config)))
    return tuple(post for post in model.posts if post.key in keys) if keys else model.posts


def _pick(remake: Callable[[], Iterable[Job]], path: str) -> PageJob | FileJob:
    """The job at ``path`` of a post or a listing planned whole."""
    job = next(job for job in remake() if job.path == path)
    assert isinstance(job, PageJob | FileJob)
    return job


def plan_entry(planner: Planner, entry: Entry, model: SiteModel) -> PageJob:
    """The page of one post or page (what `salon serve` previews after an edit)."""
    if entry.kind == "post":
        return next(job for job in planner.post(entry, model) if isinstance(job, PageJob))
    return planner.standalone(entry)


def plan_site(
    config: SiteConfig, bases: KeyBases, model: SiteModel, files: Sequence[CopyFile],
    kept: KeptKeys | None = None,
) -> list[Job]:  # fmt: skip
    """Every file of the site, in the order they are claimed (the first of two claiming
    one path is named first in the error). ``kept``: the last build's keys that still
    hold, and where this plan's are recorded for the next."""
    planner = Planner(config, bases, kept)
    jobs: list[Job] = []
    for entry in model.posts:
        jobs.extend(planner.post_kept(entry, model) or planner.post(entry, model))
    jobs.extend(planner.standalone(entry) for entry in model.pages)
    jobs.extend(planner.home(model))
    for taxonomy, terms in model.terms.items():
        if taxonomy in config.taxonomies:
            jobs.extend(planner.taxonomy(taxonomy, terms))
    jobs.extend(planner.archives(model))
    jobs.extend(planner.series(model))
    jobs.extend(planner.search())
    jobs.append(planner.not_found(model))
    jobs.extend(planner.aliases(model))
    jobs.extend(planner.feeds(model))
    jobs.extend(files)
    urls = tuple(sorted(sitemap_urls(config, jobs)))
    jobs.append(planner.feed("/sitemap.xml", "sitemap", SitemapFile(urls)))
    robots = RobotsFile(config.base_url + "/sitemap.xml")
    jobs.append(planner.feed("/robots.txt", "robots.txt", robots))
    return jobs


def sitemap_urls(config: SiteConfig, jobs: Sequence[Job]) -> Iterator[tuple[str, datetime | None]]:
    """Every indexable page, with its last change where its context knows it."""
    for job in jobs:
        if isinstance(job, PageJob) and not job.noindex:
            modified = (
                job.context.modified if isinstance(job.context, PostPage | StandalonePage) else None
            )
            yield config.base_url + job.url, modified
        elif isinstance(job, KeptJob) and job.url:
            yield config.base_url + job.url, job.modified


def plain_text(html: str, limit: int = 200) -> str:
    """Text of an HTML excerpt, for meta descriptions."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
