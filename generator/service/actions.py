"""The one write path of moderation: the CLI, the /moderate page and the importers.

Each action normalises and checks what it is given (the rules of the comment form,
with the form's messages), changes the store (recorded in its audit log, stamped by
the store's clock), rewrites the public feed atomically, then starts the site's
`comments.on_change` hook. The CLI waits for the hook and sees a feed that cannot be
written as an error; the service (``background=True``) does not wait, and gets the
feed's problem back in ``Done.feed_problem``: its change is saved either way.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from generator.contract.feed import clean_text, parse_feed_document
from generator.contract.posts_manifest import PostIndex
from generator.core.config import SiteConfig
from generator.core.errors import CommentError, SiteError
from generator.core.models import CommentStatus, StoredComment
from generator.core.times import Clock, utc_now
from generator.service.feed_export import export_feed as export_feed
from generator.service.feed_export import repair_feed, write_stamp
from generator.service.hook import run_hook_once
from generator.service.likes import reset_likes, seed_likes
from generator.service.notify import Notifier
from generator.service.outbox import wake_senders
from generator.service.store import CommentStore, new_comment_id
from generator.service.store_backend import SqliteBackend, StoreUnavailable
from generator.service.store_files import (
    can_read_as_is,
    check_store_file,
    explain,
    open_read_only,
    writable,
)
from generator.service.store_public import CHANGES
from generator.service.store_schema import time_text
from generator.service.subscribers import forget
from generator.service.validation import check_body, check_name, check_website, normalise_website

log = logging.getLogger("salon.service")


def open_store(
    config: SiteConfig, create: bool = True, clock: Clock = utc_now, read_only: bool = False
) -> CommentStore:
    """Open the store; the first time, it takes in the comments of the existing feed.

    ``read_only``: for commands that only read; in a folder this user cannot write (or
    on a full disk), a store file is then read as it is instead of failing on SQLite's
    first write. A store file is checked first (store_files.check_store_file).
    """
    if config.store_is_url:  # PostgreSQL: nothing on this machine's disk to check
        return _open_and_seed(config, create, clock)
    shown, feed = config.comments.store, config.comments.feed
    check_store_file(config.store_path, shown, feed)
    if config.feed_path.is_dir() and not config.feed_is_remote:
        raise CommentError(f"{feed}: is a folder; the comments feed is a file (remove the folder)")
    path = config.store_path
    readable_as_is = read_only and path.is_file() and can_read_as_is(path)
    try:
        if readable_as_is and not writable(path):
            return CommentStore(SqliteBackend.read_only(open_read_only(path), path), clock)
        return _open_and_seed(config, create, clock)
    except (sqlite3.Error, OSError) as exc:
        problem = explain(exc, shown, feed, path)
        if problem is None:
            raise
        if readable_as_is and isinstance(problem, StoreUnavailable):  # a full disk
            return CommentStore(SqliteBackend.read_only(open_read_only(path), path), clock)
        raise problem from None


def _open_and_seed(config: SiteConfig, create: bool, clock: Clock) -> CommentStore:
    store = CommentStore.open(config.store_location, create=create, clock=clock)
    # Until the store has written the feed or taken it in, the feed on disk holds
    # published comments the store may not know (a fresh clone of the site).
    if not store.feed_adopted() and not config.feed_is_remote and config.feed_path.is_file():
        try:
            text = config.feed_path.read_bytes().decode("utf-8")
            existing = parse_feed_document(text, config.comments.feed)
        except UnicodeDecodeError as exc:
            store.close()
            raise CommentError(
                f"cannot seed the store from the feed: {config.comments.feed}: "
                f"not UTF-8 text ({exc.reason})"
            ) from None
        except SiteError as exc:
            store.close()
            raise CommentError(f"cannot seed the store from the feed: {exc}") from None
        if existing.likes:
            with store.transaction() as db:
                seed_likes(db, existing.likes, store.clock())
        had_public = store.counter(CHANGES) > 0
        store.seed_from_public(existing.comments, actor="seed-from-feed")
        if not had_public:  # the feed on disk is exactly what the store now publishes
            write_stamp(config, store, store.counter(CHANGES))
    repair_feed(config, store)  # a crash after a change, before its export: catch up first
    return store


@dataclass(frozen=True)
class Done:
    """What an action changed; ``feed_problem`` says why the feed was not rewritten
    (background actions only: the change itself is saved)."""

    comments: tuple[StoredComment, ...] = ()
    changed: tuple[str, ...] = ()  # the fields an edit changed
    feed_problem: str | None = None


def publish(config: SiteConfig, store: CommentStore, background: bool) -> str | None:
    """After a saved change: rewrite the feed, then run the hook (once across instances).

    In the foreground (the CLI) the hook is waited for and a feed that cannot be
    written raises. In the service (``background``) the change is already saved, so
    neither may fail the request: when the service runs its publisher (serve), it is
    woken to export and run the hook, coalesced, off the request; otherwise the feed
    is written here and a problem is logged and returned.
    """
    if not background:
        try:
            export_feed(config, store)
        except (OSError, sqlite3.Error) as exc:
            reason = explain(exc, config.comments.feed, config.comments.feed, config.feed_path)
            detail = str(reason) if reason is not None else str(exc)
            raise CommentError(
                f"the change is saved in the store, but {config.comments.feed} could not be "
                f"rewritten ({detail.removeprefix(config.comments.feed + ': ')}); once that "
                "is fixed, run `salon comments export`"
            ) from None
        run_hook_once(config, store, wait=True)
        return None
    if store.after_change is not None:
        store.after_change()
        return None
    try:
        export_feed(config, store)
    except (CommentError, OSError) as exc:
        log.error("the public feed could not be rewritten: %s", exc)
        return str(exc)
    run_hook_once(config, store, wait=False)
    return None


# -- normalising and checking, once for every caller -----------------------------------


@dataclass(frozen=True)
class Changes:
    """An edit: None leaves a field as it is."""

    body: str | None = None
    author: str | None = None
    website: str | None = None
    by_author: bool | None = None


class InvalidChanges(CommentError):
    """An edit that breaks the comment form's rules; ``errors`` by form field
    (name, website, body), with the form's own messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def clean_body(text: str) -> str:
    """A body as the form stores it: \r\n made \n, control characters dropped, trimmed."""
    return clean_text(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def clean_line(text: str) -> str:
    """A name or website: control and direction characters dropped, spaces collapsed."""
    return clean_text(text, inline=True).strip()


def normalise(changes: Changes) -> Changes:
    return Changes(
        body=None if changes.body is None else clean_body(changes.body),
        author=None if changes.author is None else clean_line(changes.author),
        website=None if changes.website is None else normalise_website(clean_line(changes.website)),
        by_author=changes.by_author,
    )


def problems(changes: Changes) -> dict[str, str]:
    """The form's message for each field that breaks its rules (fields given only)."""
    checks = {
        "name": None if changes.author is None else check_name(changes.author),
        "website": None if changes.website is None else check_website(changes.website),
        "body": None if changes.body is None else check_body(changes.body),
    }
    return {name: message for name, message in checks.items() if message}


# -- the actions -----------------------------------------------------------------------


def _changed_status(
    config: SiteConfig, store: CommentStore, groups: dict[CommentStatus, list[str]], actor: str
) -> list[StoredComment]:
    """Set the statuses and, in the same transaction, queue what the change tells people
    (a newly approved comment: its author's opt-in, its thread's subscribers)."""
    changed: list[StoredComment] = []
    with store.transaction() as db:
        every = [cid for ids in groups.values() for cid in ids]
        was = {cid: c.status for cid in every if (c := store.find(cid))}
        for status, ids in groups.items():
            changed += store.set_status(ids, status, actor)
        notifier = Notifier.of(config, store.secret())
        posts = PostIndex(config.private_dir / "posts.json")
        now = store.clock().timestamp()
        for comment in changed:
            if comment.status is CommentStatus.APPROVED and was.get(comment.id) not in (
                CommentStatus.APPROVED,
                None,
            ):
                notifier.approved(db, comment, posts.find(comment.post), now)
    wake_senders()
    return changed


def set_status(
    config: SiteConfig, store: CommentStore, ids: Sequence[str], status: CommentStatus,
    actor: str, background: bool = False,
) -> Done:  # fmt: skip
    changed = _changed_status(config, store, {status: list(dict.fromkeys(ids))}, actor)
    return Done(tuple(changed), feed_problem=publish(config, store, background))


def restore(
    config: SiteConfig, store: CommentStore, groups: dict[CommentStatus, list[str]], actor: str,
    background: bool = False,
) -> Done:  # fmt: skip
    """Undo: put each comment back in the status it had."""
    changed = _changed_status(config, store, groups, actor)
    return Done(tuple(changed), feed_problem=publish(config, store, background))


def edit(
    config: SiteConfig, store: CommentStore, comment_id: str, changes: Changes, actor: str,
    background: bool = False,
) -> Done:  # fmt: skip
    """Normalise and check the changes, then save those that differ (InvalidChanges if
    one breaks the rules). Nothing is written when nothing differs."""
    changes = normalise(changes)
    errors = problems(changes)
    if errors:
        raise InvalidChanges(errors)
    comment = store.get(comment_id)
    if comment.removed:
        raise CommentError(f"comment {comment.id} was deleted; there is nothing to edit")
    given = {name: getattr(changes, name) for name in ("body", "author", "website", "by_author")}
    differ = {name: value for name, value in given.items()
              if value is not None and getattr(comment, name) != value}  # fmt: skip
    if not differ:
        return Done((comment,))
    edited = store.edit(comment_id, actor, **differ)
    return Done((edited,), tuple(differ), publish(config, store, background))


def delete(
    config: SiteConfig, store: CommentStore, ids: Sequence[str], actor: str,
    background: bool = False,
) -> Done:  # fmt: skip
    """Erase comments, and their authors' addresses from every subscription and the outbox."""
    with store.transaction() as db:
        emails = [c.email for cid in dict.fromkeys(ids) if (c := store.find(cid)) and c.email]
        store.delete(list(dict.fromkeys(ids)), actor)
        forget(db, emails)
    return Done(feed_problem=publish(config, store, background))


def parse_status(text: str) -> CommentStatus:
    try:
        return CommentStatus(text)
    except ValueError:
        choices = ", ".join(s.value for s in CommentStatus)
        raise CommentError(f'unknown status "{text}"; use one of {choices}') from None


def author_website(config: SiteConfig) -> str:
    """The site author's URL as a commenter's website: absolute, or none."""
    url = config.author.url.strip()
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("/") and config.base_url:
        return config.base_url + url
    return ""


def reply(
    config: SiteConfig, store: CommentStore, parent_id: str, body: str, actor: str,
    background: bool = False,
) -> Done:  # fmt: skip
    """The site's author answers a comment: approved at once and marked as the author's."""
    if not config.author.name.strip():
        raise CommentError(
            "site.yaml: author.name is not set; a reply needs the name it is signed with"
        )
    body = clean_body(body)
    if not body:
        raise CommentError("the reply is empty; give its text with --body")
    error = check_body(body)
    if error:
        raise InvalidChanges({"body": error})
    parent = store.get(parent_id)
    if parent.removed:
        raise CommentError(f"comment {parent_id} was deleted; there is nothing to reply to")
    if parent.status is not CommentStatus.APPROVED:
        raise CommentError(
            f"comment {parent_id} is {parent.status.value}; approve it first, so that your "
            "reply has a visible parent"
        )
    now = store.clock()
    comment = StoredComment(
        id=new_comment_id(), post=parent.post, parent=parent.id, author=config.author.name,
        email=config.author.email, website=author_website(config), body=body,
        created=now, status=CommentStatus.APPROVED, by_author=True, moderated_by=actor,
        moderated_at=now,
    )  # fmt: skip
    with store.transaction() as db:
        store.add(comment, actor=actor)
        posts = PostIndex(config.private_dir / "posts.json")
        Notifier.of(config, store.secret()).approved(db, comment, posts.find(comment.post),
                                                      now.timestamp())  # fmt: skip
    wake_senders()
    return Done((comment,), feed_problem=publish(config, store, background))


# -- imports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """A comment from another system: its id there, and its parent's id there."""

    external_id: str
    parent: str | None
    comment: StoredComment  # id and parent are filled in when stored


@dataclass
class ImportResult:
    new: list[StoredComment] = field(default_factory=list)
    seen: int = 0  # already imported before


def import_comments(
    config: SiteConfig, store: CommentStore, source: str, items: Iterable[Imported]
) -> ImportResult:
    """Store imported comments, each at most once, then rewrite the feed and run the hook.

    Text is normalised as the form does (control characters dropped, lines trimmed);
    the form's length limits are not applied: a comment another site published is
    kept whole rather than lost.
    """
    items = tuple(items)
    result = ImportResult()
    ids = {i.external_id: store.imported_id(source, i.external_id) or new_comment_id()
           for i in items}  # fmt: skip
    for item in items:
        c = item.comment
        comment = replace(
            c, id=ids[item.external_id], parent=ids.get(item.parent) if item.parent else None,
            body=clean_body(c.body), author=clean_line(c.author), website=clean_line(c.website),
        )  # fmt: skip
        if store.add_imported(source, item.external_id, comment):
            result.new.append(comment)
        else:
            result.seen += 1
    if result.new or not config.feed_path.exists():  # nothing new: the feed is left untouched
        publish(config, store, background=False)
    return result


def reset_like_count(
    config: SiteConfig, store: CommentStore, post: str, actor: str, background: bool = False
) -> tuple[int, str | None]:
    """Set a post's like count back to zero, recorded in the audit log (under the post's
    key, "likes:KEY"); returns the count it had and why the feed was not rewritten."""
    with store.transaction() as db:
        had = reset_likes(db, post, store.clock())
        if had:
            db.execute(
                "INSERT INTO audit (at, actor, action, comment_id, detail) VALUES (?, ?, ?, ?, ?)",
                (time_text(store.clock()), actor, "reset-likes", f"likes:{post}", f"was {had}"),
            )
    if not had:
        return 0, None
    return had, publish(config, store, background)
