"""Readers' comments in: POST <endpoint> (form or JSON), GET <endpoint>/token,
GET <endpoint>/thanks.

The order of checks: size, content type and UTF-8 (the request is readable), origin
(it was sent from the site), rate limit, the fields, the post and the parent, then
under one lock the duplicate check and the store. A form post gets a page of the
theme; a JSON post gets JSON. Nothing a reader typed is lost on the way back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from generator.contract.feed import clean_text
from generator.contract.posts_manifest import ManifestError, PostInfo
from generator.core.models import CommentStatus, StoredComment
from generator.service.actions import publish
from generator.service.addresses import truncate_ip
from generator.service.outbox import wake_senders
from generator.service.reader_pages import FormEntry
from generator.service.spam import assess
from generator.service.state import ServiceState
from generator.service.store import CommentStore, new_comment_id
from generator.service.store_schema import body_hash
from generator.service.subscribers import Scope
from generator.service.tokens import TokenCheck
from generator.service.validation import (
    MAX_REQUEST_BYTES,
    RequestProblem,
    Submission,
    decode_body,
    read_submission,
)
from generator.service.web import (
    client_address,
    html_response,
    is_allowed_origin,
    json_response,
    no_store,
    own_origin,
    rate_key,
    request_origin,
    wants_json,
)

log = logging.getLogger("salon.service")
USER_AGENT_MAX = 400
# Field errors shown beside their input; the others are shown above the form.
INPUT_FIELDS = ("name", "email", "website", "body", "notify")


@dataclass(frozen=True)
class Answer:
    """How to answer one intake request: JSON or a page of the theme."""

    state: ServiceState
    as_json: bool
    submission: Submission | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def _headers(self, more: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**self.extra_headers, **(more or {})}

    def problem(
        self, status: int, message: str, headers: Mapping[str, str] | None = None,
        show_form: bool = True,
    ) -> Response:  # fmt: skip
        """The request as a whole was refused (not one field)."""
        if self.as_json:
            return json_response({"error": message}, status, self._headers(headers))
        return self._page(status, [message], {}, headers, show_form)

    def invalid(self, errors: Mapping[str, str]) -> Response:
        if self.as_json:
            return json_response({"errors": dict(errors)}, 400, self._headers())
        notices = [message for name, message in errors.items() if name not in INPUT_FIELDS]
        by_field = {name: message for name, message in errors.items() if name in INPUT_FIELDS}
        return self._page(400, notices, by_field, None, show_form="post" not in errors,
                          clear_parent="parent" in errors)  # fmt: skip

    def _token_for_retry(self, submitted: str, post: str) -> str:
        """The token the corrected form is sent with.

        A good token is kept, so its clock still runs from when the essay was opened and
        a reader who fixes a typo quickly is not taken for a script; no token stays none
        (the comment is held for moderation as before); a forged or stale one is replaced.
        """
        check = self.state.form_tokens.check(submitted, post, self.state.now()).check
        if check in (TokenCheck.VALID, TokenCheck.TOO_FAST, TokenCheck.MISSING):
            return submitted
        return self.state.form_tokens.issue(post, self.state.now())

    def _page(
        self, status: int, notices: list[str], errors: Mapping[str, str],
        headers: Mapping[str, str] | None, show_form: bool, clear_parent: bool = False,
    ) -> Response:  # fmt: skip
        form = self.submission.as_form() if self.submission else {}
        if clear_parent:  # sent again, it becomes a new comment rather than failing again
            form["parent"] = ""
        post = self.state.posts.find(form.get("post", ""))
        entry = None
        if post is not None:
            entry = FormEntry(post.key, post.title, post.url, comments_open=post.open)
            form["token"] = self._token_for_retry(form.get("token", ""), post.key)
        html = self.state.pages.render(
            "comment_error.html", "Your comment was not sent yet", self.state.endpoint,
            entry=entry, form=form, errors=dict(errors), notices=notices,
            show_form=show_form and post is not None and post.open,
        )  # fmt: skip
        return no_store(html_response(html, status, self._headers(headers)))


def cors_headers(state: ServiceState, request: Request) -> dict[str, str]:
    """Access-Control-Allow-Origin for the site's own origin, and for nothing else."""
    headers = {"Vary": "Origin"}
    origin = request.headers.get("Origin")
    if origin and state.site_origin and request_origin(request) == state.site_origin:
        headers["Access-Control-Allow-Origin"] = state.site_origin
    return headers


def handle_preflight(state: ServiceState, request: Request) -> Response:
    headers = cors_headers(state, request)
    if "Access-Control-Allow-Origin" not in headers:
        return json_response(
            {"error": f"Cross-origin requests are answered only for {state.site_origin}."},
            403,
            headers,
        )
    headers.update({
        "Access-Control-Allow-Methods": "POST, GET",
        "Access-Control-Allow-Headers": "Content-Type, Accept",
        "Access-Control-Max-Age": "600",
    })  # fmt: skip
    return Response(status=204, headers=headers)


def allowed_origins(state: ServiceState, request: Request) -> set[str | None]:
    """The site's origin, and the origin the service itself was reached on (the dev
    server, or the service on its own host with the form posted from its own pages)."""
    return {state.site_origin, own_origin(request)}


TOO_LARGE = (
    f"The comment is too large to send: requests are limited to {MAX_REQUEST_BYTES // 1024} KiB."
)
# A form a little over the limit is still read, only to give the reader their text back
# (non-Latin text takes up to nine bytes a character once form-encoded).
KEEP_TEXT_BYTES = 2 * MAX_REQUEST_BYTES


def _too_large(state: ServiceState, request: Request, answer: Answer) -> Response:
    kept = None
    length = request.content_length
    if not answer.as_json and (length is None or length <= KEEP_TEXT_BYTES):
        data = request.stream.read(KEEP_TEXT_BYTES + 1)
        try:
            fields = decode_body(request.mimetype, request.mimetype_params.get("charset"), data)
            kept = read_submission(fields)[0]
        except RequestProblem:
            pass
    return Answer(state, answer.as_json, kept, answer.extra_headers).problem(413, TOO_LARGE)


def handle_intake(state: ServiceState, request: Request) -> Response:
    if request.method == "OPTIONS":
        return handle_preflight(state, request)
    cors = cors_headers(state, request)
    answer = Answer(state, wants_json(request), extra_headers=cors)
    length = request.content_length
    if length is not None and length > MAX_REQUEST_BYTES:
        return _too_large(state, request, answer)
    data = request.stream.read(MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:  # no Content-Length given: counted as read
        return _too_large(state, request, answer)
    try:
        fields = decode_body(request.mimetype, request.mimetype_params.get("charset"), data)
    except RequestProblem as problem:
        return answer.problem(problem.status, problem.message)
    submission, errors = read_submission(fields)
    answer = Answer(state, answer.as_json, submission, cors)

    origin = request_origin(request)
    is_form = request.mimetype != "application/json"
    if (is_form or origin is not None) and not is_allowed_origin(
        origin, allowed_origins(state, request)
    ):
        return answer.problem(403, FOREIGN_ORIGIN, show_form=False)

    now = state.now()
    address = client_address(request)
    wait = state.intake_limits.hit(rate_key(address), now)
    if wait is not None:
        return answer.problem(
            429,
            f"You are sending comments too quickly: please wait {wait} seconds and send "
            "your comment again.",
            {"Retry-After": str(wait)},
        )

    try:
        posts = state.posts.posts()
    except ManifestError as exc:
        return answer.problem(503, f"Comments cannot be taken yet: {exc}.")
    store = state.stores.get()
    post = posts.get(submission.post) if submission.post else None
    errors.update(_target_errors(store, submission, post))
    if errors or post is None:
        return answer.invalid(errors)

    try:
        comment = _store_submission(state, store, submission, post, request, address, now)
    except DuplicateComment:
        return answer.invalid({"body": DUPLICATE})
    wake_senders()  # its mail (if any) was queued with it
    published = comment.status is CommentStatus.APPROVED
    if published:
        publish(state.config, store, background=True)  # the feed changes: export it, start the hook
    log.info("comment %s on %s: %s%s", comment.id, post.key, comment.status.value,
             f" ({comment.held_because})" if comment.held_because else "")  # fmt: skip
    # Spam is answered exactly like a comment awaiting moderation: no hint for a bot.
    shown_status = "approved" if published else "pending"
    if answer.as_json:
        return json_response({"id": comment.id, "status": shown_status}, 201, cors)
    thanks = f"{request.script_root}{state.endpoint}/thanks?post={quote(post.key, safe='')}"
    if published:
        thanks += "&published=1"
    return Response(status=303, headers={"Location": thanks, **cors})


def _target_errors(
    store: CommentStore, submission: Submission, post: PostInfo | None
) -> dict[str, str]:
    """What is wrong with the post and the parent the comment is for."""
    errors = {}
    if submission.post and post is None:
        errors["post"] = f"There is no essay “{submission.post[:80]}” on this site."
    elif post is not None and not post.open:
        errors["post"] = f"Comments are closed on “{post.title}”."
    if post is not None and submission.parent:
        parent = store.find(submission.parent)
        if (
            parent is None or parent.removed or parent.post != post.key
            or parent.status is not CommentStatus.APPROVED
        ):  # fmt: skip
            errors["parent"] = "The comment you are replying to is not published on this essay."
    return errors


FOREIGN_ORIGIN = (
    "This comment was sent from another site, so it was refused. Please write your comment "
    "on the essay's own page."
)
DUPLICATE = "This exact comment has already been sent for this essay."


class DuplicateComment(Exception):
    pass


def _store_submission(
    state: ServiceState, store: CommentStore, submission: Submission, post: PostInfo,
    request: Request, address: str, now: float,
) -> StoredComment:  # fmt: skip
    rules = state.config.comments.service
    verdict = state.form_tokens.check(submission.token, post.key, now)
    created = datetime.fromtimestamp(now, UTC)
    user_agent = clean_text(request.headers.get("User-Agent", ""), inline=True)[:USER_AGENT_MAX]
    # "Is it a duplicate? Then store it" in one transaction, under a lock for the body,
    # so two copies sent at once (to one instance or two) cannot both pass the check.
    with store.transaction() as db:
        db.lock("intake:" + body_hash(post.key, submission.body))
        if store.has_duplicate(post.key, submission.body):
            raise DuplicateComment
        reused = verdict.check is TokenCheck.VALID and not state.spent_tokens.claim(
            verdict.nonce, now
        )
        known = rules.auto_approve_known and store.email_has_approved(submission.email)
        assessment = assess(
            body=submission.body, name=submission.name, email=submission.email,
            website=submission.website, honeypot=submission.honeypot, token=verdict,
            token_reused=reused, known_email=known, rules=rules,
        )  # fmt: skip
        approved = assessment.status is CommentStatus.APPROVED
        comment = StoredComment(
            id=new_comment_id(), post=post.key, parent=submission.parent or None,
            author=submission.name, email=submission.email, website=submission.website,
            body=submission.body, created=created, status=assessment.status,
            ip=truncate_ip(address), user_agent=user_agent,
            moderated_by="auto-approved (known email)" if approved else "",
            moderated_at=created if approved else None, held_because=assessment.held_because,
        )  # fmt: skip
        store.add(comment, actor="reader")
        scope = Scope(submission.notify) if submission.notify else None
        state.notifier(store).submitted(db, comment, post, scope, now)
    return comment


def handle_token(state: ServiceState, request: Request) -> Response:
    if request.method == "OPTIONS":
        return handle_preflight(state, request)
    headers = cors_headers(state, request)
    key = request.args.get("post", "")
    try:
        post = state.posts.posts().get(key)
    except ManifestError as exc:
        return no_store(
            json_response({"error": f"Comments cannot be taken yet: {exc}."}, 503, headers)
        )
    if post is None:
        return no_store(json_response({"error": "There is no such essay."}, 404, headers))
    if not post.open:
        return no_store(json_response({"error": "Comments are closed."}, 403, headers))
    token = state.form_tokens.issue(post.key, state.now())
    return no_store(json_response({"token": token}, 200, headers))


def handle_thanks(state: ServiceState, request: Request) -> Response:
    post = state.posts.find(request.args.get("post", ""))
    entry = FormEntry(post.key, post.title, post.url) if post else None
    html = state.pages.render(
        "thanks.html", "Thank you", state.endpoint + "/thanks",
        entry=entry, published=request.args.get("published") == "1",
    )  # fmt: skip
    return no_store(html_response(html))
