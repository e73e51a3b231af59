"""The pages links in emails open, and the "Follow by email" form's answer.

    GET/POST /moderate/mail?t=…        a moderator's approve / reject / spam link
    GET/POST <endpoint>/email?t=…      a reader's confirm / unsubscribe / unfollow link
    POST     <endpoint>/follow         the follow form

A GET only shows what the link would do, with a button: mail scanners that follow
every link change nothing. The POST acts (the token is the credential; a moderator's
is spent once used and expires). RFC 8058's one-click unsubscribe is a POST to the
same URL, answered with a short page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from generator.core.models import CommentStatus
from generator.service import actions
from generator.service import subscribers as subs
from generator.service.mail_links import MODERATOR_ACTS, Act, service_url, unseal
from generator.service.outbox import wake_senders
from generator.service.ratelimit import Limit, RateLimiter
from generator.service.state import ServiceState
from generator.service.tokens import derive_key
from generator.service.validation import check_email
from generator.service.web import (
    client_address,
    html_response,
    is_allowed_origin,
    no_store,
    own_origin,
    rate_key,
    request_origin,
)

log = logging.getLogger("salon.service")
STATUS_OF = {Act.APPROVE: CommentStatus.APPROVED, Act.REJECT: CommentStatus.REJECTED,
             Act.SPAM: CommentStatus.SPAM}  # fmt: skip
ASK = {
    Act.APPROVE: ("Approve this comment?", "Approve"),
    Act.REJECT: ("Reject this comment?", "Reject"),
    Act.SPAM: ("Mark this comment as spam?", "Mark as spam"),
    Act.CONFIRM_REPLIES: ("Tell you about replies?", "Yes, tell me about replies"),
    Act.CONFIRM_FOLLOW: ("Receive new essays by email?", "Yes, send me new essays"),
    Act.STOP_THREAD: ("Stop mail about this thread?", "Stop for this thread"),
    Act.STOP_ALL: ("Stop all mail about replies?", "Stop all mail about replies"),
    Act.UNFOLLOW: ("Stop receiving new essays?", "Unfollow"),
}
BAD_LINK = "This link is not valid: it may have been cut short. Copy the whole link from the email."


def _page(state: ServiceState, title: str, message: str, status: int = 200, token: str = "",
          button: str = "", action: str = "", detail: str = "") -> Response:  # fmt: skip
    html = state.pages.render(
        "mail_action.html",
        title,
        action or "/",
        message=message,
        detail=detail,
        token=token,
        button=button,
        action=action,
    )
    response = no_store(html_response(html, status))
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of Referer
    return response


def _on_service(state: ServiceState, path: str) -> str:
    """A path of the service as the page's form must name it: as it is when the service
    is reached through the site's origin, absolute when it lives on another one (the
    theme's `url` filter would otherwise point it at the site)."""
    if not state.pages.absolute_links:
        return path
    parts = urlsplit(service_url(state.config))
    return f"{parts.scheme}://{parts.netloc}{path}"


def _token(request: Request) -> str:
    return request.args.get("t", "") or request.form.get("t", "")


def _key(state: ServiceState) -> bytes:
    return derive_key(state.stores.get().secret(), "mail-links")


def handle_moderator_link(state: ServiceState, request: Request) -> Response:
    if request.method not in ("GET", "HEAD", "POST"):
        return _page(state, "Not here", "Open the link from the email.", 405)
    token = _token(request)
    data = unseal(_key(state), token)
    now = state.now()
    act = next((a for a in MODERATOR_ACTS if data and a.value == data.get("a")), None)
    if data is None or act is None:
        return _page(state, "This link does not work", BAD_LINK, 400)
    if now > float(data.get("e", 0)):
        return _page(state, "This link has expired",
                     "Moderate the comment on the moderation page instead.", 410,
                     action=_on_service(state, "/moderate"))  # fmt: skip
    store = state.stores.get()
    comment = store.find(str(data.get("c", "")))
    if comment is None or comment.removed:
        return _page(state, "Nothing to do", "This comment was deleted.", 410)
    title, button = ASK[act]
    detail = f"{comment.author}: {' '.join(comment.body.split()[:40])}"
    if request.method != "POST":
        return _page(state, title, f"The comment is {comment.status.value} now.",
                     token=token, button=button, action=_on_service(state, "/moderate/mail"),
                     detail=detail)  # fmt: skip
    ttl = state.config.email.link_days * 86400 + 3600
    if not state.stores.shared().claim_token(f"mail:{data.get('n')}", now, ttl):
        return _page(
            state,
            "This link was used already",
            f"The comment is {comment.status.value}. Each link works once.",
            409,
        )
    done = actions.set_status(state.config, store, [comment.id], STATUS_OF[act],
                              actor="moderator (email link)", background=True)  # fmt: skip
    log.info("comment %s %s from an email link", comment.id, STATUS_OF[act].value)
    note = f" ({done.feed_problem})" if done.feed_problem else ""
    return _page(state, "Done", f"The comment is {STATUS_OF[act].value}.{note}",
                 action=_on_service(state, "/moderate"))  # fmt: skip


def handle_reader_link(state: ServiceState, request: Request) -> Response:
    if request.method not in ("GET", "HEAD", "POST"):
        return _page(state, "Not here", "Open the link from the email.", 405)
    token = _token(request)
    data = unseal(_key(state), token)
    act = next((a for a in ASK if data and a.value == data.get("a")), None)
    if data is None or act is None or act in MODERATOR_ACTS:
        return _page(state, "This link does not work", BAD_LINK, 400)
    now = state.now()
    if data.get("e") and now > float(data["e"]):
        return _page(
            state,
            "This link has expired",
            "Nothing was changed. Ask again from the site to get a new link.",
            410,
        )
    title, button = ASK[act]
    if request.method != "POST":
        return _page(state, title, "Nothing changes until you press the button.",
                     token=token, button=button,
                     action=_on_service(state, state.endpoint + "/email"))  # fmt: skip
    store = state.stores.get()
    with store.transaction() as db:
        found = subs.by_key(db, str(data.get("k", "")))
        if found is None:  # forgotten, or never known: nothing to stop
            message = "This address is not on any of our lists."
        elif act is Act.CONFIRM_REPLIES:
            subs.confirm(db, found.email, now)
            message = "Thank you: you will be told about replies."
        elif act is Act.CONFIRM_FOLLOW:
            subs.confirm_follower(db, found.email, now)
            message = "Thank you: each new essay will come to you by email."
        elif act is Act.STOP_THREAD:
            subs.unsubscribe(db, found.email, str(data.get("c", "")))
            message = "Done: no more mail about this thread."
        elif act is Act.STOP_ALL:
            subs.unsubscribe(db, found.email, None)
            message = "Done: no more mail about replies, on any thread."
        else:
            subs.unfollow(db, found.email)
            message = "Done: you no longer follow the site by email."
    return _page(state, "Done", message)


def follow_limits(state: ServiceState) -> RateLimiter:
    per_hour = state.config.email.followers.per_network_per_hour
    return RateLimiter("follow", [Limit(per_hour, 3600)], state.stores.shared)


def handle_follow(state: ServiceState, request: Request) -> Response:
    followers = state.config.email.followers
    if not (followers.enabled and state.config.email.enabled):
        return _page(state, "Not available", "This site does not send essays by email.", 404)
    if request.method != "POST":
        return _page(state, "Follow by email", "Use the form on the site.", 405)
    allowed = {state.site_origin, own_origin(request)}
    if not is_allowed_origin(request_origin(request), allowed):
        return _page(state, "Not sent", "Please use the form on the site itself.", 403)
    email = " ".join(request.form.get("email", "").split()).lower()
    problem = check_email(email) or ("" if email else "Please enter your email address.")
    if problem:
        return _page(state, "Not sent yet", problem, 400)
    if request.form.get("homepage", "").strip():  # the honeypot: answered like a success
        return _page(state, "Check your inbox", CHECK_INBOX)
    now = state.now()
    wait = follow_limits(state).hit(rate_key(client_address(request)), now)
    if wait is not None:
        response = _page(state, "Not sent yet",
                         f"Too many requests from your network: try again in {wait} seconds.",
                         429)  # fmt: skip
        response.headers["Retry-After"] = str(wait)
        return response
    store = state.stores.get()
    with store.transaction() as db:
        state.notifier(store).follow_confirmation(db, email, now)
    wake_senders()
    # The same answer whether or not a mail went out: the page tells nobody who follows.
    return _page(state, "Check your inbox", CHECK_INBOX)


CHECK_INBOX = (
    "If this address can receive new essays, a message asking you to confirm is on its way. "
    "Nothing is sent until you do."
)
