"""What the browser tests ask of a page: axe results, visible focus, screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.sample import AXE_SCRIPT, REPO

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Request

ARTIFACTS = REPO / "tests" / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 AA violations on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result: dict[str, Any] = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"]
        })""",
        WCAG_21_AA,
    )
    lines = []
    for violation in result["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}; "
            f"{len(targets)} element(s): {', '.join(targets[:5])}. {summary}"
        )
    return lines


def focus_style(page: Page) -> dict[str, str]:
    """How the focused element is drawn: its tag, text and outline."""
    style: dict[str, str] = page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: "body"};
            const s = getComputedStyle(el);
            return {
                tag: el.tagName.toLowerCase(),
                text: (el.innerText || el.value || el.getAttribute("name") || "").slice(0, 60),
                focusVisible: String(el.matches(":focus-visible")),
                outlineStyle: s.outlineStyle,
                outlineWidth: s.outlineWidth,
                outlineColor: s.outlineColor,
            };
        }"""
    )
    return style


def focus_is_visible(style: dict[str, str]) -> bool:
    """A drawn outline of at least 2 px around the focused element."""
    if style.get("tag") == "body":
        return False
    width = float(re.sub(r"[^0-9.]", "", style.get("outlineWidth", "0")) or 0)
    return style.get("outlineStyle") not in (None, "none", "hidden") and width >= 2


def tab_to(page: Page, matches: str, limit: int = 80) -> list[dict[str, str]]:
    """Press Tab until the focused element matches the CSS selector; the focus styles met.

    Every stop on the way must show its focus, so the walk itself checks that focus is
    always visible.
    """
    seen: list[dict[str, str]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        style = focus_style(page)
        seen.append(style)
        assert focus_is_visible(style), f"focus is not visible on {style}"
        if page.evaluate("sel => document.activeElement.matches(sel)", matches):
            return seen
    raise AssertionError(f"{matches} not reached after {limit} Tab presses: {seen[-5:]}")


def snap(page: Page, name: str, show: Locator | None = None) -> None:
    """Screenshots of the page now, at desktop and phone widths, into tests/artifacts/.

    Each shows `show` if given, else the focused element, in the middle of the screen.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size or DESKTOP
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        if show is not None:
            show.evaluate("el => el.scrollIntoView({block: 'center'})")
        else:
            page.evaluate(
                """() => {
                    const el = document.activeElement;
                    if (el && el !== document.body) el.scrollIntoView({block: "center"});
                }"""
            )
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"))
    page.set_viewport_size(before)


@dataclass
class Watch:
    """Everything a browser context asked for, and every script error it met."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self.on_request)
        context.on("page", self.on_page)
        for page in context.pages:
            self.on_page(page)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_page(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", self.on_console)

    def on_console(self, message: ConsoleMessage) -> None:
        # A 4xx the test provoked is logged by the browser as a failed load: not a bug.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def foreign_requests(self, origin: str) -> list[str]:
        return [url for url in self.requests if not url.startswith((origin + "/", "data:"))]


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
