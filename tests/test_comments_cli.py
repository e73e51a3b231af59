"""`salon comments …`: every command and every error, on a real SQLite store in tmp_path."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.cli import main
from generator.core.config import load_config
from generator.core.models import CommentStatus, StoredComment
from generator.service import passwords
from generator.service.actions import open_store
from generator.service.store import CommentStore

from .conftest import REPO, copy_sample_site

SAMPLE_IDS = (
    "3f9a1c0b7d21", "81be44c2d930", "c07d5e6a1f48", "5a2e9b3d6c10",
    "e4c81f27ab95", "9d3b6a0e2f77", "27f0c4d9e8b3", "b6a5f1e03d42",
)  # fmt: skip

TINY_SITE = """\
title: Tiny
base_url: https://tiny.example
author:
  name: Tess Author
  url: /about/
  email: tess@private.example
comments:
  feed: comments.json
"""


@pytest.fixture(autouse=True)
def moderator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every change is recorded as made by cli:tester."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOGNAME", "tester")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A fresh clone of the sample site: a feed of eight comments and no store yet."""
    return copy_sample_site(tmp_path / "sample")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A site with one post, no feed and no store."""
    root = tmp_path / "tiny"
    (root / "content" / "posts").mkdir(parents=True)
    (root / "site.yaml").write_text(TINY_SITE)
    (root / "content" / "posts" / "hello.md").write_text(
        "---\ntitle: Hello\ndate: 2025-01-01 10:00\nid: hello\n---\nHi.\n"
    )
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def comments(capsys: pytest.CaptureFixture[str], site: Path, *argv: str) -> tuple[int, str, str]:
    """`salon comments ARGV --site SITE`."""
    return run(capsys, "comments", *argv, "--site", str(site))


def add(
    site: Path, cid: str, status: CommentStatus = CommentStatus.PENDING, *, post: str = "hello",
    parent: str | None = None, author: str = "Reader", email: str = "", body: str = "",
    minutes: int = 0, ip: str = "",
) -> None:  # fmt: skip
    with open_store(load_config(site)) as store:
        store.add(
            StoredComment(
                id=cid, post=post, parent=parent, author=author, email=email, website="",
                body=body or f"Comment {cid}.", status=status, ip=ip, user_agent="Test/1.0",
                created=datetime(2025, 1, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes),
            )
        )  # fmt: skip


def feed(site: Path) -> dict[str, dict[str, object]]:
    data = json.loads((site / "comments.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in data["comments"]}


def stored(site: Path, cid: str) -> StoredComment:
    with CommentStore.open(load_config(site).store_path) as store:
        return store.get(cid)


def audit(site: Path, cid: str) -> list[tuple[str, str, str]]:
    with CommentStore.open(load_config(site).store_path) as store:
        return [(actor, action, detail) for _at, actor, action, _c, detail in store.audit_log(cid)]


# -- a fresh clone -----------------------------------------------------------------------


def test_first_moderation_action_of_a_fresh_clone_keeps_the_sample_comments(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (site / "comments.json").read_bytes()
    assert not (site / ".salon" / "comments.sqlite3").exists()

    status, out, err = comments(capsys, site, "approve", "3f9a1c0b7d21")

    assert (status, out, err) == (0, "Approved 3f9a1c0b7d21; comments.json rewritten.\n", "")
    # Every published comment survives, byte for byte (avatars included).
    assert (site / "comments.json").read_bytes() == original
    assert len(feed(site)) == 8


def test_rejecting_one_sample_comment_leaves_the_other_seven_as_they_were(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = feed(site)
    assert comments(capsys, site, "reject", "e4c81f27ab95")[0] == 0
    after = feed(site)
    assert set(after) == set(SAMPLE_IDS) - {"e4c81f27ab95"}
    assert all(after[cid] == before[cid] for cid in after)
    # The reply to the rejected comment is still in the feed; the build warns about it.
    assert after["9d3b6a0e2f77"]["parent"] == "e4c81f27ab95"


# -- list ----------------------------------------------------------------------------------


def test_list_prints_a_table_oldest_first(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(tiny, "aaa111", author="Ann", body="First words of a long comment that goes on and on.")
    add(tiny, "bbb222", CommentStatus.APPROVED, author="Ben", body="Short.\n\nTwo paragraphs.",
        minutes=5)  # fmt: skip

    status, out, err = comments(capsys, tiny, "list")

    assert (status, err) == (0, "")
    assert out == (
        "ID      STATUS    POST   AUTHOR  CREATED (UTC)     TEXT\n"
        "aaa111  pending   hello  Ann     2025-01-02 09:00  "
        "First words of a long comment that goes on …\n"
        "bbb222  approved  hello  Ben     2025-01-02 09:05  Short. Two paragraphs.\n"
        "2 comments\n"
    )


def test_list_filters_by_status_and_post(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(site, "pend01", post="the-alliance", author="Waiting Reader")
    add(site, "pend02", post="endings", author="Other Reader", minutes=1)

    status, out, _ = comments(capsys, site, "list", "--status", "pending")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["pend01", "pend02"]
    assert out.splitlines()[-1] == "2 comments"

    _, out, _ = comments(capsys, site, "list", "--status", "pending", "--post", "endings")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["pend02", "1"]
    assert out.splitlines()[-1] == "1 comment"

    _, out, _ = comments(capsys, site, "list", "--post", "the-alliance", "--status", "approved")
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == list(SAMPLE_IDS)
    assert "Dr. Maren Holt [author]" in out  # the moderator-set mark, shown in the table

    assert comments(capsys, site, "list", "--status", "spam") == (0, "No comments match.\n", "")


def test_list_as_json_includes_the_private_fields(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(tiny, "aaa111", author="Ann", email="ann@private.example", ip="203.0.113.0/24")
    status, out, _ = comments(capsys, tiny, "list", "--format", "json")
    assert status == 0
    (item,) = json.loads(out)
    assert item == {
        "id": "aaa111", "status": "pending", "post": "hello", "parent": None, "author": "Ann",
        "email": "ann@private.example", "website": "", "body": "Comment aaa111.",
        "created": "2025-01-02T09:00:00+00:00", "by_author": False, "removed": False,
        "ip": "203.0.113.0/24", "user_agent": "Test/1.0", "moderated_by": "",
        "moderated_at": None, "held_because": "",
    }  # fmt: skip


def test_list_never_sends_a_readers_control_characters_to_the_terminal(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(tiny, "evil01", author="\x1b]0;owned\x07Eve\u202e", body="\x1b[2J\x9b31m hi\u2067")
    for fmt in ("table", "json"):
        _, out, _ = comments(capsys, tiny, "list", "--format", fmt)
        assert not any(ch in out for ch in "\x1b\x07\x9b\u202e\u2067"), fmt
    _, out, _ = comments(capsys, tiny, "list")
    assert "\\x1b]0;owned\\x07Eve\\u202e" in out
    _, out, _ = comments(capsys, tiny, "show", "evil01")
    assert "\x1b" not in out and "\\x1b[2J\\x9b31m hi\\u2067" in out


def test_list_errors(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert comments(capsys, tiny, "list") == (
        1, "",
        "error: .salon/comments.sqlite3: no comment store here yet; it is created by the first "
        "comment, an import, or `salon comments export`\n",
    )  # fmt: skip
    add(tiny, "aaa111")
    assert comments(capsys, tiny, "list", "--status", "hidden") == (
        1, "", 'error: unknown status "hidden"; use one of pending, approved, rejected, spam\n'
    )  # fmt: skip
    assert comments(capsys, tiny, "list", "--format", "xml") == (
        1, "", 'error: unknown format "xml"; use table or json\n'
    )  # fmt: skip


def test_commands_outside_a_site_name_the_missing_site_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = comments(capsys, tmp_path, "list")
    assert (status, out) == (1, "")
    assert (
        err
        == f"error: {tmp_path}/site.yaml: no site.yaml here; run `salon new DIR` to start a site\n"
    )


# -- show ----------------------------------------------------------------------------------


def test_show_gives_post_parent_private_data_and_history(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(site, "pend01", post="the-alliance", parent="81be44c2d930", author="Lee",
        email="lee@private.example", ip="198.51.100.0/24", body="Line one.\nLine two.")  # fmt: skip
    assert comments(capsys, site, "approve", "pend01")[0] == 0

    status, out, err = comments(capsys, site, "show", "pend01")

    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Comment pend01 (approved)"
    assert "  Post:         the-alliance" in lines  # no build yet: the key
    assert "  Author:       Lee" in lines
    assert "  Email:        lee@private.example" in lines
    assert "  Written:      2025-01-02 09:00 UTC" in lines
    assert "  From:         198.51.100.0/24, Test/1.0" in lines
    assert any(line.startswith("  Moderated:    by cli:tester at ") for line in lines)
    assert (
        "  In reply to:  81be44c2d930 by Priya Natarajan (approved): “As a counsellor about five "
        "years in, I recognise the fear o…”"
    ) in lines
    assert lines[lines.index("  | Line one.") + 1] == "  | Line two."
    history = lines[lines.index("History:") + 1 :]
    assert [line.split("UTC  ", 1)[1] for line in history] == [
        "reader  create (pending)",
        "cli:tester  approved (was pending)",
    ]


def test_show_takes_the_post_title_from_the_last_build(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "build", "--site", str(site))[0] == 0
    status, out, _ = comments(capsys, site, "show", "81be44c2d930")
    assert status == 0
    assert "  Post:         Psychology: The Alliance Is the Treatment [the-alliance]" in out
    assert (
        "  Link:         https://consultingroom.example/2026/10/the-alliance/#comment-81be44c2d930"
    ) in out
    assert "  Replies:      c07d5e6a1f48 (approved)" in out
    assert "  Website:      https://priya-counselling.example" in out

    add(site, "lost01", post="gone-post")
    _, out, _ = comments(capsys, site, "show", "lost01")
    assert "  Post:         gone-post (no such post in the last build)" in out


def test_show_unknown_id(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert comments(capsys, site, "show", "nope") == (1, "", "error: no comment with id nope\n")


# -- approve, reject, spam -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "status", "verb"),
    [("approve", "approved", "Approved"), ("reject", "rejected", "Rejected"),
     ("spam", "spam", "Marked as spam")],
)  # fmt: skip
def test_status_commands_record_export_and_report(
    site: Path, capsys: pytest.CaptureFixture[str], command: str, status: str, verb: str
) -> None:
    add(site, "pend01", post="the-alliance")
    add(site, "pend02", post="the-alliance", minutes=1)

    result = comments(capsys, site, command, "pend01", "pend02", "pend01")

    assert result == (0, f"{verb} pend01, pend02; comments.json rewritten.\n", "")
    for cid in ("pend01", "pend02"):
        comment = stored(site, cid)
        assert comment.status.value == status
        assert comment.moderated_by == "cli:tester"
        assert audit(site, cid)[-1] == ("cli:tester", status, "was pending")
    published = feed(site)
    assert ("pend01" in published) is (status == "approved")
    assert set(SAMPLE_IDS) <= set(published)


def test_a_rejected_comment_leaves_the_feed(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(site, "pend01", post="the-alliance")
    comments(capsys, site, "approve", "pend01")
    assert "pend01" in feed(site)
    comments(capsys, site, "reject", "pend01")
    assert "pend01" not in feed(site)
    assert [action for _, action, _ in audit(site, "pend01")] == ["create", "approved", "rejected"]


def test_status_change_with_an_unknown_id_changes_nothing(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(site, "pend01", post="the-alliance")
    assert comments(capsys, site, "approve", "pend01", "nope") == (
        1, "", "error: no comment with id nope\n"
    )  # fmt: skip
    assert stored(site, "pend01").status is CommentStatus.PENDING
    assert "pend01" not in feed(site)


def test_a_deleted_comment_cannot_be_approved(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comments(capsys, site, "delete", "81be44c2d930")  # has a reply: stays as a placeholder
    assert comments(capsys, site, "approve", "81be44c2d930") == (
        1, "", "error: comment 81be44c2d930 was deleted; it cannot be approved\n"
    )  # fmt: skip


def test_status_commands_need_an_id(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        comments(capsys, site, "reject")
    assert exit_.value.code == 2
    assert "the following arguments are required: ID" in capsys.readouterr().err
    assert comments(capsys, site, "approve") == (
        1, "", "error: give the ids of the comments to approve, or --all-pending\n"
    )  # fmt: skip


# -- edit ----------------------------------------------------------------------------------


def test_edit_body_is_recorded_and_published(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = comments(capsys, site, "edit", "3f9a1c0b7d21", "--body", "Fixed the typo.\n")
    assert result == (0, "Edited 3f9a1c0b7d21 (text); comments.json rewritten.\n", "")
    assert feed(site)["3f9a1c0b7d21"]["body"] == "Fixed the typo."
    assert audit(site, "3f9a1c0b7d21")[-1] == ("cli:tester", "edit", "body")


def test_edit_name_website_and_author_mark(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = comments(capsys, site, "edit", "3f9a1c0b7d21", "--name", "Tomasz W.",
                      "--website", "https://tomasz.example/", "--author-mark")  # fmt: skip
    assert result == (
        0, "Edited 3f9a1c0b7d21 (name, website, author mark); comments.json rewritten.\n", ""
    )  # fmt: skip
    item = feed(site)["3f9a1c0b7d21"]
    assert (item["author"], item["website"], item["by_author"]) == (
        "Tomasz W.", "https://tomasz.example/", True
    )  # fmt: skip
    assert audit(site, "3f9a1c0b7d21")[-1][2] == "author, website, by_author"

    comments(capsys, site, "edit", "3f9a1c0b7d21", "--no-author-mark", "--website", "")
    item = feed(site)["3f9a1c0b7d21"]
    assert (item["website"], item["by_author"]) == ("", False)


def test_edit_body_from_a_file_and_from_stdin(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    new_text = tmp_path / "new.md"
    new_text.write_text("From a *file*.\n", encoding="utf-8")
    assert comments(capsys, site, "edit", "3f9a1c0b7d21", "--body-file", str(new_text))[0] == 0
    assert feed(site)["3f9a1c0b7d21"]["body"] == "From a *file*."

    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("From stdin.\n"))
    assert comments(capsys, site, "edit", "3f9a1c0b7d21", "--body-file", "-")[0] == 0
    assert feed(site)["3f9a1c0b7d21"]["body"] == "From stdin."


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the command ran at a terminal (pytest captures stdin and stdout)."""
    monkeypatch.setattr("generator.service.cli_site.has_terminal", lambda: True)


def test_edit_opens_the_editor_when_no_change_is_given(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, terminal: None,
) -> None:  # fmt: skip
    # An "editor" that replaces "stopped me" with "stopped me cold" in the file it is given.
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('stopped me', 'stopped me cold'))\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")

    result = comments(capsys, site, "edit", "3f9a1c0b7d21")

    assert result == (0, "Edited 3f9a1c0b7d21 (text); comments.json rewritten.\n", "")
    assert "“to see who would pretend” stopped me cold." in feed(site)["3f9a1c0b7d21"]["body"]

    monkeypatch.setenv("EDITOR", "true")  # saves nothing new
    assert comments(capsys, site, "edit", "3f9a1c0b7d21") == (
        0, "Nothing to change in 3f9a1c0b7d21.\n", ""
    )  # fmt: skip
    monkeypatch.setenv("EDITOR", "false")
    assert comments(capsys, site, "edit", "3f9a1c0b7d21") == (
        1, "", "error: the editor exited with status 1; nothing was changed\n"
    )  # fmt: skip
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    status, _, err = comments(capsys, site, "edit", "3f9a1c0b7d21")
    assert status == 1
    assert err.startswith(f"error: cannot start the editor '{tmp_path}/no-such-editor': ")


def test_edit_errors(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cid = "3f9a1c0b7d21"
    cases = {
        ("--body", "x", "--body-file", "f"):
            "give the new text with --body or --body-file, not both",
        ("--body", "  \n"):
            "--body: Please write a comment (at least 2 characters). To remove the comment, "
            f"run `salon comments delete {cid}`.",
        ("--body-file", str(tmp_path / "missing.md")): f"{tmp_path}/missing.md: no such file",
        ("--name", " "): "--name: Please enter your name.",
        ("--website", "javascript:alert(1)"):
            "--website: Your website address must start with http:// or https://.",
        ("--body", "bad \udcff byte"): "--body: not valid UTF-8 text",
    }  # fmt: skip
    for argv, message in cases.items():
        assert comments(capsys, site, "edit", cid, *argv) == (1, "", f"error: {message}\n"), argv
    assert comments(capsys, site, "edit", "nope", "--body", "x") == (
        1, "", "error: no comment with id nope\n"
    )  # fmt: skip
    assert comments(capsys, site, "edit", cid, "--body", "Same text")[0] == 0
    assert comments(capsys, site, "edit", cid, "--body", "Same text") == (
        0, f"Nothing to change in {cid}.\n", ""
    )  # fmt: skip


# -- delete --------------------------------------------------------------------------------


def test_delete_erases_personal_data_and_keeps_replies_under_a_placeholder(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(site, "top001", CommentStatus.APPROVED, post="the-alliance", author="Private Person",
        email="private.person@mail.example", ip="192.0.2.0/24",
        body="Delete me please.")  # fmt: skip
    add(site, "rep001", CommentStatus.APPROVED, post="the-alliance", parent="top001",
        author="Replier", minutes=5)  # fmt: skip
    comments(capsys, site, "export")

    result = comments(capsys, site, "delete", "top001")

    assert result == (
        0, "Deleted top001: text and personal data erased; comments.json rewritten.\n"
        "Replies to top001 stay, under a “This comment was removed.” placeholder.\n", "",
    )  # fmt: skip
    published = feed(site)
    assert published["top001"] == {
        "id": "top001", "post": "the-alliance", "parent": None,
        "created": "2025-01-02T09:00:00Z", "removed": True,
    }  # fmt: skip
    assert published["rep001"]["parent"] == "top001"
    # Nothing personal is left anywhere in the database files, audit log included.
    store_dir = site / ".salon"
    with sqlite3.connect(store_dir / "comments.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in store_dir.glob("comments.sqlite3*"))
    for secret in (b"Private Person", b"private.person@mail.example", b"192.0.2.0",
                   b"Delete me please"):  # fmt: skip
        assert secret not in raw, secret
    assert audit(site, "top001")[-1] == ("cli:tester", "delete", "")


def test_delete_without_replies_removes_the_comment(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert comments(capsys, site, "delete", "b6a5f1e03d42", "5a2e9b3d6c10") == (
        0, "Deleted b6a5f1e03d42, 5a2e9b3d6c10: text and personal data erased; "
        "comments.json rewritten.\n", "",
    )  # fmt: skip
    assert set(feed(site)) == set(SAMPLE_IDS) - {"b6a5f1e03d42", "5a2e9b3d6c10"}
    assert comments(capsys, site, "show", "b6a5f1e03d42") == (
        1, "", "error: no comment with id b6a5f1e03d42\n"
    )  # fmt: skip
    # A deleted comment does not come back from the feed on a later open.
    assert comments(capsys, site, "list", "--format", "json")[0] == 0
    assert "b6a5f1e03d42" not in capsys.readouterr().out


def test_delete_unknown_id(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert comments(capsys, site, "delete", "3f9a1c0b7d21", "nope") == (
        1, "", "error: no comment with id nope\n"
    )  # fmt: skip
    assert "3f9a1c0b7d21" in feed(site)


# -- export --------------------------------------------------------------------------------


def test_export_writes_the_feed_and_creates_a_missing_store(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert comments(capsys, tiny, "export") == (
        0,
        "Wrote comments.json: 0 approved comments.\n",
        "",
    )
    assert json.loads((tiny / "comments.json").read_text()) == {"version": 2, "comments": []}
    add(tiny, "aaa111", CommentStatus.APPROVED)
    add(tiny, "bbb222", minutes=1)
    assert comments(capsys, tiny, "export") == (0, "Wrote comments.json: 1 approved comment.\n", "")
    assert list(feed(tiny)) == ["aaa111"]


def test_export_of_a_fresh_clone_is_byte_identical(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (site / "comments.json").read_bytes()
    assert comments(capsys, site, "export") == (
        0,
        "Wrote comments.json: 8 approved comments.\n",
        "",
    )
    assert (site / "comments.json").read_bytes() == original


def test_export_refuses_a_remote_feed(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tiny / "site.yaml").write_text(
        TINY_SITE.replace("feed: comments.json", "feed: https://comments.example/feed.json")
    )
    assert comments(capsys, tiny, "export") == (
        1, "", "error: comments.feed is a URL; export writes a local file, so set comments.feed "
        "to a path on the machine that runs the comment service\n",
    )  # fmt: skip


def test_a_broken_feed_cannot_seed_the_store(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "comments.json").write_text('{"version": 1, "comments": [\n')
    status, out, err = comments(capsys, site, "list")
    assert (status, out) == (1, "")
    assert err == (
        "error: cannot seed the store from the feed: comments.json:2: not valid JSON: "
        "Expecting value\n"
    )


# -- reply and mark-author -----------------------------------------------------------------


def test_reply_publishes_an_author_comment(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = comments(
        capsys, site, "reply", "5a2e9b3d6c10", "--body", "Thank you, Helen."
    )
    assert (status, err) == (0, "")
    new_id = out.split("(comment ", 1)[1].split(",", 1)[0]
    assert out == (
        f"Replied to 5a2e9b3d6c10 as Dr. Maren Holt (comment {new_id}, approved); "
        "comments.json rewritten.\n"
    )
    item = feed(site)[new_id]
    assert item["parent"] == "5a2e9b3d6c10" and item["post"] == "the-alliance"
    assert (item["author"], item["by_author"], item["body"]) == (
        "Dr. Maren Holt", True, "Thank you, Helen."
    )  # fmt: skip
    assert item["website"] == "https://consultingroom.example/about/"
    assert "maren@consultingroom.example" not in (site / "comments.json").read_text()
    assert audit(site, new_id) == [("cli:tester", "create", "approved")]


def test_reply_errors(site: Path, tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(site, "pend01", post="the-alliance")
    cases = [
        (site, "nope", "Hi", "no comment with id nope"),
        (site, "pend01", "Hi", "comment pend01 is pending; approve it first, so that your reply "
                               "has a visible parent"),
        (site, "5a2e9b3d6c10", " ", "the reply is empty; give its text with --body"),
    ]  # fmt: skip
    for where, cid, body, message in cases:
        assert comments(capsys, where, "reply", cid, "--body", body) == (
            1, "", f"error: {message}\n"
        )  # fmt: skip
    (tiny / "site.yaml").write_text(TINY_SITE.replace("  name: Tess Author\n", ""))
    add(tiny, "aaa111", CommentStatus.APPROVED)
    assert comments(capsys, tiny, "reply", "aaa111", "--body", "Hi") == (
        1, "",
        "error: site.yaml: author.name is not set; a reply needs the name it is signed with\n",
    )  # fmt: skip


def test_mark_author(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert comments(capsys, site, "mark-author", "b6a5f1e03d42") == (
        0, "Marked b6a5f1e03d42 as written by the site's author; comments.json rewritten.\n", ""
    )  # fmt: skip
    assert feed(site)["b6a5f1e03d42"]["by_author"] is True
    assert audit(site, "b6a5f1e03d42")[-1] == ("cli:tester", "edit", "by_author")
    assert comments(capsys, site, "mark-author", "nope") == (
        1, "", "error: no comment with id nope\n"
    )  # fmt: skip


# -- set-password --------------------------------------------------------------------------


def test_set_password_from_stdin(
    tiny: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    assert comments(capsys, tiny, "set-password", "--password-stdin") == (
        0, "Moderator password set.\n", ""
    )  # fmt: skip
    with CommentStore.open(load_config(tiny).store_path) as store:
        stored_hash = store.setting(passwords.PASSWORD_SETTING)
    assert stored_hash is not None and stored_hash.startswith("scrypt$")
    assert "correct horse" not in stored_hash
    assert passwords.verify_password("correct horse battery", stored_hash)
    assert not passwords.verify_password("correct horse battery ", stored_hash)


def test_set_password_asks_twice(
    tiny: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["a long passphrase", "a long passphrase"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert comments(capsys, tiny, "set-password")[0] == 0
    assert prompts == ["New moderator password: ", "Again: "]
    with CommentStore.open(load_config(tiny).store_path) as store:
        assert passwords.verify_password("a long passphrase", store.setting("moderator_password"))


def test_set_password_errors(
    tiny: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["a long passphrase", "a long passphrasE", "short"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert comments(capsys, tiny, "set-password") == (
        1, "", "error: the two passwords differ; nothing was changed\n"
    )  # fmt: skip
    assert comments(capsys, tiny, "set-password") == (
        1, "", f"error: the password is too short: use at least {passwords.MIN_LENGTH} "
        "characters; nothing was changed\n",
    )  # fmt: skip
    assert not (tiny / ".salon" / "comments.sqlite3").exists()


# -- the on_change hook --------------------------------------------------------------------


def test_every_change_runs_the_on_change_hook_after_the_export(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "hook.log"
    hook = tmp_path / "hook.py"
    hook.write_text(
        "import json, pathlib, sys\n"
        "ids = sorted(c['id'] for c in json.load(open('comments.json'))['comments'])\n"
        f"with open({str(log)!r}, 'a') as f: f.write(str(len(ids)) + '\\n')\n"
    )
    with (site / "site.yaml").open("a") as handle:
        handle.write(f"  on_change: {sys.executable} {hook}\n")

    comments(capsys, site, "reject", "3f9a1c0b7d21")
    comments(capsys, site, "approve", "3f9a1c0b7d21")
    comments(capsys, site, "delete", "b6a5f1e03d42")
    comments(capsys, site, "show", "3f9a1c0b7d21")  # reading changes nothing: no hook

    # The hook ran in the site folder and saw each new feed.
    assert log.read_text().split() == ["7", "8", "7"]


def test_a_failing_hook_is_a_warning_not_an_error(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (site / "site.yaml").open("a") as handle:
        handle.write('  on_change: "false"\n')
    assert comments(capsys, site, "reject", "3f9a1c0b7d21") == (
        0, "Rejected 3f9a1c0b7d21; comments.json rewritten.\n",
        "warning: comments.on_change 'false' exited with status 1\n",
    )  # fmt: skip
    (site / "site.yaml").write_text(
        (site / "site.yaml").read_text().replace('on_change: "false"', "on_change: ./no-such-hook")
    )
    status, _, err = comments(capsys, site, "approve", "3f9a1c0b7d21")
    assert status == 0
    assert err.startswith("warning: comments.on_change: cannot run './no-such-hook': ")
    assert "3f9a1c0b7d21" in feed(site)


# -- the parser --------------------------------------------------------------------------


def test_help_lists_every_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["comments", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for action in ("list", "show", "approve", "reject", "spam", "edit", "delete", "export",
                   "set-password", "reply", "mark-author", "serve"):  # fmt: skip
        assert f"    {action}" in out, action


def test_serve_defaults_to_loopback(
    tiny: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`comments serve` hands the config, host and port to service.server.serve_forever."""
    import types

    calls: list[tuple[object, str, int]] = []
    fake = types.ModuleType("generator.service.server")
    fake.serve_forever = lambda config, host, port: calls.append((config, host, port)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "generator.service.server", fake)
    import generator.service

    monkeypatch.setattr(generator.service, "server", fake, raising=False)

    assert comments(capsys, tiny, "serve")[0] == 0
    assert comments(capsys, tiny, "serve", "--port", "8123", "--host", "127.0.0.1")[0] == 0
    assert [(host, port) for _, host, port in calls] == [("127.0.0.1", 8001), ("127.0.0.1", 8123)]
    assert calls[0][0] == load_config(tiny.resolve())


# -- through a real process ----------------------------------------------------------------


def salon(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOGNAME": "tester", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *argv], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


def test_through_python_dash_m(site: Path) -> None:
    done = salon("comments", "approve", "nope", cwd=site)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", "error: no comment with id nope\n"
    )  # fmt: skip

    done = salon("comments", "spam", "27f0c4d9e8b3", cwd=site)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "Marked as spam 27f0c4d9e8b3; comments.json rewritten.\n"

    done = salon("comments", "list", "--status", "spam", "--format", "json", cwd=site)
    assert done.returncode == 0
    assert [item["id"] for item in json.loads(done.stdout)] == ["27f0c4d9e8b3"]


# -- several moderators at once ------------------------------------------------------------

CYCLE = ("approve", "reject", "spam")
STATUS_OF = {"approve": "approved", "reject": "rejected", "spam": "spam"}
PROCESSES, CHANGES = 4, 50


def _moderate(site: str, worker: int, results: multiprocessing.Queue[tuple[int, int, int]]) -> None:
    """One moderator: a status change on each of its own 50 comments, one command each.

    Only this moderator touches these comments, so once its command has returned, the
    feed must show the change, whatever the others export meanwhile: an export that
    wrote an older snapshot over a newer one would break that.
    """
    os.environ["LOGNAME"] = f"mod{worker}"
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the child's stdout, closed at exit
    failures = stale = 0
    for n in range(CHANGES):
        command, cid = CYCLE[n % len(CYCLE)], f"w{worker}c{n:02d}"
        failures += main(["comments", command, cid, "--site", site]) != 0
        published = json.loads((Path(site) / "comments.json").read_text(encoding="utf-8"))
        shown = any(item["id"] == cid for item in published["comments"])
        stale += shown != (command == "approve")
    results.put((worker, failures, stale))


@pytest.mark.slow
def test_concurrent_moderation_from_several_processes_loses_nothing(site: Path) -> None:
    config = load_config(site)
    with open_store(config) as store:
        for worker in range(PROCESSES):
            for n in range(CHANGES):
                store.add(
                    StoredComment(
                        id=f"w{worker}c{n:02d}", post="the-alliance", parent=None,
                        author=f"Reader {worker}-{n}", email=f"r{worker}{n}@mail.example",
                        website="", body=f"Comment {n} for moderator {worker}.",
                        created=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n),
                        status=CommentStatus.PENDING,
                    )
                )  # fmt: skip

    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[tuple[int, int, int]] = context.Queue()
    workers = [
        context.Process(target=_moderate, args=(str(site), worker, results))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
    assert [p.exitcode for p in workers] == [0] * PROCESSES
    # (worker, failed commands, changes missing from the feed after their command)
    assert sorted(results.get(timeout=5) for _ in workers) == [(w, 0, 0) for w in range(PROCESSES)]

    expected = {
        f"w{w}c{n:02d}": STATUS_OF[CYCLE[n % len(CYCLE)]]
        for w in range(PROCESSES)
        for n in range(CHANGES)
    }
    with CommentStore.open(config.store_path) as store:
        assert {cid: store.get(cid).status.value for cid in expected} == expected
        log = [entry for entry in store.audit_log() if entry[3] in expected]
    changes = [(actor, action, cid) for _at, actor, action, cid, _d in log if action != "create"]
    assert len(changes) == PROCESSES * CHANGES
    assert sorted(changes) == sorted(
        (f"cli:mod{cid[1]}", status, cid) for cid, status in expected.items()
    )
    # The last export saw every change: the feed holds exactly the approved ones.
    approved = {cid for cid, status in expected.items() if status == "approved"}
    assert set(feed(site)) == set(SAMPLE_IDS) | approved
