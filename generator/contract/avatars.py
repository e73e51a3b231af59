"""Identicons drawn locally from a keyed hash, so no avatar is fetched from anyone."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from markupsafe import Markup


def avatar_seed(secret: bytes, identity: str) -> str:
    """A keyed hash of an email or name: stable per person, not reversible without the key."""
    return hmac.new(secret, identity.strip().lower().encode(), hashlib.sha256).hexdigest()[:20]


# The path of one column of the 5×5 grid, for each 5-bit mask of its filled rows, in
# the order the cells are drawn (left to right, then top to bottom).
_COLUMNS = tuple(
    tuple("".join(f"M{x} {y}h1v1h-1z" for y in range(5) if mask >> y & 1) for mask in range(32))
    for x in range(5)
)


@lru_cache(maxsize=4096)
def identicon_svg(seed: str, size: int = 40) -> Markup:
    """A 5×5 mirrored pattern in one colour, as inline SVG (about 400 bytes)."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    # Columns 0-2 come from the hash; 3 and 4 mirror 1 and 0.
    masks = [sum((digest[2 + row * 3 + col] & 1) << row for row in range(5)) for col in range(3)]
    path = "".join(_COLUMNS[x][masks[x if x < 3 else 4 - x]] for x in range(5))
    return Markup(
        f'<svg class="avatar" width="{size}" height="{size}" viewBox="-0.5 -0.5 6 6" '
        f'aria-hidden="true" focusable="false"><rect x="-0.5" y="-0.5" width="6" height="6" '
        f'fill="hsl({hue} 40% 92%)"/><path fill="hsl({hue} 45% 38%)" d="{path}"/></svg>'
    )
