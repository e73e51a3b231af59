"""Import fidelity: what an export holds is what the built site shows, counted.

Over genuine exports nobody here wrote (the WordPress theme unit test data; Pelican's
importer test export, fetched at setup by tests/fetch_conformance.py) and our own faithful
sample of a block-editor export with featured images: published posts, pages, approved
comments and the words of every post are counted in the export and again in the built
site, and must agree.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build.pipeline import BuildOptions, build_site
from generator.core.errors import SiteError
from generator.importers.report import ImportReport
from generator.importers.wordpress import import_wordpress
from generator.importers.wordpress_items import plain_title
from generator.importers.wxr import WxrExport, WxrItem, parse_wxr
from tests.conformance import conformance_file
from tests.htmldom import parse_html
from tests.test_import_wordpress import FIXTURES, make_site

_TAG = re.compile(r"<[^>]+>")
_BLOCK_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SHORTCODE = re.compile(r"\[/?[a-z_]+[^\]]*\]")
_HAS_WORD = re.compile(r"[^\W_]")
_CAPTION = re.compile(r"""\[caption [^\]]*\bcaption=(?:"([^"]*)"|'([^']*)')""")
NOW = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC)


def words(text: str) -> int:
    return sum(1 for run in text.split() if _HAS_WORD.search(run))


def export_words(content: str) -> int:
    """Words a reader of the old site saw in a post's body: markup, block comments and
    shortcodes are not words, but a [caption]'s caption is."""
    captions = " ".join(a or b for a, b in _CAPTION.findall(content))
    text = _SHORTCODE.sub(" ", _BLOCK_COMMENT.sub(" ", content)) + " " + captions
    return words(html.unescape(_TAG.sub(" ", text)))


def built_words(text: str) -> int:
    """Words of a built page's body; shortcodes left for the author to edit are not words."""
    return words(_SHORTCODE.sub(" ", text))


def _published_posts(export: WxrExport) -> list[WxrItem]:
    return [
        item
        for item in export.items
        if item.post_type == "post" and item.status == "publish" and not item.password
    ]


@dataclass(frozen=True)
class Moved:
    export: WxrExport
    report: ImportReport
    output: Path


def _move(source: Path, root: Path) -> Moved:
    site = make_site(root / "site")
    report = import_wordpress(site, source, source.name)
    build_site(site, BuildOptions(now=NOW, jobs=1))
    return Moved(parse_wxr(source.read_bytes(), source.name), report, site / "output")


EXPORTS = {
    "theme unit test": lambda: FIXTURES / "themeunittestdata.wordpress.xml",
    "pelican": lambda: conformance_file("pelican", "pelican/tests/content/wordpressexport.xml"),
    "block editor": lambda: FIXTURES / "block-editor-featured.xml",
}


@pytest.fixture(scope="module", params=sorted(EXPORTS))
def moved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Moved:
    return _move(EXPORTS[request.param](), tmp_path_factory.mktemp("fidelity"))


def _post_pages(output: Path) -> dict[str, object]:
    pages = {}
    for path in output.rglob("index.html"):
        doc = parse_html(path.read_text(encoding="utf-8"))
        if doc.find("article", class_="post h-entry") is not None:
            pages[path.parent.relative_to(output).as_posix()] = doc
    return pages


def test_every_published_post_is_built(moved: Moved) -> None:
    posts = _published_posts(moved.export)
    assert moved.report.posts_published == len(posts)
    assert len(_post_pages(moved.output)) == len(posts)


def test_every_approved_comment_on_a_published_post_is_shown(moved: Moved) -> None:
    published = {item.post_id for item in _published_posts(moved.export)}
    expected = sum(
        1
        for item in moved.export.items
        if item.post_id in published
        for comment in item.comments
        if comment.approved == "1" and comment.type in ("", "comment") and comment.content.strip()
    )
    shown = sum(
        1
        for doc in _post_pages(moved.output).values()
        for li in doc.find_all("li", class_="comment")  # type: ignore[attr-defined]
        if "removed" not in li.classes()
    )
    assert shown == expected


def test_the_words_of_every_post_survive(moved: Moved) -> None:
    by_title = {}
    for doc in _post_pages(moved.output).values():
        title = doc.one("h1", class_="p-name").text  # type: ignore[attr-defined]
        body = doc.one("div", class_="post-body")  # type: ignore[attr-defined]
        by_title[" ".join(title.split())] = built_words(body.text)
    lost = {}
    for item in _published_posts(moved.export):
        title = plain_title(item.title) or "Untitled"  # the lookup key; its rule is tested below
        expected = export_words(item.content)
        built = by_title.get(title)
        if built is None or abs(built - expected) > max(2, expected // 50):
            lost[title] = (expected, built)
    assert lost == {}


def test_a_title_with_literal_angle_brackets_keeps_its_words(tmp_path: Path) -> None:
    pelican = _move(EXPORTS["pelican"](), tmp_path / "pelican")
    titles = {
        " ".join(doc.one("h1", class_="p-name").text.split())  # type: ignore[attr-defined]
        for doc in _post_pages(pelican.output).values()
    }
    assert "A normal post with some <html> entities in the title. You can't miss them." in titles
    block = _move(EXPORTS["block editor"](), tmp_path / "block")
    page = block.output / "2023/04/html-in-titles/index.html"
    title = parse_html(page.read_text(encoding="utf-8")).one("h1", class_="p-name").text
    assert title == "Why some <html> entities belong in a title"


def _front_matter_image(site: Path, stem: str) -> str | None:
    (path,) = (site / "content" / "posts").glob(f"*{stem}.md")
    match = re.search(r"^image: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).strip("'\"") if match else None


def test_featured_images_become_image_front_matter_and_are_listed(tmp_path: Path) -> None:
    block = _move(EXPORTS["block editor"](), tmp_path / "block")
    site = block.output.parent
    assert _front_matter_image(site, "seedlings-in-march") == (
        "https://garden.example/wp-content/uploads/2023/03/trays.jpg"
    )
    assert _front_matter_image(site, "html-in-titles") == (
        "https://garden.example/wp-content/uploads/2023/04/brackets.png"
    )
    assert _front_matter_image(site, "the-first-frost") is None
    text = block.report.render()
    assert "Featured images (kept as `image:` in the front matter):" in text
    assert (
        '  "Seedlings in March": https://garden.example/wp-content/uploads/2023/03/trays.jpg'
        in text
    )
    assert '"The first frost": attachment 76 is not in the export' in text


def test_featured_images_of_the_genuine_exports(moved: Moved) -> None:
    """Every imported post or page naming a featured image whose file is in the export."""
    files = {a.post_id for a in moved.export.items if a.attachment_url}
    imported = ("publish", "future", "draft", "pending", "private")
    expected = [
        item
        for item in moved.export.items
        if item.post_type in ("post", "page") and item.status in imported and item.thumbnail_id
    ]
    kept = [item for item in expected if item.thumbnail_id in files]
    assert len(moved.report.featured_images) == len(kept)
    assert len(moved.report.featured_missing) == len(expected) - len(kept)


def test_every_published_page_is_built(moved: Moved) -> None:
    imported = ("publish", "future", "draft", "pending", "private")
    pages = [i for i in moved.export.items if i.post_type == "page" and i.status in imported]
    assert moved.report.pages == len(pages)
    built = set()
    for path in moved.output.rglob("index.html"):
        doc = parse_html(path.read_text(encoding="utf-8"))
        article = doc.find("article", class_="page")
        if article is not None:
            built.add(" ".join(article.one("h1", class_="p-name").text.split()))
    published = {
        plain_title(i.title) or "Untitled"
        for i in pages
        if i.status == "publish" and not i.password
    }
    # A page whose file the new site already has (its own About page) is kept as it was.
    kept_pages = [f for f in moved.report.files_kept if f.startswith("content/pages/")]
    missing = published - built
    assert len(missing) <= len(kept_pages), (missing, kept_pages)


def test_a_wordpress_export_with_a_stray_byte_is_named_and_mended_by_lenient(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "export.xml"
    broken.write_bytes(b"\n" + (FIXTURES / "block-editor-featured.xml").read_bytes())
    site = make_site(tmp_path / "site")
    with pytest.raises(SiteError) as caught:
        import_wordpress(site, broken, "export.xml")
    assert "1 stray byte (0a) before the XML declaration" in str(caught.value)
    report = import_wordpress(site, broken, "export.xml", lenient=True)
    assert report.posts_published == 3
    assert "repaired (--lenient): line 1: removed 1 stray byte before the XML declaration" in (
        report.render()
    )
