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
from datetime import UTC, datetime
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from generator.contract.posts_manifest import ManifestError
from generator.service.intake import allowed_origins, cors_headers, handle_preflight
from generator.service.likes import like_day, like_mark, record_like
from generator.service.reader_pages import FormEntry
from generator.service.state import ServiceState
from generator.service.tokens import TokenCheck
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
    request.max_content_length = MAX_LIKE_BYTES  # also without a Content-Length
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
    day = like_day(moment, state.config.tz)
    mark = like_mark(desk.mark_key, address, post.key, day)
    with store.transaction() as db:
        counted = record_like(db, mark, post.key, day, moment)
    if counted:
        desk.exporter.changed()
    log.info("like on %s: %s", post.key, "counted" if counted else "already counted today")
    if as_json:
        return no_store(json_response({"counted": counted}, 200, headers))
    thanks = f"{request.script_root}{state.endpoint}/liked?post={quote(post.key, safe='')}"
    return Response(status=303, headers={"Location": thanks + ("&counted=1" if counted else ""),
                                         **headers})  # fmt: skip


def handle_liked(state: ServiceState, request: Request) -> Response:
    post = state.posts.find(request.args.get("post", ""))
    entry = FormEntry(post.key, post.title, post.url) if post else None
    html = state.pages.render(
        "liked.html", "Thank you", state.endpoint + "/liked",
        entry=entry, counted=request.args.get("counted") == "1", notices=[],
    )  # fmt: skip
    return no_store(html_response(html))
