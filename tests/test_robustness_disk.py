"""A full disk and read-only folders, for real: a small tmpfs filled to the last byte, a
read-only bind mount, a command run as another user. Each command says what is wrong in
one line, changes nothing it cannot finish, and works again once the fault is gone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import REPO
from tests.disk_faults import Filler, read_only, small_disk
from tests.test_robustness_store import STORE, make_site

FULL = f"error: {STORE}: the disk is full; nothing was changed. Free some space and try again"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture
def disk(tmp_path: Path) -> object:
    with small_disk(tmp_path / "disk", "4m") as mounted:
        yield mounted


def test_moderation_on_a_full_disk_changes_nothing_and_says_so(
    disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "made")
    site = Path(shutil.copytree(site, disk / "site"))
    assert run(capsys, "comments", "approve", "c0", "--site", str(site))[0] == 0
    filler = Filler(disk)
    filler.fill()

    for argv in (["approve", "c1"], ["reject", "c2"], ["delete", "c3"], ["export"]):
        status, out, err = run(capsys, "comments", *argv, "--site", str(site))
        assert (status, out, err) == (1, "", FULL + "\n"), argv
    # Reading still works on a full disk.
    status, out, _err = run(capsys, "comments", "list", "--site", str(site))
    assert status == 0 and out.endswith("300 comments\n")

    filler.free()
    status, out, _err = run(capsys, "comments", "list", "--status", "pending", "--site", str(site))
    assert out.endswith("299 comments\n"), "a refused change must not be half made"
    assert run(capsys, "comments", "approve", "c1", "--site", str(site))[:2] == (
        0, "Approved c1; comments.json rewritten.\n"
    )  # fmt: skip


def test_a_feed_that_cannot_be_rewritten_says_the_change_is_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "site", comments=40)
    (site / "site.yaml").write_text(
        "title: Tiny\nbase_url: https://tiny.example\ncomments:\n  feed: public/comments.json\n"
    )
    with small_disk(site / "public", "64k") as public:
        filler = Filler(public)
        filler.fill()

        status, out, err = run(capsys, "comments", "approve", "c1", "--site", str(site))

        assert (status, out) == (1, "")
        assert err == (
            "error: the change is saved in the store, but public/comments.json could not be "
            "rewritten (the disk is full; nothing was changed. Free some space and try again); "
            "once that is fixed, run `salon comments export`\n"
        )
        assert not list(public.glob(".comments.json.*")), "no half-written temporary file"
        filler.free()
        assert run(capsys, "comments", "export", "--site", str(site))[:2] == (
            0, "Wrote public/comments.json: 1 approved comment.\n"
        )  # fmt: skip


def test_a_build_on_a_full_disk_leaves_output_as_it_was(
    disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = Path(shutil.copytree(REPO / "tests/sites/basic", disk / "site"))
    assert run(capsys, "build", "--site", str(site))[0] == 0
    before = snapshot(site / "output")
    for post in (site / "content/posts").glob("*.md"):
        post.write_text(post.read_text() + "\nOne more paragraph, on every page.\n")
    filler = Filler(disk)
    filler.fill()

    status, out, err = run(capsys, "build", "--site", str(site))

    assert (status, out) == (1, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: ")
    assert "free some space" in err.lower()
    assert snapshot(site / "output") == before
    assert not (site / ".salon/staging").exists(), "nothing of the failed build stays"
    filler.free()
    assert run(capsys, "build", "--site", str(site))[0] == 0
    assert snapshot(site / "output") != before


def test_a_read_only_store_folder_can_still_be_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "site")
    with read_only(site / ".salon"):
        status, out, err = run(capsys, "comments", "list", "--site", str(site))
        assert (status, err) == (0, "")
        assert out.endswith("300 comments\n")
        assert run(capsys, "comments", "show", "c7", "--site", str(site))[0] == 0

        status, out, err = run(capsys, "comments", "approve", "c1", "--site", str(site))

        assert (status, out) == (1, "")
        assert err == (
            f"error: {STORE}: cannot write the comment store: its folder or file is read-only "
            "for this user; nothing was changed\n"
        )


def test_a_build_into_a_read_only_output_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = Path(shutil.copytree(REPO / "tests/sites/basic", tmp_path / "site"))
    assert run(capsys, "build", "--site", str(site))[0] == 0
    before = snapshot(site / "output")
    for post in (site / "content/posts").glob("*.md"):
        post.write_text(post.read_text() + "\nChanged.\n")
    with read_only(site / "output"):
        status, out, err = run(capsys, "build", "--site", str(site))

    assert (status, out) == (1, "")
    assert err == (
        "error: cannot write output/: it is read-only for this user (a read-only mount, or "
        "owned by someone else); nothing was changed\n"
    )
    assert snapshot(site / "output") == before
    assert not (site / ".salon/staging").exists()
    assert run(capsys, "build", "--site", str(site))[0] == 0


def test_a_build_run_by_another_user_says_what_it_cannot_write() -> None:
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to run the build as another user")
    home = Path(tempfile.mkdtemp(prefix="salon-other-user-"))  # pytest's folders are 0700
    home.chmod(0o755)
    site = Path(shutil.copytree(REPO / "tests/sites/basic", home / "site"))
    salon = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
             "-m", "generator", "build", "--site", str(site)]  # fmt: skip
    done = subprocess.run(salon, capture_output=True, text=True, cwd=REPO, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO),
                               "HOME": "/nonexistent"})  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        f"error: {site}/.salon: Permission denied; this user may not write there; run as its "
        "owner or change its permissions\n"
    )
    assert not (site / "output").exists()
    shutil.rmtree(home)


@pytest.mark.parametrize(
    "export", ["wxr-1.2-http.xml", "themeunittestdata.wordpress.xml"], ids=["small", "large"]
)
def test_an_import_on_a_full_disk_is_one_line(
    disk: Path, export: str, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(disk / "site", comments=0)
    Filler(disk).fill()
    path = str(REPO / "tests/fixtures/import" / export)

    status, out, err = run(capsys, "import", "wordpress", path, "--site", str(site))

    assert (status, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "free some space" in err.lower() or "disk is full" in err
