"""Signed, time-stamped tokens: the comment form's anti-spam token and the login form's.

A token is ``ISSUED.NONCE.SIGNATURE``: the issue time in milliseconds (hex), a random
nonce, and an HMAC-SHA256 over both plus the subject it was issued for (the post key,
or "login"). Nothing is stored when a token is issued, so issuing costs one HMAC; the
service remembers (in the store) only the nonces of tokens already spent.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from generator.service.shared_state import SharedState

_TOKEN = re.compile(r"^([0-9a-f]{1,16})\.([A-Za-z0-9_-]{8,32})\.([A-Za-z0-9_-]{22})$")
# A token issued "in the future" by more than this is forged (or the clock jumped).
CLOCK_SKEW_SECONDS = 60.0


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose only, so a token of one kind is never valid as another."""
    return hmac.new(secret, f"salon:{purpose}".encode(), hashlib.sha256).digest()


class TokenCheck(enum.Enum):
    VALID = "valid"
    MISSING = "missing"
    FORGED = "forged"
    TOO_FAST = "too fast"
    EXPIRED = "expired"


@dataclass(frozen=True)
class TokenVerdict:
    check: TokenCheck
    age: float = 0.0  # seconds since the token was issued (0 unless it was well signed)
    nonce: str = ""


class Signer:
    """Issues and checks tokens for one purpose."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _signature(self, subject: str, issued: str, nonce: str) -> str:
        mac = hmac.new(self._key, f"{subject}\0{issued}\0{nonce}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:16]).decode().rstrip("=")

    def issue(self, subject: str, now: float) -> str:
        issued = format(int(now * 1000), "x")
        nonce = secrets.token_urlsafe(12)
        return f"{issued}.{nonce}.{self._signature(subject, issued, nonce)}"

    def open(self, token: str, subject: str, now: float) -> TokenVerdict:
        """FORGED, or VALID with the token's age; callers judge the age."""
        if not token:
            return TokenVerdict(TokenCheck.MISSING)
        match = _TOKEN.match(token)
        if match is None:
            return TokenVerdict(TokenCheck.FORGED)
        issued, nonce, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(subject, issued, nonce)):
            return TokenVerdict(TokenCheck.FORGED)
        age = now - int(issued, 16) / 1000
        if age < -CLOCK_SKEW_SECONDS:
            return TokenVerdict(TokenCheck.FORGED)
        return TokenVerdict(TokenCheck.VALID, max(age, 0.0), nonce)


class FormTokens:
    """The comment form's token: proves the form was loaded, and when."""

    def __init__(self, key: bytes, min_seconds: float, max_age_seconds: float) -> None:
        self._signer = Signer(key)
        self.min_seconds = min_seconds
        self.max_age_seconds = max_age_seconds

    def issue(self, post: str, now: float) -> str:
        return self._signer.issue(post, now)

    def check(self, token: str, post: str, now: float) -> TokenVerdict:
        verdict = self._signer.open(token, post, now)
        if verdict.check is not TokenCheck.VALID:
            return verdict
        if verdict.age < self.min_seconds:
            return TokenVerdict(TokenCheck.TOO_FAST, verdict.age, verdict.nonce)
        if verdict.age > self.max_age_seconds:
            return TokenVerdict(TokenCheck.EXPIRED, verdict.age, verdict.nonce)
        return verdict


class SpentTokens:
    """Nonces of form tokens already used for a stored comment, until they would expire.

    Kept in the store: a token spent on one instance is spent on all, and stays spent
    after a restart.
    """

    def __init__(self, ttl_seconds: float, shared: Callable[[], SharedState]) -> None:
        self._ttl = ttl_seconds
        self._shared = shared  # this thread's connection to the store

    def claim(self, nonce: str, now: float) -> bool:
        """True the first time a nonce is claimed, False ever after (until it expires)."""
        return self._shared().claim_token(nonce, now, self._ttl)
