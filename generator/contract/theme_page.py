"""What a theme page receives: the page's metadata, the site as templates see it, the
comment thread model and the template filters.

The build renders every page with these, and the comment service its reader pages
(thank-you, please-fix), so both look the same. Nothing here loads the build's
Markdown, Pygments or the page planner.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import jinja2
from markupsafe import Markup, escape

from generator.contract.avatars import identicon_svg
from generator.contract.comment_html import render_comment_body, safe_website
from generator.contract.comment_list import comment_list_html
from generator.contract.page_images import Preview, picture_html
from generator.core.config import SiteConfig
from generator.core.models import PublicComment
from generator.core.themes import format_date


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
    image: Preview | None = None  # the picture link previews show (og:image, Twitter)


class NavLink(Protocol):
    """What a navigation item shows: an entry of a page, or a Link."""

    @property
    def title(self) -> str: ...

    @property
    def url(self) -> str: ...


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class SiteView:
    """What templates may know about the site: site.yaml minus anything private."""

    title: str
    description: str
    base_url: str
    language: str
    author_name: str
    author_url: str
    params: Mapping[str, Any]
    taxonomies: tuple[str, ...]
    comments_enabled: bool
    comments_endpoint: str
    feeds_atom: bool
    feeds_rss: bool
    nav: tuple[NavLink, ...]
    css_url: str
    js_url: str
    likes: bool = False  # a like button under each essay (site.yaml `likes`)
    likes_on_listings: bool = False
    share: tuple[str, ...] = ()  # share links, in order (site.yaml `share.targets`)
    mastodon_share: str = ""
    search: bool = False  # a search box on every page and a search page
    search_action: str = "/search/"  # where the search form goes without JavaScript
    pagefind: bool = False  # the search page asks the static Pagefind index
    # Where the "Follow by email" form posts ("" when following by email is off), and
    # whether the comment form offers mail about replies.
    follow_endpoint: str = ""
    reply_mail: bool = False
    favicon_url: str = ""  # site.yaml's `favicon`, else the theme's; "" for none


def engagement_view(config: SiteConfig) -> dict[str, Any]:
    """The SiteView fields of likes, share links and search, from the settings."""
    settings = config.engagement
    # Likes and the search without JavaScript are answered by the comment service.
    service = config.comments.enabled
    endpoint = config.comments.endpoint.rstrip("/")
    return {
        "likes": service and settings.likes.enabled,
        "likes_on_listings": service and settings.likes.enabled and settings.likes.on_listings,
        "share": settings.share.targets if settings.share.enabled else (),
        "mastodon_share": settings.share.mastodon_share,
        "search": settings.search.enabled and (service or settings.search.pagefind),
        "search_action": endpoint + "/search" if service else "/search/",
        "pagefind": settings.search.enabled and settings.search.pagefind,
    }


@dataclass(frozen=True)
class ThreadNode:
    comment: PublicComment
    depth: int  # displayed depth, 1 for top-level comments
    children: tuple[ThreadNode, ...]


@dataclass(frozen=True)
class Thread:
    roots: tuple[ThreadNode, ...]
    count: int  # visible comments, placeholders of removed ones excluded
    fingerprint: str = ""  # changes whenever anything shown of the thread changes
    flat: tuple[ThreadNode, ...] = ()  # every node in reading order, for lists without nesting

    @staticmethod
    def empty() -> Thread:
        return Thread((), 0)


def json_ld_markup(data: Mapping[str, Any]) -> Markup:
    """JSON for a <script> element: `<`, `>` and `&` escaped so no text can close it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def install_filters(
    env: jinja2.Environment, config: SiteConfig, comment_html: Mapping[str, str]
) -> None:
    """The filters every theme template may use (`comment_html` falls back to rendering)."""
    tz = config.tz

    def body_html(node: ThreadNode) -> Markup:
        html = comment_html.get(node.comment.id)
        return Markup(html if html is not None else render_comment_body(node.comment.body))

    def reply_options(thread: Thread, selected: Any = None) -> Markup:
        """The comment form's "In reply to" options, one per visible comment.

        The same bytes as the Jinja loop it replaces (tests/test_filters.py compares
        them), built in Python: on a post page with its thread, that loop cost more
        than the rest of the form.
        """
        options = []
        for node in thread.flat:
            comment = node.comment
            if comment.removed:
                continue
            created = comment.created.astimezone(tz) if comment.created else comment.created
            when = format_date(created, "%-d %b %Y %H:%M")
            chosen = " selected" if selected == comment.id else ""
            options.append(
                f'<option value="{escape(comment.id)}"{chosen}>'
                f"{escape(comment.author)}, {escape(when)}</option>"
            )
        return Markup("".join(options))

    def comment_list(entry: Any) -> Markup:
        """The thread of ``entry`` as the default theme shows it (see comment_list.py)."""
        return comment_list_html(
            entry.url, entry.thread.roots, entry.comments_open, body_html, tz, config.base_url
        )

    env.filters["reply_options"] = reply_options
    env.filters["comment_list"] = comment_list
    env.filters["local"] = lambda moment: moment.astimezone(tz) if moment else moment
    env.filters["json_ld"] = json_ld_markup
    env.filters["comment_html"] = body_html
    env.filters["safe_website"] = safe_website
    env.filters["identicon"] = lambda seed: identicon_svg(seed or "anonymous")
    env.filters["picture"] = lambda picture, alt, sizes: Markup(
        picture_html(picture, alt, sizes, eager=False)
    )
