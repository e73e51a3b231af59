"""site.yaml: declared once, validated up front, every problem reported together."""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.core.email_config import EmailConfig, parse_email
from generator.core.engagement import ENGAGEMENT_KEYS, EngagementConfig, parse_engagement
from generator.core.errors import SiteError, decode_utf8
from generator.core.files import OUTPUT_MANIFESTS
from generator.core.image_settings import ImagesConfig, parse_images
from generator.core.validate import Fields
from generator.core.yamltext import parse_yaml

CONFIG_FILE = "site.yaml"
PERMALINK_FIELDS = ("year", "month", "day", "slug", "category")
TAXONOMIES = ("tags", "categories")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
# Where `salon serve --drafts` (or --future) builds: never output/, which a deploy sends.
PREVIEW_OUTPUT = ".salon/preview"


@dataclass(frozen=True)
class Author:
    name: str
    url: str = ""
    email: str = ""  # private: used to recognise the author's own comments, never published


@dataclass(frozen=True)
class FeedConfig:
    atom: bool = True
    rss: bool = True
    entries: int = 20
    full_content: bool = True


@dataclass(frozen=True)
class ServiceConfig:
    """Settings of the online comment service (`salon comments serve`)."""

    rate_per_minute: int = 5
    rate_per_hour: int = 30
    min_seconds: int = 3
    max_form_age_hours: int = 72
    max_links: int = 2
    blocked_words: tuple[str, ...] = ()
    auto_approve_known: bool = False
    trusted_proxies: int = 0
    session_hours: int = 12


@dataclass(frozen=True)
class CommentsConfig:
    enabled: bool = True
    feed: str = "comments.json"  # a path relative to the site, or an https URL
    endpoint: str = "/api/comments"
    store: str = ".salon/comments.sqlite3"
    max_depth: int = 5
    close_after_days: int = 0  # 0: never close automatically
    on_change: str = ""
    service: ServiceConfig = field(default_factory=ServiceConfig)


@dataclass(frozen=True)
class DeployConfig:
    """Where `salon deploy` sends output/ with rsync."""

    target: str = ""  # a folder, or host:folder / user@host:folder over ssh
    max_delete: int = 25  # percent of the target's files one deploy may delete


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: str
    base_url: str  # no trailing slash
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    author: Author = field(default_factory=lambda: Author(name=""))
    permalink: str = "/{year}/{month}/{slug}/"
    posts_per_page: int = 10
    theme: str = "default"
    feeds: FeedConfig = field(default_factory=FeedConfig)
    taxonomies: tuple[str, ...] = TAXONOMIES
    comments: CommentsConfig = field(default_factory=CommentsConfig)
    images: ImagesConfig = field(default_factory=ImagesConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    params: dict[str, Any] = field(default_factory=dict)
    deploy: DeployConfig = field(default_factory=DeployConfig)
    favicon: str = ""  # a path in the site (/images/icon.png); "" for the theme's
    # Front-matter keys of the site's own (and, added at build time, its themes'): no warning.
    front_matter_keys: tuple[str, ...] = ()
    # An essay's image or embed from another site (build/third_party.py): warn, allow, error.
    third_party: str = "warn"
    # `build --output DIR`, `serve --drafts`: another folder than output/, with its own
    # record of what was written there (``variant`` names it; "" for output/ itself).
    output_override: Path | None = None
    variant: str = ""
    engagement: EngagementConfig = field(default_factory=EngagementConfig)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def base_path(self) -> str:
        """The path the site lives under, '' for a site at the root of its domain."""
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def output_dir(self) -> Path:
        return self.output_override or self.root / "output"

    @property
    def state_dir(self) -> Path:
        """What a build remembers of the output it wrote (its manifest, its last build, its
        staging folder): one per output folder and base URL, so that builds never mix."""
        return self.private_dir if not self.variant else self.private_dir / "builds" / self.variant

    @property
    def private_dir(self) -> Path:
        """Build cache, comment store, secrets: never published, git-ignored."""
        return self.root / ".salon"

    @property
    def store_path(self) -> Path:
        return self.root / self.comments.store

    @property
    def store_is_url(self) -> bool:
        return self.comments.store.startswith(("postgresql://", "postgres://"))

    @property
    def store_location(self) -> Path | str:
        """The store's file, or its PostgreSQL URL (CommentStore.open takes either)."""
        return self.comments.store if self.store_is_url else self.store_path

    @property
    def feed_is_remote(self) -> bool:
        return self.comments.feed.startswith(("https://", "http://"))

    @property
    def feed_path(self) -> Path:
        return self.root / self.comments.feed


def follow_endpoint(config: SiteConfig) -> str:
    """Where the "Follow by email" form posts, or "" when following by email is off."""
    email = config.email
    if not (email.enabled and email.followers.enabled and config.comments.enabled):
        return ""
    return config.comments.endpoint.rstrip("/") + "/follow"


TOP_KEYS = (
    "title", "description", "base_url", "language", "timezone", "author", "permalink",
    "posts_per_page", "theme", "feeds", "taxonomies", "comments", "email", "params",
    "front_matter_keys", "deploy", "favicon", "images", "third_party", *ENGAGEMENT_KEYS,
)  # fmt: skip


def _check_url(fields: Fields, key: str, value: str) -> None:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:  # an unclosed IPv6 bracket, a port out of range
        fields.expected(key, "an http(s) URL such as https://example.org", value)
        return
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fields.expected(key, "an http(s) URL such as https://example.org", value)
        return
    try:
        (parts.hostname or "").encode("idna")  # what feeds' ids are made of
    except UnicodeError:  # a label over 63 characters, an empty label
        fields.expected(key, "an http(s) URL with a valid host name", value)


def parse_config(text: str, path: str, root: Path) -> SiteConfig:
    """Validate the text of site.yaml; raises one SiteError listing every problem."""
    doc = parse_yaml(text, path)
    if doc.data is None:
        doc = type(doc)({}, {})
    if not isinstance(doc.data, dict):
        raise SiteError.at("expected a mapping of settings at the top of the file", path, 1)
    top = Fields(doc, path, default_line=1)
    top.check_unknown(TOP_KEYS)

    title = top.string("title", required=True)
    base_url = top.string("base_url", required=True).rstrip("/")
    if base_url:
        _check_url(top, "base_url", base_url)

    timezone = top.string("timezone", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        top.expected("timezone", "an IANA time zone such as Europe/Paris", timezone)
        timezone = "UTC"

    if isinstance(top.raw("author"), str):  # `author: Jane Doe` is short for author.name
        author = Author(name=top.raw("author"))
    else:
        author_fields = top.section("author")
        author_fields.check_unknown(("name", "url", "email"))
        author = Author(
            name=author_fields.string("name"),
            url=author_fields.string("url"),
            email=author_fields.string("email"),
        )

    permalink = top.string("permalink", "/{year}/{month}/{slug}/")
    names = set(re.findall(r"{(\w+)}", permalink))
    unknown = sorted(names - set(PERMALINK_FIELDS))
    if unknown:
        top.fail(
            "permalink",
            f"unknown placeholder {{{unknown[0]}}}; use "
            + ", ".join("{" + name + "}" for name in PERMALINK_FIELDS),
        )
    elif "slug" not in names:
        top.fail("permalink", "must contain {slug}, so that every post gets its own URL")
    elif not (permalink.startswith("/") and permalink.endswith("/")):
        top.expected("permalink", "a pattern that starts and ends with /", permalink)

    feeds_fields = top.section("feeds")
    feeds_fields.check_unknown(("atom", "rss", "entries", "full_content"))
    feeds = FeedConfig(
        atom=feeds_fields.boolean("atom", True),
        rss=feeds_fields.boolean("rss", True),
        entries=feeds_fields.integer("entries", 20, minimum=1),
        full_content=feeds_fields.boolean("full_content", True),
    )

    taxonomies = top.string_list("taxonomies") if top.has("taxonomies") else TAXONOMIES
    for name in taxonomies:
        if name not in TAXONOMIES:
            top.expected("taxonomies", "a list drawn from tags, categories", name)
            taxonomies = TAXONOMIES
            break

    comments = _parse_comments(top.section("comments"))
    engagement = parse_engagement(top)
    images = parse_images(top.section("images"))
    email = parse_email(top.section("email"), author.email)

    params = top.raw("params")
    if params is not None and not isinstance(params, dict):
        top.expected("params", "a mapping", params)
        params = None

    description = top.string("description")
    language = top.string("language", "en")
    posts_per_page = top.integer("posts_per_page", 10, minimum=1)
    theme = top.string("theme", "default")
    front_matter_keys = top.string_list("front_matter_keys")
    third_party = top.choice("third_party", ("warn", "allow", "error"), "warn")
    favicon = top.string("favicon")
    if favicon and not (favicon.startswith("/") and not favicon.startswith("//")):
        top.expected("favicon", "a path in the site such as /images/icon.png", favicon)
    deploy_fields = top.section("deploy")
    deploy_fields.check_unknown(("target", "max_delete"))
    deploy = DeployConfig(
        target=deploy_fields.string("target"),
        max_delete=deploy_fields.integer("max_delete", 25, minimum=0),
    )
    if deploy.max_delete > 100:
        deploy_fields.expected("max_delete", "a percentage from 0 to 100", deploy.max_delete)
    if top.problems:
        raise SiteError(sorted(top.problems, key=lambda p: p.line or 0))
    return SiteConfig(
        root=root,
        title=title,
        base_url=base_url,
        description=description,
        language=language,
        timezone=timezone,
        author=author,
        permalink=permalink,
        posts_per_page=posts_per_page,
        theme=theme,
        feeds=feeds,
        taxonomies=taxonomies,
        comments=comments,
        images=images,
        email=email,
        params=dict(params or {}),
        front_matter_keys=front_matter_keys,
        third_party=third_party,
        deploy=deploy,
        favicon=favicon,
        engagement=engagement,
    )


def _parse_comments(fields: Fields) -> CommentsConfig:
    fields.check_unknown(
        ("enabled", "feed", "endpoint", "store", "max_depth", "close_after_days", "on_change",
         "service")
    )  # fmt: skip
    feed = fields.string("feed", "comments.json")
    if feed.startswith(("http://", "https://")):
        try:
            host = urlsplit(feed).hostname
        except ValueError:
            host = None
            fields.expected("feed", "a path or an https URL", feed)
        # Plain http only on this machine (a comment service beside the build); anywhere
        # else the feed could be tampered with on its way.
        if host is not None and feed.startswith("http://") and host not in LOOPBACK_HOSTS:
            fields.expected("feed", "a path or an https URL", feed)
    store = fields.string("store", ".salon/comments.sqlite3")
    if store.startswith(("postgresql://", "postgres://")):
        # The password comes from PGPASSWORD or a pgpass file: site.yaml is committed.
        if urlsplit(store).password is not None:
            fields.expected(
                "store", "a URL without a password (set PGPASSWORD or use a pgpass file)",
                store.split("//", 1)[0] + "//…",
            )  # fmt: skip
    elif "://" in store:
        fields.expected("store", "a path inside the site or postgresql://user@host/db", store)
    elif store.startswith("output/") or store.startswith("/"):
        fields.expected("store", "a private path inside the site, outside output/", store)
    service = fields.section("service")
    service.check_unknown(tuple(ServiceConfig.__dataclass_fields__))
    defaults = ServiceConfig()
    return CommentsConfig(
        enabled=fields.boolean("enabled", True),
        feed=feed,
        endpoint=fields.string("endpoint", "/api/comments"),
        store=store,
        max_depth=fields.integer("max_depth", 5, minimum=1),
        close_after_days=fields.integer("close_after_days", 0, minimum=0),
        on_change=fields.string("on_change"),
        service=ServiceConfig(
            rate_per_minute=service.integer("rate_per_minute", defaults.rate_per_minute, 1),
            rate_per_hour=service.integer("rate_per_hour", defaults.rate_per_hour, 1),
            min_seconds=service.integer("min_seconds", defaults.min_seconds, 0),
            max_form_age_hours=service.integer(
                "max_form_age_hours", defaults.max_form_age_hours, 1
            ),
            max_links=service.integer("max_links", defaults.max_links, 0),
            blocked_words=service.string_list("blocked_words"),
            auto_approve_known=service.boolean("auto_approve_known", False),
            trusted_proxies=service.integer("trusted_proxies", 0, 0),
            session_hours=service.integer("session_hours", defaults.session_hours, 1),
        ),
    )


def with_overrides(
    config: SiteConfig, output: Path | None = None, base_url: str | None = None
) -> SiteConfig:
    """The settings for `build --output DIR --base-url URL` (a preview on another host):
    the site's own output/ and its records stay as they are."""
    if output is None and base_url is None:
        return config
    changes: dict[str, Any] = {}
    if base_url is not None:
        base = base_url.rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SiteError.at(
                "--base-url: expected an http(s) URL such as https://preview.example.org, "
                f'got "{base_url}"'
            )
        changes["base_url"] = base
    if output is not None:
        output = output.resolve()
        root = config.root.resolve()
        if output == root or root.is_relative_to(output):
            raise SiteError.at(
                "--output: the site itself is in this folder; choose another", str(output)
            )
        for inner in ("content", "themes", "templates", ".salon"):
            if output.is_relative_to(root / inner) and output != root / PREVIEW_OUTPUT:
                raise SiteError.at(
                    f"--output: inside the site's {inner}/; choose another folder", str(output)
                )
        if output != root / "output":
            changes["output_override"] = output
    if not changes:
        return config
    label = f"{changes.get('output_override', '')}|{changes.get('base_url', '')}"
    changes["variant"] = hashlib.sha256(label.encode()).hexdigest()[:16]
    changed = replace(config, **changes)
    out = changed.output_dir
    built = any((changed.state_dir / name).is_file() for name in OUTPUT_MANIFESTS)
    if out.is_dir() and any(out.iterdir()) and not built:
        # A build removes what it did not make from its output: never from a folder of yours.
        raise SiteError.at(
            "--output: this folder has files salon build did not write; choose a new or empty one",
            str(out),
        )
    return changed


def load_config(root: Path) -> SiteConfig:
    """Read and validate ``root/site.yaml``."""
    path = root / CONFIG_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SiteError.at(
            f"no {CONFIG_FILE} here; run `salon new DIR` to start a site", str(path)
        ) from None
    return parse_config(decode_utf8(data, CONFIG_FILE), CONFIG_FILE, root)
