"""Slugs, permalinks and output paths. Pure; refuses any path that leaves output/."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_NOT_SLUG = re.compile(r"[^\w\s-]", re.UNICODE)
_SEPARATORS = re.compile(r"[\s_-]+")


class UnsafePath(ValueError):
    """A URL that would write outside the output folder."""


def split_url(url: str) -> SplitResult | None:
    """``urlsplit``, or None for a URL it refuses (an unclosed ``[`` of an IPv6 host,
    a host that changes under NFKC normalisation): hostile text must not raise."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def url_parts(url: str) -> SplitResult:
    """``split_url`` with every part empty for a URL it refuses."""
    return split_url(url) or SplitResult("", "", "", "", "")


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens; letters of any script are kept."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("'", "").replace("’", "")
    text = _NOT_SLUG.sub(" ", text)
    return _SEPARATORS.sub("-", text).strip("-")


# The longest name of a file or folder that file systems store: 255 bytes on Linux's
# (ext4, XFS, Btrfs, tmpfs) and macOS's; each part of an output path becomes one.
NAME_MAX_BYTES = 255
TITLE_SLUG_CHARS = 80  # a slug made from a title (`salon new`) is cut to this, at a hyphen


def long_segment(url: str) -> str:
    """The first part of ``url`` (or an output path) too long to be a file's or a
    folder's name; "" when there is none."""
    if len(url) <= NAME_MAX_BYTES // 4:  # no part of so short a text can be too long
        return ""
    return next((p for p in url.split("/") if name_bytes(p) > NAME_MAX_BYTES), "")


def name_bytes(name: str) -> int:
    """The length of ``name`` as a file system counts it: in UTF-8 bytes."""
    return len(name.encode("utf-8", "surrogatepass"))


def shortened(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters with an ellipsis, for a message naming it."""
    return text if len(text) <= most else text[: most - 1] + "…"


def slug_of_title(title: str) -> str:
    """``slugify(title)``, cut at a hyphen to TITLE_SLUG_CHARS characters at most."""
    slug = slugify(title)
    if len(slug) <= TITLE_SLUG_CHARS:
        return slug
    cut = slug[: TITLE_SLUG_CHARS + 1].rpartition("-")[0]
    return cut or slug[:TITLE_SLUG_CHARS]


def is_under(path: str, prefix: str) -> bool:
    """Whether the URL path ``path`` is ``prefix`` or within it (`/blog/x` is under
    `/blog`; `/blogroll` is not)."""
    return path == prefix or path.startswith(prefix + "/")


def slug_from_filename(stem: str) -> str:
    """`2024-05-01-on-listening` gives `on-listening`."""
    return slugify(_DATE_PREFIX.sub("", stem))


_UNSAFE_IN_SEGMENT = re.compile(r"[/\\?#%\s\x00-\x1f\x7f]")


def is_safe_segment(slug: str) -> bool:
    """One URL segment that needs no escaping: no slash, no `?#%`, no space, no leading dot."""
    return bool(slug) and not slug.startswith(".") and not _UNSAFE_IN_SEGMENT.search(slug)


def permalink(pattern: str, slug: str, date: datetime, category: str = "") -> str:
    url = pattern.format(
        year=f"{date.year:04d}",
        month=f"{date.month:02d}",
        day=f"{date.day:02d}",
        slug=slug,
        category=slugify(category) or "uncategorized",
    )
    return normalise_url(url)


def normalise_url(url: str) -> str:
    """A site-relative URL: leading slash, no `.`/`..` segments, folders end with `/`."""
    if "\\" in url or "\x00" in url:
        raise UnsafePath(url)
    parts = [part for part in url.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafePath(url)
    path = "/" + "/".join(parts)
    if parts and "." not in parts[-1]:
        path += "/"
    if parts and url.endswith("/") and not path.endswith("/"):
        path += "/"
    return path


def output_path(url: str) -> str:
    """The file, relative to output/, that serves ``url``."""
    # What makes a URL need the general path: empty, dot and dot-dot segments, and
    # characters no URL of a site holds.
    plain = "//" not in url and "/." not in url and "\\" not in url and "\x00" not in url
    if url.startswith("/") and plain:
        # Already normal (nearly every URL a build plans: 13,440 at 5,000 essays): the
        # answer the general path gives, at a third of its cost (tests/test_urls.py).
        if url.endswith("/"):
            return url[1:] + "index.html"
        return url[1:] if "." in url.rpartition("/")[2] else url[1:] + "/index.html"
    return _normalised_output_path(url)


def _normalised_output_path(url: str) -> str:
    """output_path for any URL: normalised first, refused if it would leave output/."""
    url = normalise_url(url)
    path = url.lstrip("/")
    if url.endswith("/"):
        path = posixpath.join(path, "index.html")
    path = posixpath.normpath(path)
    if path.startswith("..") or posixpath.isabs(path):
        raise UnsafePath(url)
    return path


@lru_cache(maxsize=8192)  # a site has few terms, and listings ask for each again and again
def taxonomy_url(taxonomy: str, name: str) -> str:
    return f"/{taxonomy}/{slugify(name) or 'untitled'}/"


def page_url(base: str, number: int) -> str:
    """Pagination: page 1 is the listing itself, then `page/2/` and so on."""
    return base if number <= 1 else f"{base}page/{number}/"


# Characters a URI may carry as they are (RFC 3986's reserved and unreserved ones, and
# "%" so an address already encoded stays as it is); everything else is percent-encoded.
_URI_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
_NOT_URI = re.compile(r"[^A-Za-z0-9!#$%&'()*+,\-./:;=?@\[\]_~]")


def iri_to_uri(iri: str) -> str:
    """An address as a URI: non-ASCII path letters as UTF-8 percent escapes (RFC 3987, 3.1).

    Pages link readably (`/tags/über/`); feeds, their ids and the sitemap must carry
    URIs. A non-ASCII host becomes its IDNA (punycode) form.
    """
    if _NOT_URI.search(iri) is None:
        return iri
    parts = urlsplit(iri)
    netloc = parts.netloc
    if not netloc.isascii():
        userinfo, at, hostport = netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = quote(host, safe="")
        netloc = f"{quote(userinfo, safe=':')}{at}{host}{colon}{port}"
    rest = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return urlunsplit((parts.scheme, netloc, "", "", "")) + quote(rest, safe=_URI_SAFE)
