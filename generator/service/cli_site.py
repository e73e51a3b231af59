"""What every `salon comments` command starts from: who is moderating, the store, the
posts of the last build."""

from __future__ import annotations

import getpass
from collections.abc import Sequence

from generator.contract.posts_manifest import ManifestError, PostInfo, parse_manifest
from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.service.actions import open_store
from generator.service.store import CommentStore


def actor() -> str:
    """Who is moderating, as recorded in the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"


def open_existing(config: SiteConfig, read_only: bool = False) -> CommentStore:
    """The store; a missing one is made only when a local feed can seed it (a fresh clone)."""
    has_feed = not config.feed_is_remote and config.feed_path.is_file()
    if not config.store_is_url and not config.store_path.exists() and not has_feed:
        raise CommentError(
            f"{config.comments.store}: no comment store here yet; it is created by the first "
            "comment, an import, or `salon comments export`"
        )
    return open_store(config, read_only=read_only)


def last_build_posts(config: SiteConfig) -> dict[str, PostInfo] | None:
    """The posts of the last build's manifest, or None when there is no usable one."""
    try:
        return parse_manifest((config.private_dir / "posts.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ManifestError):
        return None


def unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def feed_name(config: SiteConfig) -> str:
    return config.comments.feed
