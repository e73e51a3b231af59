"""The only module that writes files.

Nothing is written until the whole site has rendered, so a failed build leaves the
previous output/ as it was. Each file goes to a temp file and is renamed into place.
A file whose bytes did not change is not touched (its mtime is kept), so rsync and
CDNs upload only what changed. Files no longer produced are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import SiteError

Content = bytes | Path  # rendered bytes, or a file to copy as it is


def atomic_write(path: Path, data: bytes, fsync: bool = False) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def check_relative(path: str) -> str:
    """Refuse any output path that is absolute or climbs out of the output folder."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path or "\x00" in path:
        raise SiteError.at(f'refusing to write "{path}": it would leave output/')
    return pure.as_posix()


class OutputSet:
    """Every file a build will write, by path; two sources for one path is an error."""

    def __init__(self) -> None:
        self.files: dict[str, Content] = {}
        self.sources: dict[str, str] = {}

    def add(self, path: str, content: Content, source: str) -> None:
        path = check_relative(path)
        if path in self.files:
            raise SiteError.at(
                f"{self.sources[path]} and {source} both want to write output/{path}; "
                "give one of them another slug, URL or alias"
            )
        self.files[path] = content
        self.sources[path] = source

    def __contains__(self, path: str) -> bool:
        return path in self.files

    def __len__(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def _digest(content: Content) -> str:
    if isinstance(content, bytes):
        return hashlib.sha1(content).hexdigest()
    digest = hashlib.sha1()
    with content.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _existing_files(root: Path) -> Iterator[str]:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            yield (Path(folder) / name).relative_to(root).as_posix()


def _load_manifest(path: Path) -> dict[str, list[object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_outputs(out_dir: Path, outputs: OutputSet, manifest_path: Path) -> WriteReport:
    """Make ``out_dir`` hold exactly ``outputs``, touching only files that changed.

    The manifest remembers each file's digest, size and mtime, so an unchanged file
    is recognised without reading it back.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    old = _load_manifest(manifest_path)
    new: dict[str, list[object]] = {}
    written = unchanged = 0
    for relative, content in outputs.files.items():
        target = out_dir / relative
        if not target.resolve().is_relative_to(root):
            raise SiteError.at(f'refusing to write "{relative}": it would leave output/')
        digest = _digest(content)
        try:
            stat = target.stat()
        except FileNotFoundError:
            stat = None
        before = old.get(relative)
        if before is None and stat is not None and _digest(target) == digest:
            before = [digest, stat.st_size, stat.st_mtime_ns]  # same bytes, manifest was lost
        if stat is not None and before == [digest, stat.st_size, stat.st_mtime_ns]:
            unchanged += 1
            new[relative] = before
            continue
        if isinstance(content, bytes):
            atomic_write(target, content)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(content, tmp)
            os.replace(tmp, target)
        stat = target.stat()
        new[relative] = [digest, stat.st_size, stat.st_mtime_ns]
        written += 1

    removed = 0
    for relative in list(_existing_files(out_dir)):
        if relative not in outputs.files:
            (out_dir / relative).unlink()
            removed += 1
    for folder, dirs, files in os.walk(out_dir, topdown=False):
        if not dirs and not files and Path(folder) != out_dir:
            with contextlib.suppress(OSError):  # not empty after all: keep it
                Path(folder).rmdir()
    atomic_write(manifest_path, json.dumps(new, sort_keys=True).encode())
    return WriteReport(written, unchanged, removed)


def write_private(path: Path, data: bytes) -> None:
    """A file outside output/ (the post manifest for the comment service, caches)."""
    atomic_write(path, data, fsync=True)
