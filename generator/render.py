"""Every page, feed and file of the site, rendered into an OutputSet. No writing here."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .comments.avatars import identicon_svg
from .comments.merge import ThreadNode
from .comments.render import render_comment_body, safe_website
from .config import SiteConfig
from .feeds import FeedInfo, FeedItem, atom_feed, robots_txt, rss_feed, sitemap
from .listings import paginate
from .markdown import pygments_css
from .site import Entry, SiteModel, SiteView
from .templates import Theme, render_template
from .urls import output_path
from .writer import OutputSet


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


def json_ld_markup(data: Mapping[str, Any]) -> Markup:
    """JSON for a <script> element: `<`, `>` and `&` escaped so no text can close it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def comment_html(node: ThreadNode) -> Markup:
    return Markup(render_comment_body(node.comment.body))


def install_filters(env: jinja2.Environment, config: SiteConfig) -> None:
    tz = config.tz
    env.filters["local"] = lambda moment: moment.astimezone(tz) if moment else moment
    env.filters["json_ld"] = json_ld_markup
    env.filters["comment_html"] = comment_html
    env.filters["safe_website"] = safe_website
    env.filters["identicon"] = lambda seed: identicon_svg(seed or "anonymous")


class Renderer:
    """Renders the site model through the theme's templates into an OutputSet."""

    def __init__(
        self,
        config: SiteConfig,
        env: jinja2.Environment,
        model: SiteModel,
        themes: tuple[Theme, ...],
        now: datetime,
    ) -> None:
        self.config = config
        self.env = env
        self.model = model
        self.themes = themes
        self.now = now
        self.outputs = OutputSet()
        self.sitemap: list[tuple[str, datetime | None]] = []
        install_filters(env, config)
        self.css = self._stylesheet()
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
            nav=tuple(p for p in model.pages if not p.extra.get("hide_from_nav")),
            css_url="/assets/style.css?v=" + hashlib.sha1(self.css).hexdigest()[:10],
            js_url="/assets/salon.js?v=" + self._script_version(),
        )

    # -- helpers ---------------------------------------------------------------------

    def absolute(self, url: str) -> str:
        return self.config.base_url + url

    def page(self, template: str, url: str, source: str, meta: PageMeta, **context: Any) -> None:
        html = render_template(
            self.env, template, {"site": self.site, "page": meta, **context}, self.config.root
        )
        self.outputs.add(output_path(url), html.encode("utf-8"), source)
        if not meta.noindex:
            self.sitemap.append((self.absolute(url), context.get("modified")))

    def feed(self, url: str, data: bytes, source: str) -> None:
        self.outputs.add(output_path(url), data, source)

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

    def render_all(self, assets: list[tuple[str, Path]]) -> OutputSet:
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
        self.feed("/sitemap.xml", sitemap(sorted(self.sitemap)), "sitemap")
        self.feed("/robots.txt", robots_txt(self.absolute("/sitemap.xml")), "robots.txt")
        return self.outputs

    def render_post(self, entry: Entry) -> None:
        newer, older = self.model.neighbours.get(entry.url, (None, None))
        meta = PageMeta(
            entry.title, entry.url, "post", entry.description or _plain(entry.excerpt_html),
            json_ld=self._posting_ld(entry),
        )  # fmt: skip
        template = entry.doc.template or "post.html"
        self.page(
            template, entry.url, entry.doc.source, meta,
            entry=entry, newer=newer, older=older, modified=entry.last_modified,
            comments_feed=entry.url + "comments.xml",
        )  # fmt: skip
        if self.config.comments.enabled:
            self.feed(
                entry.url + "comments.xml",
                self._comments_feed(f"Comments on “{entry.title}”", entry.url + "comments.xml",
                                    entry.url, [entry]),
                entry.doc.source,
            )  # fmt: skip

    def render_standalone(self, entry: Entry) -> None:
        meta = PageMeta(
            entry.title, entry.url, "page", entry.description or _plain(entry.excerpt_html),
            json_ld={"@context": "https://schema.org", "@type": "WebPage", "name": entry.title,
                     "url": self.absolute(entry.url)},
        )  # fmt: skip
        self.page(entry.doc.template or "page.html", entry.url, entry.doc.source, meta,
                  entry=entry, modified=entry.last_modified)  # fmt: skip

    def render_home(self) -> None:
        for pager in paginate(self.model.posts, self.config.posts_per_page, "/"):
            title = self.config.title if pager.number == 1 else (
                f"{self.config.title} — page {pager.number}")  # fmt: skip
            meta = PageMeta(
                title, pager.url, "home", self.config.description, feed_url="/feed.xml",
                json_ld={"@context": "https://schema.org", "@type": "Blog",
                         "name": self.config.title, "url": self.absolute("/")},
            )  # fmt: skip
            self.page("index.html", pager.url, "home page", meta, pager=pager)

    def render_taxonomy(self, taxonomy: str, terms: tuple[Any, ...]) -> None:
        label = "Tags" if taxonomy == "tags" else "Categories"
        meta = PageMeta(label, f"/{taxonomy}/", "terms")
        self.page(
            "terms.html", meta.url, taxonomy, meta, taxonomy=taxonomy, label=label, terms=terms
        )
        for term in terms:
            for pager in paginate(term.items, self.config.posts_per_page, term.url):
                title = (
                    f"{term.name}" if pager.number == 1 else f"{term.name} — page {pager.number}"
                )
                meta = PageMeta(
                    title, pager.url, "term", f"Essays filed under {term.name}",
                    feed_url=term.url + "feed.xml",
                )  # fmt: skip
                self.page("term.html", pager.url, f"{taxonomy} {term.name}", meta,
                          term=term, taxonomy=taxonomy, pager=pager)  # fmt: skip
            if self.config.feeds.atom:
                self.feed(term.url + "feed.xml",
                          self._posts_feed(f"{self.config.title}: {term.name}",
                                           term.url + "feed.xml", term.url, term.items),
                          f"{taxonomy} {term.name}")  # fmt: skip

    def render_archives(self) -> None:
        self.page("archives.html", "/archives/", "archives",
                  PageMeta("Archives", "/archives/", "archives"),
                  years=self.model.years, months=self.model.months)  # fmt: skip
        for archive in (*self.model.years, *self.model.months):
            label = str(archive.year)
            if archive.month is not None:
                label = datetime(archive.year, archive.month, 1).strftime("%B %Y")
            for pager in paginate(archive.items, self.config.posts_per_page, archive.url):
                meta = PageMeta(f"Archives: {label}", pager.url, "archive")
                self.page("archive.html", pager.url, f"archive {label}", meta,
                          archive=archive, label=label, pager=pager)  # fmt: skip

    def render_not_found(self) -> None:
        meta = PageMeta("Page not found", "/404.html", "404", noindex=True)
        self.page("404.html", "/404.html", "404 page", meta, recent=self.model.posts[:5])

    def render_aliases(self) -> None:
        redirects: list[str] = []
        for entry in (*self.model.posts, *self.model.pages):
            for alias in entry.doc.aliases:
                target = self.absolute(entry.url)
                if "?" in alias:
                    redirects.append(f"{alias.split('?')[0] or '/'}  {alias.split('?', 1)[1]}  "
                                     f"{entry.url}  301")  # fmt: skip
                    continue
                meta = PageMeta(entry.title, alias, "alias", noindex=True)
                self.page("alias.html", alias, f"{entry.doc.source} (alias {alias})", meta,
                          target=target, entry=entry)  # fmt: skip
        if redirects:
            self.feed("/_redirects", ("\n".join(sorted(redirects)) + "\n").encode(), "aliases")

    def render_feeds(self) -> None:
        posts = self.model.posts[: self.config.feeds.entries]
        if self.config.feeds.atom:
            self.feed("/feed.xml", self._posts_feed(self.config.title, "/feed.xml", "/", posts),
                      "site feed")  # fmt: skip
        if self.config.feeds.rss:
            info = self._info(self.config.title, "/rss.xml", "/")
            self.feed("/rss.xml", rss_feed(info, [self._item(p) for p in posts]), "site RSS feed")
        if self.config.comments.enabled:
            self.feed("/comments.xml",
                      self._comments_feed(f"Comments on {self.config.title}", "/comments.xml", "/",
                                          self.model.posts),
                      "recent comments feed")  # fmt: skip

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
                    self.outputs.files[target] = path
                else:
                    self.outputs.add(target, path, f"theme {theme.name}")
        for target, path in assets:
            self.outputs.add(target, path, path.relative_to(self.config.root).as_posix())

    # -- feeds and structured data -------------------------------------------------

    def _info(self, title: str, url: str, home: str) -> FeedInfo:
        return FeedInfo(title, self.absolute(url), self.absolute(home), self.config.description,
                        self.config.author.name, self.config.language)  # fmt: skip

    def _item(self, entry: Entry) -> FeedItem:
        assert entry.date is not None
        html = entry.html if self.config.feeds.full_content else entry.excerpt_html
        return FeedItem(
            entry.title, self.absolute(entry.url), entry.date, entry.updated or entry.date, html,
            entry.author or self.config.author.name, entry.doc.tags + entry.doc.categories,
        )  # fmt: skip

    def _posts_feed(self, title: str, url: str, home: str, posts: Any) -> bytes:
        items = [self._item(p) for p in list(posts)[: self.config.feeds.entries]]
        return atom_feed(self._info(title, url, home), items)

    def _comments_feed(self, title: str, url: str, home: str, entries: Any) -> bytes:
        items: list[FeedItem] = []
        for entry in entries:
            for node in _walk(entry.thread.roots):
                comment = node.comment
                if comment.removed:
                    continue
                items.append(
                    FeedItem(
                        f"{comment.author} on “{entry.title}”",
                        self.absolute(f"{entry.url}#comment-{comment.id}"),
                        comment.created, comment.created, render_comment_body(comment.body),
                        comment.author, (), f"{self.config.base_url}/comments/{comment.id}",
                    )
                )  # fmt: skip
        items.sort(key=lambda item: item.published, reverse=True)
        return atom_feed(self._info(title, url, home), items[: self.config.feeds.entries * 2])

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
                data["author"]["url"] = self.config.author.url
        if entry.doc.tags:
            data["keywords"] = list(entry.doc.tags)
        if entry.doc.categories:
            data["articleSection"] = entry.doc.categories[0]
        return data


def _walk(nodes: tuple[ThreadNode, ...]) -> list[ThreadNode]:
    out: list[ThreadNode] = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.children))
    return out


def _plain(html: str, limit: int = 200) -> str:
    """Text of an HTML excerpt, for meta descriptions."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
