"""Regenerate docs/screenshots/: the sample essay and the moderation page, as a reader sees them.

    .venv/bin/python -m tests.browser.screenshots

Runs `salon serve` on a temporary copy of the sample site (the repository is not touched
except docs/screenshots/), leaves one comment awaiting moderation, and photographs the
essay at desktop and phone widths in light and dark schemes, the end of the essay (like,
share links, related essays), search with and without script, and the moderation queue.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.sample import CHROMIUM, CHROMIUM_ARGS, REPO, SAMPLE_ESSAY
from tests.browser.server import MODERATOR_PASSWORD, prepare_site, start_server
from tests.browser.test_engagement import wait_for_search_index

OUT = REPO / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SCHEMES = ("light", "dark")
if TYPE_CHECKING:
    from playwright.sync_api import Page

PENDING = "I read this twice. The part about saying so first is going on my wall."


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="salon-shots-") as tmp:
        site = prepare_site(Path(tmp) / "site")
        with start_server(site) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            # Leave a comment without script, so the moderator has something to see.
            reader = browser.new_context(java_script_enabled=False)
            page = reader.new_page()
            page.goto(server.url + SAMPLE_ESSAY)
            page.select_option("#cf-parent", index=2)
            page.fill("#cf-name", "Rosa Ferreira")
            page.fill("#cf-body", PENDING)
            page.click(".comment-form [type=submit]")
            page.wait_for_load_state()
            reader.close()

            for size_name, size in SIZES.items():
                for scheme in SCHEMES:
                    context = browser.new_context(viewport=size, color_scheme=scheme)
                    page = context.new_page()
                    page.goto(server.url + SAMPLE_ESSAY)
                    shoot(page, f"essay-{size_name}-{scheme}.png")
                    page.locator("#comments").scroll_into_view_if_needed()
                    page.evaluate("document.getElementById('comments').scrollIntoView()")
                    shoot(page, f"comments-{size_name}-{scheme}.png")
                    context.close()

            wait_for_search_index(site)
            for size_name, scheme in (("desktop", "light"), ("phone", "dark")):
                context = browser.new_context(viewport=SIZES[size_name], color_scheme=scheme)
                page = context.new_page()
                page.goto(server.url + SAMPLE_ESSAY)
                page.evaluate(
                    "document.querySelector('.like-form').scrollIntoView({block: 'center'})"
                )
                shoot(page, f"engagement-{size_name}-{scheme}.png")
                page.goto(server.url + "/search/?q=silence")
                page.locator(".search-hits a").first.wait_for()
                shoot(page, f"search-{size_name}-{scheme}.png")
                context.close()
                context = browser.new_context(
                    viewport=SIZES[size_name], color_scheme=scheme, java_script_enabled=False
                )
                page = context.new_page()
                page.goto(server.url + "/api/comments/search?q=silence")
                shoot(page, f"search-no-script-{size_name}-{scheme}.png")
                context.close()

            for size_name, scheme in (("desktop", "light"), ("phone", "dark")):
                context = browser.new_context(viewport=SIZES[size_name], color_scheme=scheme)
                page = context.new_page()
                page.goto(server.url + "/moderate")
                page.get_by_label("Password").fill(MODERATOR_PASSWORD)
                page.get_by_label("Password").press("Enter")
                page.get_by_text(PENDING).first.wait_for()
                shoot(page, f"moderation-{size_name}-{scheme}.png")
                context.close()
            browser.close()
    return 0


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / name))
    print(f"wrote {(OUT / name).relative_to(REPO)}")


if __name__ == "__main__":
    sys.exit(main())
