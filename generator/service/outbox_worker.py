"""The comment service's sender: a background thread that drains the outbox.

Each round it (1) learns of essays published since the last round from the posts
manifest the build writes and queues them for followers, (2) makes the moderator's
digest when one is due, (3) claims due messages and sends them, over one SMTP
connection a round. It wakes when this instance queues something (``wake()``) and
otherwise every POLL seconds, so a message queued by another instance waits at most
that long. Failures go back to the outbox with backoff; nothing is logged with an
address in it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from generator.contract.posts_manifest import ManifestError, PostIndex
from generator.core.config import SiteConfig
from generator.core.email_config import ModeratorMail
from generator.core.errors import CommentError, SiteError
from generator.service import outbox
from generator.service.mail_compose import Composer
from generator.service.mailer import (
    SendError,
    SmtpConnection,
    post_webhook,
    tls_context,
    webhook_secret,
)
from generator.service.notify import Notifier
from generator.service.store import CommentStore
from generator.service.store_schema import time_text

log = logging.getLogger("salon.mail")
POLL = 2.0
BATCH = 50
FOLLOWERS_SINCE = "followers_since"  # setting: when following was switched on
DIGEST_LAST = "digest_last"  # setting: the end of the last digest's period
KEEP_SENT = 30 * 86400.0
PERIODS = {ModeratorMail.HOURLY: 3600.0, ModeratorMail.DAILY: 86400.0}
_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")


def scrub(text: str) -> str:
    """A server's answer without any address in it (it often quotes the recipient)."""
    return _ADDRESS.sub("<address>", text)


def announce_new_essays(store: CommentStore, notifier: Notifier, posts: PostIndex,
                        now: float) -> int:  # fmt: skip
    """Queue each essay the service has not seen yet for the followers, once ever.

    The first time following is on, every essay already published is recorded as seen
    (not mailed); later, an essay counts only if it is dated after that moment, so an
    imported archive mails nobody. An essay unpublished and republished stays seen.
    """
    if not notifier.config.email.followers.enabled:
        return 0
    try:
        current = posts.posts()
    except ManifestError:
        return 0
    queued = 0
    with store.transaction() as db:
        db.lock("salon:announce")
        since_text = store.setting(FOLLOWERS_SINCE)
        first = since_text is None
        if first:
            db.execute("INSERT INTO settings VALUES (?, ?)", (FOLLOWERS_SINCE, str(now)))
        since = now if since_text is None else float(since_text)
        seen = {str(r[0]) for r in db.execute("SELECT post FROM announced")}
        for key, post in current.items():
            if key in seen:
                continue
            dated = _timestamp(post.date)
            mail = not first and dated is not None and dated >= since
            db.execute("INSERT INTO announced VALUES (?, ?, ?)", (key, now, int(mail)))
            if mail:
                queued += notifier.announce(db, post, now)
    return queued


def _timestamp(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text).timestamp() if text else None
    except ValueError:
        return None


def make_digest(store: CommentStore, notifier: Notifier, posts: PostIndex, now: float) -> bool:
    period = PERIODS.get(notifier.config.email.moderator_mail)
    if period is None or not notifier.on:
        return False
    with store.transaction() as db:
        db.lock("salon:digest")
        last_text = store.setting(DIGEST_LAST)
        if last_text is None:  # the first period starts now
            db.execute("INSERT INTO settings VALUES (?, ?)", (DIGEST_LAST, str(now)))
            return False
        last = float(last_text)
        if now - last < period:
            return False
        rows = db.execute(
            "SELECT id FROM comments WHERE status = 'pending' AND removed = 0 AND created >= ? "
            "AND created < ? ORDER BY created",
            (
                time_text(datetime.fromtimestamp(last, UTC)),
                time_text(datetime.fromtimestamp(now, UTC)),
            ),
        ).fetchall()
        held = [store.get(str(r[0])) for r in rows]
        comments = [notifier.comment_data(db, c, posts.find(c.post)) for c in held]
        notifier.digest(db, comments, str(int(now // period)), now)
        db.execute("UPDATE settings SET value = ? WHERE key = ?", (str(now), DIGEST_LAST))
    return bool(held)


class Sender:
    """Claims and sends due messages; one per worker thread (it holds a connection)."""

    def __init__(self, config: SiteConfig, store: CommentStore, clock: Callable[[], float],
                 lease: float = outbox.LEASE_SECONDS) -> None:  # fmt: skip
        self.config = config
        self.store = store
        self.clock = clock
        self.lease = lease
        self.composer = Composer(config)
        self.notifier = Notifier.of(config, store.secret())
        self.posts = PostIndex(config.private_dir / "posts.json")
        self._tls = tls_context(config.email, config.root) if config.email.enabled else None
        self._webhook_secret = webhook_secret() if config.email.webhook else b""
        self._pruned = 0.0

    def round(self) -> int:
        """One round: new essays, digest, then a batch of due messages. Returns the sent."""
        now = self.clock()
        if announce_new_essays(self.store, self.notifier, self.posts, now):
            log.info("outbox: a new essay was queued for the followers")
        make_digest(self.store, self.notifier, self.posts, now)
        if now - self._pruned > 3600:  # sent messages are kept a month, as proof and for ids
            outbox.prune_sent(self.store.db, now - KEEP_SENT)
            self._pruned = now
        messages = outbox.claim(self.store.db, now, BATCH, self.lease)
        if not messages:
            return 0
        smtp = SmtpConnection(self.config.email.smtp, self._tls) if self._tls and \
            self.config.email.smtp else None  # fmt: skip
        sent = 0
        try:
            for message in messages:
                sent += self._send(message, smtp)
        finally:
            if smtp is not None:
                smtp.close()
        return sent

    def _send(self, message: outbox.Message, smtp: SmtpConnection | None) -> bool:
        try:
            if message.kind is outbox.Kind.WEBHOOK:
                body = json.dumps(message.payload, ensure_ascii=False).encode()
                post_webhook(message.recipient, body, self._webhook_secret,
                             str(int(self.clock())), message.message_id.strip("<>"))  # fmt: skip
            else:
                if smtp is None:
                    raise SendError("email is not set up in site.yaml (email.from, email.smtp)")
                email = self.composer.compose(message.payload, message.recipient,
                                              message.message_id, self.clock())  # fmt: skip
                smtp.send(email, message.recipient)
        except (SendError, SiteError) as exc:
            permanent = isinstance(exc, SendError) and exc.permanent
            reason = scrub(str(exc))
            state = outbox.mark_failed(self.store.db, message, reason, self.clock(),
                                       self.config.email.retry_after, permanent)  # fmt: skip
            log.warning("outbox: message %d (%s) not sent: %s; %s", message.seq,
                        message.payload.get("template", message.kind.value), reason,
                        "given up" if state is outbox.State.FAILED else "will retry")  # fmt: skip
            return False
        outbox.mark_sent(self.store.db, message.seq, self.clock())
        return True


class OutboxWorker:
    """The background thread of `salon comments serve`."""

    def __init__(self, config: SiteConfig, open_store: Callable[[], CommentStore],
                 clock: Callable[[], float] = time.time, poll: float = POLL) -> None:  # fmt: skip
        self.config = config
        self._open_store = open_store
        self.clock = clock
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.store: CommentStore | None = None

    @property
    def wanted(self) -> bool:
        email = self.config.email
        return email.enabled or bool(email.webhook)

    def start(self) -> None:
        if not self.wanted or self._thread is not None:
            return
        self.store = self._open_store()
        try:
            self.sender = Sender(self.config, self.store, self.clock)
        except CommentError:
            self.store.close()
            raise
        outbox.WAKERS.add(self.wake)
        self._thread = threading.Thread(target=self._run, name="salon-outbox", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                while self.sender.round() and not self._stop.is_set():
                    pass
            except Exception:  # a bug or the store away: logged, tried again next round
                log.exception("outbox: a round failed")
            self._wake.wait(self.poll)

    def stop(self) -> None:
        outbox.WAKERS.discard(self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=40)
            self._thread = None
        if self.store is not None:
            self.store.close()
            self.store = None
