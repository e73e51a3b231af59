"""Old addresses keep working: alias pages, and a _redirects file for query-string aliases."""

from __future__ import annotations

from pathlib import Path

from generator.build.pipeline import BuildOptions, build_site
from generator.cli import main

from .conftest import FIXED_NOW


def make_site(root: Path, base_url: str) -> Path:
    (root / "content" / "posts").mkdir(parents=True)
    (root / "site.yaml").write_text(
        f"title: Moved\nbase_url: {base_url}\ncomments:\n  enabled: false\n", encoding="utf-8"
    )
    (root / "content" / "posts" / "moved.md").write_text(
        "---\ntitle: Moved here\ndate: 2024-05-01\n"
        "aliases: ['/?p=12', /2014/01/old-name/, /old/page.html]\n---\nBody.\n",
        encoding="utf-8",
    )
    return root


def test_query_aliases_go_to_a_redirects_file_with_the_base_path(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", "https://example.org/blog")
    build_site(site, BuildOptions(now=FIXED_NOW))
    redirects = (site / "output" / "_redirects").read_text(encoding="utf-8")
    assert redirects == "/blog/  p=12  /blog/2024/05/moved/  301\n"
    assert not (site / "output" / "_redirects").is_dir()


def test_path_aliases_become_redirect_pages(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", "https://example.org")
    build_site(site, BuildOptions(now=FIXED_NOW))
    for alias in ("2014/01/old-name/index.html", "old/page.html"):
        html = (site / "output" / alias).read_text(encoding="utf-8")
        assert (
            '<meta http-equiv="refresh" content="0; url=https://example.org/2024/05/moved/">'
            in html
        )
        assert '<link rel="canonical" href="https://example.org/2024/05/moved/">' in html


def test_a_file_where_a_folder_is_needed_names_both(tmp_path: Path, capsys: object) -> None:
    site = make_site(tmp_path / "site", "https://example.org")
    (site / "content" / "pages").mkdir()
    (site / "content" / "pages" / "feed.md").write_text(
        "---\ntitle: Feed\nslug: feed.xml\n---\nA page.\n", encoding="utf-8"
    )
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err == (
        "error: site feed writes output/feed.xml and content/pages/feed.md needs it as a folder "
        "for output/feed.xml/index.html; give one of them another slug or URL\n"
    )
