"""The comment service as one WSGI application: ``create_app(config)``.

Routes (the endpoint path comes from comments.endpoint, /api/comments by default):

    POST    <endpoint>          a reader's comment (HTML form or JSON)
    GET     <endpoint>/token    {"token": …}: the signed form token salon.js fills in
    GET     <endpoint>/thanks   the thank-you page a form post is sent on to
    POST    <endpoint>/like     a reader's like (HTML form or JSON)
    GET     <endpoint>/liked    the thank-you page a like's form post is sent on to
    GET     <endpoint>/search   the site search without JavaScript (?q=…&page=N)
    GET     /health             {"status": "ok", …}
    GET/POST /moderate…         the moderation page

It routes on the full path, so it works served alone by waitress and mounted at the
root of a combined server (`salon serve`) alike.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Request, Response

from generator.contract.posts_manifest import ManifestError
from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.core.urls import is_under
from generator.service.actions import open_store
from generator.service.intake import handle_intake, handle_thanks, handle_token
from generator.service.like_intake import handle_like, handle_liked
from generator.service.mail_pages import (
    handle_follow,
    handle_moderator_link,
    handle_reader_link,
)
from generator.service.moderate_page import Moderation
from generator.service.outbox_worker import OutboxWorker
from generator.service.search_page import handle_search
from generator.service.state import ServiceState
from generator.service.store_backend import StoreUnavailable
from generator.service.store_files import RETRY_AFTER_SECONDS, explain, unwritable_reason
from generator.service.web import json_response, no_store, text_response, wants_json

log = logging.getLogger("salon.service")
Handler = Callable[[ServiceState, Request], Response]


class CommentService:
    """The WSGI callable. One instance serves every thread of the server."""

    mail: OutboxWorker | None = None

    def __init__(self, state: ServiceState) -> None:
        self.state = state
        self.moderation = Moderation(state)
        endpoint = state.endpoint
        # path -> (methods, handler)
        self.routes: dict[str, tuple[frozenset[str], Handler]] = {
            endpoint: (frozenset({"POST", "OPTIONS"}), handle_intake),
            endpoint + "/token": (frozenset({"GET", "HEAD", "OPTIONS"}), handle_token),
            endpoint + "/thanks": (frozenset({"GET", "HEAD"}), handle_thanks),
            endpoint + "/like": (frozenset({"POST", "OPTIONS"}), handle_like),
            endpoint + "/liked": (frozenset({"GET", "HEAD"}), handle_liked),
            endpoint + "/search": (frozenset({"GET", "HEAD"}), handle_search),
            endpoint + "/email": (frozenset({"GET", "HEAD", "POST"}), handle_reader_link),
            endpoint + "/follow": (frozenset({"GET", "POST"}), handle_follow),
            "/moderate/mail": (frozenset({"GET", "HEAD", "POST"}), handle_moderator_link),
            "/health": (frozenset({"GET", "HEAD"}), health),
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # A site under a sub-path (base_url https://example.org/blog/) names its endpoint
        # with the path (/blog/api/comments), and a proxy may pass it on as it is: the
        # routes answer there too, the path as the script's root, which the addresses
        # the service answers with keep.
        base, path = self.state.config.base_path, environ.get("PATH_INFO", "")
        if base and is_under(path, base) and not self._answers(path):
            script = environ.get("SCRIPT_NAME", "") + base
            environ = {**environ, "PATH_INFO": path[len(base) :] or "/", "SCRIPT_NAME": script}
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except HTTPException as exc:  # raised by Werkzeug itself, e.g. a form too large
            response = text_response(exc.description or exc.name, exc.code or 400)
        except (sqlite3.Error, OSError, CommentError) as exc:
            if isinstance(exc, StoreUnavailable):  # a connection that failed is not used again
                self.state.stores.discard()
            response = self.unavailable(request, exc)
        except Exception:
            # A bug, never a reader's doing: logged in full, answered without details.
            log.exception("internal error on %s %s", request.method, request.path)
            response = text_response("The comment service hit an internal error.", 500)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response(environ, start_response)

    def unavailable(self, request: Request, exc: Exception) -> Response:
        """The store cannot work (disk full, read-only, damaged): 503, never 500.

        The reader's text is not kept, so the answer says to try again later; the log
        says what is wrong, for whoever runs the service.
        """
        config = self.state.config
        problem = exc if isinstance(exc, CommentError) else None
        if problem is None:
            problem = explain(exc, config.comments.store, config.comments.feed, config.store_path)
        if problem is None:
            log.exception("internal error on %s %s", request.method, request.path)
            return text_response("The comment service hit an internal error.", 500)
        log.error("%s %s: the comment store cannot work: %s", request.method, request.path,
                  problem)  # fmt: skip
        message = (
            "The comment service cannot save anything right now (its storage is unavailable). "
            "Nothing was saved; please try again in a few minutes."
        )
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
        if wants_json(request):
            return json_response({"error": message}, 503, headers)
        return text_response(message, 503, headers)

    def _answers(self, path: str) -> bool:
        """Whether ``path`` is one of the routes as it is (a base path of /api, say, is not
        taken off /api/comments a second time)."""
        return path in self.routes or is_under(path, "/moderate")

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if is_under(path, "/moderate") and path != "/moderate/mail":
            return self.moderation.handle(request, path[len("/moderate") :])
        route = self.routes.get(path.rstrip("/") or "/")
        if route is None:
            return _answer(request, 404, "There is nothing here.")
        methods, handler = route
        if request.method not in methods:
            response = _answer(request, 405, f"Use {' or '.join(sorted(methods))} here.")
            response.headers["Allow"] = ", ".join(sorted(methods))
            return response
        return handler(self.state, request)


def _answer(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return json_response({"error": message}, status)
    return text_response(message, status)


def health(state: ServiceState, request: Request) -> Response:
    """Up, and can it take comments? 200 when the store answers; the manifest's state
    is reported but does not fail the check (the site may simply not be built yet)."""
    try:
        state.stores.get().db.execute("SELECT 1").fetchone()
    except Exception as exc:
        log.error("health: the store does not answer: %s", exc)
        return json_response({"status": "error", "store": "not answering"}, 503)
    # Answering is not enough: a full disk or a read-only folder fails every write.
    unwritable = unwritable_reason(state.config.store_path)
    if unwritable is not None:
        log.error("health: the store cannot be written: %s", unwritable)
        return no_store(
            json_response(
                {"status": "error", "store": f"unwritable: {unwritable}"},
                503,
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        )
    try:
        posts: int | str = len(state.posts.posts())
    except ManifestError as exc:
        posts = str(exc)
    answer: dict[str, object] = {"status": "ok", "store": "ok", "posts": posts}
    if state.posts.next_due():
        answer["next_essay_due"] = state.posts.next_due()  # a build must run then
    return no_store(json_response(answer))


def create_app(
    config: SiteConfig, *, now: Callable[[], float] | None = None,
    after_change: Callable[[], None] | None = None,
) -> WSGIApplication:  # fmt: skip
    """The comment service for the site ``config`` describes.

    ``now`` replaces the clock (seconds since the epoch) in tests: form token ages,
    rate limits, session expiry and the time stamped on comments all follow it.
    ``after_change`` (the server's publisher) is told of each saved change, to export
    the feed and run the hook in the background; without it they run in the request.
    """
    state = ServiceState.create(config, now or time.time, after_change)
    service = CommentService(state)
    # The sender of queued mail (only when email or a webhook is set up).
    service.mail = OutboxWorker(
        config, lambda: open_store(config, clock=state.stores.now), now or time.time
    )
    service.mail.start()
    proxies = config.comments.service.trusted_proxies
    if proxies > 0:
        # Only then are X-Forwarded-For/-Proto/-Host believed, and only as many hops
        # as configured: the address each trusted proxy saw, counted from the right.
        return ProxyFix(service, x_for=proxies, x_proto=proxies, x_host=proxies)
    return service


def finish(app: WSGIApplication) -> None:
    """Before the process stops: write what is still waiting (like counts to export)."""
    service = app.app if isinstance(app, ProxyFix) else app
    if isinstance(service, CommentService):
        service.state.likes.exporter.flush()


def mail_worker(app: WSGIApplication) -> OutboxWorker | None:
    """The outbox sender of an app create_app made (under ProxyFix or not)."""
    service = app.app if isinstance(app, ProxyFix) else app
    return service.mail if isinstance(service, CommentService) else None
