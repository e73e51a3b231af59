"""The static search index for readers with JavaScript: Pagefind, through its Python API.

Pagefind is handed the records the build already made (search_index.SearchRecord:
essays and pages, as plain text), never the written HTML to re-parse, and writes its
bundle into a private folder; the writer then swaps that folder in as output/pagefind/
in one step.

Pagefind cannot update part of an index, and its time grows with the records (1.9 ms
each here): the bundle is made of parts, one index per year of essays and one for the
pages (`parts/<name>/`), which the search page merges (Pagefind's `mergeIndex`, listed
in `parts.json` with each part's digest). A build makes again only the parts whose
records changed and links the others' files from the published bundle; after an edit,
one year's essays are indexed instead of all. The first part (the pages, else the newest
year) is also the bundle's top, whose `pagefind.js` the search page loads: merged
indexes are searched with its language module.
"""

from __future__ import annotations

import base64
import errno
import hashlib
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
from generator.contract.search_index import SearchRecord, light, record_fingerprint, with_texts
from generator.core.errors import SiteError

log = logging.getLogger("salon.search")
BUNDLE = "pagefind"  # the folder under output/ the search page loads its script from
TITLE_LIMIT = 300
# Pagefind's ready-made interfaces: the theme's search page has its own, so they are not
# published (nothing on the site would load them).
UNUSED = re.compile(r"^pagefind-(.*-)?ui\.(js|css)$|^pagefind-highlight\.js$")
BATCH = 64  # records sent before their answers are read: far below any pipe's buffer
PARTS = "parts"  # under the bundle: one index per part
PARTS_LIST = "parts.json"  # the parts the search page merges, and each part's digest
PAGES_PART = "pages"


def part_of(record: SearchRecord) -> str:
    """The part a record is indexed in: an essay's year, or the pages'."""
    year = record.date[:4]
    return year if record.kind == "post" and year.isdigit() else PAGES_PART


def first_part(parts: Iterable[str]) -> str:
    """The part the search page loads first (the pages change least; without pages, the
    newest year). It must hold records: an index without any has no language module."""
    names = sorted(parts)
    return PAGES_PART if PAGES_PART in names or not names else names[-1]


def part_digests(records: Iterable[SearchRecord], maker: str = "") -> dict[str, str]:
    """Each part's digest: it changes when one of its records does, or ``maker`` (what
    makes the index besides them: Pagefind itself, the language, Salon's code)."""
    digests: dict[str, Any] = {}
    for record in records:
        part = part_of(record)
        if part not in digests:
            digests[part] = hashlib.sha1(f"{maker}\0{part}".encode())
        digests[part].update(record_fingerprint(record))
    return {part: digest.hexdigest() for part, digest in sorted(digests.items())}


def _maker(executable: Path, language: str) -> str:
    """What a part's index is made by besides its records: another Pagefind (an upgrade)
    could write a format the parts made before cannot be merged with."""
    from generator.build.code_fingerprint import code_fingerprint

    stat = executable.stat()
    binary = f"{executable.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    return f"{binary}:{language}:{code_fingerprint()}"


def published_digests(bundle: Path) -> dict[str, str]:
    """The digests of the parts a published bundle holds ({} for none, or an older one)."""
    try:
        listed = json.loads((bundle / PARTS_LIST).read_text(encoding="utf-8"))
        return {str(part): str(digest) for part, digest in listed["digests"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


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


def _index_parts(
    executable: Path, records: Iterable[SearchRecord], language: str, folder: Path,
    parts: set[str], previous: Path | None,
) -> None:  # fmt: skip
    """Index the records of ``parts`` (one index each, in one Pagefind process) into
    ``folder/parts/<part>/``."""
    service = PagefindProcess(executable)
    try:
        ids: dict[str, int] = {}
        for part in sorted(parts):
            service.send({"type": "NewIndex", "config": {"force_language": language}})
            (created,) = service.answers(1)
            ids[part] = int(created["index_id"])

        def wanted(record: SearchRecord) -> bool:
            return part_of(record) in ids

        waiting = (record for record in with_texts(records, wanted) if wanted(record))
        while batch := list(itertools.islice(waiting, BATCH)):
            for record in batch:
                meta = {"title": record.title[:TITLE_LIMIT]}
                if record.date:
                    meta["date"] = record.date
                service.send({"type": "AddRecord", "index_id": ids[part_of(record)],
                              "url": record.url, "content": record.text, "language": language,
                              "meta": meta, "filters": None, "sort": None})  # fmt: skip
            service.answers(len(batch))
        for part, index_id in ids.items():
            # The files come back in the answer and are written here: Pagefind's own
            # writing may still be under way when it answers, and it exits once told.
            service.send({"type": "GetFiles", "index_id": index_id})
            (answer,) = service.answers(1)
            published = _Published(previous / PARTS / part if previous is not None else None)
            made: set[Path] = set()
            for item in answer["files"]:
                relative = check_relative(str(item["path"]))
                if UNUSED.match(relative):
                    continue
                target = folder / PARTS / part / relative
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                data = base64.b64decode(item["content"])
                if not published.link(relative, data, target):
                    target.write_bytes(data)
    finally:
        service.close()


def _plain_files(folder: Path) -> list[str] | None:
    """The files of a part, relative to it, when it holds folders and regular files only
    (nothing planted in it that a link would follow) and its entry file; None otherwise
    (a published part is then made again rather than linked). Told apart by the types
    the folder listing gives (os.scandir): two status calls a file took 0.1 s for 5,000."""
    if folder.is_symlink() or not (folder / "pagefind-entry.json").is_file():
        return None
    found: list[str] = []
    pending = [""]
    while pending:
        below = pending.pop()
        with os.scandir(os.path.join(folder, below)) as entries:
            for entry in entries:
                relative = f"{below}/{entry.name}" if below else entry.name
                if entry.is_symlink():
                    return None
                if entry.is_dir(follow_symlinks=False):
                    pending.append(relative)
                elif entry.is_file(follow_symlinks=False):
                    found.append(relative)
                else:
                    return None  # a pipe, a socket: nothing Pagefind makes
    return found


def _link_files(source: Path, files: list[str], target: Path) -> None:
    """``files`` (relative, as _plain_files lists them) linked, else copied, from
    ``source`` to the same places under ``target``."""
    made: set[Path] = set()
    for relative in files:
        destination = target / relative
        if destination.parent not in made:
            destination.parent.mkdir(parents=True, exist_ok=True)
            made.add(destination.parent)
        try:
            os.link(source / relative, destination, follow_symlinks=False)
        except OSError:
            shutil.copyfile(source / relative, destination)


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
    """Index ``records`` into ``folder`` (emptied first), in parts; returns the folder.
    ``previous``: the bundle now published, whose parts with the same records are linked
    rather than made again (and whose unchanged files are linked in the others).
    ``records`` is read twice: once for the parts' digests (without texts), once to
    index the parts to make (with theirs).

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
    language = language.split("-")[0] or "en"
    # No record at all: one empty index, the pages' part.
    digests = part_digests(light(records), _maker(executable, language)) or {PAGES_PART: ""}
    kept = published_digests(previous) if previous is not None else {}
    reused: dict[str, list[str]] = {}  # a published part kept: its files
    for part, digest in digests.items():
        if previous is not None and kept.get(part) == digest:
            files = _plain_files(previous / PARTS / part)
            if files is not None:
                reused[part] = files
    try:
        if reused.keys() != digests.keys():
            _index_parts(executable, records, language, folder, set(digests) - set(reused),
                         previous)  # fmt: skip
        for part, files in reused.items():
            assert previous is not None
            _link_files(previous / PARTS / part, files, folder / PARTS / part)
        first = folder / PARTS / first_part(digests)
        # The top, what the search page loads: the first part's files (just made or linked).
        _link_files(first, _plain_files(first) or [], folder)
        merged = [f"{PARTS}/{part}/" for part in digests if part != first.name]
        listed = {"merge": merged, "digests": digests}
        (folder / PARTS_LIST).write_text(json.dumps(listed, sort_keys=True), encoding="utf-8")
    except (OSError, ValueError, KeyError, SiteError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise SiteError.at(f"search: Pagefind failed: {exc}", "site.yaml") from None
    if not (folder / "pagefind.js").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        raise SiteError.at("search: Pagefind wrote no pagefind.js", "site.yaml")
    return folder
