"""Whole-site builds of the small sites in tests/sites/, asserting on the HTML structure."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build.manifest import MANIFEST, Manifest
from generator.build.pipeline import BuildOptions, BuildResult, build_site
from generator.cli import main
from generator.core.config import load_config
from generator.core.errors import SiteError
from generator.core.themes import reserved_ids, theme_chain
from tests.conftest import FIXED_NOW, SITES
from tests.htmldom import Element, parse_html

SiteCopy = Callable[[str], Path]


def build(site: Path, drafts: bool = False, future: bool = False) -> BuildResult:
    return build_site(site, BuildOptions(drafts=drafts, future=future, now=FIXED_NOW, jobs=1))


def page(site: Path, url: str) -> Element:
    """The parsed HTML that serves ``url`` from the site's output/."""
    path = site / "output" / url.lstrip("/")
    if url.endswith("/"):
        path = path / "index.html"
    assert path.is_file(), f"{url} was not written"
    return parse_html(path.read_text(encoding="utf-8"))


def hrefs(elements: list[Element]) -> list[str | None]:
    return [el.get("href") for el in elements]


def summary_titles(doc: Element) -> list[str]:
    return [el.text for el in doc.find_all("h2", class_="p-name")]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file the pages step wrote (the search step's pagefind/ bundle left out:
    tests/test_search_build.py follows it)."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.relative_to(folder).as_posix().startswith("pagefind/")
    }


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/sites/basic built once (read-only tests share it)."""
    site = tmp_path_factory.mktemp("built") / "basic"
    shutil.copytree(SITES / "basic", site)
    build(site)
    return site


# -- a post --------------------------------------------------------------------------------


def test_post_page_shows_title_dates_author_category_tags_and_reading_time(basic: Path) -> None:
    doc = page(basic, "/2025/01/on-headings/")
    article = doc.one("article", class_="post h-entry")
    assert article.one("h1", class_="p-name").text == 'On Headings: a "Study"'
    assert doc.one("title").text == 'On Headings: a "Study" — Field Notes'
    # A naive date takes the site's timezone (Europe/Paris, +01:00 in winter).
    published = article.one("time", class_="dt-published")
    assert published.get("datetime") == "2025-01-10T00:00:00+01:00"
    assert published.text == "10 January 2025"
    assert article.one("time", class_="dt-updated").get("datetime") == "2025-02-01T10:00:00+01:00"
    assert article.one("span", class_="p-author h-card").text == "Guest Writer"
    assert [a.text for a in article.find_all("a", rel="tag")] == ["Craft", "Walking"]
    assert hrefs(article.find_all("a", rel="tag")) == ["/tags/craft/", "/tags/walking/"]
    kicker = article.one("p", class_="kicker").one("a", class_="p-category")
    assert (kicker.text, kicker.get("href")) == ("Method", "/categories/method/")
    assert "1 min read" in article.one("p", class_="post-meta").text


def test_post_page_is_an_h_entry_with_its_content_and_permalink(basic: Path) -> None:
    article = page(basic, "/2025/02/valentine/").one("article", class_="h-entry")
    assert article.one(class_="e-content").text.startswith("Frost on the fence posts")
    assert (
        article.one("a", class_="u-url").get("href") == "https://notes.example/2025/02/valentine/"
    )
    assert article.one("time", class_="dt-published").get("datetime") == (
        "2025-02-14T07:00:00+01:00"
    )


def test_previous_and_next_essay_links_follow_date_order(basic: Path) -> None:
    middle = page(basic, "/2025/01/on-headings/").one("nav", class_="post-nav")
    assert middle.one("a", rel="prev").get("href") == "/2024/12/second/"
    assert middle.one("a", rel="next").get("href") == "/2025/02/valentine/"
    newest = page(basic, "/2025/02/valentine/").one("nav", class_="post-nav")
    assert newest.find("a", rel="next") is None
    assert newest.one("a", rel="prev").get("href") == "/2025/01/on-headings/"
    oldest = page(basic, "/2024/11/first-light/").one("nav", class_="post-nav")
    assert oldest.find("a", rel="prev") is None


def test_table_of_contents_links_to_each_heading(basic: Path) -> None:
    doc = page(basic, "/2025/01/on-headings/")
    toc = doc.one("nav", class_="toc")
    links = toc.find_all("a")
    assert [a.text for a in links] == ["Why headings", "How many", "An example"]
    body = doc.one(class_="e-content")
    for link in links:
        anchor = (link.get("href") or "").removeprefix("#")
        assert body.one(id=anchor).tag == "h2"
    # Fewer than three headings: no table of contents.
    assert page(basic, "/2025/02/valentine/").find("nav", class_="toc") is None


def test_post_head_has_canonical_description_open_graph_and_twitter_card(basic: Path) -> None:
    doc = page(basic, "/2025/02/valentine/")
    url = "https://notes.example/2025/02/valentine/"
    assert doc.one("link", rel="canonical").get("href") == url
    description = "A walk at the end of winter, in the cold."
    assert doc.meta("description") == description
    assert doc.meta("og:title") == "Late Winter"
    assert doc.meta("og:url") == url
    assert doc.meta("og:type") == "article"
    assert doc.meta("og:description") == description
    assert doc.meta("og:site_name") == "Field Notes"
    assert doc.meta("twitter:card") == "summary"
    assert doc.meta("twitter:title") == "Late Winter"
    assert doc.one("html").get("lang") == "en-GB"


def test_description_falls_back_to_the_excerpt_as_plain_text(basic: Path) -> None:
    doc = page(basic, "/2024/11/first-light/")
    assert doc.meta("description") == (
        "The path was grey, then silver – then, quite suddenly, “gold”… I didn’t expect it."
    )


def test_post_carries_blogposting_json_ld(basic: Path) -> None:
    doc = page(basic, "/2025/01/on-headings/")
    data = json.loads(doc.one("script", type="application/ld+json").raw_text)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == 'On Headings: a "Study"'
    assert data["url"] == "https://notes.example/2025/01/on-headings/"
    assert data["datePublished"] == "2025-01-10T00:00:00+01:00"
    assert data["dateModified"] == "2025-02-01T10:00:00+01:00"
    assert data["author"] == {"@type": "Person", "name": "Guest Writer"}
    assert data["keywords"] == ["Craft", "Walking"]
    assert data["articleSection"] == "Method"
    assert isinstance(data["wordCount"], int) and data["wordCount"] > 20


def test_author_url_in_json_ld_is_absolute(basic: Path) -> None:
    doc = page(basic, "/2025/02/valentine/")
    data = json.loads(doc.one("script", type="application/ld+json").raw_text)
    assert data["author"]["name"] == "Ada Writer"
    assert data["author"]["url"] == "https://notes.example/about/"


def test_markdown_features_reach_the_page(basic: Path) -> None:
    body = page(basic, "/2025/01/on-headings/").one(class_="e-content")
    code = body.one("pre", class_="highlight").one("code", class_="language-python")
    assert code.find("span", class_="k") is not None  # Pygments classes, styled by the theme
    assert all("style" not in el.attrs for el in body.iter())
    notes = body.one("section", class_="footnotes")
    assert notes.one("li", id="fn1").text.startswith("A footnote")


def test_comments_disabled_means_no_comment_section_and_no_comment_feeds(basic: Path) -> None:
    doc = page(basic, "/2025/02/valentine/")
    assert doc.find(id="comments") is None
    assert doc.find("form") is None
    assert not (basic / "output/comments.xml").exists()
    assert not (basic / "output/2025/02/valentine/comments.xml").exists()


# -- listings ------------------------------------------------------------------------------


def test_home_page_lists_newest_first_and_paginates(basic: Path) -> None:
    first = page(basic, "/")
    assert summary_titles(first) == ["Late Winter", 'On Headings: a "Study"']
    nav = first.one("nav", class_="pagination")
    assert nav.one("a", rel="next").get("href") == "/page/2/"
    assert nav.find("a", rel="prev") is None
    second = page(basic, "/page/2/")
    assert summary_titles(second) == ["The Second Essay", "First Light"]
    assert second.one("nav", class_="pagination").one("a", rel="prev").get("href") == "/"
    assert second.one("nav", class_="pagination").find("a", rel="next") is None
    assert second.one("title").text == "Field Notes — page 2"
    assert not (basic / "output/page/3").exists()
    assert not (basic / "output/page/1").exists()


def test_excerpts_stop_at_more_or_after_the_first_paragraph(basic: Path) -> None:
    summaries = {
        el.one("h2", class_="p-name").text: el.one("div", class_="p-summary")
        for el in (
            *page(basic, "/").find_all("article"),
            *page(basic, "/page/2/").find_all("article"),
        )
    }
    headings = summaries['On Headings: a "Study"']
    assert headings.text == "An essay with enough headings to earn a table of contents."
    assert headings.find("h2") is None
    assert headings.find("a") is None  # the footnote mark would point at nothing here
    first_light = summaries["First Light"]
    assert len(first_light.find_all("p")) == 1
    assert "second paragraph" not in first_light.text


def test_tag_pages_index_and_pagination(basic: Path) -> None:
    index = page(basic, "/tags/")
    entries = {
        a.text.lower(): a.get("href") for a in index.one("ul", class_="term-cloud").find_all("a")
    }
    assert entries == {
        "craft": "/tags/craft/",
        "light": "/tags/light/",
        "walking": "/tags/walking/",
    }
    cloud = index.one("ul", class_="term-cloud")
    counts = [li.one("span", class_="count").text for li in cloud.find_all("li")]
    assert counts == ["1 essay", "2 essays", "3 essays"]
    walking = page(basic, "/tags/walking/")
    assert walking.one("h1").text == "Walking"
    assert summary_titles(walking) == ["Late Winter", 'On Headings: a "Study"']
    assert walking.one("nav", class_="pagination").one("a", rel="next").get("href") == (
        "/tags/walking/page/2/"
    )
    assert summary_titles(page(basic, "/tags/walking/page/2/")) == ["First Light"]
    # "Light" and "light" are one tag.
    assert summary_titles(page(basic, "/tags/light/")) == ["The Second Essay", "First Light"]


def test_category_pages_and_index(basic: Path) -> None:
    index = page(basic, "/categories/")
    assert sorted(hrefs(index.one("ul", class_="term-cloud").find_all("a"))) == [
        "/categories/method/",
        "/categories/notes/",
    ]
    assert summary_titles(page(basic, "/categories/notes/")) == ["The Second Essay", "First Light"]
    assert summary_titles(page(basic, "/categories/method/")) == ['On Headings: a "Study"']


def test_archives_by_year_and_month(basic: Path) -> None:
    archives = page(basic, "/archives/")
    years = archives.find_all("section", class_="archive-year")
    assert [s.one("h2").text for s in years] == ["2025", "2024"]
    assert [a.text for a in years[1].one("ul").find_all("a")] == ["The Second Essay", "First Light"]
    assert summary_titles(page(basic, "/2024/")) == ["The Second Essay", "First Light"]
    assert summary_titles(page(basic, "/2024/12/")) == ["The Second Essay"]
    assert page(basic, "/2024/12/").one("h1").text == "December 2024"
    assert summary_titles(page(basic, "/2025/02/")) == ["Late Winter"]
    assert not (basic / "output/2025/03").exists()


def test_pages_are_rendered_and_listed_in_the_navigation_unless_hidden(basic: Path) -> None:
    about = page(basic, "/about/")
    assert about.one("h1", class_="p-name").text == "About"
    assert about.one(class_="e-content").text == "I am Ada. I walk and I write."
    assert about.meta("description") == "Who writes Field Notes."
    nav = hrefs(about.one("nav", class_="site-nav").find_all("a"))
    assert "/about/" in nav
    assert "/colophon/" not in nav
    assert page(basic, "/colophon/").one("h1").text == "Colophon"


def test_not_found_page_is_not_indexed(basic: Path) -> None:
    doc = parse_html((basic / "output/404.html").read_text(encoding="utf-8"))
    assert doc.meta("robots") == "noindex"
    assert doc.one("h1").text == "Page not found"
    recent = doc.one("main").find_all("ul")[0].find_all("a")
    assert [a.text for a in recent] == [
        "Late Winter",
        'On Headings: a "Study"',
        "The Second Essay",
        "First Light",
    ]


@pytest.mark.parametrize("alias", ["/old/second.html", "/2019/second-essay/"])
def test_alias_pages_redirect_with_meta_refresh_and_canonical(basic: Path, alias: str) -> None:
    doc = page(basic, alias)
    target = "https://notes.example/2024/12/second/"
    assert doc.one("meta", http_equiv="refresh").get("content") == f"0; url={target}"
    assert doc.one("link", rel="canonical").get("href") == target
    assert doc.meta("robots") == "noindex"
    assert doc.one("a").get("href") == target


def test_files_beside_content_are_copied(basic: Path) -> None:
    assert (basic / "output/favicon.ico").read_bytes() == b"icon-bytes"
    drawing = basic / "output/2024/12/second/drawing.svg"
    assert drawing.read_bytes() == (SITES / "basic/content/posts/second/drawing.svg").read_bytes()
    img = page(basic, "/2024/12/second/").one("img")
    # Resolved against the post (the file lives beside it), so excerpts on listings show it too.
    assert img.get("src") == "/2024/12/second/drawing.svg"


def test_no_private_setting_reaches_the_output(basic: Path) -> None:
    for path in (basic / "output").rglob("*"):
        if path.is_file():
            assert b"ada@private.example" not in path.read_bytes(), path


# -- drafts and scheduled posts ------------------------------------------------------------


def test_drafts_and_future_posts_are_held_back_and_counted(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    result = build(site)
    assert (result.posts, result.drafts_held, result.future_held) == (4, 1, 1)
    assert "held back: 1 draft and 1 scheduled" in result.summary()
    assert not (site / "output/2025/01/unfinished").exists()
    assert not (site / "output/2099").exists()
    walking = page(site, "/tags/walking/")
    assert "An Unfinished Draft" not in summary_titles(walking)
    assert b"A Scheduled Essay" not in (site / "output/feed.xml").read_bytes()


def test_drafts_option_includes_drafts(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    result = build(site, drafts=True)
    assert (result.posts, result.drafts_held, result.future_held) == (5, 0, 1)
    assert page(site, "/2025/01/unfinished/").one("h1", class_="p-name").text == (
        "An Unfinished Draft"
    )
    assert "held back: 1 scheduled" in result.summary()


def test_future_option_includes_scheduled_posts(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    result = build(site, future=True)
    assert (result.posts, result.drafts_held, result.future_held) == (5, 1, 0)
    assert summary_titles(page(site, "/"))[0] == "A Scheduled Essay"


def test_cli_build_prints_the_summary_line(
    site_copy: SiteCopy, capsys: pytest.CaptureFixture[str]
) -> None:
    site = site_copy("basic")
    assert main(["build", "--site", str(site), "--drafts"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("Built 5 posts and 2 pages: ")
    assert ", held back: 1 scheduled, 0 warnings, in " in out
    assert (site / "output/index.html").is_file()


# -- themes --------------------------------------------------------------------------------


def test_site_templates_override_single_theme_templates(site_copy: SiteCopy) -> None:
    site = site_copy("theme_override")
    build(site)
    about = page(site, "/about/").one("article", class_="site-page")
    # Front matter keys Salon does not know reach templates through entry.extra.
    assert about.get("data-mood") == "cheerful"
    assert [li.text for li in about.one("ul", class_="shelf").find_all("li")] == [
        "books",
        "records",
    ]
    # An overridden partial is used by the theme's own templates that include it.
    home = page(site, "/")
    assert [a.text for a in home.find_all("article", class_="site-summary")] == ["Hello"]
    # Templates not overridden still come from the theme.
    assert page(site, "/2024/06/hello/").one("article", class_="post h-entry") is not None


def test_theme_extending_the_default_theme(site_copy: SiteCopy) -> None:
    site = site_copy("theme_extends")
    build(site)
    post = page(site, "/2024/06/hello/")
    assert post.one("article", class_="quiet-post").one("h1").text == "Hello"
    assert post.find("article", class_="h-entry") is None
    # Templates the quiet theme lacks come from the theme it extends.
    assert page(site, "/").find("nav", class_="site-nav") is not None
    # The site's own templates/ wins over every theme.
    not_found = parse_html((site / "output/404.html").read_text(encoding="utf-8"))
    assert not_found.find("p", class_="site-404") is not None
    assert not_found.find("p", class_="quiet-404") is None
    out = site / "output/assets"
    assert (out / "quiet.css").read_bytes() == b"\n"  # published minified: only a comment
    assert (out / "fonts/serif.woff2").read_bytes() == b"font-bytes"
    assert (out / "salon.js").read_bytes() == b'console.log("quiet");\n'  # the child's file wins
    assert b"--" in (out / "style.css").read_bytes()  # the parent's stylesheet, still there


def test_theme_in_site_themes_folder_without_extends_uses_only_itself(site_copy: SiteCopy) -> None:
    site = site_copy("theme_extends")
    (site / "themes/quiet/theme.yaml").write_text("name: quiet\n", encoding="utf-8")
    (site / "templates/404.html").unlink()
    with pytest.raises(SiteError) as caught:
        build(site)
    assert str(caught.value) == (
        "themes/quiet/templates/post.html:1: "
        'template "base.html" not found in the site\'s templates/ or its theme'
    )


# -- rebuilding ----------------------------------------------------------------------------


def test_failed_build_leaves_the_previous_output_intact(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    build(site)
    before = snapshot(site / "output")
    post = site / "content/posts/2024-11-03-first-light.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace("date: 2024-11-03 09:00", "date: soon")
    )
    (site / "content/posts/new.md").write_text("---\ntitle: New\ndate: 2025-01-02\n---\nNew.\n")
    with pytest.raises(SiteError):
        build(site)
    assert snapshot(site / "output") == before


def test_failed_template_leaves_the_previous_output_intact(site_copy: SiteCopy) -> None:
    site = site_copy("theme_override")
    build(site)
    before = snapshot(site / "output")
    (site / "templates/page.html").write_text("{{ entry.nonexistent }}", encoding="utf-8")
    with pytest.raises(SiteError):
        build(site)
    assert snapshot(site / "output") == before


def test_rebuild_without_changes_writes_nothing_and_keeps_mtimes(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    first = build(site)
    assert first.report.written == len(snapshot(site / "output"))
    before = snapshot(site / "output")
    second = build(site)
    assert (second.report.written, second.report.removed) == (0, 0)
    assert second.report.unchanged == first.report.written
    assert snapshot(site / "output") == before


def test_rebuild_rewrites_only_what_changed(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    build(site)
    before = snapshot(site / "output")
    about = site / "content/pages/about.md"
    about.write_text(about.read_text(encoding="utf-8").replace("I walk", "I wander"))
    result = build(site)
    after = snapshot(site / "output")
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"about/index.html"}
    assert result.report.written == len(changed)


def test_removed_sources_remove_their_output(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    build(site)
    assert (site / "output/2024/12/second/drawing.svg").exists()
    shutil.rmtree(site / "content/posts/second")
    (site / "content/favicon.ico").unlink()
    result = build(site)
    output = site / "output"
    assert not (output / "2024/12/second").exists()  # the post, its drawing and the folder
    assert not (output / "old/second.html").exists()  # its alias
    assert not (output / "2019").exists()
    assert not (output / "favicon.ico").exists()
    assert not (output / "2024/12").exists()  # the month archive had only that post
    assert result.report.removed >= 6
    assert "/2024/12/second/" not in (output / "sitemap.xml").read_text(encoding="utf-8")


def test_stray_files_in_output_are_removed(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    (site / "output/stale/deep").mkdir(parents=True)
    (site / "output/stale/deep/old.html").write_text("old")
    build(site)
    assert not (site / "output/stale").exists()


def test_hidden_folders_at_the_top_of_output_survive(site_copy: SiteCopy) -> None:
    """output/ is often a checkout of the published branch; its .git is not ours."""
    site = site_copy("basic")
    (site / "output/.git/objects").mkdir(parents=True)
    (site / "output/.git/HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / "output/.git/objects/ab").write_text("x")
    (site / "output/.nojekyll").write_text("")
    (site / "output/stale.html").write_text("old")
    build(site)
    shutil.rmtree(site / "content/posts/second")
    build(site)
    assert (site / "output/.git/HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (site / "output/.git/objects/ab").exists()
    assert (site / "output/.nojekyll").exists()
    assert not (site / "output/stale.html").exists()
    assert not (site / "output/2024/12/second").exists()


def test_first_build_moves_the_staged_tree_and_records_every_file(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    result = build(site)
    output = site / "output"
    manifest = Manifest(site / ".salon" / MANIFEST).entries
    on_disk = set(snapshot(output))
    assert set(manifest) == on_disk
    assert result.report.written == len(on_disk)
    assert not any((site / ".salon/staging").glob("*"))  # nothing left behind
    again = build(site)
    assert again.report.written == 0
    assert again.report.unchanged == len(on_disk)


def test_a_manifest_of_an_earlier_version_is_read_once_and_a_damaged_one_costs_a_rewrite(
    site_copy: SiteCopy,
) -> None:
    site = site_copy("basic")
    build(site)
    state = site / ".salon"
    entries = Manifest(state / MANIFEST).entries
    # As the JSON manifest of earlier versions: the files it lists are kept as they are.
    legacy = {path: list(entry) for path, entry in entries.items()}
    (state / "output.json").write_text(json.dumps(legacy), encoding="utf-8")
    (state / MANIFEST).unlink()
    assert Manifest(state / MANIFEST).entries == entries
    essay = site / "content/posts/2024-11-03-first-light.md"
    essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    again = build(site)
    assert 0 < again.report.written < len(entries)  # not every file: the old manifest held
    assert not (state / "output.json").exists() and (state / MANIFEST).is_file()
    # A damaged manifest: every file is looked at again, and the output stays whole.
    before = {path: data for path, (data, _mtime) in snapshot(site / "output").items()}
    (state / MANIFEST).write_bytes(b"\xff not marshal")
    assert Manifest(state / MANIFEST).entries == {}
    build(site)
    assert {path: data for path, (data, _mtime) in snapshot(site / "output").items()} == before
    assert Manifest(state / MANIFEST).entries.keys() == entries.keys()


def test_output_that_is_a_link_to_an_empty_folder_stays_a_link(
    site_copy: SiteCopy, tmp_path: Path
) -> None:
    site = site_copy("basic")
    served = tmp_path / "www"
    served.mkdir()
    (site / "output").symlink_to(served, target_is_directory=True)
    build(site)
    assert (site / "output").is_symlink()
    assert (served / "index.html").is_file()


def test_output_of_two_builds_of_one_site_is_identical(site_copy: SiteCopy, tmp_path: Path) -> None:
    one = site_copy("basic")
    two = tmp_path / "again"
    shutil.copytree(SITES / "basic", two)
    build(one)
    build(two)
    left = {k: v[0] for k, v in snapshot(one / "output").items()}
    right = {k: v[0] for k, v in snapshot(two / "output").items()}
    assert left == right


def _retitle(site: Path) -> None:
    post = site / "content/posts/2025-01-10-on-headings.md"
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("""title: 'On Headings: a "Study"'""", "title: Headings Again"))


def _retag(site: Path) -> None:
    post = site / "content/posts/second/index.md"
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("tags: [light]", "tags: [light, Winter]"))


def _redate(site: Path) -> None:
    post = site / "content/posts/2024-11-03-first-light.md"
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("date: 2024-11-03 09:00", "date: 2025-02-20 09:00"))


def _delete_post(site: Path) -> None:
    (site / "content/posts/nested/2025/2025-02-14-valentine.md").unlink()


def _rename_page(site: Path) -> None:
    about = site / "content/pages/about.md"
    about.write_text(about.read_text(encoding="utf-8").replace("title: About", "title: Who"))


def _retitle_site(site: Path) -> None:
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("Field Notes", "Field Work"))


def _override_template(site: Path) -> None:
    (site / "templates/partials").mkdir(parents=True)
    (site / "templates/partials/summary.html").write_text(
        '<article class="mine"><a href="{{ entry.url }}">{{ entry.title }}</a></article>\n'
    )


def _per_page(site: Path) -> None:
    config = site / "site.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("posts_per_page: 2", "posts_per_page: 3")
    )


@pytest.mark.parametrize(
    "edit",
    [_retitle, _retag, _redate, _delete_post, _rename_page, _retitle_site, _override_template,
     _per_page],
)  # fmt: skip
def test_rebuild_after_an_edit_equals_a_clean_build(
    edit: Callable[[Path], None], site_copy: SiteCopy, tmp_path: Path
) -> None:
    site = site_copy("basic")
    build(site)
    edit(site)
    build(site)  # incremental: keeps what it can
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", ".salon"))
    build(clean)
    incremental = {k: v[0] for k, v in snapshot(site / "output").items()}
    fresh = {k: v[0] for k, v in snapshot(clean / "output").items()}
    assert sorted(incremental) == sorted(fresh)
    stale = [path for path in fresh if incremental[path] != fresh[path]]
    assert stale == []


def test_a_taxonomy_left_out_gets_no_pages_and_no_links(site_copy: SiteCopy) -> None:
    site = site_copy("basic")
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "taxonomies: [tags]\n")
    build(site)
    assert not (site / "output/categories").exists()
    assert (site / "output/tags/walking/index.html").is_file()
    for path in (site / "output").rglob("*.html"):
        links = [el.get("href") or "" for el in parse_html(path.read_text()).find_all("a")]
        assert not [link for link in links if link.startswith("/categories/")], path


def test_every_template_of_the_default_theme_is_documented() -> None:
    from generator.core.themes import BUILTIN_THEMES
    from tests.conftest import REPO

    doc = (REPO / "docs/themes.md").read_text(encoding="utf-8")
    names = sorted(p.name for p in (BUILTIN_THEMES / "default/templates").glob("*.html"))
    assert "post.html" in names
    assert [name for name in names if f"`{name}`" not in doc] == []


def test_titles_and_tags_are_escaped_everywhere(site_copy: SiteCopy) -> None:
    site = site_copy("theme_override")
    title = '</script><script>alert(1)</script> & "Q"'
    (site / "content/posts/hostile.md").write_text(
        "---\n"
        f"title: '{title}'\n"
        "date: 2024-06-02\n"
        "tags: ['<b>bold</b>', 'C++ & Rust']\n"
        "description: '<img src=x onerror=alert(1)>'\n"
        "---\n"
        "Body.\n",
        encoding="utf-8",
    )
    build(site)
    doc = page(site, "/2024/06/hostile/")
    scripts = doc.find_all("script")
    assert [s.get("type") for s in scripts if not s.get("src")] == ["application/ld+json"]
    assert json.loads(scripts[0].raw_text)["headline"] == title
    assert doc.one("h1", class_="p-name").text == title
    assert doc.meta("og:description") == "<img src=x onerror=alert(1)>"
    assert doc.find("img") is None
    assert [a.text for a in doc.find_all("a", rel="tag")] == ["<b>bold</b>", "C++ & Rust"]
    assert hrefs(doc.find_all("a", rel="tag")) == ["/tags/b-bold-b/", "/tags/c-rust/"]
    assert doc.find("b") is None


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [(None, "1 May 2024"), ("%-d %b", "1 May"), ("%-H:%M", "9:05"), ("%d/%m", "01/05"),
     ("100%% %-d", "100% 1")],
)  # fmt: skip
def test_date_filter_formats_unpadded_numbers_on_every_platform(
    fmt: str | None, shown: str
) -> None:
    from datetime import datetime

    from generator.core.themes import format_date

    moment = datetime(2024, 5, 1, 9, 5)
    assert (format_date(moment) if fmt is None else format_date(moment, fmt)) == shown
    assert format_date(None) == ""


def test_an_index_md_directly_in_pages_is_not_a_bundle(site_copy: SiteCopy) -> None:
    """Only an index.md in a folder of its own takes the files beside it."""
    site = site_copy("basic")
    (site / "content/pages/index.md").write_text("---\ntitle: Index\n---\nA list.\n")
    (site / "content/pages/cv.pdf").write_bytes(b"%PDF-1.4\n")
    build(site)
    assert (site / "output/index/index.html").is_file()
    assert (site / "output/cv.pdf").read_bytes() == b"%PDF-1.4\n"
    assert not (site / "output/index/cv.pdf").exists()


def test_a_theme_reserves_ids_and_a_bad_list_names_its_file_and_line(
    site_copy: SiteCopy,
) -> None:
    site = site_copy("basic")
    (site / "themes/quiet/templates").mkdir(parents=True)
    (site / "themes/quiet/theme.yaml").write_text(
        "extends: default\nreserved_ids: [on-headings]\n", encoding="utf-8"
    )
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "theme: quiet\n", encoding="utf-8")
    themes = theme_chain(load_config(site))
    assert "on-headings" in reserved_ids(themes) and "comments" in reserved_ids(themes)
    (site / "themes/quiet/theme.yaml").write_text(
        "extends: default\nreserved_ids: main\n", encoding="utf-8"
    )
    with pytest.raises(SiteError) as caught:
        theme_chain(load_config(site))
    assert str(caught.value) == (
        'themes/quiet/theme.yaml:2: reserved_ids: expected a list of ids, got "main"'
    )


def test_the_build_command_exits_at_once_with_everything_written(
    site_copy: Callable[[str], Path],
) -> None:
    """`salon build` ends with os._exit (no teardown of the site's objects): what it
    prints is still flushed through a pipe, and what it writes is all there."""
    import subprocess
    import sys

    site = site_copy("basic")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Built ") and done.stdout.endswith("\n")
    assert (site / "output/index.html").is_file()
    assert (site / ".salon/last-build.json").is_file()  # the record of a good build
    again = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "0 files written" in again.stdout
