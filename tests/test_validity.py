"""Every HTML file of the built sample site passes the Nu HTML Checker (vnu.jar) without errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import pytest

from generator.build.pipeline import BuildOptions, build_site
from tests.browser.sample import built_sample, html_files, run_vnu
from tests.conftest import FIXED_NOW, SITES


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_sample(tmp_path_factory.mktemp("validity") / "site")


@pytest.mark.slow
def test_every_html_file_passes_the_nu_html_checker(output: Path) -> None:
    files = html_files(output)
    assert len(files) >= 20, f"expected the whole sample site, found {len(files)} HTML files"
    problems = [
        f"{str(m.get('url', '')).removeprefix('file:')}:{m.get('lastLine')}: {m['message']}"
        for m in run_vnu(files)
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert problems == [], "\n".join(problems)


def test_the_checker_really_reports_errors(tmp_path: Path) -> None:
    """Guards the test above: a broken page must be reported, or a silent checker passes all."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html lang="en"><title>x</title><p id=a id=a><div></span>')
    messages = run_vnu([page])
    assert any(m.get("type") == "error" for m in messages)


def test_every_feed_parses_without_a_bozo_flag(output: Path) -> None:
    feeds = sorted({*output.rglob("*.xml")} - {output / "sitemap.xml"})
    assert output / "feed.xml" in feeds and output / "rss.xml" in feeds
    assert output / "comments.xml" in feeds
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, f"{path.relative_to(output)}: {parsed.get('bozo_exception')}"
        assert parsed.feed.get("title"), f"{path.relative_to(output)} has no title"


@pytest.mark.slow
def test_the_real_world_site_passes_the_nu_html_checker(tmp_path: Path) -> None:
    """Non-ASCII slugs, headings named like the theme's ids, excerpts cut inside a list and a
    quote (tests/sites/realworld): the listings and essays stay valid HTML."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "realworld", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    files = html_files(site / "output")
    assert len(files) >= 10
    problems = [
        f"{str(m.get('url', '')).removeprefix('file:')}:{m.get('lastLine')}: {m['message']}"
        for m in run_vnu(files)
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert problems == [], "\n".join(problems)
