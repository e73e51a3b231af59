"""Each email's HTML part in Chromium: it renders, asks for nothing from the network
(no tracking pixel, no remote font), and every link is absolute and on the site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.emails import ADA, BOB, KINDS, UNA, collect
from tests.mail_support import html_of, links

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Request


def test_every_email_renders_and_asks_nothing_of_the_network(
    browser: Browser, tmp_path: Path
) -> None:
    messages = collect(tmp_path)
    assert set(messages) == set(KINDS)
    page = browser.new_page(viewport={"width": 390, "height": 700})
    requests: list[str] = []

    def record(request: Request) -> None:
        requests.append(request.url)

    page.on("request", record)
    for name, message in messages.items():
        html = html_of(message)
        page.set_content(html)
        assert page.locator("h1").inner_text().strip(), name
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} scrolls sideways on a phone ({width}px)"
        hrefs = re.findall(r'href="([^"]+)"', html)  # a commenter's website is text, never a link
        for url in [*hrefs, *re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"] or ""))]:
            assert url.startswith("https://consultingroom.example"), (name, url)
        assert links(message)
        for address in (ADA, BOB):  # the reader's own address may be the recipient only
            if address not in message["To"]:
                assert address not in message.as_string(), name
        assert UNA not in message.as_string() or UNA in message["To"]
    assert [u for u in requests if not u.startswith(("about:", "data:"))] == []


pytestmark = pytest.mark.slow
