"""Which posts exist and which take comments: the manifest `salon build` writes and the
comment service reads. Its format lives here alone: the serialiser beside the parsers.

``<site>/.salon/posts.json`` is ``{"version": 1, "posts": {KEY: {"title", "url", "open",
"likes", "date"?, "excerpt"?, "html"?}},
"site": {"nav": [{"title", "url"}], "css_url", "js_url", "favicon_url"?}, "next_due"?}``;
"site" tells the reader pages how the built site looks (its navigation, its versioned
stylesheet, its icon).
The service reloads it whenever its modification time or size changes, so a
rebuild that closes a post is seen by the next submission.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class PostInfo:
    key: str
    title: str
    url: str  # site-relative, starts with /
    open: bool
    # For the mail to followers (optional in the file: older manifests lack them).
    date: str = ""  # ISO 8601, when the essay is dated
    excerpt: str = ""  # the excerpt's HTML
    html: str = ""  # the full text's HTML, written only when followers get full text
    likes: bool = True  # takes likes (absent from manifests written before likes: true)


@dataclass(frozen=True)
class SiteLook:
    nav: tuple[tuple[str, str], ...] = ()  # (title, url) of each page in the navigation
    css_url: str = "/assets/style.css"
    js_url: str = "/assets/salon.js"
    favicon_url: str = ""  # the site's icon, "" for none (older manifests: none)


def parse_site_look(text: str) -> SiteLook:
    """Pure and forgiving: a manifest without (or with a broken) "site" gives defaults."""
    try:
        data = json.loads(text).get("site")
        nav = tuple((str(i["title"]), str(i["url"])) for i in data["nav"])
        return SiteLook(
            nav, str(data["css_url"]), str(data["js_url"]), str(data.get("favicon_url", ""))
        )
    except (ValueError, AttributeError, KeyError, TypeError):
        return SiteLook()


def serialise_manifest(posts: Iterable[PostInfo], look: SiteLook, next_due: str = "") -> bytes:
    """Pure: the manifest's bytes (UTF-8 JSON), read back by parse_manifest, parse_site_look
    and parse_next_due."""
    data: dict[str, object] = {
        "version": MANIFEST_VERSION,
        "posts": {p.key: _post(p) for p in posts},
        "site": {
            "nav": [{"title": title, "url": url} for title, url in look.nav],
            "css_url": look.css_url,
            "js_url": look.js_url,
            "favicon_url": look.favicon_url,
        },
    }
    if next_due:
        data["next_due"] = next_due
    # Compact: with an indent, json encodes in Python (5,000 posts: 0.1 s a build).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def parse_next_due(text: str) -> str:
    """When the next scheduled essay falls due, "" if none (or an older manifest)."""
    try:
        value = json.loads(text).get("next_due", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def _post(p: PostInfo) -> dict[str, object]:
    item: dict[str, object] = {"title": p.title, "url": p.url, "open": p.open, "likes": p.likes}
    for name in ("date", "excerpt", "html"):
        if getattr(p, name):
            item[name] = getattr(p, name)
    return item


class ManifestError(Exception):
    """The manifest is missing or unreadable; the message says what to do."""


def parse_manifest(text: str) -> dict[str, PostInfo]:
    """Pure: the posts of a manifest's text, or ManifestError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise ManifestError(f"expected version {MANIFEST_VERSION} of the post manifest")
    posts = data.get("posts")
    if not isinstance(posts, dict):
        raise ManifestError('expected "posts" to be an object')
    found: dict[str, PostInfo] = {}
    for key, item in posts.items():
        if not isinstance(item, dict):
            raise ManifestError(f'post "{key}": expected an object')
        title, url, is_open = item.get("title"), item.get("url"), item.get("open")
        if not isinstance(title, str) or not isinstance(url, str) or not isinstance(is_open, bool):
            raise ManifestError(f'post "{key}": expected title, url and open')
        likes = item.get("likes", True)
        if not isinstance(likes, bool):
            raise ManifestError(f'post "{key}": expected likes to be true or false')
        extra = {name: item[name] for name in ("date", "excerpt", "html")
                 if isinstance(item.get(name), str)}  # fmt: skip
        found[key] = PostInfo(key, title, url, is_open, likes=likes, **extra)
    return found


class PostIndex:
    """The manifest, reloaded when the file changes. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._posts: dict[str, PostInfo] = {}
        self._error = ""
        self._look = SiteLook()
        self._next_due = ""

    @property
    def shown(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    def posts(self) -> Mapping[str, PostInfo]:
        """Every post by key; ManifestError when there is no usable manifest."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise ManifestError(
                f"the site's list of essays ({self.shown}) is missing; run `salon build`"
            ) from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    text = self.path.read_text(encoding="utf-8")
                    self._posts = parse_manifest(text)
                    self._look = parse_site_look(text)
                    self._next_due = parse_next_due(text)
                    self._error = ""
                except (ManifestError, OSError, UnicodeDecodeError) as exc:
                    self._posts = {}
                    self._error = (
                        f"the site's list of essays ({self.shown}) cannot be read ({exc}); "
                        "run `salon build` again"
                    )
                self._stamp = stamp
            if self._error:
                raise ManifestError(self._error)
            return self._posts

    def look(self) -> SiteLook:
        """The built site's navigation and asset URLs (defaults before the first build)."""
        with contextlib.suppress(ManifestError):  # no manifest yet: the defaults
            self.posts()  # reloads the manifest if it changed
        with self._lock:
            return self._look

    def next_due(self) -> str:
        """When the next scheduled essay falls due ("" if none): a build must run then."""
        with contextlib.suppress(ManifestError):
            self.posts()
        with self._lock:
            return self._next_due

    def find(self, key: str) -> PostInfo | None:
        """The post, or None when it is unknown or there is no usable manifest."""
        try:
            return self.posts().get(key)
        except ManifestError:
            return None
