"""The items of a WordPress export: which are imported (and which skipped, and why),
an item chosen for import, its title and its time."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from generator.core.config import SiteConfig
from generator.core.models import Kind
from generator.importers.wxr import WxrItem, parse_wp_time

# Markup WordPress titles carry (themes print titles as HTML): formatting elements only.
# Anything else in angle brackets is text the author typed, `some <html> entities`
# written as `&lt;html&gt;` in the export, and keeps its words.
_TITLE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|big|br|cite|code|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small"
    r"|span|strike|strong|sub|sup|time|tt|u|var|wbr)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
# What WordPress items are, by status and type, when they are not imported as they are.
DRAFT_STATUSES = {
    "draft": "a draft in WordPress",
    "pending": "pending review in WordPress",
    "private": "private in WordPress",
}
SKIPPED_STATUSES = {
    "trash": "in the WordPress trash",
    "auto-draft": "an empty auto-draft",
    "inherit": "a revision",
}
SKIPPED_TYPES = {
    "attachment": "media files, not posts (those used in posts are listed below)",
    "nav_menu_item": "navigation menu entries, not content",
    "revision": "earlier versions of posts",
    "wp_block": "reusable blocks, not posts",
    "wp_template": "theme templates, not content",
    "wp_template_part": "theme templates, not content",
    "wp_global_styles": "theme settings, not content",
    "wp_navigation": "navigation menus, not content",
    "custom_css": "theme settings, not content",
    "customize_changeset": "theme settings, not content",
    "oembed_cache": "cached embeds, not content",
}


@dataclass(frozen=True)
class Entry:
    """An item chosen for import, with the identity it gets in the new site."""

    item: WxrItem
    kind: Kind
    title: str
    date: datetime
    slug: str
    path: str
    url: str
    draft_reason: str  # "" for a published post or page
    scheduled: bool

    @property
    def key(self) -> str:
        return self.slug


def plain_title(raw: str) -> str:
    """A title as text: WordPress allows markup and entities in titles, Salon does not.

    Formatting tags go (`<em>Fancy</em>` is "Fancy"); entities are decoded after, so an
    escaped `&lt;em&gt;` stays the text "<em>".
    """
    return " ".join(html.unescape(_TITLE_TAG.sub("", raw)).split())


def site_time(wp_time: str, wp_gmt: str, config: SiteConfig) -> datetime | None:
    """A WordPress time in the site's timezone: the GMT column is exact; local is a guess."""
    gmt = parse_wp_time(wp_gmt)
    if gmt is not None:
        return gmt.replace(tzinfo=UTC).astimezone(config.tz)
    local = parse_wp_time(wp_time)
    if local is not None:
        return local.replace(tzinfo=config.tz)
    return None


def item_time(item: WxrItem, config: SiteConfig) -> datetime | None:
    moment = site_time(item.date, item.date_gmt, config)
    if moment is None and item.pub_date:
        try:
            parsed = parsedate_to_datetime(item.pub_date)
            if parsed.tzinfo is None:  # "-0000": RFC 5322 for "UTC, source unknown"
                parsed = parsed.replace(tzinfo=UTC)
            moment = parsed.astimezone(config.tz)
        except (TypeError, ValueError):
            moment = None
    return moment.replace(microsecond=0) if moment is not None else None
