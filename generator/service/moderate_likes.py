"""/moderate/likes: each essay's like count, and a reset (through service/actions.py,
so it is recorded, exported and followed by the hook like every other change)."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from generator.service import actions
from generator.service.likes import like_counts
from generator.service.moderate_base import ACTOR, ModerationPage, plural
from generator.service.sessions import Flash, Session


@dataclass(frozen=True)
class LikeRow:
    key: str
    title: str
    url: str
    count: int


class LikesPage(ModerationPage):
    def rows(self) -> list[LikeRow]:
        counts = like_counts(self._store().db)
        rows = []
        for key, count in counts.items():
            post = self.state.posts.find(key)
            rows.append(LikeRow(key, post.title if post else key, post.url if post else "", count))
        return sorted(rows, key=lambda row: (-row.count, row.title))

    def page(self, request: Request, session_id: str, session: Session) -> Response:
        rows = self.rows()
        total = sum(row.count for row in rows)
        summary = f"{plural(total, 'like')} on {plural(len(rows), 'essay')}." if rows else ""
        return self._render(
            "likes.html", request, title="Likes", rows=rows, summary=summary, current="likes",
            signed_in=True, csrf=session.csrf, flash=self.state.sessions.pop_flash(session_id),
            enabled=self.state.config.engagement.likes.enabled,
        )  # fmt: skip

    def reset(self, request: Request, session_id: str, session: Session) -> Response:
        key = request.form.get("post", "")
        had, problem = actions.reset_like_count(
            self.state.config, self._store(), key, ACTOR, background=True
        )
        post = self.state.posts.find(key)
        title = post.title if post else key
        if not had:
            flash = Flash(f"“{title}” has no likes to reset.", error=True)
        elif problem is not None:
            flash = Flash(f"Reset the likes of “{title}” (it had {had}). But the public feed "
                          f"could not be rewritten: {problem}", error=True)  # fmt: skip
        else:
            flash = Flash(f"Reset the likes of “{title}” (it had {had}).")
        self.state.sessions.set_flash(session_id, flash)
        return self._redirect(request, "/likes")
