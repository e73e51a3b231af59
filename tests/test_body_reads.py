"""A page's key covers what it read of its entries' rendering, not all of it
(body_reads.py, plan_index.py): an edit of one essay's text makes its page and the feeds
that carry its text again, and leaves alone the listings and neighbours that show only
its title, its excerpt or its reading time; a template that does show another essay's
body, or its word count, is made again when that changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.build import execute
from generator.build.pipeline import BuildOptions, build_site

from .conftest import FIXED_NOW, SITES

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)
ESSAY = "content/posts/essay-3.md"  # 2024-03-10; essay 2 is older, essay 4 newer
PAGE = "2024/03/essay-3/index.html"
AFTER_MORE = "More words for essay 3."  # past <!-- more -->: not in the excerpt


def _site(tmp_path: Path, templates: dict[str, str] | None = None) -> Path:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    for name, text in (templates or {}).items():
        (site / "templates").mkdir(exist_ok=True)
        (site / "templates" / name).write_text(text, encoding="utf-8")
    build_site(site, OPTIONS)
    return site


def _rendered_after(site: Path, edit: str, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The paths rendered by the build after essay 3's AFTER_MORE becomes ``edit``."""
    paths: set[str] = set()
    render = execute.PageRenderer.render

    def counted(self: execute.PageRenderer, job: execute.PageJob | execute.FileJob) -> bytes:
        paths.add(job.path)
        return render(self, job)

    essay = site / ESSAY
    text = essay.read_text(encoding="utf-8")
    assert AFTER_MORE in text
    essay.write_text(text.replace(AFTER_MORE, edit), encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(execute.PageRenderer, "render", counted)
        build_site(site, OPTIONS)
    return paths


def test_a_body_edit_makes_its_page_and_the_feeds_carrying_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path)
    made = _rendered_after(site, "More words, truly, for essay 3.", monkeypatch)
    # One word more (the related essays stay the same here). Its page, and the feeds
    # that carry each essay's text: nothing else. Not the home page, its tags' and
    # category's pages, its month's, the archives (titles, excerpts and reading times,
    # all unchanged), its neighbours' pages (links), its comments feed.
    assert made == {PAGE, "feed.xml", "rss.xml", "tags/common/feed.xml", "tags/tag-3/feed.xml",
                    "categories/psychology/feed.xml"}  # fmt: skip
    assert "truly" in (site / "output" / PAGE).read_text(encoding="utf-8")
    assert "truly" in (site / "output/feed.xml").read_text(encoding="utf-8")


def test_a_longer_read_remakes_the_listings_that_show_reading_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four hundred words more: a minute more to read, which listings show."""
    site = _site(tmp_path)
    longer = AFTER_MORE + "\n\n" + "Another word. " * 200
    made = _rendered_after(site, longer, monkeypatch)
    assert {PAGE, "page/2/index.html", "tags/tag-3/index.html"} <= made
    listing = (site / "output/page/2/index.html").read_text(encoding="utf-8")
    assert "2 min" in listing or "2 minutes" in listing


def test_a_listing_that_shows_bodies_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A home page showing each essay whole: it read their bodies, so its key covers
    them, and an edit of one reaches it (page 2 holds essays 3 and 2)."""
    home = "{% for entry in pager.items %}<article>{{ entry.html }}</article>{% endfor %}\n"
    site = _site(tmp_path, {"index.html": home})
    made = _rendered_after(site, "Words shown whole on the home page.", monkeypatch)
    assert {PAGE, "page/2/index.html"} <= made
    assert "index.html" not in made  # page 1 (essays 5 and 4) read no changed body
    listing = (site / "output/page/2/index.html").read_text(encoding="utf-8")
    assert "Words shown whole on the home page." in listing


def test_a_page_that_shows_a_neighbours_body_follows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each post page shows its newer neighbour's text: essay 2's shows essay 3's, so
    editing essay 3 makes essay 2's page again, and not essay 4's (whose newer is 5)."""
    post = "<main>{{ entry.html }}</main>{% if newer %}<aside>{{ newer.html }}</aside>{% endif %}\n"
    site = _site(tmp_path, {"post.html": post})
    # The same words (related essays stay), another body.
    made = _rendered_after(site, "More words for essay 3!", monkeypatch)
    assert {PAGE, "2024/02/essay-2/index.html"} <= made
    assert "2024/04/essay-4/index.html" not in made
    older = (site / "output/2024/02/essay-2/index.html").read_text(encoding="utf-8")
    assert "More words for essay 3!" in older


def test_a_word_count_shown_is_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An archive showing each essay's exact word count reads it: one word more reaches
    it, though the excerpt and the reading time stay."""
    archives = (
        "{% for year in years %}{% for entry in year.items %}"
        "<p>{{ entry.title }}: {{ entry.words }}</p>{% endfor %}{% endfor %}\n"
    )
    site = _site(tmp_path, {"archives.html": archives})
    before = (site / "output/archives/index.html").read_text(encoding="utf-8")
    made = _rendered_after(site, "More words, truly, for essay 3.", monkeypatch)
    assert "archives/index.html" in made
    after = (site / "output/archives/index.html").read_text(encoding="utf-8")
    assert after != before
