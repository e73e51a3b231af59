"""The sample site at the repository root, copied and built: its links, its content, its safety."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator.build.pipeline import BuildOptions, BuildResult, build_site
from tests.conftest import REPO, copy_sample_site
from tests.htmldom import Element, parse_html

BASE_URL = "https://consultingroom.example"
MODEL_ESSAY = "/2026/10/the-alliance/"
# Attributes that make the browser fetch something (as opposed to <a href>, which a person follows).
FETCHING = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
            ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src")}  # fmt: skip


class Built:
    def __init__(self, root: Path, result: BuildResult) -> None:
        self.root = root
        self.output = root / "output"
        self.result = result
        self.pages: dict[Path, Element] = {
            path: parse_html(path.read_text(encoding="utf-8"))
            for path in sorted(self.output.rglob("*.html"))
        }

    def page(self, url: str) -> Element:
        return self.pages[self.file_for(url)]

    def file_for(self, path: str) -> Path:
        target = self.output / unquote(path).lstrip("/")
        return target / "index.html" if path.endswith("/") or target.is_dir() else target


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    site = copy_sample_site(tmp_path_factory.mktemp("sample") / "site")
    return Built(site, build_site(site, BuildOptions(jobs=1)))


def internal_target(
    page_file: Path, output: Path, link: str, base_path: str = ""
) -> tuple[str, str] | None:
    """(path inside output/, fragment) for a link inside the site, None for one leaving it.

    ``base_path`` is the path the site is served under ("/blog"); a link that does not
    start with it points outside the site and is reported as an empty path.
    """
    parts = urlsplit(link)
    if parts.scheme in ("mailto", "data", "javascript"):
        return None
    if parts.scheme or parts.netloc:
        if f"{parts.scheme}://{parts.netloc}" != BASE_URL:
            return None
        path = parts.path
    elif parts.path.startswith("/"):
        path = parts.path
    elif parts.path:
        folder = page_file.parent.relative_to(output).as_posix()
        return ("/" if folder == "." else f"/{folder}/") + parts.path, parts.fragment
    else:
        return "/" + page_file.relative_to(output).as_posix(), parts.fragment
    if base_path:
        if not (path == base_path or path.startswith(base_path + "/")):
            return "", parts.fragment
        path = path[len(base_path) :]
    return path or "/", parts.fragment


def ids(built: Built, page_file: Path) -> set[str | None]:
    return {el.get("id") for el in built.pages[page_file].iter()}


def broken_links(built: Built, base_path: str = "") -> tuple[int, list[str]]:
    broken: list[str] = []
    checked = 0
    for page_file, doc in built.pages.items():
        for el in doc.iter():
            for attr in ("href", "src"):
                link = el.get(attr)
                found = (
                    None
                    if link is None
                    else internal_target(page_file, built.output, link, base_path)
                )
                if link is None or found is None:
                    continue
                path, fragment = found
                checked += 1
                where = f"{page_file.relative_to(built.output)}: <{el.tag} {attr}={link}>"
                if not path:
                    broken.append(f"{where} is outside {base_path}/")
                    continue
                target = built.file_for(path)
                if not target.is_file():
                    broken.append(f"{where} (no {target.relative_to(built.output)})")
                elif fragment and target.suffix == ".html" and fragment not in ids(built, target):
                    broken.append(f"{where} (no id {fragment!r})")
    return checked, broken


def test_the_sample_site_builds_without_warnings(built: Built) -> None:
    assert built.result.warnings == ()
    assert built.result.posts >= 4
    assert built.result.pages >= 1
    assert len(built.pages) >= 20


def test_every_internal_link_resolves_to_a_file_that_exists(built: Built) -> None:
    checked, broken = broken_links(built)
    assert checked > 200
    assert broken == []


def test_every_internal_link_resolves_when_the_site_lives_under_a_path(
    tmp_path: Path,
) -> None:
    site = copy_sample_site(tmp_path / "site")
    config = site / "site.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            f"base_url: {BASE_URL}", f"base_url: {BASE_URL}/blog"
        ),
        encoding="utf-8",
    )
    built = Built(site, build_site(site, BuildOptions(jobs=1)))
    checked, broken = broken_links(built, "/blog")
    assert checked > 200
    assert broken == []


def test_every_url_in_the_sitemap_and_feeds_exists(built: Built) -> None:
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = [
        loc.text or ""
        for loc in ET.fromstring((built.output / "sitemap.xml").read_bytes()).iter(f"{ns}loc")
    ]
    atom = ET.fromstring((built.output / "feed.xml").read_bytes())
    urls += [
        link.get("href", "")
        for link in atom.iter("{http://www.w3.org/2005/Atom}link")
        if link.get("rel") == "alternate"
    ]
    assert len(urls) > 10
    for url in urls:
        assert url.startswith(BASE_URL + "/"), url
        assert built.file_for(urlsplit(url).path).is_file(), url


def test_no_page_makes_the_browser_fetch_from_another_site(built: Built) -> None:
    for page_file, doc in built.pages.items():
        for el in doc.iter():
            for tag, attr in FETCHING:
                value = el.get(attr) if el.tag == tag else None
                if value is None or (tag == "link" and el.get("rel") in ("canonical", "alternate")):
                    continue
                parts = urlsplit(value)
                assert not parts.netloc, f"{page_file}: <{tag} {attr}={value}> leaves the site"
    css = (built.output / "assets/style.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), (
        "the stylesheet fetches from elsewhere"
    )
    assert "@import" not in css


def test_no_private_data_reaches_the_output(built: Built) -> None:
    private = [b"maren@consultingroom.example"]
    stored = json.loads((REPO / "comments.json").read_text(encoding="utf-8"))
    assert "email" not in json.dumps(stored)  # the public feed itself holds no email field
    for path in built.output.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in private:
                assert secret not in data, path
            assert not re.search(rb"[\w.+-]+@[\w-]+\.[\w.]+", data) or path.suffix in (
                ".js",
                ".css",
            ), f"{path} holds something shaped like an email address"


def test_structured_data_on_every_page_is_valid_json(built: Built) -> None:
    kinds: set[str] = set()
    for page_file, doc in built.pages.items():
        for script in doc.find_all("script", type="application/ld+json"):
            data = json.loads(script.raw_text)
            assert data["@context"] == "https://schema.org", page_file
            kinds.add(data["@type"])
    assert {"BlogPosting", "Blog", "WebPage"} <= kinds


def test_the_model_essay(built: Built) -> None:
    doc = built.page(MODEL_ESSAY)
    article = doc.one("article", class_="h-entry")
    title = article.one("h1", class_="p-name").text
    assert title.startswith("Psychology: ")
    body = article.one("div", class_="e-content post-body")
    text = body.text
    words = len(text.split())
    assert 400 <= words <= 650, f"the model essay has {words} words"
    assert len(body.find_all("p")) >= 4
    assert "“" in text and "”" in text and "’" in text  # curly quotes and apostrophes
    assert "—" in text  # an em dash
    assert '"' not in text and "--" not in text
    categories = [a.text for a in article.one("p", class_="kicker").find_all("a")]
    assert categories == ["Psychology"]
    assert 2 <= len(article.find_all("a", rel="tag")) <= 3
    data = json.loads(doc.one("script", type="application/ld+json").raw_text)
    assert data["@type"] == "BlogPosting" and data["headline"] == title
    assert data["author"]["url"] == BASE_URL + "/about/"


def test_the_model_essay_shows_its_comment_thread(built: Built) -> None:
    doc = built.page(MODEL_ESSAY)
    comments = doc.one("section", id="comments")
    shown = comments.find_all("li", class_="comment")
    assert len(shown) >= 2
    assert comments.find("ol", class_="children") is not None  # a reply, threaded
    assert comments.find("form") is not None


def test_the_sample_site_has_more_essays_an_about_page_and_archives(built: Built) -> None:
    home = built.page("/")
    assert len(home.find_all("article", class_="summary")) >= 4
    about = built.page("/about/")
    assert about.one("h1").text == "About"
    nav = [a.get("href") for a in home.one("nav", class_="site-nav").find_all("a")]
    assert "/about/" in nav
    assert built.page("/archives/").find("section", class_="archive-year") is not None
    assert built.page("/tags/").find("ul", class_="term-cloud") is not None
