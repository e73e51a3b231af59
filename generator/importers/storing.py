"""Putting imported comments into the private store, through moderation's write path."""

from __future__ import annotations

import sqlite3

from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.importers.report import ImportReport
from generator.service.actions import Imported, import_comments, open_store
from generator.service.store_files import explain


def require_local_feed(config: SiteConfig) -> None:
    if config.feed_is_remote:
        raise CommentError(
            "comments.feed is a URL; import comments on the machine that runs the comment "
            "service, where comments.feed is a local file"
        )


def store_comments(
    config: SiteConfig, source: str, comments: tuple[Imported, ...], report: ImportReport
) -> None:
    """Add planned comments to the store (each at most once), then export the public feed."""
    if not comments:
        return
    require_local_feed(config)
    try:
        with open_store(config) as store:
            result = import_comments(config, store, source, comments)
    except (sqlite3.Error, OSError) as exc:  # a full disk, a read-only folder, damage
        problem = explain(exc, config.comments.store, config.comments.feed, config.store_path)
        if problem is None:
            raise
        raise problem from None
    for comment in result.new:
        report.comments_new[comment.status] += 1
        if comment.parent is not None:
            report.replies += 1
    report.comments_seen += result.seen
