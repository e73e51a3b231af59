"""`pinned: true`: a post listed first on the home page (WordPress's sticky posts), marked
there, and nowhere else out of its date's order; pinning and unpinning between builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build.content import parse_document, source_from_text
from generator.build.pipeline import BuildOptions, build_site
from generator.core.errors import SiteError
from generator.core.models import Kind
from tests.conftest import FIXED_NOW
from tests.htmldom import parse_html
from tests.test_content import config, page, post_problems

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)
POSTS = {"old": "2024-01-10", "middle": "2024-02-10", "new": "2024-03-10"}


def _write(site: Path, slug: str, pinned: bool = False) -> None:
    pin = "pinned: true\n" if pinned else ""
    (site / "content" / "posts" / f"{slug}.md").write_text(
        f"---\ntitle: Essay {slug}\ndate: {POSTS[slug]}\ntags: [t]\n{pin}---\nText of {slug}.\n"
    )


def _site(tmp_path: Path, pinned: str = "old") -> Path:
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "site.yaml").write_text(
        "title: T\nbase_url: https://t.example\nposts_per_page: 2\ncomments:\n  enabled: false\n"
    )
    for slug in POSTS:
        _write(tmp_path, slug, slug == pinned)
    return tmp_path


def _titles(site: Path, relative: str) -> list[str]:
    html = parse_html((site / "output" / relative).read_text())
    return [article.one("h2").text for article in html.find_all("article", class_="summary")]


def _pinned_notes(site: Path, relative: str) -> int:
    html = parse_html((site / "output" / relative).read_text())
    return len(html.find_all("p", class_="pinned-note"))


def test_a_pinned_post_comes_first_on_the_home_page_and_is_marked(tmp_path: Path) -> None:
    site = _site(tmp_path)
    build_site(site, OPTIONS)
    assert _titles(site, "index.html") == ["Essay old", "Essay new"]
    assert _titles(site, "page/2/index.html") == ["Essay middle"]
    assert _pinned_notes(site, "index.html") == 1
    assert _pinned_notes(site, "page/2/index.html") == 0


def test_everywhere_else_posts_keep_their_date_order(tmp_path: Path) -> None:
    site = _site(tmp_path)
    build_site(site, OPTIONS)
    assert _titles(site, "tags/t/index.html") == ["Essay new", "Essay middle"]
    assert _titles(site, "2024/index.html") == ["Essay new", "Essay middle"]
    assert _pinned_notes(site, "tags/t/index.html") == 0
    feed = (site / "output" / "feed.xml").read_text()
    assert feed.index("Essay new") < feed.index("Essay middle") < feed.index("Essay old")
    post = parse_html((site / "output" / "2024" / "01" / "old" / "index.html").read_text())
    assert post.one("a", rel="next").text.endswith("Essay middle")  # its neighbours by date


def test_pinning_and_unpinning_between_builds_reorders_the_home_pages(tmp_path: Path) -> None:
    site = _site(tmp_path, pinned="")
    build_site(site, OPTIONS)
    assert _titles(site, "index.html") == ["Essay new", "Essay middle"]
    _write(site, "old", pinned=True)
    build_site(site, OPTIONS)
    assert _titles(site, "index.html") == ["Essay old", "Essay new"]
    assert _titles(site, "page/2/index.html") == ["Essay middle"]
    _write(site, "old", pinned=False)
    build_site(site, OPTIONS)
    assert _titles(site, "index.html") == ["Essay new", "Essay middle"]
    assert _titles(site, "page/2/index.html") == ["Essay old"]
    assert _pinned_notes(site, "index.html") == 0


def test_several_pinned_posts_are_newest_first(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _write(site, "middle", pinned=True)
    build_site(site, OPTIONS)
    assert _titles(site, "index.html") == ["Essay middle", "Essay old"]
    assert _titles(site, "page/2/index.html") == ["Essay new"]


def test_pinned_is_read_and_refused_on_a_page_or_as_not_a_boolean() -> None:
    assert page("---\ntitle: About\n---\n").pinned is False
    problems = post_problems("---\ntitle: A\ndate: 2024-05-01\npinned: sometimes\n---\n")
    assert problems == ['content/posts/x.md:4: pinned: expected true or false, got "sometimes"']
    source = source_from_text(
        Kind.PAGE, "content/pages/about.md", "about", "---\ntitle: About\npinned: true\n---\n"
    )
    with pytest.raises(SiteError) as caught:
        parse_document(source, config())
    assert [str(p) for p in caught.value.problems] == [
        "content/pages/about.md:3: pinned: only a post can be pinned to the home page; remove it"
    ]
