"""The static search index for readers with JavaScript: Pagefind, through its Python API.

Pagefind is handed the records the build already made (search_index.SearchRecord:
essays and pages, as plain text), never the written HTML to re-parse, and writes its
bundle into a private folder; the writer then swaps that folder in as output/pagefind/
in one step. Pagefind cannot update part of an index, so the whole index is made again,
and only when some record changed.
"""

from __future__ import annotations

import base64
import errno
import itertools
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.build.output_set import check_relative
from generator.contract.search_index import SearchRecord
from generator.core.errors import SiteError

log = logging.getLogger("salon.search")
BUNDLE = "pagefind"  # the folder under output/ the search page loads its script from
TITLE_LIMIT = 300
# Pagefind's ready-made interfaces: the theme's search page has its own, so they are not
# published (nothing on the site would load them).
UNUSED = re.compile(r"^pagefind-(.*-)?ui\.(js|css)$|^pagefind-highlight\.js$")
BATCH = 64  # records sent before their answers are read: far below any pipe's buffer


def pagefind_executable() -> Path | None:
    """The binary the `pagefind[bin]` package installed (or PAGEFIND_BINARY_PATH)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    executable = get_executable()
    return executable if executable is not None and executable.exists() else None


class PagefindProcess:
    """`pagefind --service`, spoken to directly: one base64 JSON message per comma.

    The `pagefind` package's own async client waits 100 ms before reading each answer
    (200 records took 20 s here); the service itself answers as fast as it is asked,
    so records are sent in batches and their answers read after each batch.
    """

    def __init__(self, executable: Path) -> None:
        self.process = subprocess.Popen(
            [str(executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.sent = 0
        self.buffer = bytearray()

    def send(self, payload: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.sent += 1
        message = {"message_id": self.sent, "payload": payload}
        self.process.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")

    def answers(self, count: int) -> list[dict[str, Any]]:
        """Flush what was sent and read ``count`` answers."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.flush()
        answers: list[dict[str, Any]] = []
        scanned = 0  # the buffer before this holds no comma: a big answer is scanned once
        while len(answers) < count:
            end = self.buffer.find(b",", scanned)
            if end < 0:
                scanned = len(self.buffer)
                chunk = os.read(self.process.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise OSError("Pagefind stopped before answering")
                self.buffer += chunk
                continue
            answers.append(self._decode(bytes(self.buffer[:end])))
            del self.buffer[: end + 1]
            scanned = 0
        return answers

    @staticmethod
    def _decode(part: bytes) -> dict[str, Any]:
        answer = json.loads(base64.b64decode(part))
        payload: dict[str, Any] = answer.get("payload") or {}
        if payload.get("type") == "Error":
            raise OSError(str(payload.get("message", "unknown error")))
        return payload

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _index(
    executable: Path, records: Iterable[SearchRecord], language: str, folder: Path,
    previous: Path | None,
) -> None:  # fmt: skip
    service = PagefindProcess(executable)
    try:
        service.send({"type": "NewIndex", "config": {"force_language": language}})
        (created,) = service.answers(1)
        index_id = int(created["index_id"])
        waiting = iter(records)
        while batch := list(itertools.islice(waiting, BATCH)):
            for record in batch:
                meta = {"title": record.title[:TITLE_LIMIT]}
                if record.date:
                    meta["date"] = record.date
                service.send({"type": "AddRecord", "index_id": index_id, "url": record.url,
                              "content": record.text, "language": language, "meta": meta,
                              "filters": None, "sort": None})  # fmt: skip
            service.answers(len(batch))
        # The files come back in the answer and are written here: Pagefind's own writing
        # may still be under way when it answers, and it exits as soon as it is told.
        service.send({"type": "GetFiles", "index_id": index_id})
        (answer,) = service.answers(1)
        published = _Published(previous)
        made: set[Path] = set()
        for item in answer["files"]:
            relative = check_relative(str(item["path"]))
            if UNUSED.match(relative):
                continue
            target = folder / relative
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            data = base64.b64decode(item["content"])
            if not published.link(relative, data, target):
                target.write_bytes(data)
    finally:
        service.close()


class _Published:
    """The bundle now in output/, whose files the new one links to where their bytes are
    the same: after an edit, all but a few of its thousands of files.

    A link writes no bytes and makes no inode (on this machine's ext4 without a journal,
    making thousands of files just after deleting thousands was 2 of the search step's
    12 s after an edit at 5,000 essays), and the file keeps its modification time, so
    `salon deploy` sends only what changed. Only regular files inside the bundle are
    linked: never through a symbolic link, never across file systems (then the file is
    written, as are files that are new or changed).
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder.resolve() if folder is not None and folder.is_dir() else None
        self.inside: dict[Path, bool] = {}  # a parent folder: it is the bundle's own

    def link(self, relative: str, data: bytes, target: Path) -> bool:
        if self.folder is None:
            return False
        old = self.folder / relative
        inside = self.inside.get(old.parent)
        if inside is None:
            inside = self.inside[old.parent] = old.parent.resolve() == old.parent
        try:
            if not inside or old.is_symlink() or old.stat().st_size != len(data):
                return False
            if old.read_bytes() != data:
                return False
            os.link(old, target, follow_symlinks=False)
        except OSError as error:  # gone, a folder; another file system, links refused
            if error.errno in (errno.EXDEV, errno.EPERM, errno.EOPNOTSUPP):
                self.folder = None  # no file will link: write them all
            return False
        return True


def make_pagefind_bundle(
    records: Iterable[SearchRecord], language: str, folder: Path, previous: Path | None = None
) -> Path:
    """Index ``records`` into ``folder`` (emptied first); returns the folder. ``previous``:
    the bundle now published, whose unchanged files are linked rather than written.

    Raises SiteError when Pagefind is missing or fails, saying what to do.
    """
    executable = pagefind_executable()
    if executable is None:
        raise SiteError.at(
            "search: Pagefind is not installed; `pip install 'pagefind[bin]'`, "
            "or set `search: pagefind: false` in site.yaml",
            "site.yaml",
        )
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        _index(executable, records, language.split("-")[0] or "en", folder, previous)
    except (OSError, ValueError, KeyError, SiteError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise SiteError.at(f"search: Pagefind failed: {exc}", "site.yaml") from None
    if not (folder / "pagefind.js").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        raise SiteError.at("search: Pagefind wrote no pagefind.js", "site.yaml")
    return folder
