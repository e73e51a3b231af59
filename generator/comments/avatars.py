"""Identicons drawn locally from a keyed hash, so no avatar is fetched from anyone."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from markupsafe import Markup


def avatar_seed(secret: bytes, identity: str) -> str:
    """A keyed hash of an email or name: stable per person, not reversible without the key."""
    return hmac.new(secret, identity.strip().lower().encode(), hashlib.sha256).hexdigest()[:20]


@lru_cache(maxsize=4096)
def identicon_svg(seed: str, size: int = 40) -> Markup:
    """A 5×5 mirrored pattern in one colour, as inline SVG (about 400 bytes)."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    cells = []
    for row in range(5):
        for col in range(3):
            if digest[2 + row * 3 + col] & 1:
                cells.append((col, row))
                if col < 2:
                    cells.append((4 - col, row))
    path = "".join(f"M{x} {y}h1v1h-1z" for x, y in sorted(cells))
    return Markup(
        f'<svg class="avatar" width="{size}" height="{size}" viewBox="-0.5 -0.5 6 6" '
        f'aria-hidden="true" focusable="false"><rect x="-0.5" y="-0.5" width="6" height="6" '
        f'fill="hsl({hue} 40% 92%)"/><path fill="hsl({hue} 45% 38%)" d="{path}"/></svg>'
    )
