"""The pages a reader sees from the service, in the site's own theme: the thank-you
page and the form again with what to fix.

Links are site-relative when the comment endpoint is a path (the service is then
reached through the site's own origin, or through `salon serve`), and absolute to
the site's base_url when the endpoint is a URL on another origin.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from html import escape
from typing import Any

import jinja2

from generator.contract.posts_manifest import PostIndex
from generator.contract.theme_page import (
    Link,
    PageMeta,
    SiteView,
    Thread,
    engagement_view,
    install_filters,
)
from generator.core.config import SiteConfig, follow_endpoint
from generator.core.errors import SiteError
from generator.core.themes import make_environment, render_template, theme_chain
from generator.service.web import normalise_origin

log = logging.getLogger("salon.service")


@dataclass(frozen=True)
class FormEntry:
    """The little of a post that the comment form partial needs."""

    key: str
    title: str
    url: str
    thread: Thread = field(default_factory=Thread.empty)
    comments_open: bool = True


def endpoint_is_elsewhere(config: SiteConfig) -> bool:
    """True when comments.endpoint is a URL on another origin than the site's."""
    origin = normalise_origin(config.comments.endpoint)
    return origin is not None and origin != normalise_origin(config.base_url)


class ReaderPages:
    def __init__(self, config: SiteConfig, posts: PostIndex) -> None:
        self.config = config
        self.posts = posts
        self.absolute_links = endpoint_is_elsewhere(config)
        self._env: jinja2.Environment | None = None
        self._lock = threading.Lock()

    def _environment(self) -> jinja2.Environment:
        with self._lock:
            if self._env is None:
                env = make_environment(self.config, theme_chain(self.config))
                install_filters(env, self.config, {})
                if self.absolute_links:
                    base_url = self.config.base_url
                    env.filters["url"] = lambda path: base_url + path if path[:1] == "/" else path
                self._env = env
            return self._env

    def site_view(self) -> SiteView:
        config = self.config
        look = self.posts.look()
        return SiteView(
            title=config.title, description=config.description, base_url=config.base_url,
            language=config.language, author_name=config.author.name,
            author_url=config.author.url, params=config.params, taxonomies=config.taxonomies,
            comments_enabled=config.comments.enabled,
            comments_endpoint=config.comments.endpoint, feeds_atom=config.feeds.atom,
            feeds_rss=config.feeds.rss, nav=tuple(Link(t, u) for t, u in look.nav),
            css_url=look.css_url, js_url=look.js_url, favicon_url=look.favicon_url,
            follow_endpoint=follow_endpoint(config),
            reply_mail=config.email.enabled and config.email.replies, **engagement_view(config),
        )  # fmt: skip

    def render(self, template: str, title: str, url: str, **context: Any) -> str:
        """A page of the theme; a broken theme template still gives the reader a page."""
        meta = PageMeta(title=title, url=url, kind="comment", noindex=True)
        try:
            return render_template(
                self._environment(), template,
                {"site": self.site_view(), "page": meta, **context}, self.config.root,
            )  # fmt: skip
        except (SiteError, OSError) as exc:
            log.error("theme template %s cannot be rendered: %s", template, exc)
            return self.fallback(title, context)

    @staticmethod
    def fallback(title: str, context: dict[str, Any]) -> str:
        """A bare page that still says what happened and keeps what the reader wrote."""
        lines = [f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title>",
                 f"<h1>{escape(title)}</h1>"]  # fmt: skip
        for message in [*context.get("notices", ()), *context.get("errors", {}).values()]:
            lines.append(f"<p>{escape(message)}</p>")
        body = context.get("form", {}).get("body", "")
        if body:
            lines.append(f"<p>Your comment:</p><textarea readonly>{escape(body)}</textarea>")
        entry = context.get("entry")
        if entry is not None:
            lines.append(f'<p><a href="{escape(entry.url)}">Back to the essay</a></p>')
        return "\n".join(lines)
