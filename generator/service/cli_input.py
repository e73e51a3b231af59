"""What a moderator types for `salon comments …`: a value given on the command line, a
body read from a file or standard input, a text written in $VISUAL or $EDITOR (a reply
below the comment it answers), a new password asked twice."""

from __future__ import annotations

import getpass
import os
import shlex
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from generator.core.errors import CommentError
from generator.core.models import StoredComment
from generator.service.cli_site import require_terminal
from generator.service.passwords import MIN_LENGTH
from generator.service.terminal import one_line


def text_option(value: str, option: str) -> str:
    """A command-line value; bytes that are not UTF-8 arrive as lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CommentError(f"{option}: not valid UTF-8 text") from None
    return value


def read_body_file(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommentError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommentError(f"{name}: cannot read it ({exc})") from None


def edit_in_editor(body: str, comment_id: str, instead: str = "give --body TEXT") -> str:
    """Open $VISUAL or $EDITOR on the body; returns the text as saved."""
    require_terminal("opening an editor", instead)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="salon-edit-") as folder:
        path = Path(folder) / f"comment-{comment_id}.md"
        path.write_text(body + "\n", encoding="utf-8")
        try:
            status = subprocess.call([*shlex.split(editor), str(path)])
        except (OSError, ValueError) as exc:
            raise CommentError(f"cannot start the editor {editor!r}: {exc}") from None
        if status != 0:
            raise CommentError(f"the editor exited with status {status}; nothing was changed")
        return path.read_text(encoding="utf-8")


REPLY_CUT = "-- Write your reply above this line; this line and all below it are left out. --"


def reply_in_editor(comment: StoredComment) -> str:
    quoted = "\n".join(f"> {line}" for line in comment.body.splitlines())
    text = edit_in_editor(
        f"\n\n{REPLY_CUT}\n{one_line(comment.author)} wrote:\n{quoted}",
        comment.id,
        "give the reply as --body TEXT or --body-file FILE",
    )
    reply = text.split(REPLY_CUT, 1)[0].strip()
    if not reply:
        raise CommentError("the reply is empty; nothing was sent")
    return reply


def read_new_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        try:
            with warnings.catch_warnings():
                # Without a terminal getpass warns, then reads (and echoes) stdin: refuse.
                warnings.simplefilter("error", getpass.GetPassWarning)
                password = getpass.getpass("New moderator password: ")
                if len(password) >= MIN_LENGTH and getpass.getpass("Again: ") != password:
                    raise CommentError("the two passwords differ; nothing was changed")
        except (EOFError, getpass.GetPassWarning):  # no terminal to ask on
            raise CommentError(
                "no terminal to ask for the password on; give it on standard input with "
                "--password-stdin (e.g. printf '%s\\n' \"$PASSWORD\" | salon comments "
                "set-password --password-stdin); nothing was changed"
            ) from None
    if len(password) < MIN_LENGTH:
        raise CommentError(
            f"the password is too short: use at least {MIN_LENGTH} characters; nothing was changed"
        )
    return password
