"""A comment store that is damaged, emptied, truncated, a folder, or holds impossible rows:
every command says what is wrong with which file and how to recover, and never starts a
new store in its place. Real SQLite files, broken the way disks and people break them."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.cli import main
from generator.core.config import load_config
from generator.core.models import CommentStatus, StoredComment
from generator.service.actions import open_store
from tests.conftest import REPO

STORE = ".salon/comments.sqlite3"
RECOVER = (
    f"To recover, restore {STORE} from a backup; or, to start again from what is published, "
    f"move it aside (mv {STORE} {STORE}.damaged) and run `salon comments export`: the "
    "approved comments come back from comments.json, pending comments and the audit log do not"
)
COMMANDS = (["list"], ["approve", "c1"], ["reject", "c2"], ["delete", "c3"], ["export"])


def make_site(root: Path, comments: int = 300) -> Path:
    (root / "content/posts").mkdir(parents=True)
    (root / "site.yaml").write_text("title: Tiny\nbase_url: https://tiny.example\n")
    (root / "content/posts/hello.md").write_text(
        "---\ntitle: Hello\ndate: 2025-01-01 10:00\nid: hello\n---\nHi.\n"
    )
    with open_store(load_config(root)) as store:
        for number in range(comments):
            store.add(
                StoredComment(
                    id=f"c{number}", post="hello", parent=None, author="Reader", email="",
                    website="", body=f"{'A thought. ' * 20}{number}", status=CommentStatus.PENDING,
                    ip="", user_agent="", created=datetime(2025, 1, 2, tzinfo=UTC),
                )
            )  # fmt: skip
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return root


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("pristine") / "site")


@pytest.fixture
def site(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "site"))


def comments(site: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["comments", *argv, "--site", str(site)])
    out, err = capsys.readouterr()
    return status, out, err


def damage(path: Path, offset: int, length: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xff" * length)


BROKEN = {
    "empty": (
        lambda p: p.write_bytes(b""),
        f"error: {STORE}: the comment store is empty (0 bytes): truncated, or never finished "
        "being created. It is not re-created silently, since pending comments it held would "
        f"vanish. {RECOVER}",
    ),
    "truncated": (
        lambda p: p.write_bytes(p.read_bytes()[:20_000]),
        f"error: {STORE}: the comment store is truncated (20000 of {{size}} bytes). {RECOVER}",
    ),
    "not_sqlite": (
        lambda p: p.write_text("this is not a database\n"),
        f"error: {STORE}: not an SQLite database (damaged, or another file in its place). "
        f"{RECOVER}",
    ),
    "folder": (
        lambda p: (p.unlink(), p.mkdir()),
        f"error: {STORE}: is a folder, not a comment store; move it away (or set "
        "comments.store in site.yaml to the store's file)",
    ),
    "unreadable_format": (  # the header's "read version" says a format nobody knows
        lambda p: damage(p, 19, 1),
        f"error: {STORE}: the comment store is damaged (file is not a database). {RECOVER}",
    ),
    "first_page_damaged": (
        lambda p: damage(p, 100, 40),
        f"error: {STORE}: the comment store is damaged (database disk image is malformed). "
        f"{RECOVER}",
    ),
}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_store_file_is_named_with_how_to_recover(
    site: Path, kind: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = site / STORE
    breaker, expected = BROKEN[kind]
    expected = expected.replace("{size}", str(path.stat().st_size))
    breaker(path)
    before = sorted(p.name for p in (site / ".salon").iterdir())
    damaged = path.read_bytes() if path.is_file() else None

    status, out, err = comments(site, *command, capsys=capsys)

    assert (status, out) == (1, "")
    assert err.splitlines() == [expected]
    assert "Traceback" not in err
    # Nothing re-created or changed, and no feed written from an empty store. (SQLite may
    # have opened its write-ahead log beside a file it went on to find damaged.)
    after = {p.name for p in (site / ".salon").iterdir()} - {
        "comments.sqlite3-wal", "comments.sqlite3-shm"
    }  # fmt: skip
    assert sorted(after) == before
    assert (path.read_bytes() if path.is_file() else None) == damaged
    assert not (site / "comments.json").exists()


def test_damaged_pages_are_reported_when_a_command_reaches_them(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage(site / STORE, 4096 * 3, 4096 * 5)  # the table's pages, the header intact

    status, out, err = comments(site, "approve", "c1", capsys=capsys)

    assert (status, out) == (1, "")
    assert err == (
        f"error: {STORE}: the comment store is damaged (database disk image is malformed). "
        f"{RECOVER}\n"
    )


def test_the_recovery_the_message_gives_works(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / STORE).write_bytes(b"")
    assert comments(site, "list", capsys=capsys)[0] == 1
    (site / STORE).rename(site / f"{STORE}.damaged")

    status, out, _err = comments(site, "export", capsys=capsys)

    assert (status, out) == (0, "Wrote comments.json: 0 approved comments.\n")


def test_a_new_store_is_still_created_where_there_was_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "fresh", comments=0)
    (site / STORE).unlink()
    assert comments(site, "export", capsys=capsys)[0] == 0
    assert (site / STORE).stat().st_size > 0


def test_impossible_row_values_are_named_not_a_traceback(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(site / STORE) as db:
        db.execute("PRAGMA ignore_check_constraints = 1")
        db.execute("UPDATE comments SET created = 'yesterday', status = 'lost' WHERE id = 'c5'")
    for argv in (["list"], ["show", "c5"], ["list", "--format", "json"]):
        status, out, err = comments(site, *argv, capsys=capsys)
        assert (status, out) == (1, "")
        assert err == (
            "error: the comment store holds comment 'c5' with impossible values (created "
            "'yesterday' is not a time; status 'lost' is not one of pending, approved, rejected, "
            "spam); it was edited outside Salon or is damaged. Correct the row with the sqlite3 "
            "tool, or restore the store from a backup\n"
        )
    with sqlite3.connect(site / STORE) as db:
        db.execute("UPDATE comments SET created = '9999-99-99' WHERE id = 'c6'")
    status, _out, err = comments(site, "show", "c6", capsys=capsys)
    assert status == 1
    assert "comment 'c6' with impossible values (created '9999-99-99' is not a time)" in err


def test_a_feed_too_deep_to_seed_from_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "site", comments=0)
    (site / STORE).unlink()
    (site / "comments.json").write_text('{"version": 1, "comments": [\n' + "[" * 5000 + "]}")

    status, out, err = comments(site, "list", capsys=capsys)

    assert (status, out) == (1, "")
    assert err == (
        "error: cannot seed the store from the feed: comments.json:2: not valid JSON: nested "
        "hundreds of levels deep; nothing Salon reads is more than a few\n"
    )


def test_set_password_without_a_terminal_points_at_password_stdin(site: Path) -> None:
    salon = [sys.executable, "-m", "generator", "comments", "set-password", "--site", str(site)]
    # A new session has no controlling terminal: getpass finds no /dev/tty, as under cron.
    done = subprocess.run(salon, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          cwd=REPO, check=False, start_new_session=True)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == (
        "error: no terminal to ask for the password on; give it on standard input with "
        "--password-stdin (e.g. printf '%s\\n' \"$PASSWORD\" | salon comments set-password "
        "--password-stdin); nothing was changed\n"
    )
    done = subprocess.run([*salon, "--password-stdin"], input="a long enough password\n",
                          capture_output=True, text=True, cwd=REPO, check=False)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "Moderator password set.\n")


# -- the file check never breaks SQLite's locks ------------------------------------------

CHILD = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from generator.core.models import CommentStatus, StoredComment
from generator.service.store import CommentStore
with CommentStore.open(Path(sys.argv[1])) as store:
    if sys.argv[2] == "add":
        store.add(StoredComment(id=sys.argv[3], post="hello", parent=None, author="B",
            email="", website="", body="From another process.", status=CommentStatus.PENDING,
            ip="", user_agent="", created=datetime(2025, 1, 3, tzinfo=UTC)))
    else:
        print(",".join(i for i in ("x1", "x2", "x3") if store.find(i)))
"""


def in_child(store: Path, *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(store), *argv],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_checking_the_store_file_while_this_process_has_it_open_loses_no_write(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's locks are POSIX locks: closing any descriptor of the file drops all of
    this process's. If the header check opened the file while a connection of ours held
    its lock, another process would think itself the last user, delete the write-ahead
    log, and what we commit next would land in a deleted file (seen as lost writes with
    two service instances on one file). The check must leave the file alone then, even
    at the instant the other process's log files are not there (simulated here)."""
    config = load_config(site)
    path = config.store_path
    with open_store(config) as ours:
        ours.add(comment("x1"))
        monkeypatch.setattr("generator.service.store_files._exists", lambda _path: False)
        with open_store(config):  # another thread of ours opening it: checks the file
            pass
        monkeypatch.undo()
        in_child(path, "add", "x2")  # the other process: opens, writes, closes last?
        ours.add(comment("x3"))
        assert in_child(path, "list") == "x1,x2,x3"
    assert in_child(path, "list") == "x1,x2,x3"


def comment(cid: str) -> StoredComment:
    return StoredComment(
        id=cid, post="hello", parent=None, author="A", email="", website="", body="Ours.",
        status=CommentStatus.PENDING, ip="", user_agent="",
        created=datetime(2025, 1, 3, tzinfo=UTC),
    )  # fmt: skip
