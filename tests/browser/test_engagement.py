"""The reader's side, in a real browser against `salon serve`, with and without JavaScript:
likes (counted once per network and day, shown after the rebuild), share links (no
request until clicked), search (Pagefind with JavaScript, the service's FTS5 index
without), related essays and series navigation, and "remember me"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from tests.browser.pages import DESKTOP, Watch, axe_violations, snap
from tests.browser.sample import SAMPLE_ESSAY, SAMPLE_ESSAY_TITLE
from tests.browser.server import SiteServer, prepare_site, start_server, wait_for_rebuild

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow

ENDINGS = "/2026/07/endings/"
ENDINGS_TITLE = "Endings Are Part of the Work"
# A word only the body of "On Silence in the Room" holds (not its title or summary).
BODY_WORD = "textures"
SILENCE_TITLE = "On Silence in the Room"


@pytest.fixture(scope="module")
def site_server(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[SiteServer]:
    site = prepare_site(tmp_path_factory.mktemp("engaged") / "site")
    config_path = site / "site.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["likes"] = {**config.get("likes", {}), "export_seconds": 1}
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    with start_server(site) as running:
        wait_for_search_index(running.site)
        yield running


def wait_for_search_index(site: Path, timeout: float = 60) -> None:
    """`salon serve` makes the search indexes in the background after its first build."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (site / "output" / "pagefind" / "pagefind.js").is_file() and (
            site / ".salon" / "search.sqlite3"
        ).is_file():
            return
        time.sleep(0.2)
    raise AssertionError("the search indexes were not made within a minute")


def session(browser: Browser, javascript: bool) -> tuple[Page, Watch]:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=javascript)
    watch = Watch()
    watch.attach(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page, watch


def test_like_with_javascript_counts_once_and_shows_after_the_rebuild(
    browser: Browser, site_server: SiteServer
) -> None:
    page, watch = session(browser, javascript=True)
    page.goto(site_server.url + SAMPLE_ESSAY)
    page.wait_for_function("document.querySelector('.like-form [name=token]').value !== ''")
    button = page.locator(".like-form button")
    assert button.inner_text().startswith("This helped me")
    button.click()
    status = page.locator(".like-count")
    page.wait_for_function(
        "document.querySelector('.like-count').textContent.includes('Thank you')"
    )
    assert "One reader liked this" in status.inner_text()
    snap(page, "e1-liked", show=status)
    button.click()  # the same network, the same day
    page.wait_for_function("document.querySelector('.like-count').textContent.includes('Already')")
    # The counts reach the feed within a second or so, and the page at the next build.
    text = wait_for_rebuild(site_server, SAMPLE_ESSAY, "One reader liked this", timeout=60)
    assert "2 readers" not in text
    page.reload()
    assert page.locator(".like-count").inner_text().strip() == "One reader liked this"
    assert watch.errors == []
    assert watch.foreign_requests(site_server.url) == []
    assert page.context.cookies() == []
    page.context.close()


def test_like_without_javascript_thanks_and_a_second_does_not_count(
    browser: Browser, site_server: SiteServer
) -> None:
    page, watch = session(browser, javascript=False)
    page.goto(site_server.url + ENDINGS)
    page.locator(".like-form button").click()
    page.wait_for_url(re.compile(r".*/liked\?post=.*counted=1"))
    assert "your like is counted" in page.locator(".notice").inner_text()
    page.get_by_role("link", name=f"Back to “{ENDINGS_TITLE}”").click()
    page.wait_for_url(re.compile(".*" + re.escape(ENDINGS)))
    page.locator(".like-form button").click()
    page.wait_for_url(re.compile(r".*/liked\?post=[^&]*$"))
    assert "already counted" in page.locator(".notice").inner_text()
    wait_for_rebuild(site_server, ENDINGS, "One reader liked this", timeout=60)
    assert watch.foreign_requests(site_server.url) == []
    assert page.context.cookies() == []
    page.context.close()


def test_share_links_make_no_request_until_clicked(
    browser: Browser, site_server: SiteServer
) -> None:
    page, watch = session(browser, javascript=True)
    outside: list[str] = []

    def refuse(route: object) -> None:
        outside.append(route.request.url)  # type: ignore[attr-defined]
        route.abort()  # type: ignore[attr-defined]

    page.context.route(re.compile(r"^https://"), refuse)
    page.goto(site_server.url + SAMPLE_ESSAY)
    page.wait_for_load_state("networkidle")
    share = page.get_by_role("navigation", name="Share this essay")
    names = [link.inner_text() for link in share.get_by_role("link").all()]
    assert names == ["Email", "Mastodon", "Bluesky", "LinkedIn"]
    assert share.get_by_role("button", name="Copy link").is_visible()
    assert watch.foreign_requests(site_server.url) == [] and outside == []
    share.get_by_role("link", name="Bluesky").click()
    page.wait_for_timeout(500)
    assert len(outside) == 1 and outside[0].startswith("https://bsky.app/intent/compose?text=")
    assert "the-alliance" in outside[0]
    page.context.close()


def test_share_links_without_javascript_have_no_copy_button(
    browser: Browser, site_server: SiteServer
) -> None:
    page, _ = session(browser, javascript=False)
    page.goto(site_server.url + SAMPLE_ESSAY)
    share = page.get_by_role("navigation", name="Share this essay")
    assert share.get_by_role("button", name="Copy link").count() == 0  # hidden: needs script
    page.context.close()


def test_search_with_javascript_finds_a_word_of_the_body(
    browser: Browser, site_server: SiteServer
) -> None:
    page, watch = session(browser, javascript=True)
    page.goto(site_server.url + "/")
    page.get_by_role("searchbox", name="Search the essays").first.fill(BODY_WORD)
    page.get_by_role("searchbox", name="Search the essays").first.press("Enter")
    page.wait_for_url(re.compile(r".*/search/\?q=" + BODY_WORD))
    hit = page.locator(".search-hits a", has_text=SILENCE_TITLE)
    hit.wait_for()
    assert page.locator(".search-hits mark").first.inner_text().lower().startswith(BODY_WORD)
    assert any("/pagefind/" in url for url in watch.requests)
    # The essays' year is a part of its own, merged into the pages' (the bundle's top).
    assert any("/pagefind/parts/2026/" in url for url in watch.requests)
    assert not any("/search?" in url for url in watch.requests)  # the service was not asked
    snap(page, "e2-search-js", show=hit)
    assert axe_violations(page) == []
    hit.click()
    page.wait_for_url(re.compile(".*silence-in-the-room/"))
    assert watch.errors == []
    assert watch.foreign_requests(site_server.url) == []
    page.context.close()


def test_pagefind_is_loaded_only_on_the_search_page(
    browser: Browser, site_server: SiteServer
) -> None:
    page, watch = session(browser, javascript=True)
    page.goto(site_server.url + SAMPLE_ESSAY)
    page.wait_for_load_state("networkidle")
    assert not any("/pagefind/" in url or "search.js" in url for url in watch.requests)
    page.context.close()


def test_search_without_javascript_is_answered_by_the_service(
    browser: Browser, site_server: SiteServer
) -> None:
    page, watch = session(browser, javascript=False)
    page.goto(site_server.url + "/archives/")
    box = page.get_by_role("searchbox", name="Search the essays").first
    box.fill(BODY_WORD)
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/api/comments/search\?q=" + BODY_WORD))
    assert page.locator(".search-summary").inner_text().startswith("One essay or page matches")
    hit = page.locator(".search-hits a", has_text=SILENCE_TITLE)
    assert hit.count() == 1
    assert page.locator(".search-hits mark").first.inner_text().lower().startswith(BODY_WORD)
    assert page.locator("link[rel=stylesheet]").count() == 1  # in the site's theme
    snap(page, "e3-search-no-js", show=hit)
    hit.click()
    page.wait_for_url(re.compile(".*silence-in-the-room/"))
    page.goto(site_server.url + "/api/comments/search?q=zzzzqqq")
    assert "Nothing found" in page.locator(".search-summary").inner_text()
    assert watch.foreign_requests(site_server.url) == []
    page.context.close()


def test_related_essays_and_series_navigation(browser: Browser, site_server: SiteServer) -> None:
    page, _ = session(browser, javascript=False)
    page.goto(site_server.url + SAMPLE_ESSAY)
    related = page.get_by_role("region", name="Related essays")
    assert related.get_by_role("link").count() == 3
    series = page.get_by_role("navigation", name="Series")
    assert series.inner_text().startswith("Part 1 of 2 in The Therapeutic Relationship")
    series.get_by_role("link", name=re.compile("Part 2: " + ENDINGS_TITLE)).click()
    page.wait_for_url(re.compile(".*" + re.escape(ENDINGS)))
    series = page.get_by_role("navigation", name="Series")
    assert series.inner_text().startswith("Part 2 of 2")
    series.get_by_role("link", name="The Therapeutic Relationship").click()
    page.wait_for_url(re.compile(".*/series/the-therapeutic-relationship/"))
    parts = page.locator(".series-parts a").all_inner_texts()
    assert parts == [SAMPLE_ESSAY_TITLE, ENDINGS_TITLE]
    page.context.close()


def test_remember_me_is_off_by_default_and_keeps_only_on_this_device(
    browser: Browser, site_server: SiteServer
) -> None:
    page, _ = session(browser, javascript=True)
    page.goto(site_server.url + SAMPLE_ESSAY)
    remember = page.get_by_label(re.compile("Remember my name and email on this device"))
    assert remember.is_visible() and not remember.is_checked()
    assert page.locator(".respond-prompt").inner_text().startswith("Share your thoughts")
    page.wait_for_function("document.querySelector('.comment-form [name=token]').value !== ''")
    page.fill("#cf-name", "Ada Rowe")
    page.fill("#cf-email", "ada@example.org")
    page.fill("#cf-body", "Remembered on this device only, as the form promises.")
    remember.check()
    page.wait_for_timeout(3500)  # the sample site refuses a form sent within 3 s
    page.click(".comment-form [type=submit]")
    page.wait_for_function(
        "document.querySelector('.form-status').textContent.includes('Thank you')"
    )
    page.reload()
    assert page.input_value("#cf-name") == "Ada Rowe"
    assert page.input_value("#cf-email") == "ada@example.org"
    page.get_by_label(re.compile("Remember my name")).uncheck()
    assert page.evaluate("localStorage.getItem('salon-commenter')") is None
    page.context.close()


def test_the_reply_choice_hides_when_the_form_sits_under_its_comment(
    browser: Browser, site_server: SiteServer
) -> None:
    page, _ = session(browser, javascript=True)
    page.goto(site_server.url + SAMPLE_ESSAY)
    assert page.locator("#cf-parent").is_visible()
    page.locator(".reply-link").first.click()
    assert not page.locator("#cf-parent").is_visible()
    page.get_by_role("button", name="Cancel reply").click()
    assert page.locator("#cf-parent").is_visible()
    page.context.close()
