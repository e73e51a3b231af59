"""Signed links in emails: what a link may do, sealed so nobody can forge or alter it.

A token is ``DATA.SIGNATURE``: DATA is base64url JSON (an action and opaque keys, never
an address, since URLs end up in logs), SIGNATURE an HMAC-SHA256 over it with a key
for links only. A moderator's link expires and is spent once used (its nonce goes to
the spent tokens); a reader's unsubscribe link works for as long as the address is
known. Every link only opens a page: acting takes a POST.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import quote, urlsplit

from generator.core.config import SiteConfig


class Act(enum.Enum):
    APPROVE = "approve"  # moderator links
    REJECT = "reject"
    SPAM = "spam"
    CONFIRM_REPLIES = "confirm"  # reader links
    CONFIRM_FOLLOW = "follow"
    STOP_THREAD = "stop-thread"
    STOP_ALL = "stop-all"
    UNFOLLOW = "unfollow"


MODERATOR_ACTS = (Act.APPROVE, Act.REJECT, Act.SPAM)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def seal(key: bytes, data: dict[str, Any]) -> str:
    body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()[:18]
    return f"{body}.{_b64(mac)}"


def unseal(key: bytes, token: str) -> dict[str, Any] | None:
    """The data of a well-signed token, or None (forged, altered, garbled)."""
    body, _, signature = token.strip().partition(".")
    if not body or len(token) > 1000:
        return None
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest()[:18])
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error):
        return None
    return data if isinstance(data, dict) else None


def moderator_token(key: bytes, act: Act, comment_id: str, expires: float) -> str:
    return seal(key, {"a": act.value, "c": comment_id, "e": int(expires),
                      "n": secrets.token_urlsafe(9)})  # fmt: skip


def reader_token(key: bytes, act: Act, address_key: str, comment_id: str = "",
                 expires: float = 0) -> str:  # fmt: skip
    data: dict[str, Any] = {"a": act.value, "k": address_key}
    if comment_id:
        data["c"] = comment_id
    if expires:
        data["e"] = int(expires)
    return seal(key, data)


def service_url(config: SiteConfig) -> str:
    """The comment endpoint as an absolute URL (links in emails leave the site)."""
    endpoint = config.comments.endpoint.rstrip("/")
    if urlsplit(endpoint).scheme in ("http", "https"):
        return endpoint
    return config.origin + (endpoint if endpoint.startswith("/") else "/api/comments")


def moderate_url(config: SiteConfig) -> str:
    parts = urlsplit(service_url(config))
    return f"{parts.scheme}://{parts.netloc}/moderate"


def reader_link(config: SiteConfig, token: str) -> str:
    return f"{service_url(config)}/email?t={quote(token, safe='')}"


def moderator_link(config: SiteConfig, token: str) -> str:
    return f"{moderate_url(config)}/mail?t={quote(token, safe='')}"
