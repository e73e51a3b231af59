"""A fingerprint of Salon's own build code, part of every cache and render key.

Changing the generator (a new release, or a developer's edit) must rebuild
everything it could affect; the version number alone would miss a developer's edit.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from generator import __version__

PACKAGE = Path(__file__).parent.parent  # generator/
NOT_BUILD_CODE = ("service", "importers")  # the online half and the importers render nothing


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha1(__version__.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in NOT_BUILD_CODE:
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
