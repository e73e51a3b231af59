"""The moderator's password: scrypt from hashlib, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# scrypt cost: about 50 ms and 16 MiB per check on a small server; slows guessing.
N, R, P = 2**14, 8, 1
PASSWORD_SETTING = "moderator_password"
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash`, salt and hash in hex."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True if ``password`` matches ``stored``; never raises for a malformed hash."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(digest, bytes.fromhex(expected))
    except (ValueError, TypeError):
        return False
