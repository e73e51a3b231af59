"""What each change tells whom: events turned into outbox messages, in the change's
own transaction (every method takes the caller's ``db``).

- a comment held → the moderator (one mail, or nothing here when digests are chosen:
  outbox_worker makes those) and the webhook;
- a comment approved → a confirmation to its author if they asked for replies and
  their address is not confirmed yet (double opt-in: only now that a moderator vouched
  for the comment), and a notification to every confirmed subscriber but its author;
- a follow request → a confirmation at once (rate-limited by the caller);
- an essay published for the first time → each confirmed follower, paced.

Payloads hold what the templates show, never another reader's address.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from generator.contract.posts_manifest import PostInfo
from generator.core.config import SiteConfig
from generator.core.email_config import ModeratorMail
from generator.core.models import CommentStatus, StoredComment
from generator.service import subscribers as subs
from generator.service.mail_links import (
    Act,
    moderate_url,
    moderator_link,
    moderator_token,
    reader_link,
    reader_token,
)
from generator.service.outbox import Kind, queue, queue_many
from generator.service.store_backend import Backend
from generator.service.tokens import derive_key

OPENING_WORDS = 30
CONFIRM_DAYS = 7


def opening(text: str, words: int = OPENING_WORDS) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


@dataclass(frozen=True)
class Notifier:
    config: SiteConfig
    key: bytes  # the links' key (derived from the store's secret)

    @classmethod
    def of(cls, config: SiteConfig, secret: bytes) -> Notifier:
        return cls(config, derive_key(secret, "mail-links"))

    @property
    def on(self) -> bool:
        return self.config.email.enabled

    @property
    def domain(self) -> str:
        return self.config.email.sender_address.rpartition("@")[2] or (
            urlsplit(self.config.base_url).hostname or ""
        )

    def _queue(self, db: Backend, event: str, recipient: str, payload: Mapping[str, Any],
               now: float, due: float | None = None) -> bool:  # fmt: skip
        return queue(db, event, Kind.EMAIL, recipient, payload, now, self.domain, due)

    def _essay(self, post: PostInfo | None, key: str) -> dict[str, str]:
        if post is None:
            return {"title": key, "url": self.config.base_url + "/"}
        return {"title": post.title, "url": self.config.base_url + post.url}

    def comment_data(self, db: Backend, c: StoredComment, post: PostInfo | None) -> dict[str, Any]:
        parent = ""
        if c.parent:
            row = db.execute("SELECT author, body FROM comments WHERE id = ?",
                             (c.parent,)).fetchone()  # fmt: skip
            if row:
                parent = f"{row[0]}: {opening(str(row[1]))}"
        essay = self._essay(post, c.post)
        return {"id": c.id, "author": c.author, "website": c.website, "body": c.body,
                "held_because": c.held_because, "parent": parent,
                "created": c.created.astimezone(UTC).isoformat(timespec="seconds"),
                "essay": essay, "link": f"{essay['url']}#comment-{c.id}"}  # fmt: skip

    # -- the moderator -------------------------------------------------------------------

    def held(self, db: Backend, c: StoredComment, post: PostInfo | None, now: float) -> None:
        """A comment waits for moderation (spam included: the moderator may disagree)."""
        email = self.config.email
        if not self.on and not email.webhook:
            return
        comment = self.comment_data(db, c, post)
        if email.webhook:
            document = {"event": "comment.held", "site": self.config.base_url,
                        "moderate": moderate_url(self.config),
                        "comment": {**comment, "status": c.status.value}}  # fmt: skip
            queue(db, f"webhook:{c.id}", Kind.WEBHOOK, email.webhook, document, now, self.domain)
        if not self.on or not email.moderator or email.moderator_mail is not ModeratorMail.EACH:
            return
        expires = now + email.link_days * 86400
        links = {act.value: moderator_link(self.config, moderator_token(self.key, act, c.id,
                                           expires)) for act in (Act.APPROVE, Act.REJECT,
                                                                 Act.SPAM)}  # fmt: skip
        payload = {"template": "moderator_held",
                   "subject": f"[{self.config.title}] Held for moderation: {c.author} on "
                              f"“{comment['essay']['title']}”",
                   "context": {"comment": comment, "links": links,
                               "moderate": moderate_url(self.config), "spam":
                               c.status is CommentStatus.SPAM,
                               "expires_days": email.link_days}}  # fmt: skip
        self._queue(db, f"held:{c.id}", email.moderator, payload, now)

    def digest(self, db: Backend, comments: list[dict[str, Any]], period: str, now: float) -> None:
        email = self.config.email
        if not (self.on and email.moderator and comments):
            return
        payload = {"template": "moderator_digest",
                   "subject": f"[{self.config.title}] {len(comments)} comment"
                              f"{'' if len(comments) == 1 else 's'} held for moderation",
                   "context": {"comments": comments, "moderate": moderate_url(self.config),
                               "period": email.moderator_mail.value}}  # fmt: skip
        self._queue(db, f"digest:{period}", email.moderator, payload, now)

    # -- commenters ----------------------------------------------------------------------

    def submitted(self, db: Backend, c: StoredComment, post: PostInfo | None,
                  scope: subs.Scope | None, now: float) -> None:  # fmt: skip
        """A reader's comment was stored (pending, spam or approved)."""
        if scope is not None and c.email and self.on and self.config.email.replies:
            subs.subscribe(db, c.email, c.post, c.id, scope, now)
        if c.status is CommentStatus.APPROVED:
            self.approved(db, c, post, now)
        else:
            self.held(db, c, post, now)

    def approved(self, db: Backend, c: StoredComment, post: PostInfo | None, now: float) -> None:
        """A comment became visible: its author's opt-in, then its subscribers."""
        if not self.on or c.removed:
            return
        if c.email and subs.has_subscription(db, c.email, c.id):
            found = subs.address(db, c.email)
            if found is not None and found.confirmed is None and subs.may_ask(found, now):
                self._confirmation(db, found, c, post, now)
        recipients = subs.reply_subscribers(db, c.post, c.parent)
        comment = self.comment_data(db, c, post) if recipients else {}
        for email, subscribed in recipients:
            if email == c.email.lower():
                continue  # never told about their own words
            found = subs.address(db, email)
            assert found is not None
            stop = reader_link(self.config, reader_token(self.key, Act.STOP_THREAD, found.key,
                                                         subscribed))  # fmt: skip
            stop_all = reader_link(self.config, reader_token(self.key, Act.STOP_ALL, found.key))
            payload = {"template": "reply",
                       "subject": f"[{self.config.title}] {c.author} replied on "
                                  f"“{comment['essay']['title']}”",
                       "unsubscribe": stop,
                       "context": {"comment": comment, "stop_thread": stop,
                                   "stop_all": stop_all}}  # fmt: skip
            self._queue(db, f"reply:{c.id}", email, payload, now)

    def _confirmation(self, db: Backend, found: subs.Address, c: StoredComment,
                      post: PostInfo | None, now: float) -> None:  # fmt: skip
        confirm = reader_link(
            self.config,
            reader_token(
                self.key, Act.CONFIRM_REPLIES, found.key, expires=now + CONFIRM_DAYS * 86400
            ),
        )
        stop_all = reader_link(self.config, reader_token(self.key, Act.STOP_ALL, found.key))
        essay = self._essay(post, c.post)
        payload = {"template": "confirm_replies",
                   "subject": f"[{self.config.title}] Confirm: tell you about replies?",
                   "unsubscribe": stop_all,
                   "context": {"essay": essay, "confirm": confirm, "stop_all": stop_all,
                               "days": CONFIRM_DAYS}}  # fmt: skip
        if self._queue(db, f"confirm:{found.key}:{int(now // 86400)}", found.email, payload, now):
            subs.mark_asked(db, found.email, now)

    # -- followers -----------------------------------------------------------------------

    def follow_confirmation(self, db: Backend, email: str, now: float) -> bool:
        """Queue the confirmation of a follow request; False when none is sent (already
        following, or asked too often today)."""
        found, following = subs.follow(db, email, now)
        asked = subs.follower_asked(db, found.email)
        per_day = self.config.email.followers.per_address_per_day
        if following or (asked is not None and now - asked < 86400 / per_day):
            return False
        confirm = reader_link(
            self.config,
            reader_token(
                self.key, Act.CONFIRM_FOLLOW, found.key, expires=now + CONFIRM_DAYS * 86400
            ),
        )
        stop = reader_link(self.config, reader_token(self.key, Act.UNFOLLOW, found.key))
        payload = {"template": "confirm_follow",
                   "subject": f"[{self.config.title}] Confirm: new essays by email?",
                   "unsubscribe": stop,
                   "context": {"confirm": confirm, "days": CONFIRM_DAYS}}  # fmt: skip
        self._queue(db, f"follow:{found.key}:{secrets.token_hex(4)}", found.email, payload, now)
        subs.mark_follower_asked(db, found.email, now)
        return True

    def announce(self, db: Backend, post: PostInfo, now: float) -> int:
        """Queue the essay for every confirmed follower, paced at followers.per_minute."""
        rules = self.config.email.followers
        gap = 60.0 / rules.per_minute
        essay = self._essay(post, post.key)
        full = rules.content == "full" and bool(post.html)
        items = []
        for number, follower in enumerate(subs.confirmed_followers(db)):
            stop = reader_link(self.config, reader_token(self.key, Act.UNFOLLOW, follower.key))
            payload = {"template": "new_essay", "subject": post.title, "unsubscribe": stop,
                       "context": {"essay": {**essay, "date": post.date},
                                   "html": post.html if full else post.excerpt,
                                   "full": full, "comments": essay["url"] + "#comments",
                                   "stop": stop}}  # fmt: skip
            items.append((f"essay:{post.key}", follower.email, payload, now + number * gap))
        queue_many(db, Kind.EMAIL, items, now, self.domain)
        return len(items)


def iso_now(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
