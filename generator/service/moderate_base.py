"""What every page of /moderate shares: its templates, its lists, rendering and redirects.

The pages themselves: moderate_login.py (signing in and out) and moderate_page.py (the
lists, the actions, editing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from werkzeug.wrappers import Request, Response

from generator.contract.comment_html import render_comment_body
from generator.core.models import CommentStatus
from generator.service.sessions import Session
from generator.service.state import ServiceState
from generator.service.store import CommentStore
from generator.service.web import html_response, is_allowed_origin, own_origin, request_origin

TEMPLATES = Path(__file__).parent / "templates"
COOKIE = "salon_moderator"
ACTOR = "moderator (web)"


# Settings where the publisher and the hook keep their last failure ("" once fixed).
PUBLISH_PROBLEMS = (
    ("The public feed could not be rewritten", "feed_problem"),
    ("The comments.on_change command failed", "hook_problem"),
)


@dataclass(frozen=True)
class ListSpec:
    name: str
    path: str  # under /moderate
    label: str
    heading: str
    status: CommentStatus
    oldest_first: bool
    actions: tuple[tuple[str, str], ...]
    empty: str


DELETE = ("delete", "Delete…")
LISTS: dict[str, ListSpec] = {
    spec.name: spec
    for spec in (
        ListSpec("pending", "", "Queue", "Comments awaiting moderation", CommentStatus.PENDING,
                 True, (("approve", "Approve"), ("reject", "Reject"), ("spam", "Spam"), DELETE),
                 "Nothing is waiting: the queue is empty."),
        ListSpec("approved", "/approved", "Approved", "Approved comments", CommentStatus.APPROVED,
                 False, (("pending", "Back to queue"), ("reject", "Reject"), ("spam", "Spam"),
                         DELETE), "No approved comments yet."),
        ListSpec("spam", "/spam", "Spam", "Spam", CommentStatus.SPAM, False,
                 (("pending", "Not spam: to queue"), ("approve", "Approve"), DELETE),
                 "No spam. Nothing to look at here."),
        ListSpec("rejected", "/rejected", "Rejected", "Rejected comments",
                 CommentStatus.REJECTED, False,
                 (("pending", "Back to queue"), ("approve", "Approve"), DELETE),
                 "No rejected comments."),
    )
}  # fmt: skip


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # A body as readers see it on the site: Markdown without HTML, then sanitised.
    env.globals["comment_html"] = render_comment_body
    return env


class ModerationPage:
    def __init__(self, state: ServiceState, env: jinja2.Environment) -> None:
        self.state = state
        self.env = env

    def root(self, request: Request) -> str:
        return f"{request.script_root}/moderate"

    def _from_another_site(self, request: Request) -> bool:
        """True if the browser names an origin, and it is neither the site's nor ours."""
        origin = request_origin(request)
        return origin is not None and not is_allowed_origin(
            origin, {self.state.site_origin, own_origin(request)}
        )

    def _render(
        self, template: str, request: Request, status: int = 200, **context: Any
    ) -> Response:
        base = {
            "language": self.state.config.language, "site_title": self.state.config.title,
            "root": self.root(request), "signed_in": False, "lists": [
                (spec.name, spec.label) for spec in LISTS.values()],
            "list_paths": {spec.name: spec.path for spec in LISTS.values()},
            "current": "pending", "csrf": "", "flash": None, "publish_problems": [],
        }  # fmt: skip
        if context.get("signed_in"):
            # What went wrong in the background (the feed's export, the on_change hook),
            # kept in the store by whichever instance ran it.
            store = self._store()
            base["publish_problems"] = [
                f"{label}: {text}" for label, key in PUBLISH_PROBLEMS
                if (text := store.setting(key))
            ]  # fmt: skip
        html = self.env.get_template(template).render({**base, **context})
        return html_response(html, status)

    def _message(
        self, request: Request, session: Session | None, status: int, title: str, message: str
    ) -> Response:
        context: dict[str, Any] = {"title": title, "message": message}
        if session is not None:
            context.update(signed_in=True, csrf=session.csrf)
        return self._render("message.html", request, status, **context)

    def _redirect(self, request: Request, path: str) -> Response:
        return Response(status=303, headers={"Location": self.root(request) + path})

    def _when(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self.state.config.tz).strftime("%-d %b %Y, %H:%M")

    def _store(self) -> CommentStore:
        return self.state.stores.get()
