"""Broken sites under tests/sites_invalid/: the exact error text, exit status 1, no traceback.

Each folder is a whole site with one mistake (or a few) and an `expected.txt` holding
the exact lines `salon build` prints on stderr; `{site}` stands for the site's folder.
A file ending in `.latin-1` is UTF-8 in the repository (linters and editors read it) and
is written into the copy re-encoded as Latin-1, without that suffix.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import SITES, SITES_INVALID

BROKEN = sorted(path.name for path in SITES_INVALID.iterdir() if (path / "expected.txt").is_file())


def test_every_broken_site_has_its_expected_text() -> None:
    folders = sorted(path.name for path in SITES_INVALID.iterdir() if path.is_dir())
    assert folders == BROKEN
    assert len(BROKEN) >= 13


def copy_broken_site(name: str, target: Path) -> Path:
    shutil.copytree(SITES_INVALID / name, target, ignore=shutil.ignore_patterns("expected.txt"))
    for encoded in target.rglob("*.latin-1"):
        encoded.with_suffix("").write_bytes(encoded.read_text(encoding="utf-8").encode("latin-1"))
        encoded.unlink()
    return target


@pytest.mark.parametrize("name", BROKEN)
def test_broken_site_fails_with_the_exact_message(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_broken_site(name, tmp_path / name)
    expected = (SITES_INVALID / name / "expected.txt").read_text(encoding="utf-8")

    status = main(["build", "--site", str(site)])

    out, err = capsys.readouterr()
    assert status == 1
    assert err.splitlines() == expected.replace("{site}", str(site)).splitlines()
    assert "Traceback" not in err
    assert out == ""
    assert not (site / "output").exists(), "a failed build must not write output/"


def test_broken_build_keeps_the_last_good_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_broken_site("bad_date", tmp_path / "site")
    broken = site / "content/posts/tuesday.md"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("date: tuesday", "date: 2024-05-07"), encoding="utf-8")
    assert main(["build", "--site", str(site)]) == 0
    home = (site / "output/index.html").read_bytes()
    broken.write_text(text, encoding="utf-8")
    capsys.readouterr()

    assert main(["build", "--site", str(site)]) == 1

    assert "tuesday.md:3: date:" in capsys.readouterr().err
    assert (site / "output/index.html").read_bytes() == home
    assert (site / "output/2024/05/tuesday/index.html").is_file()


def test_build_of_a_folder_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert main(["build", "--site", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"error: {missing}/site.yaml: no site.yaml here; run `salon new DIR` to start a site\n"
    )


def test_new_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["new", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: the folder is not empty; choose a new one\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_new_makes_a_site_that_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "blog"
    assert main(["new", str(target), "--title", 'Notes "from" the Field']) == 0
    assert capsys.readouterr().out == (
        f"Created a new site in {target}/. Next: cd {target} && salon build\n"
    )
    assert main(["build", "--site", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Built 1 post and 1 page: ")
    index = (target / "output/index.html").read_text(encoding="utf-8")
    assert "Notes &#34;from&#34; the Field" in index
    assert (target / "output/assets/style.css").is_file()
    assert (target / "output/about/index.html").is_file()


def test_usage_errors_exit_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["bulid"])
    assert caught.value.code == 2
    assert "invalid choice: 'bulid'" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("salon ")


def test_warnings_are_printed_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "basic"
    shutil.copytree(SITES / "basic", site)
    config = site / "site.yaml"
    config.write_text(config.read_text().replace("enabled: false", "enabled: true"))
    (site / "comments.json").write_text(
        '{"version": 1, "comments": [{"id": "c1", "post": "no-such-post", "parent": null,'
        ' "author": "Ann", "website": "", "body": "Hello", "created": "2025-01-01T10:00:00Z"}]}\n'
    )
    assert main(["build", "--site", str(site)]) == 0
    out, err = capsys.readouterr()
    assert err == 'warning: comments.json: comment c1: no post with key "no-such-post"; not shown\n'
    assert ", 1 warning, in " in out


def test_new_site_first_essay_is_published_wherever_the_author_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # UTC+14: for most of each day the local date is a day ahead of UTC, the new
    # site's timezone, which would make a first essay dated "today" a scheduled post.
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert main(["new", str(tmp_path / "blog")]) == 0
        assert main(["build", "--site", str(tmp_path / "blog")]) == 0
    finally:
        monkeypatch.undo()
        time.tzset()
    out = capsys.readouterr().out
    assert "held back" not in out
    assert (tmp_path / "blog/output/index.html").read_text().count('class="summary h-entry"') == 1


def test_every_option_of_build_new_and_serve_is_documented() -> None:
    import argparse

    from generator.cli import build_parser
    from tests.conftest import REPO

    doc = (REPO / "docs/cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("build", "new", "serve"):
        assert f"## salon {name}" in doc
        for action in commands.choices[name]._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in doc, f"salon {name} {option} is not in docs/cli.md"


def test_a_broken_feed_stops_the_markdown_workers_already_started(tmp_path: Path) -> None:
    """Markdown renders in workers while the feed is read; a bad feed must end it all."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "comments", site)
    posts = site / "content/posts"
    for number in range(300):  # enough for the process pool
        (posts / f"bulk-{number}.md").write_text(
            f"---\ntitle: Bulk {number}\ndate: 2020-01-01\n---\nSome *text* {number}.\n",
            encoding="utf-8",
        )
    (site / "comments.json").write_text('{"version": 1, "comments": [}', encoding="utf-8")

    # In a child process, so that workers left running would show as a timeout.
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 1
    assert done.stderr == "error: comments.json:1: not valid JSON: Expecting value\n"
    assert not (site / "output").exists()


def test_every_option_and_argument_of_every_command_has_help() -> None:
    import argparse

    from generator.cli import build_parser

    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, where: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, f"{where} {name}")
            elif not action.help and action.dest != "help":
                missing.append(f"{where} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "salon")
    assert missing == []
