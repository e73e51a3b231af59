"""axe-core finds no WCAG 2.1 AA violation on any kind of page, in light and dark schemes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.pages import DESKTOP, axe_violations, focus_is_visible, focus_style
from tests.browser.sample import SAMPLE_ESSAY
from tests.browser.server import MODERATOR_PASSWORD, SiteServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCHEMES = ["light", "dark"]
STATIC_PAGES = {
    "home": "/",
    "essay": SAMPLE_ESSAY,
    "tag": "/tags/trust/",
    "tags": "/tags/",
    "category": "/categories/psychology/",
    "archive": "/2026/",
    "archives": "/archives/",
    "about": "/about/",
    "series": "/series/the-therapeutic-relationship/",
    "search": "/search/",
    "search-without-script": "/api/comments/search?q=silence",
    "not-found": "/no-such-page/",
}


@pytest.fixture(params=SCHEMES)
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    # bypass_csp lets axe be injected into service pages that forbid inline scripts.
    context = browser.new_context(color_scheme=request.param, bypass_csp=True, viewport=DESKTOP)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("name", list(STATIC_PAGES))
def test_static_pages_have_no_axe_violations(
    name: str, page: Page, server: SiteServer, axe_script: object
) -> None:
    response = page.goto(server.url + STATIC_PAGES[name])
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    assert axe_violations(page) == []


def test_axe_reports_what_it_must(page: Page, axe_script: object) -> None:
    """Guards the tests above: a page with known faults must be reported."""
    page.set_content(
        '<html lang="en"><title>x</title><main><p style="color:#bbb;background:#fff">'
        'Faint</p><input name="unlabelled"><img src="data:,"></main></html>'
    )
    found = {line.split(" ", 1)[0] for line in axe_violations(page)}
    assert {"color-contrast", "label", "image-alt"} <= found


def test_skip_link_is_first_and_moves_focus_to_the_main_content(
    page: Page, server: SiteServer
) -> None:
    page.goto(server.url + SAMPLE_ESSAY)
    page.keyboard.press("Tab")
    style = focus_style(page)
    assert style["text"] == "Skip to content"
    assert focus_is_visible(style), style
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab lands inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")


def test_landmarks_and_one_h1_on_every_kind_of_page(page: Page, server: SiteServer) -> None:
    for path in STATIC_PAGES.values():
        page.goto(server.url + path)
        assert page.locator("header.site-header").count() == 1, path
        assert page.locator("main#main").count() == 1, path
        assert page.locator("footer.site-footer").count() == 1, path
        assert page.get_by_role("navigation", name="Main").count() == 1, path
        assert page.locator("h1").count() == 1, path


def post_a_comment_without_script(page: Page, server: SiteServer, body: str) -> None:
    """Fill the essay's form and send it as a plain HTML form post, as without script.

    Without script the form carries no token (the script fetches it), so the service
    holds the comment for moderation at once instead of timing the reader.
    """
    page.goto(server.url + SAMPLE_ESSAY)
    page.fill("#cf-name", "Axe Reader")
    page.fill("#cf-body", body)
    token = "document.querySelector('.comment-form [name=token]')"
    page.wait_for_function(f"{token}.value !== ''")  # the script has fetched it: now drop it
    page.evaluate(f"{token}.value = ''")
    with page.expect_navigation():
        page.evaluate("document.querySelector('.comment-form').submit()")


def test_thank_you_page_has_no_axe_violations(
    page: Page, server: SiteServer, axe_script: object
) -> None:
    # The service refuses a body it has already been sent: one per colour scheme.
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    post_a_comment_without_script(page, server, f"A thoughtful comment, checked by axe ({scheme}).")
    assert "awaiting moderation" in page.locator("main").inner_text()
    assert axe_violations(page) == []


def test_form_with_errors_has_no_axe_violations(
    page: Page, server: SiteServer, axe_script: object
) -> None:
    post_a_comment_without_script(page, server, "")
    assert page.locator("#cf-body[aria-invalid=true]").count() == 1
    assert page.locator("#cf-name").input_value() == "Axe Reader"
    assert axe_violations(page) == []


def log_in(page: Page, server: SiteServer) -> None:
    page.goto(server.url + "/moderate")
    page.get_by_label("Password").fill(MODERATOR_PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Password").press("Enter")


def test_moderation_pages_have_no_axe_violations(
    page: Page, server: SiteServer, axe_script: object
) -> None:
    page.goto(server.url + "/moderate")
    assert page.get_by_label("Password").count() == 1
    assert axe_violations(page) == [], "login page"
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    waiting = f"Waiting in the queue for the moderator ({scheme})."
    post_a_comment_without_script(page, server, waiting)
    log_in(page, server)
    assert waiting in page.locator("main").inner_text()
    assert axe_violations(page) == [], "moderation queue"


def test_search_results_likes_and_the_likes_page_have_no_axe_violations(
    page: Page, server: SiteServer, axe_script: object
) -> None:
    from tests.browser.test_engagement import wait_for_search_index

    wait_for_search_index(server.site)
    page.goto(server.url + "/search/?q=silence")
    page.locator(".search-hits a").first.wait_for()
    assert axe_violations(page) == [], "search results from the static index"
    page.goto(server.url + SAMPLE_ESSAY)
    page.locator(".like-form button").click()
    page.wait_for_function("document.querySelector('.like-count').textContent !== ''")
    assert axe_violations(page) == [], "the essay after a like"
    page.evaluate("document.querySelector('.like-form').submit()")  # as without script
    page.wait_for_url(re.compile(".*/liked\\?post="))
    assert axe_violations(page) == [], "the page after a like without script"
    log_in(page, server)
    page.goto(server.url + "/moderate/likes")
    assert page.locator("table.likes").count() == 1
    assert axe_violations(page) == [], "the moderator's likes page"


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", colour)[:3])

        def linear(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("path", [SAMPLE_ESSAY, "/"])
def test_focus_is_visible_on_every_tab_stop(page: Page, server: SiteServer, path: str) -> None:
    page.goto(server.url + path)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    stops = 0
    for _ in range(200):
        page.keyboard.press("Tab")
        style = focus_style(page)
        if style["tag"] == "body":
            break  # past the last control: focus went back to the browser
        stops += 1
        assert focus_is_visible(style), f"focus is not visible on {style}"
        ring = contrast(style["outlineColor"], background)
        assert ring >= 3, f"focus ring contrast {ring:.1f}:1 < 3:1 on {style}"
    assert stops > 10
