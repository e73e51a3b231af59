"""The comments of a WordPress export → comments to store: statuses, replies, the
author's own comments, and what is skipped (pingbacks, comments on pages)."""

from __future__ import annotations

from datetime import UTC

from generator.core.config import SiteConfig
from generator.core.models import CommentStatus, Kind, StoredComment
from generator.importers.html_inline import Options
from generator.importers.html_to_markdown import html_to_markdown
from generator.importers.report import ImportReport
from generator.importers.wordpress_items import Entry, site_time
from generator.importers.wxr import WxrComment, WxrExport
from generator.service.actions import Imported
from generator.service.addresses import truncate_ip

COMMENT_STATUSES = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "approved": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.REJECTED,
    "post-trashed": CommentStatus.REJECTED,
}


class CommentPlanner:
    def __init__(self, export: WxrExport, config: SiteConfig, report: ImportReport) -> None:
        self.export = export
        self.config = config
        self.report = report
        self.authors = {a.login: a for a in export.authors}

    def author_ids(self) -> dict[str, set[str]]:
        """WordPress user ids of each author: from the export, or learned from comments
        that a registered user left with the author's own email."""
        ids: dict[str, set[str]] = {a.login: {a.user_id} - {""} for a in self.export.authors}
        by_email = {a.email.lower(): a.login for a in self.export.authors if a.email}
        for item in self.export.items:
            for comment in item.comments:
                login = by_email.get(comment.email.lower())
                if login and comment.user_id not in ("", "0"):
                    ids[login].add(comment.user_id)
        return ids

    def comments(self, entries: list[Entry]) -> list[Imported]:
        planned: list[Imported] = []
        author_ids = self.author_ids()
        site = self.export.site_url.rstrip("/")
        for entry in entries:
            item = entry.item
            if not item.comments:
                continue
            if entry.kind is Kind.PAGE:
                why = "on a page (Salon shows comments under posts only)"
                self.report.skip("comment", why, len(item.comments))
                continue
            external = {
                c.comment_id: f"{site}/?p={item.post_id}#comment-{c.comment_id}"
                for c in item.comments
            }
            kept: dict[str, WxrComment] = {}
            for comment in item.comments:
                kind = comment.type or "comment"
                if kind in ("pingback", "trackback"):
                    self.report.skip(kind, "a notice from another site, not a reader's comment")
                    continue
                if kind != "comment":
                    self.report.skip(f"{kind} comment", "not a reader's comment")
                    continue
                if not comment.comment_id:
                    self.report.skip("comment", "no wp:comment_id, so it cannot be imported once")
                    continue
                kept[comment.comment_id] = comment
            for comment in kept.values():
                made = self.comment(entry, comment, author_ids)
                if made is None:
                    continue
                parent = None
                if comment.parent not in ("", "0"):
                    if comment.parent in kept:
                        parent = external[comment.parent]
                    else:
                        self.report.note(
                            f"{entry.path}: comment {comment.comment_id} replies to comment "
                            f"{comment.parent}, which is not in the export; shown as a "
                            "top-level comment"
                        )
                planned.append(Imported(external[comment.comment_id], parent, made))
        return planned

    def comment(
        self, entry: Entry, comment: WxrComment, author_ids: dict[str, set[str]]
    ) -> StoredComment | None:
        body = html_to_markdown(comment.content, Options(for_comment=True)).markdown.strip()
        if not body:
            self.report.skip("comment", "empty")
            return None
        status = COMMENT_STATUSES.get(comment.approved.lower())
        if status is None:
            status = CommentStatus.PENDING
            self.report.note(
                f"{entry.path}: comment {comment.comment_id} has status "
                f'"{comment.approved}"; imported as pending'
            )
        if entry.draft_reason and status is CommentStatus.APPROVED:
            # The feed is public: a hidden post's comments wait until the author publishes it.
            status = CommentStatus.PENDING
            self.report.note(
                f"{entry.path}: comment {comment.comment_id} held as pending while the post is "
                "a draft; approve it when you publish the post"
            )
        created = site_time(comment.date, comment.date_gmt, self.config)
        if created is None:
            created = entry.date
            self.report.note(
                f"{entry.path}: comment {comment.comment_id} has no date; given the post's date"
            )
        login = entry.item.creator
        author = self.authors.get(login)
        email = comment.email.strip()
        own_emails = {self.config.author.email.lower(), author.email.lower() if author else ""}
        registered = comment.user_id not in ("", "0")
        by_author = (registered and comment.user_id in author_ids.get(login, set())) or (
            bool(email) and email.lower() in own_emails - {""}
        )
        return StoredComment(
            id="",
            post=entry.key,
            parent=None,
            author=" ".join(comment.author.split()) or "Anonymous",
            email=email,
            website=comment.url.strip(),
            body=body,
            created=created.astimezone(UTC),
            status=status,
            by_author=by_author,
            ip=truncate_ip(comment.ip),
        )
