"""The SiteView every template receives, made from the settings and the site model."""

from __future__ import annotations

from generator.build.site import SiteModel
from generator.contract.theme_page import Link, SiteView, engagement_view
from generator.core.config import SiteConfig, follow_endpoint


def make_site_view(
    config: SiteConfig, model: SiteModel, css_url: str, js_url: str, favicon_url: str = ""
) -> SiteView:
    return SiteView(
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
        # Links, not the pages' entries: every page's key covers the SiteView, and a nav
        # of entries made every page of the site again when a page's text changed.
        nav=tuple(Link(p.title, p.url) for p in model.pages if not p.extra.get("hide_from_nav")),
        css_url=css_url,
        js_url=js_url,
        follow_endpoint=follow_endpoint(config),
        reply_mail=config.email.enabled and config.email.replies,
        favicon_url=config.favicon or favicon_url,
        **engagement_view(config),
    )
