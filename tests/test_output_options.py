"""`salon build --output DIR --base-url URL` (a preview elsewhere) and `salon clean`."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from tests.test_author_checks import make_site, post


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = make_site(tmp_path / "site", {"walk.md": post("A [walk](/2025/01/walk/).\n")})
    assert main(["build", "--site", str(root)]) == 0
    capsys.readouterr()
    return root


def test_output_and_base_url_build_a_preview_and_leave_output_alone(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(site / "output")
    posts_json = (site / ".salon/posts.json").read_bytes()
    preview = tmp_path / "preview"
    args = ["build", "--site", str(site), "--output", str(preview), "--base-url",
            "https://preview.example.net/"]  # fmt: skip
    assert main(args) == 0
    capsys.readouterr()
    page = (preview / "2025/01/walk/index.html").read_text()
    assert '<link rel="canonical" href="https://preview.example.net/2025/01/walk/">' in page
    assert "checks.example" not in page
    assert files(site / "output") == before
    assert (site / ".salon/posts.json").read_bytes() == posts_json
    # Its own record: a second preview build finds nothing changed, and so does output/'s.
    assert main(args) == 0
    assert " 0 files written, " in capsys.readouterr().out
    assert main(["build", "--site", str(site)]) == 0
    assert " 0 files written, " in capsys.readouterr().out


def test_output_refuses_a_folder_of_yours_or_inside_the_site(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["build", "--site", str(site), "--output", str(mine)]) == 1
    assert capsys.readouterr().err == (
        f"error: {mine}: --output: this folder has files salon build did not write; choose a "
        "new or empty one\n"
    )
    assert (mine / "notes.txt").read_text() == "keep"
    assert main(["build", "--site", str(site), "--output", str(site / "content/out")]) == 1
    assert capsys.readouterr().err == (
        f"error: {site / 'content/out'}: --output: inside the site's content/; choose another "
        "folder\n"
    )
    assert main(["build", "--site", str(site), "--base-url", "preview.example.net"]) == 1
    assert capsys.readouterr().err == (
        "error: --base-url: expected an http(s) URL such as https://preview.example.org, got "
        '"preview.example.net"\n'
    )


def test_clean_removes_builds_but_never_the_store_or_hidden_entries(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "output/.git").mkdir()
    (site / "output/.git/HEAD").write_text("ref: refs/heads/main\n")
    (site / ".salon/comments.sqlite3").write_bytes(b"the store")
    (site / ".salon/secret.key").write_bytes(b"key")
    count = len([p for p in (site / "output").rglob("*") if p.is_file()]) - 1
    assert main(["clean", "--site", str(site)]) == 0
    assert capsys.readouterr().out == (
        f"Removed output/ ({count} files) and the build cache; the comment store and its keys "
        "are kept.\n"
    )
    assert sorted(files(site / "output")) == [".git/HEAD"]
    assert sorted(p.name for p in (site / ".salon").iterdir()) == [
        "build.lock",
        "comments.sqlite3",
        "posts.json",
        "search.sqlite3",
        "secret.key",
    ]  # fmt: skip  (posts.json and search.sqlite3: a running comment service reads them)
    assert main(["build", "--site", str(site)]) == 0  # and a build starts afresh
    assert "0 unchanged" in capsys.readouterr().out
