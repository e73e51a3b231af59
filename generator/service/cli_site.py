"""What every `salon comments` command starts from: who is moderating, the store, the
posts of the last build."""

from __future__ import annotations

import getpass
import sys
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


MIN_PREFIX = 4


def resolve_ids(store: CommentStore, given: Sequence[str]) -> list[str]:
    """Full comment ids from ids or their unique starts (`715f` for 715f0c2a9b1e), as git
    takes a commit; an ambiguous or unknown one is an error naming it."""
    resolved: list[str] = []
    for wanted in unique([value.strip().lower() for value in given]):
        try:
            store.get(wanted)
            resolved.append(wanted)
            continue
        except CommentError as exc:
            if str(exc) != f"no comment with id {wanted}":
                raise  # there, but damaged: the store's own message says how
        if len(wanted) < MIN_PREFIX:
            raise CommentError(
                f"no comment with id {wanted} (give at least {MIN_PREFIX} characters of an id)"
            )
        total, matches = store.ids_starting_with(wanted)
        if not matches:
            raise CommentError(f"no comment with id {wanted}")
        if total > 1:
            shown = ", ".join(matches) + (", …" if total > len(matches) else "")
            raise CommentError(
                f"{wanted} is the start of {total} comment ids ({shown}); give more of it"
            )
        resolved.append(matches[0])
    return unique(resolved)


def has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def require_terminal(what: str, instead: str) -> None:
    """A command that would ask fails at once, naming the flag to use, when nothing can
    answer (a hook, cron, a pipe): it never waits for input that will not come."""
    if not has_terminal():
        raise CommentError(f"{what} needs a terminal, and there is none here; {instead}")


def feed_name(config: SiteConfig) -> str:
    return config.comments.feed
