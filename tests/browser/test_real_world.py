"""Real-world content in a real Chromium: headings named like the theme's ids stay out of its way.

An essay with headings "Main", "Comments" and "Respond" (tests/sites/realworld): Reply moves
the comment form (not the essay's heading) under the comment, and the skip link and the
comments link land on the theme's elements.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from generator.build.pipeline import BuildOptions, build_site
from tests.conftest import FIXED_NOW, SITES

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="module")
def essay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("realworld") / "site"
    shutil.copytree(SITES / "realworld", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site / "output" / "2025" / "01" / "über-das-zuhören" / "index.html"


@pytest.fixture
def page(browser: Browser, essay: Path) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(essay.as_uri())
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
