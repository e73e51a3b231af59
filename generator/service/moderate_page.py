"""The moderation page, /moderate: routing, the queue and the lists, the actions, editing.

Plain HTML forms, no script: every control works from the keyboard. Every action
is a POST carrying the session's CSRF token; GET never changes anything. Each
action changes the store, rewrites the public feed, then starts the on_change
hook in the background, through service/actions.py. Everything a reader wrote is
escaped by Jinja's autoescape. Signing in is in moderate_login.py.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from generator.core.errors import CommentError
from generator.core.models import CommentStatus, StoredComment
from generator.service import actions
from generator.service.mail_status import mail_status
from generator.service.moderate_base import (
    ACTOR,
    COOKIE,
    LISTS,
    TEMPLATES,
    ListSpec,
    plural,
    templates,
)
from generator.service.moderate_likes import LikesPage
from generator.service.moderate_login import SignIn
from generator.service.moderate_reply import ReplyPages
from generator.service.sessions import Flash, Session
from generator.service.state import ServiceState

PAGE_SIZE = 100
MAX_FORM_BYTES = 128 * 1024  # an edit of 10,000 non-Latin characters, form-encoded
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

SECURITY_HEADERS = {
    # No script at all, styles only from here, forms only to here, never in a frame.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    # Same-origin keeps the Origin header on our own POSTs, and sends nothing to the
    # websites of commenters that a moderator opens.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
STATUS_OF = {"approve": CommentStatus.APPROVED, "reject": CommentStatus.REJECTED,
             "spam": CommentStatus.SPAM, "pending": CommentStatus.PENDING}  # fmt: skip
DONE = {CommentStatus.APPROVED: "Approved", CommentStatus.REJECTED: "Rejected",
        CommentStatus.SPAM: "Marked as spam",
        CommentStatus.PENDING: "Moved back to the queue"}  # fmt: skip


@dataclass(frozen=True)
class Row:
    """A comment with what the moderator needs to judge it."""

    comment: StoredComment
    post_title: str
    received: str
    moderated: str
    parent_author: str
    parent_words: str
    words: str
    essay_url: str = ""  # the comment on its essay (the essay itself while unpublished)


def opening_words(text: str, count: int = 12, limit: int = 100) -> str:
    words = text.split()
    shown = " ".join(words[:count])
    if len(shown) > limit:
        shown = shown[:limit].rstrip()
    return shown + ("…" if shown != " ".join(words) else "")


class Moderation(ReplyPages):
    """The lists, the actions and editing, behind a session."""

    def __init__(self, state: ServiceState) -> None:
        super().__init__(state, templates())
        self.stylesheet = (TEMPLATES / "moderate.css").read_text(encoding="utf-8")
        self.sign_in = SignIn(state, self.env)
        self.likes = LikesPage(state, self.env)

    # -- plumbing ------------------------------------------------------------------

    def handle(self, request: Request, rest: str) -> Response:
        request.max_content_length = MAX_FORM_BYTES
        response = self._route(request, rest)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def _route(self, request: Request, rest: str) -> Response:
        rest = rest.rstrip("/")
        post = request.method == "POST"
        if rest == "/style.css":
            return Response(self.stylesheet, content_type="text/css; charset=utf-8",
                            headers={"Cache-Control": "max-age=3600"})  # fmt: skip
        if rest == "/login":
            return self.sign_in.login(request) if post else self.sign_in.login_page(request)
        session_id = request.cookies.get(COOKIE)
        session = self.state.sessions.get(session_id, self.state.now())
        if session is None or session_id is None:
            return self._to_login(request, expired=bool(session_id))
        if post:
            refusal = self._check_post(request, session)
            if refusal is not None:
                return refusal
            handlers = {"/logout": self.sign_in.logout, "/act": self.act, "/undo": self.undo,
                        "/delete": self.delete, "/likes/reset": self.likes.reset}  # fmt: skip
            if rest in handlers:
                return handlers[rest](request, session_id, session)
        elif rest == "/likes":
            return self.likes.page(request, session_id, session)
        else:
            for spec in LISTS.values():
                if rest == spec.path:
                    return self.list_page(request, session_id, session, spec)
        if rest.startswith("/reply/"):
            comment = self.repliable(rest[len("/reply/") :])
            if comment is None:
                return self._message(request, session, 404, "Not found",
                                     "There is no such comment, or it was deleted.")  # fmt: skip
            reply = self.send_reply if post else self.reply_page
            return reply(request, session_id, session, comment)
        if rest.startswith("/edit/"):
            comment = self._editable(rest[len("/edit/") :])
            if comment is None:
                return self._message(request, session, 404, "Not found",
                                     "There is no such comment, or it was deleted.")  # fmt: skip
            edit = self.save_edit if post else self.edit_page
            return edit(request, session_id, session, comment)
        return self._message(request, session, 404, "Not found", "There is no such page.")

    def _check_post(self, request: Request, session: Session) -> Response | None:
        if self._from_another_site(request):
            return self._message(
                request, session, 403, "Refused",
                "This action was sent from another site, so it was refused.",
            )  # fmt: skip
        sent = request.form.get("csrf", "").encode()
        if not hmac.compare_digest(sent, session.csrf.encode()):
            return self._message(
                request, session, 403, "Refused",
                "This form is out of date or did not come from this page (its CSRF token "
                "does not match). Reload the page and try again.",
            )  # fmt: skip
        return None

    def _signed_in(self, session_id: str, session: Session, **more: Any) -> dict[str, Any]:
        return {"signed_in": True, "csrf": session.csrf,
                "flash": self.state.sessions.pop_flash(session_id), **more}  # fmt: skip

    def _to_login(self, request: Request, expired: bool) -> Response:
        return self._redirect(request, "/login" + ("?expired=1" if expired else ""))

    def _back(self, request: Request) -> ListSpec:
        name = request.values.get("back", "pending")
        return LISTS.get(name, LISTS["pending"])

    # -- the lists -----------------------------------------------------------------

    def rows(self, comments: Sequence[StoredComment]) -> list[Row]:
        store = self._store()
        rows = []
        for comment in comments:
            post = self.state.posts.find(comment.post)
            parent = store.find(comment.parent) if comment.parent else None
            rows.append(Row(
                comment=comment,
                post_title=post.title if post else comment.post,
                received=self._when(comment.created),
                moderated=self._when(comment.moderated_at),
                parent_author=(parent.author or "(removed)") if parent else "",
                parent_words=(opening_words(parent.body) or "comment removed") if parent else "",
                words=opening_words(comment.body),
                essay_url=self._essay_url(comment, post.url if post else ""),
            ))  # fmt: skip
        return rows

    def _essay_url(self, comment: StoredComment, post_url: str) -> str:
        if not post_url:
            return ""
        url = self.state.config.base_url + post_url
        published = comment.status is CommentStatus.APPROVED and not comment.removed
        return url + f"#comment-{comment.id}" if published else url

    def counts(self) -> dict[str, int]:
        store = self._store()
        return {"pending": store.count(CommentStatus.PENDING),
                "spam": store.count(CommentStatus.SPAM)}  # fmt: skip

    def list_page(
        self, request: Request, session_id: str, session: Session, spec: ListSpec
    ) -> Response:
        store = self._store()
        total = store.count(spec.status)
        pages = max(1, -(-total // PAGE_SIZE))
        # Anything but a number (even "²", which isdigit() accepts) means the first page.
        page = min(max(request.args.get("page", 1, type=int), 1), pages)
        comments = store.list_comments(
            status=spec.status, limit=PAGE_SIZE, newest_first=not spec.oldest_first,
            offset=(page - 1) * PAGE_SIZE,
        )  # fmt: skip
        order = "oldest" if spec.oldest_first else "newest"
        summary = (
            f"{plural(total, 'comment')}."
            if total <= PAGE_SIZE
            else f"{total} comments, {order} first; page {page} of {pages}."
        )
        row_actions = tuple((action, label.rstrip("…")) for action, label in spec.actions)
        return self._render(
            "list.html", request, title=spec.heading, heading=spec.heading, summary=summary,
            rows=self.rows(comments), actions=spec.actions, row_actions=row_actions,
            empty=spec.empty, current=spec.name, counts=self.counts(),
            select_all=request.args.get("all") == "1", page=page, pages=pages,
            mail=mail_status(self.state.config, store, self.state.posts.next_due()),
            **self._signed_in(session_id, session),
        )  # fmt: skip

    # -- actions -------------------------------------------------------------------

    def _ids(self, values: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(v for v in values if _ID.match(v)))

    def _changed(
        self, request: Request, session_id: str, back: ListSpec, message: str, done: actions.Done,
        undo: tuple[tuple[str, str], ...] = (),
    ) -> Response:  # fmt: skip
        """After an action: say what happened, and whether the feed could be rewritten."""
        if done.feed_problem is not None:
            message += f" But the public feed could not be rewritten: {done.feed_problem}"
            self.state.sessions.set_flash(session_id, Flash(message, undo, error=True))
            return self._redirect(request, back.path)
        self.state.sessions.set_flash(session_id, Flash(message, undo))
        return self._redirect(request, back.path)

    def _fail(self, request: Request, session_id: str, back: ListSpec, message: str) -> Response:
        self.state.sessions.set_flash(session_id, Flash(message, error=True))
        return self._redirect(request, back.path)

    def act(self, request: Request, session_id: str, session: Session) -> Response:
        back = self._back(request)
        action, _, one = request.form.get("do", "").partition(":")
        ids = self._ids([one] if one else request.form.getlist("ids"))
        if not ids:
            return self._fail(request, session_id, back, "Select at least one comment first.")
        store = self._store()
        if action == "delete":
            found = [c for c in (store.find(cid) for cid in ids) if c is not None]
            if not found:
                return self._fail(request, session_id, back, "Those comments no longer exist.")
            return self._render(
                "confirm_delete.html", request, title="Delete comments", rows=self.rows(found),
                current=back.name, **self._signed_in(session_id, session),
            )  # fmt: skip
        status = STATUS_OF.get(action)
        if status is None:
            return self._fail(request, session_id, back, "Unknown action.")
        before = []
        for cid in ids:
            comment = store.find(cid)
            if comment is not None:
                before.append((cid, comment.status.value))
        try:
            done = actions.set_status(self.state.config, store, ids, status, ACTOR,
                                      background=True)  # fmt: skip
        except CommentError as exc:
            return self._fail(request, session_id, back, f"Nothing was changed: {exc}.")
        message = f"{DONE[status]}: {plural(len(ids), 'comment')}."
        return self._changed(request, session_id, back, message, done, tuple(before))

    def undo(self, request: Request, session_id: str, session: Session) -> Response:
        back = self._back(request)
        groups: dict[CommentStatus, list[str]] = {}
        for value in request.form.getlist("restore"):
            cid, _, status_text = value.partition(":")
            try:
                status = CommentStatus(status_text)
            except ValueError:
                continue
            if _ID.match(cid):
                groups.setdefault(status, []).append(cid)
        if not groups:
            return self._fail(request, session_id, back, "There is nothing to undo.")
        try:
            done = actions.restore(self.state.config, self._store(), groups, ACTOR,
                                   background=True)  # fmt: skip
        except CommentError as exc:
            return self._fail(request, session_id, back, f"Could not undo: {exc}.")
        count = sum(len(ids) for ids in groups.values())
        message = f"Undone: {plural(count, 'comment')} back as before."
        return self._changed(request, session_id, back, message, done)

    def delete(self, request: Request, session_id: str, session: Session) -> Response:
        back = self._back(request)
        ids = self._ids(request.form.getlist("ids"))
        if not ids:
            return self._fail(request, session_id, back, "Select at least one comment first.")
        try:
            done = actions.delete(self.state.config, self._store(), ids, ACTOR, background=True)
        except CommentError as exc:
            return self._fail(request, session_id, back, f"Nothing was deleted: {exc}.")
        return self._changed(request, session_id, back,
                             f"Deleted for good: {plural(len(ids), 'comment')}.", done)  # fmt: skip

    # -- editing -------------------------------------------------------------------

    def _editable(self, comment_id: str) -> StoredComment | None:
        comment = self._store().find(comment_id) if _ID.match(comment_id) else None
        return comment if comment is not None and not comment.removed else None

    def _edit_form(
        self, request: Request, session_id: str, session: Session, comment: StoredComment,
        form: Mapping[str, Any], errors: Mapping[str, str], status: int = 200,
    ) -> Response:  # fmt: skip
        post = self.state.posts.find(comment.post)
        return self._render(
            "edit.html", request, status, title="Edit a comment", comment=comment,
            post_title=post.title if post else comment.post, received=self._when(comment.created),
            form=form, errors=errors, current=self._back(request).name,
            **self._signed_in(session_id, session),
        )  # fmt: skip

    def edit_page(
        self, request: Request, session_id: str, session: Session, comment: StoredComment
    ) -> Response:
        form = {"name": comment.author, "website": comment.website, "body": comment.body,
                "by_author": comment.by_author}  # fmt: skip
        return self._edit_form(request, session_id, session, comment, form, {})

    def save_edit(
        self, request: Request, session_id: str, session: Session, comment: StoredComment
    ) -> Response:
        changes = actions.Changes(
            body=request.form.get("body", ""), author=request.form.get("name", ""),
            website=request.form.get("website", ""),
            by_author=request.form.get("by_author") == "1",
        )  # fmt: skip
        try:
            done = actions.edit(self.state.config, self._store(), comment.id, changes, ACTOR,
                                background=True)  # fmt: skip
        except actions.InvalidChanges as exc:
            shown = actions.normalise(changes)
            form = {"name": shown.author, "website": shown.website, "body": shown.body,
                    "by_author": shown.by_author}  # fmt: skip
            return self._edit_form(request, session_id, session, comment, form, exc.errors, 400)
        except CommentError as exc:
            return self._fail(request, session_id, self._back(request), f"Not saved: {exc}.")
        return self._changed(request, session_id, self._back(request),
                             f"Saved your changes to the comment by {done.comments[0].author}.",
                             done)  # fmt: skip
