"""`salon new`: a site in a folder, or a draft in the site; the rule between the two."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.cli import main


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "blog"
    assert main(["new", str(root)]) == 0
    config = root / "site.yaml"
    config.write_text(config.read_text().replace("timezone: UTC", "timezone: Pacific/Kiritimati"))
    capsys.readouterr()
    return root


def test_new_post_writes_a_dated_draft_and_prints_its_path(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "post", 'Notes: "a" start', "--site", str(site)]) == 0
    assert capsys.readouterr().out == "Created content/posts/notes-a-start.md (a draft)\n"
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date().isoformat()  # UTC+14
    assert (site / "content/posts/notes-a-start.md").read_text() == (
        f'---\ntitle: "Notes: \\"a\\" start"\ndate: {today}\ndraft: true\n---\n'
    )
    # It builds (as a draft, held back) and shows with --drafts.
    assert main(["build", "--site", str(site)]) == 0
    assert "held back: 1 draft" in capsys.readouterr().out
    assert main(["build", "--site", str(site), "--drafts", "--future"]) == 0
    assert "Built 2 posts" in capsys.readouterr().out


def test_new_page_and_refusing_to_overwrite(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    assert main(["new", "page", "Reading list"]) == 0
    assert capsys.readouterr().out == "Created content/pages/reading-list.md (a draft)\n"
    assert (site / "content/pages/reading-list.md").read_text() == (
        '---\ntitle: "Reading list"\ndraft: true\n---\n'
    )
    assert main(["new", "page", "Reading List"]) == 1
    assert capsys.readouterr().err == (
        "error: content/pages/reading-list.md: already exists; choose another title, or edit "
        "that file\n"
    )


def test_a_long_title_makes_a_slug_cut_at_a_word(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The slug was the whole title: past 252 bytes, OSError "File name too long".
    title = "On " + "listening " * 40
    assert main(["new", "post", title, "--site", str(site)]) == 0
    slug = "on" + "-listening" * 7  # 72 characters: one word more would pass 80
    assert capsys.readouterr().out == f"Created content/posts/{slug}.md (a draft)\n"
    assert (site / f"content/posts/{slug}.md").read_text().startswith(f'---\ntitle: "{title}"')


def test_post_without_a_title_explains_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "post"]) == 1
    assert capsys.readouterr().err == (
        'error: salon new post needs a title: salon new post "Title" (for a new site in a '
        "folder named post, write ./post)\n"
    )
    assert main(["new", "./post"]) == 0  # a site in a folder named post
    assert (tmp_path / "post/site.yaml").is_file()


def test_new_post_outside_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "post", "Hello", "--site", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"error: {tmp_path}/site.yaml: no site.yaml here; run `salon new DIR` to start a site\n"
    )


def test_new_refuses_a_site_inside_a_site_or_a_markdown_path(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    assert main(["new", "content/posts/x.md"]) == 1
    assert capsys.readouterr().err == (
        "error: content/posts/x.md: salon new makes a site, in a folder; for an essay, run "
        '`salon new post "Title"` inside the site\n'
    )
    assert main(["new", "content/extra"]) == 1
    assert capsys.readouterr().err == (
        f"error: content/extra: this is inside the site in {site.resolve()}; make a new site "
        'outside it, or add an essay with `salon new post "Title"`\n'
    )
    assert not (site / "content/extra").exists() and not (site / "content/posts/x.md").exists()


def test_the_new_site_points_to_help_that_works_after_pip_install(site: Path) -> None:
    text = (site / "site.yaml").read_text()
    assert text.startswith("# Salon site settings. Every key is described by `salon help config`.")
