"""Regenerate docs/screenshots/email-*.png: each email's HTML part as Chromium renders it.

.venv/bin/python -m tests.browser.email_screenshots
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.browser.emails import collect
from tests.browser.sample import CHROMIUM, CHROMIUM_ARGS, REPO
from tests.mail_support import html_of

OUT = REPO / "docs" / "screenshots"


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="salon-mail-") as tmp:
        messages = collect(Path(tmp))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 720, "height": 600})
            for name, message in messages.items():
                page.set_content(html_of(message))
                target = OUT / f"email-{name.replace('_', '-')}.png"
                page.screenshot(path=str(target), full_page=True)
                print(f"wrote {target.relative_to(REPO)}")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
