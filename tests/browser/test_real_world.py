"""Real-world content in a real Chromium: headings named like the theme's ids stay out of its way.

An essay with headings "Main", "Comments" and "Respond" (tests/sites/realworld): Reply moves
the comment form (not the essay's heading) under the comment, and the skip link and the
comments link land on the theme's elements.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from generator.build.pipeline import BuildOptions, build_site
from tests.conftest import FIXED_NOW, SITES

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="module")
def essay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The essay's address on a plain static server (on loopback) of the built site."""
    site = tmp_path_factory.mktemp("realworld") / "site"
    shutil.copytree(SITES / "realworld", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    handler = partial(_QuietHandler, directory=str(site / "output"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/2025/01/{quote('über-das-zuhören')}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def page(browser: Browser, essay: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(essay)
    yield page
    context.close()


def test_reply_moves_the_form_not_the_essays_heading(page: Page) -> None:
    page.locator("#comment-z1 > article .reply-link").click()
    assert page.evaluate(
        "document.querySelector('#comment-z1 > article').nextElementSibling.id"
    ) == ("respond")
    assert page.evaluate("document.getElementById('respond').tagName") == "SECTION"
    # The essay's own "Respond" heading is still in the essay, under its own id.
    assert page.evaluate("document.getElementById('respond-1').closest('.post-body') !== null")
    assert page.locator("#respond-title").inner_text() == "Reply to Jörg Mäder"


def test_skip_link_and_comments_link_land_on_the_themes_elements(page: Page) -> None:
    assert page.evaluate("document.getElementById('main').tagName") == "MAIN"
    assert page.evaluate("document.getElementById('comments').tagName") == "SECTION"
    page.locator(".skip-link").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
