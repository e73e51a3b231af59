"""Likes in: POST <endpoint>/like (a plain form, or JSON from salon.js), and the
thank-you page GET <endpoint>/liked that a form post is sent on to.

The checks, in order: origin (sent from the site), rate limit (per network, on every
essay together), the essay (exists, likes on), the form token when one is sent (salon.js
sends one; a plain form has none and relies on the rest: a like is only a count), then
the de-duplication of likes.record_like. Counts reach the public feed coalesced
(LikeExporter): one feed rewrite and one hook run for a burst of likes, not one each.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from generator.contract.posts_manifest import ManifestError
from generator.core.config import SiteConfig
from generator.service.actions import open_store, publish_quietly
from generator.service.intake import allowed_origins, cors_headers, handle_preflight
from generator.service.likes import like_day, like_mark, record_like
from generator.service.ratelimit import Limit, RateLimiter
from generator.service.state import ServiceState
from generator.service.tokens import Signer, TokenCheck
from generator.service.web import (
    client_address,
    html_response,
    is_allowed_origin,
    json_response,
    no_store,
    rate_key,
    request_origin,
    wants_json,
)

log = logging.getLogger("salon.service")
MAX_LIKE_BYTES = 4096
FOREIGN = "This like was sent from another site, so it was refused."


class LikeExporter:
    """Puts like counts into the public feed at most once per ``seconds``.

    The first like after a quiet spell schedules an export; the likes that follow
    within the window ride along with it. ``seconds`` 0 exports at once.
    """

    def __init__(self, config: SiteConfig, seconds: float) -> None:
        self.config = config
        self.seconds = seconds
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.exports = 0  # how many times the feed was rewritten for likes (for tests)

    def changed(self) -> None:
        if self.seconds <= 0:
            self._export()
            return
        with self._lock:
            if self._timer is not None:
                return
            self._timer = threading.Timer(self.seconds, self._export)
            self._timer.daemon = True
            self._timer.start()

    def _export(self) -> None:
        with self._lock:
            self._timer = None
        # Its own connection: the timer runs on a thread of its own.
        try:
            store = open_store(self.config)
        except Exception as exc:  # the counts are saved; the next export takes them
            log.error("like counts could not be exported: %s", exc)
            return
        try:
            publish_quietly(self.config, store)
            self.exports += 1
        finally:
            store.close()

    def flush(self) -> None:
        """Export now if an export is waiting (the service is stopping)."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            self._export()


class LikeDesk:
    """What the like handlers share: the token check, the limits, the exporter."""

    def __init__(self, config: SiteConfig, signer: Signer, max_token_age: float) -> None:
        rules = config.engagement.likes
        self.signer = signer
        self.max_token_age = max_token_age
        self.limits = RateLimiter(
            [Limit(rules.rate_per_minute, 60), Limit(rules.rate_per_hour, 3600)]
        )
        self.exporter = LikeExporter(config, rules.export_seconds)


def _answer(
    state: ServiceState, as_json: bool, status: int, message: str, headers: dict[str, str]
) -> Response:
    if as_json:
        return no_store(json_response({"error": message}, status, headers))
    html = state.pages.render(
        "liked.html", "Your like was not counted", state.endpoint + "/liked",
        entry=None, notices=[message], counted=False,
    )  # fmt: skip
    return no_store(html_response(html, status, headers))


def _fields(request: Request) -> dict[str, str]:
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
    return {k: v for k, v in request.form.items()}


def handle_like(state: ServiceState, request: Request) -> Response:
    if request.method == "OPTIONS":
        return handle_preflight(state, request)
    headers = cors_headers(state, request)
    as_json = wants_json(request)
    desk = state.likes
    if not state.config.engagement.likes.enabled:
        return _answer(state, as_json, 403, "Likes are turned off on this site.", headers)
    if (request.content_length or 0) > MAX_LIKE_BYTES:
        return _answer(state, as_json, 413, "A like is a few bytes; this was far more.", headers)
    origin = request_origin(request)
    if (request.mimetype != "application/json" or origin is not None) and not is_allowed_origin(
        origin, allowed_origins(state, request)
    ):
        return _answer(state, as_json, 403, FOREIGN, headers)
    now = state.now()
    address = client_address(request)
    wait = desk.limits.hit(rate_key(address), now)
    if wait is not None:
        headers["Retry-After"] = str(wait)
        message = f"Too many likes from your network just now: please wait {wait} seconds."
        return _answer(state, as_json, 429, message, headers)
    fields = _fields(request)
    key = fields.get("post", "")
    try:
        post = state.posts.posts().get(key) if key else None
    except ManifestError as exc:
        return _answer(state, as_json, 503, f"Likes cannot be taken yet: {exc}.", headers)
    if post is None:
        return _answer(state, as_json, 400, "There is no such essay on this site.", headers)
    if not post.likes:
        return _answer(state, as_json, 403, f"Likes are turned off on “{post.title}”.", headers)
    token = fields.get("token", "")
    if token:
        verdict = desk.signer.open(token, post.key, now)
        if verdict.check is not TokenCheck.VALID or verdict.age > desk.max_token_age:
            message = "This page is too old to like from: please reload it and like again."
            return _answer(state, as_json, 400, message, headers)

    moment = datetime.fromtimestamp(now, UTC)
    store = state.stores.get()
    mark = like_mark(store.secret(), address, post.key, like_day(moment, state.config.tz))
    with store.transaction() as db:
        counted = record_like(db, mark, post.key, like_day(moment, state.config.tz), moment)
    if counted:
        desk.exporter.changed()
    log.info("like on %s: %s", post.key, "counted" if counted else "already counted today")
    if as_json:
        return no_store(json_response({"counted": counted}, 200, headers))
    thanks = f"{request.script_root}{state.endpoint}/liked?post={quote(post.key, safe='')}"
    return Response(status=303, headers={"Location": thanks + ("&counted=1" if counted else ""),
                                         **headers})  # fmt: skip


def handle_liked(state: ServiceState, request: Request) -> Response:
    from generator.service.reader_pages import FormEntry

    post = state.posts.find(request.args.get("post", ""))
    entry = FormEntry(post.key, post.title, post.url) if post else None
    html = state.pages.render(
        "liked.html", "Thank you", state.endpoint + "/liked",
        entry=entry, counted=request.args.get("counted") == "1", notices=[],
    )  # fmt: skip
    return no_store(html_response(html))
