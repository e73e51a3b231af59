"""One error type for everything a user can get wrong, and one way to print it.

Every problem a user can fix names the file and, where known, the line:
``content/posts/x.md:7: date: expected a date, got "tuesday"``.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A single user-facing problem: where it is and what to fix."""

    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class SiteError(Exception):
    """A mistake in the user's site (config, content, templates, feed).

    It may carry several problems so that validation can report everything
    it found at once instead of one problem per run.
    """

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, message: str, path: str | None = None, line: int | None = None) -> SiteError:
        return cls(Problem(message, path, line))

    def __reduce__(self) -> tuple[type[SiteError], tuple[tuple[Problem, ...]]]:
        # Made again from its problems when it crosses to another process (a worker's
        # error raised by the build), not from the joined message.
        return (type(self), (self.problems,))


class CommentError(Exception):
    """A mistake in a moderation command: unknown id, bad status, missing store."""


def describe(value: object) -> str:
    """Show a user's value in an error message the way they wrote it."""
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def decode_utf8(data: bytes, shown: str) -> str:
    """The text of a file, or a SiteError at the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SiteError.at(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            shown,
            line,
        ) from None


_DISK_ERRORS = {
    errno.ENOSPC: "free some space and run the command again",
    errno.EDQUOT: "free some space (the disk quota is used up) and run the command again",
    errno.EROFS: "the folder is on a read-only file system; run where it can be written",
    errno.EACCES: "this user may not write there; run as its owner or change its permissions",
    errno.EPERM: "this user may not write there; run as its owner or change its permissions",
}


def describe_disk_error(exc: OSError) -> str | None:
    """``PATH: reason; what to do`` for a full disk or a folder that cannot be written;
    None for any other OSError (a bug, not the machine)."""
    if exc.errno is None or exc.errno not in _DISK_ERRORS:
        return None
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror}; {_DISK_ERRORS[exc.errno]}"
