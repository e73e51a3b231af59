"""The favicon, and "Continue reading →" only when there is more to read."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from generator.cli import main
from tests.test_author_checks import SITE_YAML, make_site, post

MORE = "Continue reading"


def build(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--site", str(site), "--strict"]) == 0, capsys.readouterr().err
    capsys.readouterr()


def test_every_page_links_the_themes_favicon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path, {"a.md": post("Text.\n")})
    build(site, capsys)
    assert (site / "output/assets/favicon.svg").read_bytes().startswith(b"<svg ")
    for page in ("index.html", "2025/01/a/index.html", "404.html", "archives/index.html"):
        html = (site / "output" / page).read_text()
        assert '<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">' in html, page


def test_the_favicon_setting_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path, {"a.md": post("Text.\n")}, SITE_YAML + "favicon: /icon.png\n")
    icon = io.BytesIO()  # a real PNG: images in content/ go through Pillow (issue 17)
    Image.new("RGB", (32, 32), (120, 90, 60)).save(icon, "PNG")
    (site / "content/icon.png").write_bytes(icon.getvalue())
    build(site, capsys)
    html = (site / "output/index.html").read_text()
    assert '<link rel="icon" href="/icon.png">' in html
    assert (site / "output/icon.png").is_file()


def test_a_favicon_elsewhere_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path, {}, SITE_YAML + "favicon: https://cdn.example/icon.png\n")
    assert main(["build", "--site", str(site)]) == 1
    assert capsys.readouterr().err == (
        "error: site.yaml:5: favicon: expected a path in the site such as /images/icon.png, "
        'got "https://cdn.example/icon.png"\n'
    )


def test_continue_reading_only_when_there_is_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    posts = {
        "note.md": post("Just one paragraph.\n").replace("A walk", "Note"),
        "essay.md": post("First paragraph.\n\nSecond paragraph.\n").replace("A walk", "Essay"),
        "marked.md": post("Before.\n\n<!-- more -->\n\nAfter.\n").replace("A walk", "Marked"),
        "summary.md": post("Body.\n", "summary: In short.\n").replace("A walk", "Summary"),
    }
    site = make_site(
        tmp_path, posts, SITE_YAML.replace("comments:", "posts_per_page: 9\ncomments:")
    )
    build(site, capsys)
    home = (site / "output/index.html").read_text()
    articles = home.split('<article class="summary h-entry">')[1:]
    shown = {
        title: MORE in article
        for title in ("Note", "Essay", "Marked", "Summary")
        for article in articles
        if f">{title}</a></h2>" in article
    }
    assert shown == {"Note": False, "Essay": True, "Marked": True, "Summary": True}
