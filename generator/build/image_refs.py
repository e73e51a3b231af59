"""Which images a document uses, and on which line: pure functions of its text.

Markdown images (`![alt](photo.jpg)`) are found by markdown-it itself, so their `src` is
exactly what the rendered HTML holds; `<img>` tags in the author's raw HTML by a small
pattern. Each reference keeps the line of the source file it is on, for error messages
(`content/posts/x.md:12: image photo.jpg: no such file`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from generator.core.models import Document, ImageRef

if TYPE_CHECKING:
    from markdown_it.token import Token

_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# Any "<img" whatever its case: a search, where body.lower() copied every essay to look.
# (IGNORECASE also lets "ı" and "İ" match "i": more bodies parsed, never fewer.)
_MAYBE_IMG = re.compile(r"<img", re.IGNORECASE)
_ATTR = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""", re.IGNORECASE
)
RASTER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".avif")
PASSTHROUGH_SUFFIXES = (".gif", ".svg")
IMAGE_SUFFIXES = RASTER_SUFFIXES + PASSTHROUGH_SUFFIXES


def tag_attributes(tag: str) -> dict[str, str]:
    """The attributes of one start tag, names lowercased, values unescaped."""
    inner = tag[4:].rstrip(">").rstrip("/")  # after "<img"
    found: dict[str, str] = {}
    for match in _ATTR.finditer(inner):
        name = match.group(1).lower()
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found.setdefault(name, html.unescape(value))
    return found


def _inline_alt(token: Token) -> str:
    """The alt text markdown-it renders for an image: its children as plain text."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(_inline_alt(child))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _line_of(needle: str, text: str, start_line: int) -> int:
    """The line of ``text`` (which starts at ``start_line``) holding ``needle``."""
    for candidate in (needle, unquote(needle), needle.rsplit("/", 1)[-1]):
        index = text.find(candidate) if candidate else -1
        if index >= 0:
            return start_line + text.count("\n", 0, index)
    return start_line


def _html_images(text: str, start_line: int) -> list[ImageRef]:
    refs = []
    for match in _IMG_TAG.finditer(text):
        attrs = tag_attributes(match.group(0))
        if "src" in attrs:
            line = start_line + text.count("\n", 0, match.start())
            refs.append(ImageRef(attrs["src"], attrs.get("alt"), line, raw_html=True))
    return refs


def html_and_images(body: str, body_line: int) -> Iterator[tuple[Token, int]]:
    """Each piece of raw HTML (an `html_block`, an `html_inline`) and each Markdown image
    of ``body``, in order, with the line of the source it starts on (``body_line`` is the
    body's first): what markdown-it-py, the reference, finds, so that code stays text."""
    # Imported here: the content module uses this one, and a build that finds nothing
    # changed must not load markdown-it.
    from generator.build.markdown import author_markdown

    for token in author_markdown().parse(body, {}):
        start = body_line + (token.map[0] if token.map else 0)
        if token.type == "html_block":
            yield token, start
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "image":
                    yield child, _line_of(str(child.attrGet("src") or ""), token.content, start)
                elif child.type == "html_inline":
                    yield child, _line_of(child.content, token.content, start)


def find_images(body: str, body_line: int) -> tuple[ImageRef, ...]:
    """Every image the Markdown ``body`` shows, in order; ``body_line`` is its first line."""
    if "![" not in body and _MAYBE_IMG.search(body) is None:
        return ()  # most essays have none; parsing them again would cost a third of a render
    refs: list[ImageRef] = []
    for token, line in html_and_images(body, body_line):
        if token.type == "image":
            refs.append(ImageRef(str(token.attrGet("src") or ""), _inline_alt(token), line))
        else:
            refs.extend(_html_images(token.content, line))
    return tuple(refs)


def document_images(doc: Document) -> tuple[ImageRef, ...]:
    """The front matter's image first (when it names one), then the body's in order
    (``body_images``, found by ``find_images`` when the document was parsed)."""
    refs = doc.body_images
    if doc.image:
        featured = ImageRef(doc.image, doc.image_alt or None, doc.image_line or 1, featured=True)
        return (featured, *refs)
    return refs


def is_remote(src: str) -> bool:
    """A URL of another site (or a data: URL): never fetched or processed by the build."""
    return src.startswith("//") or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", src))


def site_path(src: str, page_url: str) -> str | None:
    """The site-relative path (`/2024/05/essay/photo.jpg`) of a local image, as the page
    at ``page_url`` would load it; None for a remote URL or one with no path."""
    if is_remote(src):
        return None
    path = urlsplit(src).path
    if not path:
        return None
    resolved = unquote(urlsplit(urljoin(page_url, path)).path)
    return resolved if resolved.startswith("/") else None


def image_kind(path: str) -> str:
    """ "raster" (processed), "passthrough" (GIF, SVG: copied untouched) or "" (not an image)."""
    lower = path.lower()
    if lower.endswith(RASTER_SUFFIXES):
        return "raster"
    if lower.endswith(PASSTHROUGH_SUFFIXES):
        return "passthrough"
    return ""
