"""Putting imported comments into the private store, each at most once, then the feed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.core.models import StoredComment
from generator.importers.report import ImportReport
from generator.service.actions import export_feed, open_store
from generator.service.store import new_comment_id


@dataclass(frozen=True)
class PlannedComment:
    external_id: str
    parent: str | None  # the parent's external id
    comment: StoredComment  # id and parent are filled in when stored


def require_local_feed(config: SiteConfig) -> None:
    if config.feed_is_remote:
        raise CommentError(
            "comments.feed is a URL; import comments on the machine that runs the comment "
            "service, where comments.feed is a local file"
        )


def store_comments(
    config: SiteConfig, source: str, comments: tuple[PlannedComment, ...], report: ImportReport
) -> None:
    """Add planned comments to the store (each at most once), then export the public feed."""
    if not comments:
        return
    require_local_feed(config)
    store = open_store(config)
    try:
        ids = {
            c.external_id: store.imported_id(source, c.external_id) or new_comment_id()
            for c in comments
        }
        for planned in comments:
            parent = ids.get(planned.parent) if planned.parent else None
            comment = replace(planned.comment, id=ids[planned.external_id], parent=parent)
            if store.add_imported(source, planned.external_id, comment):
                report.comments_new[comment.status] += 1
                if parent is not None:
                    report.replies += 1
            else:
                report.comments_seen += 1
        if report.comments_imported or not config.feed_path.exists():
            export_feed(config, store)  # nothing new: the feed is left untouched
    finally:
        store.close()
