"""What /moderate shows of notifications: mail that failed or waits, follower counts
(counts only: no address of a follower ever reaches a page)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.config import SiteConfig
from generator.service import outbox
from generator.service.outbox_worker import scrub
from generator.service.store import CommentStore
from generator.service.subscribers import follower_counts


@dataclass(frozen=True)
class Failure:
    what: str  # the template, or "webhook"
    attempts: int
    reason: str  # without addresses


@dataclass(frozen=True)
class MailStatus:
    enabled: bool
    queued: int
    failed: tuple[Failure, ...]
    retrying: tuple[Failure, ...]  # queued again after a failed attempt
    followers: int
    pending_followers: int
    followers_on: bool
    next_due: str  # when the next scheduled essay falls due: a build must run then


def mail_status(config: SiteConfig, store: CommentStore, next_due: str = "") -> MailStatus | None:
    email = config.email
    if not (email.enabled or email.webhook):
        return None
    counts = outbox.counts(store.db)
    failed, retrying = [], []
    for m in outbox.waiting(store.db, limit=50):
        item = Failure(str(m.payload.get("template", m.kind.value)), m.attempts,
                       scrub(m.last_error))  # fmt: skip
        if m.state is outbox.State.FAILED:
            failed.append(item)
        elif m.last_error:
            retrying.append(item)
    confirmed, pending = follower_counts(store.db)
    return MailStatus(email.enabled, counts[outbox.State.QUEUED] + counts[outbox.State.SENDING],
                      tuple(failed), tuple(retrying), confirmed, pending,
                      email.followers.enabled, next_due)  # fmt: skip
