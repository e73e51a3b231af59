"""The comment store's file: checked where it is opened, and its failures explained.

The store holds what nothing else does (pending comments, emails, the audit log), so
a damaged one is never replaced without a word: a folder, an empty or truncated file,
or one that is not SQLite is refused with what is wrong and how to recover. Failures
of the disk (full, read-only) are told apart from damage: the service answers those
with 503 and Retry-After, since they pass once someone frees space.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from generator.core.errors import CommentError
from generator.core.models import CommentStatus
from generator.service.store_backend import (  # disk full, read-only, busy
    StoreUnavailable,
    outside_sqlite,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
LOW_SPACE_BYTES = 1024 * 1024  # below this free, /health calls the store unwritable
RETRY_AFTER_SECONDS = 60


def _recovery(shown: str, feed: str) -> str:
    return (
        f"restore {shown} from a backup; or, to start again from what is published, move it "
        f"aside (mv {shown} {shown}.damaged) and run `salon comments export`: the approved "
        f"comments come back from {feed}, pending comments and the audit log do not"
    )


def check_store_file(path: Path, shown: str, feed: str) -> None:
    """Refuse a store file SQLite would fail on later, or would silently start afresh."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return  # a new store: created by the first comment, import or export
    except OSError as exc:
        raise CommentError(f"{shown}: cannot read the comment store ({exc.strerror})") from None
    if path.is_dir():
        raise CommentError(
            f"{shown}: is a folder, not a comment store; move it away (or set comments.store "
            "in site.yaml to the store's file)"
        )
    # While another connection has the store open (its -wal and -shm files exist), the
    # file's size and header change under checkpoints: only a store at rest is measured.
    in_use = _exists(path.with_name(path.name + "-wal")) or _exists(
        path.with_name(path.name + "-shm")
    )
    if in_use:
        return
    if size == 0:
        time.sleep(0.1)  # a store being created this instant has its header within ms
        size = _size(path)
    if size == 0 and not _exists(path.with_name(path.name + "-wal")):
        raise CommentError(
            f"{shown}: the comment store is empty (0 bytes): truncated, or never finished "
            "being created. It is not re-created silently, since pending comments it held "
            f"would vanish. To recover, {_recovery(shown, feed)}"
        )
    if size == 0:
        return  # being created by another process right now
    with outside_sqlite(path) as safe:
        if not safe:  # this process has it open: it is in use, so not measured (above)
            return
        try:
            with path.open("rb") as handle:
                header = handle.read(HEADER_BYTES)
        except OSError as exc:
            raise CommentError(f"{shown}: cannot read the comment store ({exc.strerror})") from None
    if not header.startswith(SQLITE_MAGIC) or len(header) < HEADER_BYTES:
        raise CommentError(
            f"{shown}: not an SQLite database (damaged, or another file in its place). "
            f"To recover, {_recovery(shown, feed)}"
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and size < pages * page_size:
        raise CommentError(
            f"{shown}: the comment store is truncated ({size} of {pages * page_size} bytes). "
            f"To recover, {_recovery(shown, feed)}"
        )


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def writable(path: Path) -> bool:
    """Can this process write the store (its folder too, for the journal files)?"""
    folder_ok = os.access(path.parent, os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def can_read_as_is(path: Path) -> bool:
    """Is everything in the file itself (no write-ahead log waiting to be merged)?"""
    return _size(path.with_name(path.name + "-wal")) == 0


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes, to read a store where nothing can be written
    (a read-only folder, a full disk); only when ``can_read_as_is``.

    ``immutable`` tells SQLite nobody writes meanwhile, which holds: nobody can.
    """
    db = sqlite3.connect(
        f"file:{path}?mode=ro&immutable=1", uri=True, isolation_level=None,
        check_same_thread=False,
    )  # fmt: skip
    return db


def free_bytes(path: Path) -> int | None:
    try:
        stats = os.statvfs(path.parent if not path.is_dir() else path)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def unwritable_reason(path: Path) -> str | None:
    """Why the store cannot take a write now, for /health; None when it can."""
    if path.parent.exists() and not writable(path):
        return "read-only"
    free = free_bytes(path)
    if free is not None and free < LOW_SPACE_BYTES:
        return f"the disk is full ({free // 1024} KiB free)"
    return None


def explain(
    exc: BaseException, shown: str, feed: str, path: Path | None = None
) -> CommentError | None:
    """What a database or file error means for the store; None for anything else.

    ``path``: the file, to tell a full disk from another I/O error (SQLite reports a
    write that found no space as SQLITE_FULL or, growing its log, as SQLITE_IOERR).
    """
    # SQLite's own names, by their primary code (SQLITE_IOERR_WRITE is an IOERR).
    primary = "_".join(str(getattr(exc, "sqlite_errorname", "")).split("_", 2)[:2])
    number = exc.errno if isinstance(exc, OSError) else None
    if primary == "SQLITE_FULL" or number == errno.ENOSPC or number == errno.EDQUOT:
        return StoreUnavailable(
            f"{shown}: the disk is full; nothing was changed. Free some space and try again"
        )
    if primary == "SQLITE_READONLY" or number in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreUnavailable(
            f"{shown}: cannot write the comment store: its folder or file is read-only "
            "for this user; nothing was changed"
        )
    if primary in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return StoreUnavailable(f"{shown}: the comment store is busy; try again in a moment")
    if primary in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return CommentError(
            f"{shown}: the comment store is damaged ({exc}). To recover, {_recovery(shown, feed)}"
        )
    if primary == "SQLITE_CANTOPEN" and path is not None and not writable(path):
        return StoreUnavailable(  # SQLite could not make its journal files beside the store
            f"{shown}: cannot write the comment store: its folder or file is read-only "
            "for this user; nothing was changed"
        )
    if primary == "SQLITE_CANTOPEN":
        return CommentError(f"{shown}: cannot open the comment store ({exc})")
    if primary == "SQLITE_IOERR" and path is not None:
        free = free_bytes(path)
        if free is not None and free < LOW_SPACE_BYTES:
            return StoreUnavailable(
                f"{shown}: the disk is full; nothing was changed. Free some space and try again"
            )
    if primary == "SQLITE_IOERR":
        return StoreUnavailable(f"{shown}: the disk failed a read or write ({exc}); try again")
    return None


_FIELDS = ("id", "post", "parent", "author", "email", "website", "body", "created", "status",
           "by_author", "ip", "user_agent", "moderated_by", "moderated_at", "held_because",
           "removed")  # fmt: skip


def impossible_row(row: Iterable[object], exc: BaseException) -> CommentError:
    """A stored comment whose values cannot be (a date that is no date, an unknown status)."""
    values = dict(zip(_FIELDS, tuple(row), strict=False))
    problems = []
    for field in ("created", "moderated_at"):
        value = values.get(field)
        if value is None and field == "moderated_at":
            continue
        try:
            datetime.fromisoformat(str(value))
        except (ValueError, TypeError):
            problems.append(f"{field} {str(value)[:40]!r} is not a time")
    if values.get("status") not in {s.value for s in CommentStatus}:
        choices = ", ".join(s.value for s in CommentStatus)
        problems.append(f"status {str(values.get('status'))[:40]!r} is not one of {choices}")
    detail = "; ".join(problems) or str(exc)
    return CommentError(
        f"the comment store holds comment {str(values.get('id'))[:64]!r} with impossible "
        f"values ({detail}); it was edited outside Salon or is damaged. Correct the row "
        "with the sqlite3 tool, or restore the store from a backup"
    )
