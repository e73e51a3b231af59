"""The parts of every render key that no page's context holds: Salon's own code, the
settings, the theme's reserved ids (headings in pages and feeds give way to them) and,
for pages, every template file of the theme chain."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from generator.build.code_fingerprint import code_fingerprint
from generator.core.config import SiteConfig
from generator.core.themes import Theme, reserved_ids, template_dirs, theme_images


@dataclass(frozen=True)
class KeyBases:
    pages: str  # code, settings, every template, and the SiteView
    files: str  # code and settings: feeds do not go through templates


def key_bases(config: SiteConfig, themes: tuple[Theme, ...], site_fingerprint: str) -> KeyBases:
    ids = " ".join(reserved_ids(themes))
    settings = f"{code_fingerprint()}\0{config!r}\0{ids}".encode()
    digest = hashlib.sha1(settings)
    for folder in template_dirs(config, themes):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(repr(theme_images(themes)).encode())  # theme.yaml's images: (listing, sizes)
    digest.update(site_fingerprint.encode())
    return KeyBases(pages=digest.hexdigest(), files=hashlib.sha1(settings).hexdigest())
