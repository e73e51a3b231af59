"""Every page, feed and file of the site, rendered into an OutputSet. No writing here.

Each page is planned with a render key: a hash of everything it is made from (the
theme, the settings, and the fingerprints of the entries it shows). A page whose key
matches the one recorded when its file was written, and whose file is intact, is
kept without rendering. The rest are rendered, in worker processes when there are
many (a cold build), serially otherwise (an edit).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from html import unescape
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from generator.build.feeds import (
    FeedInfo,
    FeedItem,
    atom_feed,
    robots_txt,
    rss_feed,
    sitemap,
)
from generator.build.fingerprint import code_fingerprint
from generator.build.listings import Paginated, paginate
from generator.build.markdown import pygments_css
from generator.build.pools import forked_workers
from generator.build.site import Entry, SiteModel, SiteView
from generator.build.threads import ThreadNode
from generator.build.writer import Keep, Manifest, OutputSet, Staged, Staging
from generator.contract.avatars import identicon_svg
from generator.contract.comment_html import render_comment_body, safe_website
from generator.core.config import SiteConfig
from generator.core.errors import SiteError
from generator.core.files import atomic_write
from generator.core.models import PublicComment
from generator.core.themes import Theme, render_template, template_dirs
from generator.core.urls import output_path

Progress = Callable[[str, int, int], None]  # (stage, done, total)
PARALLEL_PAGES = 400  # below this, forking workers costs more than it saves


@dataclass(frozen=True)
class PageMeta:
    """What every page tells the browser and search engines about itself."""

    title: str
    url: str
    kind: str
    description: str = ""
    noindex: bool = False
    feed_url: str = ""
    json_ld: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PageJob:
    """One file to make: a page through a template, or a feed by a function."""

    path: str
    template: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    produce: Callable[[], bytes] | None = None  # for files made without templates


def json_ld_markup(data: Mapping[str, Any]) -> Markup:
    """JSON for a <script> element: `<`, `>` and `&` escaped so no text can close it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def install_filters(
    env: jinja2.Environment, config: SiteConfig, comment_html: Mapping[str, str]
) -> None:
    tz = config.tz

    def body_html(node: ThreadNode) -> Markup:
        html = comment_html.get(node.comment.id)
        return Markup(html if html is not None else render_comment_body(node.comment.body))

    env.filters["local"] = lambda moment: moment.astimezone(tz) if moment else moment
    env.filters["json_ld"] = json_ld_markup
    env.filters["comment_html"] = body_html
    env.filters["safe_website"] = safe_website
    env.filters["identicon"] = lambda seed: identicon_svg(seed or "anonymous")


def _fingerprints(entries: Sequence[Entry]) -> str:
    return ",".join(entry.fingerprint for entry in entries)


def _pager_deps(pager: Paginated[Entry]) -> str:
    return f"{pager.number}/{pager.total}:{_fingerprints(pager.items)}"


def theme_fingerprint(config: SiteConfig, themes: tuple[Theme, ...], *parts: bytes) -> str:
    """Everything every page depends on: Salon's version, the settings, every template."""
    digest = hashlib.sha1(f"{code_fingerprint()}\0{config!r}".encode())
    for folder in template_dirs(config, themes):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


# Worker processes are forked from the build, so they inherit the renderer and its
# Jinja environment instead of receiving them pickled.
_FORKED: Renderer | None = None


def _render_in_worker(index: int) -> Staged:
    assert _FORKED is not None
    job = _FORKED.jobs[index]
    return _FORKED.staging.put(job.path, _FORKED.run(job))


class Renderer:
    """Renders the site model through the theme's templates into an OutputSet."""

    def __init__(
        self,
        config: SiteConfig,
        env: jinja2.Environment,
        model: SiteModel,
        themes: tuple[Theme, ...],
        manifest: Manifest,
        comment_html: Mapping[str, str],
        staging: Staging,
    ) -> None:
        self.config = config
        self.out_dir = config.output_dir  # a property that makes a new Path each time
        self.env = env
        self.model = model
        self.themes = themes
        self.manifest = manifest
        self.staging = staging
        self.previewing = False
        self.known_templates: set[str] = set()
        self.outputs = OutputSet()
        self.jobs: list[PageJob] = []
        self.sitemap: list[tuple[str, datetime | None]] = []
        self.comment_html = comment_html
        install_filters(env, config, comment_html)
        self.css = self._stylesheet()
        nav_pages = tuple(p for p in model.pages if not p.extra.get("hide_from_nav"))
        self.site = SiteView(
            title=config.title,
            description=config.description,
            base_url=config.base_url,
            language=config.language,
            author_name=config.author.name,
            author_url=config.author.url,
            params=config.params,
            taxonomies=config.taxonomies,
            comments_enabled=config.comments.enabled,
            comments_endpoint=config.comments.endpoint,
            feeds_atom=config.feeds.atom,
            feeds_rss=config.feeds.rss,
            nav=nav_pages,
            css_url="/assets/style.css?v=" + hashlib.sha1(self.css).hexdigest()[:10],
            js_url="/assets/salon.js?v=" + self._script_version(),
        )
        nav = _fingerprints(nav_pages).encode()
        # Feeds do not go through templates: their keys leave the theme out.
        self.feed_fingerprint = hashlib.sha1(
            f"{code_fingerprint()}\0{config!r}".encode()
        ).hexdigest()
        self.fingerprint = theme_fingerprint(
            config, themes, self.css, nav, self.site.js_url.encode()
        )

    # -- helpers ---------------------------------------------------------------------

    def absolute(self, url: str) -> str:
        return self.config.base_url + url

    def _key(self, path: str, deps: str, fingerprint: str = "") -> str:
        base = fingerprint or self.fingerprint
        return hashlib.sha1(f"{base}\0{path}\0{deps}".encode()).hexdigest()

    def page(
        self,
        template: str,
        url: str,
        source: str,
        meta: PageMeta,
        deps: str,
        custom: bool = False,
        **context: Any,
    ) -> None:
        """Plan one HTML page; it is rendered later unless its file can be kept.

        ``custom``: the template was named by the source's front matter, so a missing
        one is that source's mistake.
        """
        if custom and template not in self.known_templates:
            try:
                self.env.get_template(template)
            except jinja2.TemplateNotFound:
                raise SiteError.at(
                    f'template: no template named "{template}" in templates/ or the theme',
                    source,
                ) from None
            except jinja2.TemplateError:
                pass  # a broken template: rendering reports it with its line
            self.known_templates.add(template)
        path = output_path(url)
        key = self._key(path, f"{template}\0{meta!r}\0{deps}")
        if not meta.noindex:
            self.sitemap.append((self.absolute(url), context.get("modified")))
        if self.manifest.can_keep(self.out_dir, path, key):
            self.outputs.add(path, Keep(key), source, key)
            return
        self.outputs.add(path, b"", source, key)  # claims the path now: duplicates fail early
        self.jobs.append(PageJob(path, template, {"site": self.site, "page": meta, **context}))

    def feed(self, url: str, source: str, deps: str, produce: Callable[[], bytes]) -> None:
        """A file made without templates (a feed, the sitemap), at a site-relative URL."""
        self.file(output_path(url), source, deps, produce)

    def file(self, path: str, source: str, deps: str, produce: Callable[[], bytes]) -> None:
        if self.previewing:
            return  # a preview writes the edited page only; the full build follows
        key = self._key(path, deps, self.feed_fingerprint)
        if self.manifest.can_keep(self.out_dir, path, key):
            self.outputs.add(path, Keep(key), source, key)
        else:
            # Made later with the pages, in the worker processes when there are many.
            self.outputs.add(path, b"", source, key)
            self.jobs.append(PageJob(path, produce=produce))

    def run(self, job: PageJob) -> bytes:
        if job.produce is not None:
            return job.produce()
        return render_template(self.env, job.template, job.context, self.config.root).encode()

    def preview(self, entry: Entry) -> str:
        """Render one post or page at once, straight into output/ (serve mode only)."""
        self.jobs, self.outputs, self.previewing = [], OutputSet(), True
        self.manifest = Manifest(self.manifest.path.with_suffix(".preview"))  # keep nothing
        if entry.doc.kind.value == "post":
            self.render_post(entry)
        else:
            self.render_standalone(entry)
        job = self.jobs[0]
        atomic_write(self.out_dir / job.path, self.run(job))
        return job.path

    def run_jobs(self, workers: int, progress: Progress | None = None) -> None:
        global _FORKED
        total = len(self.jobs)

        def done(count: int) -> None:
            if progress is not None and (count % 200 == 0 or count == total):
                progress("Pages", count, total)

        if total >= PARALLEL_PAGES and workers > 1 and os.name == "posix":
            _FORKED = self
            try:
                with forked_workers(workers) as pool:
                    results = pool.map(_render_in_worker, range(total), chunksize=64)
                    for count, (job, staged) in enumerate(zip(self.jobs, results, strict=True), 1):
                        self.outputs.files[job.path] = staged
                        done(count)
            finally:
                _FORKED = None
        else:
            for count, job in enumerate(self.jobs, 1):
                self.outputs.files[job.path] = self.staging.put(job.path, self.run(job))
                done(count)

    def _stylesheet(self) -> bytes:
        for theme in self.themes:
            path = theme.static / "style.css"
            if path.is_file():
                return path.read_bytes() + b"\n/* code highlighting */\n" + pygments_css().encode()
        return pygments_css().encode()

    def _script_version(self) -> str:
        for theme in self.themes:
            path = theme.static / "salon.js"
            if path.is_file():
                return hashlib.sha1(path.read_bytes()).hexdigest()[:10]
        return "0"

    # -- the site --------------------------------------------------------------------

    def render_all(
        self, assets: list[tuple[str, Path]], workers: int = 1, progress: Progress | None = None
    ) -> OutputSet:
        for entry in self.model.posts:
            self.render_post(entry)
        for entry in self.model.pages:
            self.render_standalone(entry)
        self.render_home()
        for taxonomy, terms in self.model.terms.items():
            if taxonomy in self.config.taxonomies:
                self.render_taxonomy(taxonomy, terms)
        self.render_archives()
        self.render_not_found()
        self.render_aliases()
        self.render_feeds()
        self.render_static(assets)
        site_map = sorted(self.sitemap)
        self.feed("/sitemap.xml", "sitemap", repr(site_map), lambda: sitemap(site_map))
        robots = self.absolute("/sitemap.xml")
        self.feed("/robots.txt", "robots.txt", robots, lambda: robots_txt(robots))
        self.run_jobs(workers, progress)
        return self.outputs

    def render_post(self, entry: Entry) -> None:
        newer, older = self.model.neighbours.get(entry.url, (None, None))
        meta = PageMeta(
            entry.title,
            entry.url,
            "post",
            entry.description or _plain(entry.excerpt_html),
            json_ld=self._posting_ld(entry),
        )
        template = entry.doc.template or "post.html"
        # Neighbours are fingerprinted whole: a theme may show more of them than the title.
        deps = repr((entry.fingerprint, _fingerprint(newer), _fingerprint(older)))
        comments_feed = entry.url + "comments.xml"
        self.page(
            template, entry.url, entry.doc.source, meta, deps, custom=bool(entry.doc.template),
            entry=entry, newer=newer, older=older, modified=entry.last_modified,
            comments_feed=comments_feed,
        )  # fmt: skip
        if self.config.comments.enabled:
            title = f"Comments on “{entry.title}”"
            self.feed(
                comments_feed, entry.doc.source, entry.fingerprint,
                # Its comments are gathered when the feed is made, in a worker.
                lambda: self._comments_feed(
                    title, comments_feed, entry.url, self._recent_comments([entry])
                ),
            )  # fmt: skip

    def render_standalone(self, entry: Entry) -> None:
        meta = PageMeta(
            entry.title,
            entry.url,
            "page",
            entry.description or _plain(entry.excerpt_html),
            json_ld={
                "@context": "https://schema.org",
                "@type": "WebPage",
                "name": entry.title,
                "url": self.absolute(entry.url),
            },
        )
        self.page(
            entry.doc.template or "page.html", entry.url, entry.doc.source, meta,
            entry.fingerprint, custom=bool(entry.doc.template), entry=entry,
            modified=entry.last_modified,
        )  # fmt: skip

    def render_home(self) -> None:
        for pager in paginate(self.model.posts, self.config.posts_per_page, "/"):
            title = self.config.title
            if pager.number > 1:
                title = f"{self.config.title} — page {pager.number}"
            meta = PageMeta(
                title,
                pager.url,
                "home",
                self.config.description,
                feed_url="/feed.xml",
                json_ld={
                    "@context": "https://schema.org",
                    "@type": "Blog",
                    "name": self.config.title,
                    "url": self.absolute("/"),
                },
            )
            self.page("index.html", pager.url, "home page", meta, _pager_deps(pager), pager=pager)

    def render_taxonomy(self, taxonomy: str, terms: tuple[Any, ...]) -> None:
        label = "Tags" if taxonomy == "tags" else "Categories"
        meta = PageMeta(label, f"/{taxonomy}/", "terms")
        deps = repr([(term.name, term.url, len(term.items)) for term in terms])
        self.page(
            "terms.html",
            meta.url,
            taxonomy,
            meta,
            deps,
            taxonomy=taxonomy,
            label=label,
            terms=terms,
        )
        for term in terms:
            for pager in paginate(term.items, self.config.posts_per_page, term.url):
                title = term.name if pager.number == 1 else f"{term.name} — page {pager.number}"
                meta = PageMeta(
                    title,
                    pager.url,
                    "term",
                    f"Essays filed under {term.name}",
                    feed_url=term.url + "feed.xml",
                )
                deps = f"{term.name}\0{len(term.items)}\0{_pager_deps(pager)}"
                self.page(
                    "term.html", pager.url, f"{taxonomy} {term.name}", meta, deps,
                    term=term, taxonomy=taxonomy, pager=pager,
                )  # fmt: skip
            if self.config.feeds.atom:
                feed_title = f"{self.config.title}: {term.name}"
                feed_url = term.url + "feed.xml"
                items = term.items[: self.config.feeds.entries]
                home = term.url
                self.feed(
                    feed_url, f"{taxonomy} {term.name}", feed_title + _fingerprints(items),
                    partial(self._posts_feed, feed_title, feed_url, home, items),
                )  # fmt: skip

    def render_archives(self) -> None:
        meta = PageMeta("Archives", "/archives/", "archives")
        self.page(
            "archives.html", "/archives/", "archives", meta, _fingerprints(self.model.posts),
            years=self.model.years, months=self.model.months,
        )  # fmt: skip
        for archive in (*self.model.years, *self.model.months):
            label = str(archive.year)
            if archive.month is not None:
                label = datetime(archive.year, archive.month, 1).strftime("%B %Y")
            for pager in paginate(archive.items, self.config.posts_per_page, archive.url):
                meta = PageMeta(f"Archives: {label}", pager.url, "archive")
                deps = f"{len(archive.items)}\0{_pager_deps(pager)}"
                self.page(
                    "archive.html", pager.url, f"archive {label}", meta, deps,
                    archive=archive, label=label, pager=pager,
                )  # fmt: skip

    def render_not_found(self) -> None:
        meta = PageMeta("Page not found", "/404.html", "404", noindex=True)
        recent = self.model.posts[:5]
        self.page("404.html", "/404.html", "404 page", meta, _fingerprints(recent), recent=recent)

    def render_aliases(self) -> None:
        redirects: list[str] = []
        for entry in (*self.model.posts, *self.model.pages):
            for alias in entry.doc.aliases:
                target = self.absolute(entry.url)
                if "?" in alias:
                    path, query = alias.split("?", 1)
                    base = self.config.base_path
                    redirects.append(f"{base}{path or '/'}  {query}  {base}{entry.url}  301")
                    continue
                meta = PageMeta(entry.title, alias, "alias", noindex=True)
                self.page(
                    "alias.html", alias, f"{entry.doc.source} (alias {alias})", meta,
                    target, target=target, entry=entry,
                )  # fmt: skip
        if redirects:
            text = ("\n".join(sorted(redirects)) + "\n").encode()
            # Netlify's and Cloudflare Pages' format; a query string cannot be a file.
            self.file("_redirects", "aliases", text.decode(), lambda: text)

    def render_feeds(self) -> None:
        posts = self.model.posts[: self.config.feeds.entries]
        deps = _fingerprints(posts)
        title = self.config.title
        if self.config.feeds.atom:
            self.feed(
                "/feed.xml", "site feed", deps,
                lambda: self._posts_feed(title, "/feed.xml", "/", posts),
            )  # fmt: skip
        if self.config.feeds.rss:
            info = self._info(title, "/rss.xml", "/")
            self.feed(
                "/rss.xml", "site RSS feed", deps,
                lambda: rss_feed(info, [self._item(p) for p in posts]),
            )  # fmt: skip
        if self.config.comments.enabled:
            # Only the newest comments are in the feed, so only they decide its key.
            recent = self._recent_comments(self.model.posts)
            deps = repr([(c.id, e.fingerprint) for c, e in recent])
            self.feed(
                "/comments.xml", "recent comments feed", deps,
                lambda: self._comments_feed(f"Comments on {title}", "/comments.xml", "/", recent),
            )  # fmt: skip

    def render_static(self, assets: list[tuple[str, Path]]) -> None:
        self.outputs.add("assets/style.css", self.css, "theme stylesheet")
        for theme in reversed(self.themes):
            if not theme.static.is_dir():
                continue
            for path in sorted(theme.static.rglob("*")):
                relative = path.relative_to(theme.static).as_posix()
                if not path.is_file() or relative == "style.css":
                    continue
                target = f"assets/{relative}"
                if target in self.outputs:  # a child theme overrides its parent's file
                    self.outputs.replace(target, path)
                else:
                    self.outputs.add(target, path, f"theme {theme.name}")
        for target, path in assets:
            self.outputs.add(target, path, path.relative_to(self.config.root).as_posix())

    # -- feeds and structured data -------------------------------------------------

    def _info(self, title: str, url: str, home: str) -> FeedInfo:
        return FeedInfo(
            title,
            self.absolute(url),
            self.absolute(home),
            self.config.description,
            self.config.author.name,
            self.config.language,
        )

    def _item(self, entry: Entry) -> FeedItem:
        assert entry.date is not None
        html = entry.html if self.config.feeds.full_content else entry.excerpt_html
        return FeedItem(
            entry.title,
            self.absolute(entry.url),
            entry.date,
            entry.updated or entry.date,
            html,
            entry.author or self.config.author.name,
            entry.doc.tags + entry.doc.categories,
        )

    def _posts_feed(self, title: str, url: str, home: str, posts: Sequence[Entry]) -> bytes:
        items = [self._item(p) for p in list(posts)[: self.config.feeds.entries]]
        return atom_feed(self._info(title, url, home), items)

    def _recent_comments(self, entries: Sequence[Entry]) -> list[tuple[PublicComment, Entry]]:
        """The newest visible comments of these entries, newest first, as many as a feed holds."""
        pairs = [
            (node.comment, entry)
            for entry in entries
            for node in entry.thread.flat
            if not node.comment.removed
        ]
        count = self.config.feeds.entries * 2
        return heapq.nlargest(count, pairs, key=lambda pair: (pair[0].created, pair[0].id))

    def _comments_feed(
        self, title: str, url: str, home: str, comments: Sequence[tuple[PublicComment, Entry]]
    ) -> bytes:
        items = [
            FeedItem(
                f"{comment.author} on “{entry.title}”",
                self.absolute(f"{entry.url}#comment-{comment.id}"),
                comment.created,
                comment.created,
                self.comment_html.get(comment.id) or render_comment_body(comment.body),
                comment.author,
                (),
                f"{self.config.base_url}/comments/{comment.id}",
            )
            for comment, entry in comments
        ]
        return atom_feed(self._info(title, url, home), items)

    def _posting_ld(self, entry: Entry) -> dict[str, Any]:
        assert entry.date is not None
        author = entry.author or self.config.author.name
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": entry.title,
            "url": self.absolute(entry.url),
            "mainEntityOfPage": self.absolute(entry.url),
            "datePublished": entry.date.isoformat(timespec="seconds"),
            "dateModified": (entry.updated or entry.date).isoformat(timespec="seconds"),
            "wordCount": entry.words,
            "commentCount": entry.comment_count,
            "inLanguage": self.config.language,
        }
        if author:
            data["author"] = {"@type": "Person", "name": author}
            if not entry.author and self.config.author.url:
                data["author"]["url"] = (
                    self.absolute(self.config.author.url)
                    if self.config.author.url.startswith("/")
                    else self.config.author.url
                )
        if entry.doc.tags:
            data["keywords"] = list(entry.doc.tags)
        if entry.doc.categories:
            data["articleSection"] = entry.doc.categories[0]
        return data


def _fingerprint(entry: Entry | None) -> str:
    return entry.fingerprint if entry is not None else ""


def _plain(html: str, limit: int = 200) -> str:
    """Text of an HTML excerpt, for meta descriptions."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
