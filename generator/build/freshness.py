"""Knowing, cheaply, that nothing changed since the last build.

The digest covers every input of a build: Salon's version, the settings, the text
of every source, the comments feed, and the theme and asset files (by path, size
and modification time). When it equals the last successful build's, the output is
intact and no deadline has passed (a scheduled post falling due, comments closing
by age), the build has nothing to do and does nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from generator.build.code_fingerprint import code_fingerprint
from generator.build.content import SourceFile
from generator.build.manifest import Manifest
from generator.build.writer import write_private
from generator.core.config import SiteConfig
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


def _files_by_stat(folders: Iterable[Path]) -> Iterable[str]:
    for folder in folders:
        if not folder.is_dir():
            continue
        for base, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(base, name)
                stat = os.stat(path)
                yield f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}"


def inputs_digest(
    config: SiteConfig,
    sources: Sequence[SourceFile],
    feed_text: str | None,
    options: str,
    theme_dirs: Sequence[Path],
) -> str:
    digest = hashlib.sha1(f"{code_fingerprint()}\0{config!r}\0{options}".encode())
    for source in sources:
        digest.update(f"\0{source.kind.value}\0{source.path}\0".encode())
        digest.update(source.text.encode())
    digest.update(b"\0feed\0")
    digest.update((feed_text or "").encode())  # not concatenated: a big feed is not copied twice
    assets = (config.content_dir, config.root / "templates", *theme_dirs)
    for line in _files_by_stat(assets):
        digest.update(line.encode())
    return digest.hexdigest()


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
    }
    write_private(config.state_dir / RECORD, json.dumps(data, indent=1).encode())


def forget_last_build(config: SiteConfig) -> None:
    (config.state_dir / RECORD).unlink(missing_ok=True)


def still_fresh(record: LastBuild | None, digest: str, now: datetime, manifest: Manifest,
                out_dir: Path) -> bool:  # fmt: skip
    if record is None or record.digest != digest:
        return False
    if record.valid_until is not None and now >= record.valid_until:
        return False
    return bool(manifest.entries) and all(manifest.intact(out_dir, p) for p in manifest.entries)
