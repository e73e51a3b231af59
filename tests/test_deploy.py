"""`salon deploy` with the real rsync, to a local folder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from generator.cli import main
from generator.deploy import INSTALL_RSYNC, parse_itemized
from tests.test_author_checks import SITE_YAML, make_site, post

needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync not installed")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    posts = {f"p{n}.md": post(f"Essay {n}.\n").replace("A walk", f"Walk {n}") for n in range(3)}
    config = SITE_YAML + f"deploy:\n  target: {tmp_path / 'live'}\n"
    root = make_site(tmp_path / "site", posts, config)
    assert main(["build", "--site", str(root)]) == 0
    capsys.readouterr()
    return root


def next_second() -> None:
    """rsync takes a file of the same size and the same whole second as unchanged (its
    quick check), and these tests run faster than a second: a change comes a second on."""
    time.sleep(1 - time.time() % 1 + 0.01)


def deploy(site: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    status = main(["deploy", "--site", str(site), *flags])
    out, err = capsys.readouterr()
    return status, out, err


@needs_rsync
def test_deploy_sends_only_what_changed(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "live"
    total = len(tree(site / "output"))
    status, out, _err = deploy(site, capsys, "--dry-run")
    assert status == 0 and not live.exists()
    assert out.splitlines()[-1] == (
        f"Dry run, nothing sent: {total} files to send, 0 to delete, 0 unchanged on {live}"
    )
    assert "  send    index.html" in out.splitlines()

    assert deploy(site, capsys)[1] == (
        f"Deployed output/ to {live}: {total} files sent, 0 deleted, 0 unchanged\n"
    )
    assert tree(live) == tree(site / "output")
    assert deploy(site, capsys)[1] == (
        f"Deployed output/ to {live}: 0 files sent, 0 deleted, {total} unchanged\n"
    )
    # One essay edited: its page, the listings and the feeds go, and the search index's
    # changed files (Pagefind names each by its content: new ones in, old ones out).
    essay = site / "content/posts/p1.md"
    essay.write_text(essay.read_text().replace("Essay 1.", "Essay one, edited."))
    before = tree(site / "output")
    next_second()
    assert main(["build", "--site", str(site)]) == 0
    written = int(capsys.readouterr().out.split(": ", 1)[1].split(" files written")[0])
    after = tree(site / "output")
    changed = sorted(k for k, v in after.items() if before.get(k) != v)
    gone = len(before.keys() - after.keys())
    search = [k for k in changed if k.startswith("pagefind/")]
    assert len(changed) - len(search) == written and search and gone
    status, out, _err = deploy(site, capsys)
    sent, kept = len(changed), len(after) - len(changed)
    assert (
        out == f"Deployed output/ to {live}: {sent} files sent, {gone} deleted, {kept} unchanged\n"
    )
    assert tree(live) == tree(site / "output")


@needs_rsync
def test_the_deletion_guard_and_its_override(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "live"
    config = site / "site.yaml"
    config.write_text(config.read_text() + "  max_delete: 5\n")
    assert deploy(site, capsys)[0] == 0
    before = tree(live)
    next_second()
    for name in ("p0.md", "p1.md"):
        (site / "content/posts" / name).unlink()
    assert main(["build", "--site", str(site)]) == 0
    capsys.readouterr()
    status, _out, err = deploy(site, capsys)
    assert status == 1
    gone = sorted(set(before) - set(tree(site / "output")))
    share = round(100 * len(gone) / len(before))
    pages = [path for path in gone if not path.startswith("pagefind/")]  # and search files
    assert pages == ["2025/01/p0/index.html", "2025/01/p1/index.html"] and share > 5
    assert err == (
        f"error: would delete {len(gone)} of the {len(before)} files on {live} ({share}%, more "
        "than deploy.max_delete 5%); check the target, then run again with --max-delete PERCENT to "
        "allow it\n"
    )
    assert tree(live) == before
    assert deploy(site, capsys, "--max-delete", "100")[0] == 0
    assert tree(live) == tree(site / "output")


def test_deploy_refuses_an_unfinished_or_edited_output(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "output/index.html").write_text("edited by hand")
    assert deploy(site, capsys)[2] == (
        "error: output/index.html: not as the last build wrote it (1 file in output/ changed or "
        "missing); run `salon build` first\n"
    )
    (site / ".salon/last-build.json").unlink()  # what a build running, or failed, leaves
    assert deploy(site, capsys)[2] == (
        "error: output/ is not from a finished build (one is running, or the last one failed); "
        "run `salon build` first\n"
    )


def test_deploy_says_how_to_install_rsync(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert deploy(site, capsys)[2] == f"error: {INSTALL_RSYNC}\n"
    assert "sudo apt install rsync" in INSTALL_RSYNC


def test_deploy_needs_a_target_outside_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "s", {"a.md": post("A.\n")})
    assert deploy(site, capsys)[2] == (
        "error: site.yaml: deploy.target: not set; add `deploy: {target: "
        "user@host:/var/www/site/}` (or a folder) to site.yaml\n"
    )
    (site / "site.yaml").write_text(SITE_YAML + "deploy:\n  target: output/copy\n")
    assert deploy(site, capsys)[2] == (
        "error: site.yaml: deploy.target: a folder inside the site; choose one outside it\n"
    )


def test_parse_itemized_counts_new_changed_unchanged_and_deleted() -> None:
    text = (
        ".d          ./\n>f+++++++++ new.html\ncd+++++++++ a/\n>f.st...... changed.html\n"
        ".f          same.html\n<f..t...... remote.html\n*deleting   old.html\n*deleting   gone/\n"
    )
    changes = parse_itemized(text)
    assert changes.sent == ("new.html", "changed.html", "remote.html")
    assert changes.deleted == ("old.html",)
    assert (changes.unchanged, changes.existing) == (1, 4)
    assert changes.deleted_percent == 25.0
