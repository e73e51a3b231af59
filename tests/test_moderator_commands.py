"""The moderator's conveniences: id prefixes, approving every pending comment, pending first,
replying in $EDITOR, and commands that would ask failing at once without a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from generator.core.models import CommentStatus
from tests.test_comments_cli import add, comments, feed, stored, terminal, tiny  # noqa: F401

PENDING = ("a1b2c3d4e5f6", "a1b2ffffffff", "0c0c0c0c0c0c")


@pytest.fixture
def waiting(tiny: Path) -> Path:  # noqa: F811
    add(tiny, "9e9e9e9e9e9e", CommentStatus.APPROVED, minutes=0)
    for minutes, cid in enumerate(PENDING, 1):
        add(tiny, cid, minutes=minutes)
    return tiny


def test_ids_by_unique_prefix(waiting: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert comments(capsys, waiting, "approve", "0c0c") == (
        0, "Approved 0c0c0c0c0c0c; comments.json rewritten.\n", ""
    )  # fmt: skip
    assert comments(capsys, waiting, "reject", "a1b2") == (
        1, "", "error: a1b2 is the start of 2 comment ids (a1b2c3d4e5f6, a1b2ffffffff); give "
        "more of it\n",
    )  # fmt: skip
    assert comments(capsys, waiting, "show", "a1b") == (
        1, "", "error: no comment with id a1b (give at least 4 characters of an id)\n"
    )  # fmt: skip
    assert comments(capsys, waiting, "spam", "ffff") == (1, "", "error: no comment with id ffff\n")
    assert comments(capsys, waiting, "spam", "A1B2C")[0] == 0  # case does not matter
    assert stored(waiting, "a1b2c3d4e5f6").status is CommentStatus.SPAM


def test_list_shows_pending_first(waiting: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = comments(capsys, waiting, "list")
    ids = [line.split()[0] for line in out.splitlines()[1:-1]]
    assert status == 0 and ids == [*PENDING, "9e9e9e9e9e9e"]


def test_approve_all_pending_with_yes(waiting: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert comments(capsys, waiting, "approve", "--all-pending", "--yes") == (
        0, "Approved 3 comments; comments.json rewritten.\n", ""
    )  # fmt: skip
    assert set(feed(waiting)) == {*PENDING, "9e9e9e9e9e9e"}
    assert comments(capsys, waiting, "approve", "--all-pending", "--yes") == (
        0, "No comments are waiting.\n", ""
    )  # fmt: skip


def test_commands_that_would_ask_fail_at_once_without_a_terminal(
    waiting: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert comments(capsys, waiting, "approve", "--all-pending") == (
        1, "", "error: confirming needs a terminal, and there is none here; add --yes to go "
        "ahead without asking\n",
    )  # fmt: skip
    assert comments(capsys, waiting, "reply", "0c0c") == (
        1, "", "error: opening an editor needs a terminal, and there is none here; give the "
        "reply as --body TEXT or --body-file FILE\n",
    )  # fmt: skip
    assert comments(capsys, waiting, "edit", "0c0c") == (
        1, "", "error: opening an editor needs a terminal, and there is none here; give the "
        "change as --body TEXT, --body-file FILE, --name or --website\n",
    )  # fmt: skip
    assert stored(waiting, "0c0c0c0c0c0c").status is CommentStatus.PENDING


def test_reply_in_the_editor(
    waiting: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, terminal: None,  # noqa: F811
) -> None:  # fmt: skip
    add(waiting, "7a7a7a7a7a7a", CommentStatus.APPROVED, body="Line one.\nLine two.")
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"pathlib.Path({str(tmp_path / 'seen.txt')!r}).write_text(p.read_text())\n"
        "p.write_text('Thank you, truly.\\n' + p.read_text())\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    status, out, err = comments(capsys, waiting, "reply", "7a7a")
    assert (status, err) == (0, "")
    assert out.startswith("Replied to 7a7a7a7a7a7a as Tess Author (comment ")
    assert (tmp_path / "seen.txt").read_text() == (
        "\n\n-- Write your reply above this line; this line and all below it are left out. --\n"
        "Reader wrote:\n> Line one.\n> Line two.\n"
    )
    replies = [c for c in feed(waiting).values() if c["parent"] == "7a7a7a7a7a7a"]
    assert [r["body"] for r in replies] == ["Thank you, truly."]

    monkeypatch.setenv("EDITOR", "true")  # saved as it was: nothing written above the line
    assert comments(capsys, waiting, "reply", "7a7a") == (
        1, "", "error: the reply is empty; nothing was sent\n"
    )  # fmt: skip


def test_approve_all_pending_asks_at_a_real_terminal(waiting: Path) -> None:
    """Through a pseudo-terminal: the count, the question, and "n" changes nothing."""
    for answer, expected in ((b"n\n", "Nothing was changed."), (b"y\n", "Approved 3 comments")):
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "comments", "approve", "--all-pending", "--site",
             str(waiting)],
            stdin=follower, stdout=follower, stderr=follower, close_fds=True,
        )  # fmt: skip
        os.close(follower)
        seen = b""
        while b"[y/N]" not in seen:
            ready, _, _ = select.select([leader], [], [], 20)
            assert ready, seen
            seen += os.read(leader, 1024)
        assert b"Publish 3 pending comments? [y/N] " in seen
        os.write(leader, answer)
        while process.poll() is None or select.select([leader], [], [], 0.1)[0]:
            try:
                chunk = os.read(leader, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        process.wait(20)
        os.close(leader)
        assert expected in seen.decode(), seen
