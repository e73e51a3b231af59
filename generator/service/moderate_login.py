"""Signing in to /moderate and out: the password, its throttle, the session cookie."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from werkzeug.wrappers import Request, Response

from generator.service.moderate_base import COOKIE, ModerationPage, plural
from generator.service.passwords import PASSWORD_SETTING, verify_password
from generator.service.sessions import Session
from generator.service.state import LOGIN_FORM_SECONDS
from generator.service.tokens import TokenCheck
from generator.service.web import client_address, rate_key

log = logging.getLogger("salon.service")


class SignIn(ModerationPage):
    """The login form (a signed, two-hour token), wrong passwords counted per address."""

    def login_page(
        self, request: Request, status: int = 200, message: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Response:  # fmt: skip
        now = self.state.now()
        if not message and self.state.sessions.get(request.cookies.get(COOKIE), now):
            return self._redirect(request, "")
        can_log_in = True
        if self._store().setting(PASSWORD_SETTING) is None:
            status, can_log_in = 503, False
            message = ("No moderator password is set yet. On the server, in the site's folder, "
                       "run `salon comments set-password`.")  # fmt: skip
        elif not message and request.args.get("expired"):
            message = "Your session has ended. Please log in again."
        response = self._render(
            "login.html", request, status, title="Log in", message=message,
            can_log_in=can_log_in, login_token=self.state.login_tokens.issue("login", now),
        )  # fmt: skip
        response.headers.update(headers or {})
        return response

    def login(self, request: Request) -> Response:
        now = self.state.now()
        key = rate_key(client_address(request))
        wait = self.state.login_limits.retry_after(key, now)
        if wait is not None:
            return self._throttled(request, wait)
        if self._from_another_site(request):
            return self.login_page(request, 403, "This login was sent from another site.")
        verdict = self.state.login_tokens.open(request.form.get("csrf", ""), "login", now)
        if verdict.check is not TokenCheck.VALID or verdict.age > LOGIN_FORM_SECONDS:
            return self.login_page(
                request, 400, "The login form was out of date. Please enter the password again."
            )
        stored = self._store().setting(PASSWORD_SETTING)
        if stored is None:
            return self.login_page(request)
        # Every attempt is counted before the password is checked, in one atomic step
        # across threads and instances: 64 guesses sent at once get no more checks than
        # the limit. A right password takes the count back.
        wait = self.state.login_limits.hit(key, now)
        if wait is not None:
            return self._throttled(request, wait)
        if not verify_password(request.form.get("password", "")[:1024], stored):
            log.warning("moderation: wrong password from %s", key)
            return self.login_page(request, 403, "That password is not right.")
        self.state.login_limits.reset(key)
        session_id, _ = self.state.sessions.create(now)
        response = self._redirect(request, "")
        response.set_cookie(
            COOKIE, session_id, max_age=int(self.state.sessions.lifetime),
            path=self.root(request), secure=request.scheme == "https", httponly=True,
            samesite="Strict",
        )  # fmt: skip
        return response

    def _throttled(self, request: Request, wait: int) -> Response:
        minutes = max(1, round(wait / 60))
        return self.login_page(
            request, 429,
            f"Too many wrong passwords from your address. Try again in "
            f"{plural(minutes, 'minute')}.",
            {"Retry-After": str(wait)},
        )  # fmt: skip

    def logout(self, request: Request, session_id: str, session: Session) -> Response:
        self.state.sessions.end(session_id)
        response = self._redirect(request, "/login")
        response.delete_cookie(COOKIE, path=self.root(request), secure=request.scheme == "https",
                               httponly=True, samesite="Strict")  # fmt: skip
        return response
