"""The site model: entries (rendered documents with their comments),
listings and taxonomies, assembled from the earlier stages. Pure."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from markupsafe import Markup

from generator.build.body_reads import body_read
from generator.build.context_keys import (
    covered_by,
    fields_fingerprint,
    fingerprint_of,
    read_apart,
)
from generator.build.listings import Archive, Term, group_terms
from generator.build.pictures import feed_images, rewrite_images
from generator.build.series import Series, SeriesMember, SeriesPlace, group_series
from generator.build.thread_store import ThreadStore
from generator.contract.page_images import PageImages, Preview, picture_html
from generator.contract.theme_page import Thread
from generator.core.config import SiteConfig
from generator.core.models import (
    CommentsMode,
    Document,
    Heading,
    Kind,
    Rendered,
    light_digest_of,
    meta_digest_of,
)
from generator.core.urls import taxonomy_url

TOC_MIN_HEADINGS = 3
# The images of every entry that shows none, and their fingerprint, made once (an entry's
# fingerprint covered them: 9 ms of every build at 5,000 essays).
NO_IMAGES = PageImages()
_NO_IMAGES_FINGERPRINT = fingerprint_of(NO_IMAGES)
_NO_THREAD = Thread.empty()
_NO_THREADS: Mapping[str, Thread] = {}


@dataclass(frozen=True, eq=False)
class Entry:
    """A post or page ready for a template.

    Its fingerprint covers all a page could show of it but what its Markdown's
    rendering gives (the body's HTML, the excerpt, the contents, the word count...):
    a page's key covers each of those only where the page read it (``aspect``,
    body_reads.py, plan_index.py). ``source_hash``, the hash of the source file and the
    settings it is parsed with, stands for them; ``meta_hash`` for the rest of the
    document. The rendering is held in ``_texts`` and ``_light``, private: a template
    reads it through the properties, which count what they give."""

    # the document, without its body
    doc: Document = field(metadata=covered_by("meta_hash"))
    # rendered Markdown by source, loaded when asked for
    _texts: Mapping[str, Rendered] = field(metadata=read_apart())
    # the same without the body's HTML: excerpt, contents, word count
    _light: Rendered = field(metadata=read_apart())
    # the comment threads by post key, each made when asked for (thread_store.py)
    threads: Mapping[str, Thread] = field(metadata=covered_by("thread_fingerprint"))
    thread_fingerprint: str  # changes whenever anything shown of this entry's thread does
    comment_count: int  # visible comments, placeholders of removed ones excluded
    comments_open: bool
    source_hash: str = field(metadata=read_apart())  # stands for the rendering
    taxonomies: tuple[str, ...] = ("tags", "categories")  # those that have pages to link to
    likes: int = 0  # readers' likes, as the public feed last counted them
    # its pictures and preview image (most entries have none: one object for them all)
    images: PageImages = field(default=NO_IMAGES, metadata=covered_by("images_fingerprint"))
    images_fingerprint: str = field(init=False)  # (__post_init__)
    meta_hash: str = field(init=False)  # the document's digest (__post_init__)

    def __post_init__(self) -> None:
        doc = self.doc
        object.__setattr__(self, "meta_hash", doc.meta_digest or meta_digest_of(doc))
        images = self.images
        shown = _NO_IMAGES_FINGERPRINT if images is NO_IMAGES else fingerprint_of(images)
        object.__setattr__(self, "images_fingerprint", shown)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever anything a page could show of this entry changes, but what
        its Markdown's rendering gives (``aspect``): every other field."""
        return fields_fingerprint(self)

    def aspect(self, name: str) -> str:
        """A text that changes whenever the aspect ``name`` of its rendering does (the
        names body_reads.ASPECTS lists)."""
        light = self._light
        if name == "html":
            return self.source_hash
        if name == "excerpt":
            return hashlib.sha1(light.excerpt_html.encode("utf-8", "surrogatepass")).hexdigest()
        if name == "toc":
            return repr(self.toc_shown)
        if name == "words":
            return str(light.words)
        if name == "minutes":
            return str(light.reading_minutes)
        if name == "more":
            return str(light.has_more)
        return f"{self.source_hash}:{light.digest or light_digest_of(light)}"  # "all"

    @property
    def identity(self) -> str:
        """What the entry is, as opposed to what it shows: its source (context_keys.shape_of)."""
        return self.doc.source

    @property
    def rendered(self) -> Rendered:
        body_read(self.doc.source, "html")  # (a store counts it too; a plain mapping not)
        return self._texts[self.doc.source]

    @property
    def light(self) -> Rendered:
        """The rendering without the body's HTML (all of it counted as read)."""
        body_read(self.doc.source, "all")
        return self._light

    @property
    def kind(self) -> str:
        return self.doc.kind.value

    @property
    def key(self) -> str:
        return self.doc.key

    @property
    def title(self) -> str:
        return self.doc.title

    @property
    def url(self) -> str:
        return self.doc.url

    @property
    def date(self) -> datetime | None:
        return self.doc.date

    @property
    def updated(self) -> datetime | None:
        return self.doc.updated

    @property
    def last_modified(self) -> datetime | None:
        return self.doc.updated or self.doc.date

    @property
    def author(self) -> str:
        return self.doc.author

    @property
    def summary(self) -> str:
        return self.doc.summary

    @property
    def description(self) -> str:
        return self.doc.description or self.doc.summary

    @property
    def tags(self) -> tuple[tuple[str, str], ...]:
        """(name, url) of each tag; none when the site has no tag pages (site.yaml taxonomies)."""
        if "tags" not in self.taxonomies:
            return ()
        return tuple((tag, taxonomy_url("tags", tag)) for tag in self.doc.tags)

    @property
    def categories(self) -> tuple[tuple[str, str], ...]:
        if "categories" not in self.taxonomies:
            return ()
        return tuple((name, taxonomy_url("categories", name)) for name in self.doc.categories)

    @property
    def html(self) -> str:
        """The body, its processed images shown as <picture>s, the first loaded at once."""
        images = self.images
        return rewrite_images(self.rendered.html, self.url, images.pictures, images.sizes,
                              not self._has_hero, self._featured_path)  # fmt: skip

    @property
    def excerpt_html(self) -> str:
        """The excerpt (shown in listings, among others: every image waits for scrolling)."""
        body_read(self.doc.source, "excerpt")
        images = self.images
        return rewrite_images(self._light.excerpt_html, self.url, images.pictures,
                              images.sizes, first_eager=False)  # fmt: skip

    @property
    def feed_html(self) -> str:
        """The body for feeds: each processed image as a plain <img> of its fallback."""
        return feed_images(self.rendered.html, self.url, self.images.pictures)

    @property
    def feed_excerpt_html(self) -> str:
        body_read(self.doc.source, "excerpt")
        return feed_images(self._light.excerpt_html, self.url, self.images.pictures)

    @property
    def image(self) -> Preview | None:
        """The picture link previews show: `image:`, else the first image (a setting)."""
        return self.images.preview

    @property
    def hero(self) -> Markup:
        """The `image:` picture shown above the essay when its body does not show it;
        empty otherwise (and for a URL image, which no page loads)."""
        preview = self.images.preview
        if preview is None or preview.picture is None or not self._has_hero:
            return Markup("")
        extra = {"class": "u-featured"}
        html = picture_html(preview.picture, preview.alt, self.images.sizes, True, extra)
        return Markup(html)

    @property
    def _has_hero(self) -> bool:
        preview = self.images.preview
        return preview is not None and preview.picture is not None and not preview.in_body

    @property
    def _featured_path(self) -> str:
        preview = self.images.preview
        return preview.site_path if preview is not None and preview.in_body else ""

    @property
    def toc(self) -> tuple[Heading, ...]:
        body_read(self.doc.source, "toc")
        return self.toc_shown

    @property
    def toc_shown(self) -> tuple[Heading, ...]:
        """``toc`` uncounted: the contents shown, or none."""
        light, chosen = self._light, self.doc.toc
        show = chosen if chosen is not None else len(light.toc) >= TOC_MIN_HEADINGS
        return light.toc if show else ()

    @property
    def words(self) -> int:
        body_read(self.doc.source, "words")
        return self._light.words

    @property
    def pinned(self) -> bool:
        """Listed first on the home page (front matter `pinned: true`)."""
        return self.doc.pinned

    @property
    def draft(self) -> bool:
        """Only ever true in a build with drafts (`salon serve --drafts`), never in output/."""
        return self.doc.draft

    @property
    def has_more(self) -> bool:
        """Whether the body holds more than the excerpt: listings link on only then."""
        body_read(self.doc.source, "more")
        return self._light.has_more

    @property
    def reading_minutes(self) -> int:
        body_read(self.doc.source, "minutes")
        return self._light.reading_minutes

    @property
    def thread(self) -> Thread:
        """This post's comment thread (empty for a page, or a post nobody commented on)."""
        return self.threads.get(self.doc.key, _NO_THREAD)

    @property
    def extra(self) -> Mapping[str, Any]:
        return self.doc.extra


@dataclass(frozen=True)
class SiteModel:
    posts: tuple[Entry, ...]  # newest first
    pages: tuple[Entry, ...]
    terms: Mapping[str, tuple[Term[Entry], ...]]
    years: tuple[Archive[Entry], ...]
    months: tuple[Archive[Entry], ...]
    neighbours: Mapping[str, tuple[Entry | None, Entry | None]] = field(default_factory=dict)
    series: tuple[Series[Entry], ...] = ()
    series_places: Mapping[str, SeriesPlace[Entry]] = field(default_factory=dict)  # by key
    related: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)  # by key
    logo: Preview | None = None  # the publisher's logo in structured data (images.logo)
    threads: ThreadStore = field(default_factory=lambda: ThreadStore({}))  # by post key
    # The home page's order: pinned posts first (newest first among them), then the rest.
    # Empty when none is pinned: the home page lists ``posts`` (see ``home_posts``).
    pinned_first: tuple[Entry, ...] = ()

    @property
    def home_posts(self) -> tuple[Entry, ...]:
        return self.pinned_first or self.posts


def comments_open(doc: Document, config: SiteConfig, now: datetime) -> bool:
    if not config.comments.enabled or doc.comments is CommentsMode.CLOSED:
        return False
    days = config.comments.close_after_days
    return not (days and doc.date is not None and now - doc.date > timedelta(days=days))


def assemble(
    documents: list[Document],
    rendered: Mapping[str, Rendered],
    light: Mapping[str, Rendered],
    threads: Mapping[str, Thread],
    config: SiteConfig,
    now: datetime,
    source_hashes: Mapping[str, str] | None = None,
    likes: Mapping[str, int] | None = None,
    related: Mapping[str, tuple[str, ...]] | None = None,
    images: Mapping[str, PageImages] | None = None,
    logo: Preview | None = None,
) -> SiteModel:
    """The site model; ``likes`` by post key, ``related`` keys by post key (related.py)."""
    source_hashes = source_hashes or {}
    likes = likes or {}
    images = images or {}
    store = threads if isinstance(threads, ThreadStore) else ThreadStore.of(threads)
    entries = []
    for doc in documents:
        on_post = doc.kind is Kind.POST
        is_open = doc.kind is Kind.POST and comments_open(doc, config, now)
        source_hash = source_hashes.get(doc.source) or repr(doc)
        count = likes.get(doc.key, 0) if doc.kind is Kind.POST else 0
        entries.append(
            Entry(
                doc,
                rendered,
                light[doc.source],
                store if on_post else _NO_THREADS,
                store.fingerprint(doc.key) if on_post else "",
                store.count(doc.key) if on_post else 0,
                is_open,
                source_hash,
                config.taxonomies,
                count,
                images.get(doc.source, NO_IMAGES),
            )
        )
    posts = sorted(
        (e for e in entries if e.doc.kind is Kind.POST),
        key=lambda e: (e.date, e.doc.source),
        reverse=True,
    )
    pages = sorted((e for e in entries if e.doc.kind is Kind.PAGE), key=lambda e: e.url)

    neighbours = {
        post.url: (posts[i - 1] if i > 0 else None, posts[i + 1] if i + 1 < len(posts) else None)
        for i, post in enumerate(posts)
    }
    terms = {
        "tags": tuple(group_terms("tags", [(p.doc.tags, p) for p in posts]))
        if "tags" in config.taxonomies else (),
        "categories": tuple(group_terms("categories", [(p.doc.categories, p) for p in posts]))
        if "categories" in config.taxonomies else (),
    }  # fmt: skip

    by_year: dict[int, list[Entry]] = defaultdict(list)
    by_month: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for post in posts:
        assert post.date is not None
        by_year[post.date.year].append(post)
        by_month[(post.date.year, post.date.month)].append(post)
    years = tuple(
        Archive(year, None, f"/{year:04d}/", tuple(items))
        for year, items in sorted(by_year.items(), reverse=True)
    )
    months = tuple(
        Archive(year, month, f"/{year:04d}/{month:02d}/", tuple(items))
        for (year, month), items in sorted(by_month.items(), reverse=True)
    )
    by_key = {post.key: post for post in posts}
    members = [
        SeriesMember(p.key, p.doc.source, p.doc.series, p.doc.series_order, p.date)
        for p in posts
        if p.doc.series
    ]
    series, places, _ = group_series(members, by_key)
    chosen = {
        key: tuple(by_key[k] for k in keys if k in by_key) for key, keys in (related or {}).items()
    }
    pinned = [post for post in posts if post.doc.pinned]
    pinned_first = (*pinned, *(post for post in posts if not post.doc.pinned)) if pinned else ()
    return SiteModel(
        tuple(posts), tuple(pages), terms, years, months, neighbours, series, places, chosen, logo,
        store, pinned_first,
    )  # fmt: skip
