"""Playwright fixtures: Debian's Chromium, and `salon serve` on a copy of the sample site.

Without Chromium or Playwright these tests skip and say why; under CI
(SALON_REQUIRE_BROWSER=1) they fail instead, so a broken setup cannot pass quietly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.sample import AXE_SCRIPT, CHROMIUM, CHROMIUM_ARGS, unavailable
from tests.browser.server import SiteServer, prepare_site, start_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    if not CHROMIUM.is_file():
        unavailable(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_SCRIPT.is_file():
        unavailable(f"{AXE_SCRIPT} is missing: run `npm ci` at the repository root")
    return AXE_SCRIPT


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[SiteServer]:
    """`salon serve` on a fresh copy of the sample site, one per test module.

    Depends on `browser` so that a missing Chromium skips before a server is started.
    """
    site = prepare_site(tmp_path_factory.mktemp("served") / "site")
    with start_server(site) as running:
        yield running
