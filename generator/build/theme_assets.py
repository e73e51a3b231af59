"""Reading the theme's static files: the stylesheet (with code highlighting), the
script's version, and every other file under static/, a child theme's over its parent's.

Stylesheets and scripts are published minified (rcssmin, rjsmin: comments and
spaces out, nothing else changed), so every page weighs less with nothing lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin

from generator.core.files import refuse_outside_link
from generator.core.themes import Theme


@dataclass(frozen=True)
class CopyFile:
    """A file published as it is (or, for the stylesheet, bytes made here)."""

    path: str  # in output/
    content: bytes | Path
    source: str
    override: bool = False  # a theme's file: one already planned at this path gives way
    key: str = ""  # when set: the file is kept as it is on disk while the key is unchanged


@dataclass(frozen=True)
class ThemeAssets:
    css: bytes
    css_url: str
    js_url: str
    files: tuple[CopyFile, ...]  # the stylesheet first, then the themes' files
    favicon_url: str = ""  # the themes' static/favicon.svg (or .png, .ico), if any


def read_theme_assets(themes: tuple[Theme, ...], code_css: str) -> ThemeAssets:
    """The themes' static files, and the stylesheet: the first theme's style.css with
    ``code_css`` (highlight.stylesheet: Pygments' rules) after it."""
    css = _stylesheet(themes, code_css)
    files = [CopyFile("assets/style.css", css, "theme stylesheet")]
    for theme in reversed(themes):
        if not theme.static.is_dir():
            continue
        for path in sorted(theme.static.rglob("*")):
            relative = path.relative_to(theme.static).as_posix()
            if path.is_file() and relative != "style.css":
                refuse_outside_link(path, theme.path)  # (a theme's own links stay inside it)
                content = _minified(path)
                files.append(CopyFile(f"assets/{relative}", content, f"theme {theme.name}", True))
    return ThemeAssets(
        css=css,
        css_url="/assets/style.css?v=" + hashlib.sha1(css).hexdigest()[:10],
        js_url="/assets/salon.js?v=" + _script_version(themes),
        files=tuple(files),
        favicon_url=_favicon({file.path for file in files}),
    )


def _minified(path: Path) -> bytes | Path:
    """A script or stylesheet without comments and spaces; any other file as it is."""
    suffix = path.suffix.lower()
    if suffix not in (".js", ".css"):
        return path
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return path  # not text a minifier may touch: published as it is
    small: str = rjsmin.jsmin(text) if suffix == ".js" else rcssmin.cssmin(text)
    return small.encode() + b"\n"


FAVICONS = ("favicon.svg", "favicon.png", "favicon.ico")


def _favicon(paths: set[str]) -> str:
    return next((f"/assets/{name}" for name in FAVICONS if f"assets/{name}" in paths), "")


def _stylesheet(themes: tuple[Theme, ...], code_css: str) -> bytes:
    for theme in themes:
        path = theme.static / "style.css"
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace") + "\n" + code_css
            return _css(text)
    return _css(code_css)


def _css(text: str) -> bytes:
    small: str = rcssmin.cssmin(text)
    return small.encode() + b"\n"


def _script_version(themes: tuple[Theme, ...]) -> str:
    for theme in themes:
        path = theme.static / "salon.js"
        if path.is_file():
            return hashlib.sha1(path.read_bytes()).hexdigest()[:10]
    return "0"
