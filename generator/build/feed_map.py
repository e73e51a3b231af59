"""Posts and comments mapped to feed items, and each file context to its bytes.

Runs when a feed is made (in a page worker when there are many), so the newest
comments of a post are gathered there, not while planning.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.build.comment_entries import comment_item
from generator.build.contexts import (
    CommentsFeed,
    FileContext,
    PostsFeed,
    RedirectsFile,
    RobotsFile,
    RssFeed,
    SitemapFile,
)
from generator.build.feeds import FeedInfo, FeedItem, atom_feed, robots_txt, rss_feed, sitemap
from generator.build.site import Entry
from generator.contract.comment_html import render_comment_body
from generator.core.config import SiteConfig
from generator.core.models import PublicComment


def recent_comments(entries: Sequence[Entry], count: int) -> list[tuple[PublicComment, Entry]]:
    """The newest visible comments of these entries, newest first, ``count`` at most."""
    pairs = [
        (node.comment, entry)
        for entry in entries
        for node in entry.thread.flat
        if not node.comment.removed
    ]
    return heapq.nlargest(count, pairs, key=lambda pair: (pair[0].created, pair[0].id))


def recent_comment_count(config: SiteConfig) -> int:
    """How many comments a comments feed holds: twice as many as a feed of essays."""
    return config.feeds.entries * 2


@dataclass(frozen=True)
class FeedMaker:
    config: SiteConfig
    comment_html: Mapping[str, str]

    def make(self, context: FileContext) -> bytes:
        match context:
            case PostsFeed(title, url, home, posts):
                items = [self._item(p) for p in posts[: self.config.feeds.entries]]
                return atom_feed(self._info(title, url, home, posts), items)
            case RssFeed(title, url, home, posts):
                items = [self._item(p) for p in posts]
                return rss_feed(self._info(title, url, home, posts), items)
            case CommentsFeed(title, url, home, entries):
                recent = recent_comments(entries, recent_comment_count(self.config))
                info = self._info(title, url, home, entries)
                return atom_feed(info, self._comment_items(recent))
            case SitemapFile(urls):
                return sitemap(list(urls))
            case RobotsFile(sitemap_url):
                return robots_txt(sitemap_url)
            case RedirectsFile(text):
                return text.encode()
        raise TypeError(f"no feed for {type(context).__name__}")

    def _info(self, title: str, url: str, home: str, follows: Sequence[Entry]) -> FeedInfo:
        """``follows``: what the feed is about; the newest of them dates a feed with no
        entries yet (an essay nobody has commented on), never a made-up date."""
        config = self.config
        dates = [entry.updated or entry.date for entry in follows]
        return FeedInfo(
            title,
            config.base_url + url,
            config.base_url + home,
            config.description,
            config.author.name,
            config.language,
            max((d for d in dates if d is not None), default=None),
        )

    def _item(self, entry: Entry) -> FeedItem:
        assert entry.date is not None
        html = entry.feed_html if self.config.feeds.full_content else entry.feed_excerpt_html
        return FeedItem(
            entry.title,
            self.config.base_url + entry.url,
            entry.date,
            entry.updated or entry.date,
            html,
            entry.author or self.config.author.name,
            entry.doc.tags + entry.doc.categories,
        )

    def _comment_items(self, comments: Sequence[tuple[PublicComment, Entry]]) -> list[FeedItem]:
        """Tag: ids and what each answers (comment_entries.py); parents by id, per post."""
        base = self.config.base_url
        by_post: dict[str, dict[str, PublicComment]] = {}
        items = []
        for comment, entry in comments:
            thread = by_post.get(entry.key)
            if thread is None:
                thread = by_post[entry.key] = {n.comment.id: n.comment for n in entry.thread.flat}
            parent = thread.get(comment.parent) if comment.parent else None
            body = self.comment_html.get(comment.id) or render_comment_body(comment.body)
            items.append(comment_item(comment, parent, entry.title, base + entry.url, body, base))
        return items
