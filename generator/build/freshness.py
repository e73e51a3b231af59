"""Knowing, cheaply, that nothing changed since the last build.

The digest covers every input of a build: Salon's version, the settings, the hash
of every source and of the comments feed, and the theme and asset files (by path, size
and modification time). When it equals the last successful build's, the output is
intact and no deadline has passed (a scheduled post falling due, comments closing
by age), the build has nothing to do and does nothing.

Reading and hashing every source and the feed is most of such a build's time, so a
second digest, of the same inputs' file status (size, modification and change times,
inode) answers first: when it equals the one the last build recorded, nothing was
written since. It stands for the contents only where no file was touched within
core/files.STAT_MARGIN of the moment its status was read (a coarse clock could give a later write
the same times), and never for a downloaded feed; otherwise the build reads everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from generator.build.code_fingerprint import code_fingerprint
from generator.build.content import SourceFile
from generator.build.manifest import Manifest
from generator.build.writer import write_private
from generator.core import files as file_times
from generator.core.config import SiteConfig
from generator.core.files import Stats, stat_of
from generator.core.models import CommentsMode, Document, Kind

RECORD = "last-build.json"


@dataclass(frozen=True)
class LastBuild:
    digest: str
    valid_until: datetime | None
    posts: int
    pages: int
    drafts_held: int
    future_held: int
    warnings: tuple[str, ...]
    stat_digest: str | None = None  # stat_digest() as taken before the build read anything


def _files_by_stat(folders: Iterable[Path], stats: Stats | None) -> Iterable[str]:
    for folder in folders:
        if not folder.is_dir():
            continue
        for base, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(base, name)
                stat = stat_of(path, stats)
                yield f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}"


def inputs_digest(
    config: SiteConfig,
    sources: Sequence[SourceFile],
    feed_digest: str,
    options: str,
    theme_dirs: Sequence[Path],
    stats: Stats | None = None,
) -> str:
    digest = hashlib.sha1(f"{code_fingerprint()}\0{config!r}\0{options}".encode())
    for source in sources:
        digest.update(f"\0{source.kind.value}\0{source.path}\0{source.digest}".encode())
    digest.update(f"\0feed\0{feed_digest}".encode())
    for line in _files_by_stat(_asset_folders(config, theme_dirs), stats):
        digest.update(line.encode())
    return digest.hexdigest()


def _asset_folders(config: SiteConfig, theme_dirs: Sequence[Path]) -> tuple[Path, ...]:
    return (config.content_dir, config.root / "templates", *theme_dirs)


def stat_digest(
    config: SiteConfig, options: str, theme_dirs: Sequence[Path], stats: Stats | None = None
) -> str | None:
    """A digest of what inputs_digest covers, by file status instead of contents.

    Every file under content/ (the sources among them), the feed, templates and themes.
    None where status cannot stand for contents: a downloaded feed, or a file whose
    times fall within STAT_MARGIN of now. ``stats``: where each status taken is kept.
    """
    if config.comments.enabled and config.feed_is_remote:
        return None
    recent = time.time() - file_times.STAT_MARGIN
    digest = hashlib.sha1(f"{code_fingerprint()}\0{config!r}\0{options}".encode())
    feed = [config.feed_path] if config.comments.enabled else []
    standing = True  # until a file says its status cannot stand for its contents
    for path in feed:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            digest.update(b"\0no feed\0")
            continue
        except OSError:
            return None  # the full read says what is wrong with it
        if max(stat.st_mtime, stat.st_ctime) >= recent:
            standing = False  # (the other files' status is still taken, for the build)
            continue
        digest.update(f"\0feed\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0"
                      f"{stat.st_ctime_ns}\0{stat.st_ino}".encode())  # fmt: skip
    for folder in _asset_folders(config, theme_dirs):
        if not folder.is_dir():
            continue
        for base, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if stats is None and not standing:
                    return None
                file = os.path.join(base, name)
                try:
                    stat = os.stat(file)
                except OSError:
                    return None
                if stats is not None:
                    # Every file's, even once the answer is None: the build that follows
                    # reads them all (an essay just edited is usually one of them).
                    stats[file] = stat
                if not standing or max(stat.st_mtime, stat.st_ctime) >= recent:
                    standing = False
                    continue
                digest.update(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}\0"
                              f"{stat.st_ctime_ns}\0{stat.st_ino}\1".encode())  # fmt: skip
    return digest.hexdigest() if standing else None


def deadline(documents: Sequence[Document], config: SiteConfig, now: datetime) -> datetime | None:
    """The next moment at which time alone would change the site, if any."""
    moments: list[datetime] = []
    for doc in documents:
        if doc.kind is not Kind.POST or doc.date is None or doc.draft:
            continue
        if doc.date > now:
            moments.append(doc.date)
        days = config.comments.close_after_days
        if days and doc.comments is CommentsMode.OPEN and doc.date + timedelta(days=days) > now:
            moments.append(doc.date + timedelta(days=days))
    return min(moments) if moments else None


def load_last_build(config: SiteConfig) -> LastBuild | None:
    try:
        data = json.loads((config.state_dir / RECORD).read_text(encoding="utf-8"))
        until = data["valid_until"]
        return LastBuild(
            digest=str(data["digest"]),
            valid_until=datetime.fromisoformat(until) if until else None,
            posts=int(data["posts"]),
            pages=int(data["pages"]),
            drafts_held=int(data["drafts_held"]),
            future_held=int(data["future_held"]),
            warnings=tuple(str(w) for w in data["warnings"]),
            stat_digest=str(data["stat_digest"]) if data.get("stat_digest") else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_last_build(config: SiteConfig, record: LastBuild) -> None:
    data = {
        "digest": record.digest,
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "posts": record.posts,
        "pages": record.pages,
        "drafts_held": record.drafts_held,
        "future_held": record.future_held,
        "warnings": list(record.warnings),
        "stat_digest": record.stat_digest,
    }
    write_private(config.state_dir / RECORD, json.dumps(data, indent=1).encode())


def forget_last_build(config: SiteConfig) -> None:
    (config.state_dir / RECORD).unlink(missing_ok=True)


def still_fresh(record: LastBuild | None, digest: str | None, now: datetime, manifest: Manifest,
                out_dir: Path, by_stat: bool = False) -> bool:  # fmt: skip
    """The output is the build of these inputs: ``digest`` is the last build's (its
    stat_digest with ``by_stat``), no deadline has passed and output/ is intact."""
    if record is None or digest is None:
        return False
    if digest != (record.stat_digest if by_stat else record.digest):
        return False
    if record.valid_until is not None and now >= record.valid_until:
        return False
    return bool(manifest.entries) and all(manifest.intact(out_dir, p) for p in manifest.entries)
