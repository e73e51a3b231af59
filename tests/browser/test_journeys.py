"""The reader's, the moderator's and the keyboard user's journeys, in a real browser.

One `salon serve` for the module, and the journeys run in the file's order: Journey 2
moderates the two replies Journey 1 left. Journey 3 leaves and approves its own.
Screenshots of every step, at desktop and phone widths, go to tests/artifacts/.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.browser.pages import DESKTOP, Watch, snap, tab_to
from tests.browser.sample import SAMPLE_ESSAY, SAMPLE_ESSAY_TITLE
from tests.browser.server import MODERATOR_PASSWORD, SiteServer, salon, wait_for_rebuild

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

pytestmark = pytest.mark.slow

# The sample site's service refuses (as spam) a form sent within 3 s of loading it.
READING_SECONDS = 3.5
PRIYA = "comment-81be44c2d930"  # a root comment that already has the author's reply
JAMES = "comment-e4c81f27ab95"
HELEN = "comment-5a2e9b3d6c10"
JS_REPLY = "Priya, your note after each session is now on my desk too. Thank you for it."
NO_JS_REPLY = "James, I had the same doubt until I read the research on it. Worth a look."
KEYBOARD_REPLY = "Helen, thank you: remembered words carry a lot of weight, said with keys."
EIGHT = f"8 thoughts on “{SAMPLE_ESSAY_TITLE}”"
NINE = f"9 thoughts on “{SAMPLE_ESSAY_TITLE}”"


@dataclass(frozen=True)
class Session:
    context: BrowserContext
    page: Page
    watch: Watch


def open_session(browser: Browser, *, javascript: bool = True) -> Session:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=javascript)
    watch = Watch()
    watch.attach(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return Session(context, page, watch)


@pytest.fixture
def reader(browser: Browser, server: SiteServer) -> Iterator[Session]:
    session = open_session(browser)
    yield session
    assert session.watch.errors == []
    assert session.watch.foreign_requests(server.url) == []
    assert session.context.cookies() == [], "the static site and the form set no cookies"
    session.context.close()


@pytest.fixture
def reader_without_script(browser: Browser, server: SiteServer) -> Iterator[Session]:
    session = open_session(browser, javascript=False)
    yield session
    assert session.watch.foreign_requests(server.url) == []
    assert session.context.cookies() == []
    session.context.close()


def form_opened(page: Page) -> float:
    """When the form got its token (the script fetches it once the page has loaded)."""
    page.wait_for_function("document.querySelector('.comment-form [name=token]').value !== ''")
    return time.monotonic()


def read_like_a_person(page: Page, since: float) -> None:
    """Wait until the form has been open as long as a person needs to write in it."""
    left = READING_SECONDS - (time.monotonic() - since)
    if left > 0:
        page.wait_for_timeout(left * 1000)


def status_of(server: SiteServer, body: str) -> str:
    """The comment's status in the private store, through the moderation CLI."""
    listed = salon("comments", "list", "--format", "json", "--site", str(server.site))
    assert listed.returncode == 0, listed.stderr
    for comment in json.loads(listed.stdout):
        if comment.get("body") == body:
            reason = comment.get("held_because") or ""
            return f"{comment['status']} ({reason})" if reason else str(comment["status"])
    raise AssertionError(f"no comment {body!r} in the store:\n{listed.stdout}")


def test_journey_1_reader(
    reader: Session, reader_without_script: Session, server: SiteServer
) -> None:
    page = reader.page
    # The home page, then the sample essay.
    page.goto(server.url + "/")
    snap(page, "j1-01-home")
    page.get_by_role("link", name=SAMPLE_ESSAY_TITLE, exact=True).first.click()
    page.wait_for_url(server.url + SAMPLE_ESSAY)
    opened = form_opened(page)
    assert page.locator("h1").inner_text() == SAMPLE_ESSAY_TITLE
    snap(page, "j1-02-essay")

    # Read to the end: the comments heading and the form are there.
    page.keyboard.press("End")
    heading = page.locator("#comments-title")
    assert heading.inner_text() == EIGHT
    assert page.locator("li.comment").count() == 8
    snap(page, "j1-03-comments", show=heading)

    # Reply with JavaScript on: the form opens under Priya's comment.
    page.locator(f"#{PRIYA} > article .reply-link").click()
    assert page.locator("#respond-title").inner_text() == "Reply to Priya Natarajan"
    assert page.locator(f"#{PRIYA} > #respond").count() == 1
    assert page.evaluate("document.activeElement.id") == "cf-body"
    page.fill("#cf-name", "Lena Brandt")
    page.fill("#cf-email", "lena@example.org")
    snap(page, "j1-04-reply-form")

    # An empty comment: the browser refuses to send it and nothing typed is lost.
    page.click(".comment-form [type=submit]")
    assert page.locator("#cf-body:invalid").count() == 1
    assert page.locator(".form-status").inner_text() == ""
    assert page.input_value("#cf-name") == "Lena Brandt"
    # A comment of blanks passes the browser; the service names the problem, text kept.
    page.fill("#cf-body", "   ")
    read_like_a_person(page, opened)
    page.click(".comment-form [type=submit]")
    error = page.locator("#cf-body-error")
    error.wait_for()
    assert "comment" in error.inner_text().lower()
    assert page.locator("#cf-body").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "cf-body"
    assert page.input_value("#cf-name") == "Lena Brandt"
    assert page.input_value("#cf-email") == "lena@example.org"
    snap(page, "j1-05-reply-error")

    page.fill("#cf-body", JS_REPLY)
    page.click(".comment-form [type=submit]")
    notice = page.locator(".form-status")
    notice.filter(has_text="awaiting moderation").wait_for()
    assert notice.inner_text() == "Thank you — your comment is awaiting moderation."
    assert page.locator("#cf-body-error").count() == 0
    assert page.input_value("#cf-body") == ""
    assert page.url == server.url + SAMPLE_ESSAY
    snap(page, "j1-06-reply-sent", show=notice)
    assert status_of(server, JS_REPLY) == "pending"

    # Once more with JavaScript off: a plain form post, the service's pages answer.
    page = reader_without_script.page
    page.goto(server.url + SAMPLE_ESSAY)
    assert page.locator("#comments-title").inner_text() == EIGHT
    page.select_option("#cf-parent", value=JAMES.removeprefix("comment-"))
    page.fill("#cf-name", "Oskar Nilsson")
    page.fill("#cf-website", "https://oskar.example")
    page.fill("#cf-body", "   ")
    with page.expect_navigation():
        page.click(".comment-form [type=submit]")
    assert page.locator("#cf-body[aria-invalid=true]").count() == 1
    assert page.locator(".form-errors").count() == 1
    assert page.input_value("#cf-name") == "Oskar Nilsson"
    assert page.input_value("#cf-website") == "https://oskar.example"
    assert page.input_value("[name=parent]") == JAMES.removeprefix("comment-")
    snap(page, "j1-07-no-script-error")

    # The error page carries a fresh form token: a person takes a moment to fix the text.
    opened = time.monotonic()
    page.fill("#cf-body", "")
    page.locator("#cf-body").press_sequentially(NO_JS_REPLY, delay=20)
    read_like_a_person(page, opened)
    with page.expect_navigation():
        page.click(".comment-form [type=submit]")
    main = page.locator("main").inner_text()
    assert "Thank you — your comment is awaiting moderation" in main
    back = page.get_by_role("link", name=SAMPLE_ESSAY_TITLE)
    assert back.count() >= 1
    snap(page, "j1-08-no-script-thanks")
    assert status_of(server, NO_JS_REPLY).startswith("pending")
    # Nothing is published before a moderator says so.
    back.first.click()
    page.wait_for_url(server.url + SAMPLE_ESSAY + "#comments")
    assert page.locator("#comments-title").inner_text() == EIGHT


def comment_id(server: SiteServer, body: str) -> str:
    listed = salon("comments", "list", "--format", "json", "--site", str(server.site))
    return next(str(c["id"]) for c in json.loads(listed.stdout) if c.get("body") == body)


@pytest.fixture
def moderator(browser: Browser, server: SiteServer) -> Iterator[Session]:
    session = open_session(browser)
    yield session
    assert session.watch.errors == []
    assert session.watch.foreign_requests(server.url) == []
    session.context.close()


def log_in(page: Page, server: SiteServer) -> None:
    page.goto(server.url + "/moderate")
    password = page.get_by_label("Moderator password")
    password.fill(MODERATOR_PASSWORD)
    with page.expect_navigation():
        password.press("Enter")
    assert page.get_by_role("button", name="Log out").count() == 1


def queued(page: Page, body: str) -> Locator:
    """The moderation queue's entry for the comment with this text."""
    return page.locator("article.comment").filter(has_text=body)


def test_journey_2_moderator(reader: Session, moderator: Session, server: SiteServer) -> None:
    page = moderator.page
    page.goto(server.url + "/moderate")
    snap(page, "j2-01-login")
    log_in(page, server)
    snap(page, "j2-02-queue")

    # The session cookie is private to the moderation page and to this site.
    cookies = moderator.context.cookies()
    assert cookies
    assert all(c["httpOnly"] and c["sameSite"] == "Strict" for c in cookies), cookies

    # Both replies wait, each with its essay and the opening words of its parent.
    approved, spam = queued(page, JS_REPLY), queued(page, NO_JS_REPLY)
    assert approved.count() == 1 and spam.count() == 1
    approved_text, spam_text = approved.inner_text(), spam.inner_text()
    assert f"Lena Brandt on “{SAMPLE_ESSAY_TITLE}”" in approved_text
    assert "Priya Natarajan: “As a counsellor about five years in" in approved_text
    assert f"Oskar Nilsson on “{SAMPLE_ESSAY_TITLE}”" in spam_text
    assert "James Whitcombe: “Slightly sceptical reader here" in spam_text
    assert "https://oskar.example" in spam_text
    assert "lena@example.org" in approved_text  # the moderator, and only they, see it

    with page.expect_navigation():
        approved.get_by_role("button", name="Approve the comment by Lena Brandt").click()
    assert "Approved" in page.locator(".flash").inner_text()
    assert queued(page, JS_REPLY).count() == 0
    snap(page, "j2-03-approved")
    with page.expect_navigation():
        spam.get_by_role("button", name="Spam the comment by Oskar Nilsson").click()
    assert queued(page, NO_JS_REPLY).count() == 0
    snap(page, "j2-04-spam")
    assert status_of(server, JS_REPLY) == "approved"
    assert status_of(server, NO_JS_REPLY).startswith("spam")

    # The feed changed, so `salon serve` rebuilds; the reader reloads the essay.
    wait_for_rebuild(server, SAMPLE_ESSAY, NINE)
    essay = reader.page
    essay.goto(server.url + SAMPLE_ESSAY)
    heading = essay.locator("#comments-title")
    assert heading.inner_text() == NINE
    replies = essay.locator(f"#{PRIYA} > ol.children > li.comment")
    assert replies.count() == 2
    assert JS_REPLY in replies.last.inner_text()
    assert "Lena Brandt" in replies.last.locator(".comment-author").inner_text()
    assert NO_JS_REPLY not in essay.content()
    snap(essay, "j2-05-essay-after", show=replies.last)

    # The spam is nowhere public: not on any page, not in any feed.
    public = [server.site / "comments.json", *sorted((server.site / "output").rglob("*.*"))]
    leaked = [p for p in public if p.is_file() and NO_JS_REPLY.encode() in p.read_bytes()]
    assert leaked == []
    assert any(JS_REPLY.encode() in p.read_bytes() for p in public if p.is_file())


def test_journey_3_keyboard_only(reader: Session, moderator: Session, server: SiteServer) -> None:
    # The reader: Tab to the reply link under Helen's comment, Enter, type, Tab, Enter.
    page = reader.page
    page.goto(server.url + SAMPLE_ESSAY)
    opened = form_opened(page)
    stops = tab_to(page, f"#{HELEN} > article .reply-link")
    assert stops[0]["text"] == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "cf-body"
    assert page.locator("#respond-title").inner_text() == "Reply to Helen Okafor"
    page.keyboard.type(KEYBOARD_REPLY, delay=20)
    tab_to(page, "#cf-name")
    page.keyboard.type("Ines Duarte")
    tab_to(page, ".comment-form [type=submit]")
    snap(page, "j3-01-reader-on-submit")
    read_like_a_person(page, opened)
    page.keyboard.press("Enter")
    page.locator(".form-status").filter(has_text="awaiting moderation").wait_for()
    snap(page, "j3-02-reader-sent", show=page.locator(".form-status"))
    assert status_of(server, KEYBOARD_REPLY) == "pending"

    # The moderator: the password field has the focus; Tab to Approve, Enter.
    page = moderator.page
    page.goto(server.url + "/moderate")
    page.wait_for_function("document.activeElement.id === 'password'")  # autofocus
    page.keyboard.type(MODERATOR_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    approve = f'button[name="do"][value="approve:{comment_id(server, KEYBOARD_REPLY)}"]'
    tab_to(page, approve)
    snap(page, "j3-03-moderator-on-approve")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Approved" in page.locator(".flash").inner_text()
    assert status_of(server, KEYBOARD_REPLY) == "approved"
    snap(page, "j3-04-moderator-approved")

    wait_for_rebuild(server, SAMPLE_ESSAY, KEYBOARD_REPLY)
    essay = reader.page
    essay.goto(server.url + SAMPLE_ESSAY)
    reply = essay.locator(f"#{HELEN} > ol.children > li.comment")
    assert reply.count() == 1
    assert KEYBOARD_REPLY in reply.inner_text()
