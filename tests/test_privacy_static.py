"""The built site asks no one but itself for anything, and sets no cookies.

Every URL a page, stylesheet or script can make the browser fetch (src, srcset, <link href>,
form actions, CSS url() and @import, meta refresh) must stay on the site's own host. Plain
links (<a href>) are navigations a reader chooses, so they may lead elsewhere (a commenter's
website), but they never ping a third party.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.core.config import load_config
from tests.browser.sample import built_sample

# Attributes whose value is a URL the browser may fetch on its own (or send data to).
FETCHED = {"src", "href", "action", "formaction", "poster", "data", "background", "xlink:href"}
NAVIGATION_TAGS = {"a", "area"}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    where: str
    tag: str
    attribute: str
    url: str


class ReferenceCollector(HTMLParser):
    """Every URL in a page: attributes, srcset candidates, inline CSS, meta refresh."""

    def __init__(self, where: str) -> None:
        super().__init__(convert_charrefs=True)
        self.where = where
        self.references: list[Reference] = []
        self.in_style = False
        self.cookie_setters: list[str] = []

    def add(self, tag: str, attribute: str, url: str) -> None:
        self.references.append(Reference(self.where, tag, attribute, url.strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in FETCHED:
                self.add(tag, name, value)
            elif name in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    if candidate.strip():
                        self.add(tag, name, candidate.split()[0])
            elif name == "style":
                for url in css_urls(value):
                    self.add(tag, "style", url)
            elif name == "ping":
                self.add(tag, "ping", value or "(empty)")
        if tag == "meta":
            equiv = values.get("http-equiv", "").lower()
            if equiv == "refresh" and "url=" in values.get("content", "").lower():
                self.add(tag, "refresh", values["content"].lower().split("url=", 1)[1])
            if equiv == "set-cookie":
                self.cookie_setters.append(f"{self.where}: <meta http-equiv=set-cookie>")
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            for url in css_urls(data):
                self.add("style", "css", url)


def css_urls(css: str) -> list[str]:
    found = [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(css)]
    found += [next(g for g in m.groups() if g is not None) for m in CSS_IMPORT.finditer(css)]
    return found


def host_of(url: str) -> str | None:
    """The host a URL points at, or None when it stays on the page's own origin."""
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme in ("", "data", "about"):
        return None
    if parts.scheme in ("http", "https", "ftp", "ws", "wss"):
        return parts.hostname or ""
    return f"{parts.scheme}:"  # mailto:, javascript:, … : never fetched from the site's own host


def page_references(path: Path, output: Path) -> ReferenceCollector:
    collector = ReferenceCollector(str(path.relative_to(output)))
    collector.feed(path.read_text(encoding="utf-8"))
    collector.close()
    return collector


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    output = built_sample(tmp_path_factory.mktemp("privacy") / "site")
    config = load_config(output.parent)
    host = urlsplit(config.base_url).hostname
    assert host
    return output, host


def test_no_page_fetches_from_another_host(site: tuple[Path, str]) -> None:
    output, own_host = site
    pages = sorted(output.rglob("*.html"))
    assert len(pages) >= 20
    foreign: list[str] = []
    outbound_links = 0
    for page in pages:
        for ref in page_references(page, output).references:
            host = host_of(ref.url)
            if host is None or host == own_host:
                continue
            if ref.tag in NAVIGATION_TAGS and ref.attribute == "href" and host != "javascript:":
                outbound_links += 1  # a link the reader may follow; loads nothing by itself
                continue
            foreign.append(f"{ref.where}: <{ref.tag} {ref.attribute}={ref.url!r}>")
    assert foreign == [], "\n".join(foreign)
    # The sample comments link their authors' websites: the scan did see outbound links.
    assert outbound_links > 0


def test_stylesheets_and_scripts_refer_to_no_other_host(site: tuple[Path, str]) -> None:
    output, own_host = site
    stylesheets = sorted(output.rglob("*.css"))
    scripts = sorted(output.rglob("*.js"))
    assert [p.name for p in stylesheets] == ["style.css"]
    foreign = [
        f"{css.relative_to(output)}: {url}"
        for css in stylesheets
        for url in css_urls(css.read_text(encoding="utf-8"))
        if host_of(url) not in (None, own_host)
    ]
    absolute = re.compile(r"""(?:https?:)?//[a-z0-9.-]+""", re.IGNORECASE)
    # Pagefind's script parses relative URLs against https://example.com (a name reserved
    # by RFC 2606, never asked for) and holds regular expressions such as /^\//.test(…).
    harmless = re.compile(r"^(?:https://example\.com|//\.test)$")
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        # Pagefind's (each part of the bundle, output/pagefind/parts/<part>/, has its own).
        pagefinds = script.relative_to(output).parts[0] == "pagefind"
        foreign += [
            f"{script.relative_to(output)}: {m.group(0)}"
            for m in absolute.finditer(text)
            if not (pagefinds and harmless.match(m.group(0)))
        ]
    assert foreign == [], "\n".join(foreign)


def test_the_static_site_sets_no_cookies(site: tuple[Path, str]) -> None:
    output, _ = site
    setters = [s for page in sorted(output.rglob("*.html"))
               for s in page_references(page, output).cookie_setters]  # fmt: skip
    for script in sorted(output.rglob("*.js")):
        text = script.read_text(encoding="utf-8")
        if re.search(r"document\s*\.\s*cookie|sessionStorage", text):
            setters.append(f"{script.relative_to(output)} touches cookies or storage")
        # The one use of storage: "Remember my name and email on this device", which the
        # reader must tick (tests/browser/test_engagement.py shows nothing is kept before).
        uses = re.findall(r"localStorage\.(\w+)", text)
        if uses and (script.name != "salon.js" or set(uses) - {"getItem", "setItem", "removeItem"}):
            setters.append(f"{script.relative_to(output)} touches storage")
    for page in sorted(output.rglob("*.html")):
        box = re.search(r'<input id="cf-remember"[^>]*>', page.read_text(encoding="utf-8"))
        if box and "checked" in box.group(0):
            setters.append(f"{page.relative_to(output)}: remember-me is ticked by default")
    assert setters == [], "\n".join(setters)


def test_the_scanner_sees_what_it_must(tmp_path: Path) -> None:
    """Guards the tests above: each kind of reference to a third party is caught."""
    page = tmp_path / "index.html"
    page.write_text(
        '<link rel="stylesheet" href="https://cdn.example/a.css">'
        '<img srcset="/a.png 1x, //img.example/b.png 2x" src="/a.png">'
        "<div style=\"background: url('https://px.example/t.gif')\"></div>"
        "<style>@import 'https://fonts.example/f.css';</style>"
        '<a href="https://ok.example/" ping="https://track.example/">x</a>'
        '<meta http-equiv="refresh" content="0; url=https://away.example/">'
        '<form action="https://collect.example/"></form>'
    )
    hosts = {host_of(ref.url) for ref in page_references(page, tmp_path).references}
    assert {"cdn.example", "img.example", "px.example", "fonts.example", "track.example",
            "away.example", "collect.example"} <= hosts  # fmt: skip
