"""/moderate/reply/ID: the site's author answers a comment from the moderation page.

The reply goes through service/actions.py like every other change (approved at once,
signed with author.name, marked as the author's, the feed rewritten, the hook started).
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from generator.core.errors import CommentError
from generator.core.models import CommentStatus, StoredComment
from generator.service import actions
from generator.service.moderate_base import ACTOR, LISTS, ListSpec, ModerationPage
from generator.service.sessions import Flash, Session

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ReplyPages(ModerationPage):
    """The reply form and what sending it does; mixed into the moderation page."""

    def _back_list(self, request: Request) -> ListSpec:
        return LISTS.get(request.values.get("back", "approved"), LISTS["approved"])

    def repliable(self, comment_id: str) -> StoredComment | None:
        comment = self._store().find(comment_id) if _ID.match(comment_id) else None
        return comment if comment is not None and not comment.removed else None

    def reply_page(
        self, request: Request, session_id: str, session: Session, comment: StoredComment,
        body: str = "", error: str = "", status: int = 200,
    ) -> Response:  # fmt: skip
        post = self.state.posts.find(comment.post)
        return self._render(
            "reply.html", request, status, title="Reply to a comment", comment=comment,
            post_title=post.title if post else comment.post, received=self._when(comment.created),
            body=body, error=error, author_name=self.state.config.author.name,
            approved=comment.status is CommentStatus.APPROVED,
            current=self._back_list(request).name, **self._session_values(session_id, session),
        )  # fmt: skip

    def send_reply(
        self, request: Request, session_id: str, session: Session, comment: StoredComment
    ) -> Response:
        body = request.form.get("body", "")
        try:
            done = actions.reply(self.state.config, self._store(), comment.id, body, ACTOR,
                                 background=True)  # fmt: skip
        except actions.InvalidChanges as exc:
            message = next(iter(exc.errors.values()), "The reply cannot be sent as it is.")
            return self.reply_page(request, session_id, session, comment, body, message, 400)
        except CommentError as exc:
            text = str(exc)
            if text.startswith("the reply is empty"):
                text = "The reply is empty: write something first."
            return self.reply_page(request, session_id, session, comment, body, text, 400)
        message = f"Replied to {comment.author} as {done.comments[0].author}; it is published."
        if done.feed_problem is not None:
            message += f" But the public feed could not be rewritten: {done.feed_problem}"
        self.state.sessions.set_flash(
            session_id, Flash(message, error=done.feed_problem is not None)
        )
        return self._redirect(request, self._back_list(request).path)

    def _session_values(self, session_id: str, session: Session) -> dict[str, Any]:
        return {"signed_in": True, "csrf": session.csrf,
                "flash": self.state.sessions.pop_flash(session_id)}  # fmt: skip
