"""The moderation page through the real service: logging in (throttled), the session
cookie and its expiry, CSRF, every action and its undo, the feed and the hook after
each action, and hostile comments shown without running."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.core.config import SiteConfig
from generator.core.models import CommentStatus
from tests.htmldom import Element
from tests.service_support import (
    HOSTILE,
    PASSWORD,
    SITE_ORIGIN,
    Client,
    Moderator,
    ServiceServer,
    comment_fields,
    make_site,
    path_of,
    set_password,
    store_of,
)


@dataclass
class Setup:
    server: ServiceServer
    client: Client
    config: SiteConfig
    hook_marker: Path

    def status(self, comment_id: str) -> CommentStatus:
        with store_of(self.config) as store:
            return store.get(comment_id).status

    def feed_bodies(self) -> set[str]:
        feed = json.loads(self.config.feed_path.read_text(encoding="utf-8"))
        return {item.get("body", "") for item in feed["comments"]}

    def submit(self, **changes: str) -> str:
        reply = self.client.post_json(comment_fields(**changes))
        assert reply.status == 201, reply.text
        comment_id: str = reply.json()["id"]
        return comment_id

    def wait_for_hook(self) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.hook_marker.exists():
                runs = len(self.hook_marker.read_text().splitlines())
                if runs:
                    return runs
            time.sleep(0.05)
        return 0


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    marker = tmp_path / "hook-runs"
    hook = f"python3 -c \"open('{marker}', 'a').write('ran\\n')\""
    config = make_site(
        tmp_path / "site", service="rate_per_minute: 1000\nrate_per_hour: 1000",
        comments=f"on_change: {json.dumps(hook)}",
    )  # fmt: skip
    set_password(config)
    with ServiceServer(config) as server:
        yield Setup(server, server.client(), config, marker)


@pytest.fixture
def moderator(setup: Setup) -> Moderator:
    mod = Moderator(setup.client)
    assert mod.login().status == 303
    return mod


def flash(page: Element) -> str:
    return page.one("div", class_="flash").one("p").text


# -- logging in ------------------------------------------------------------------------------


def test_without_a_password_the_login_page_says_how_to_set_one(tmp_path: Path) -> None:
    with ServiceServer(make_site(tmp_path / "s")) as server:
        reply = server.client().get("/moderate/login")
        assert reply.status == 503
        assert reply.html().one("p", class_="problem").text == (
            "No moderator password is set yet. On the server, in the site's folder, run "
            "`salon comments set-password`."
        )
        assert reply.html().find("form", class_="login") is None


def test_pages_need_a_session(setup: Setup) -> None:
    for path in ("/moderate", "/moderate/", "/moderate/approved", "/moderate/edit/abc"):
        reply = setup.client.get(path)
        assert reply.status == 303
        assert path_of(reply.headers["location"]) == "/moderate/login"
    comment = setup.submit()
    refused = Moderator(setup.client).act("approve", [comment])
    assert refused.status == 303
    assert setup.status(comment) is CommentStatus.PENDING


def test_login_sets_a_strict_http_only_expiring_cookie(setup: Setup) -> None:
    mod = Moderator(setup.client)
    reply = mod.login()
    assert reply.status == 303
    assert path_of(reply.headers["location"]) == "/moderate"
    cookie = [part.strip() for part in reply.headers["set-cookie"].split(";")]
    assert cookie[0].startswith("salon_moderator=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/moderate" in cookie
    assert "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert mod.page("/moderate").status == 200


def test_the_cookie_is_secure_behind_a_trusted_https_proxy(tmp_path: Path) -> None:
    config = make_site(tmp_path / "s", service="trusted_proxies: 1")
    set_password(config)
    with ServiceServer(config) as server:
        client = server.client()
        mod = Moderator(client)
        # Behind the proxy, the browser's page and its Origin are https.
        origin = client.origin.replace("http:", "https:")
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.1", "Origin": origin}
        reply = mod.login(headers=headers)
        assert reply.status == 303
        assert "Secure" in [p.strip() for p in reply.headers["set-cookie"].split(";")]


def test_a_wrong_password_is_refused(setup: Setup) -> None:
    reply = Moderator(setup.client).login("not the password")
    assert reply.status == 403
    assert reply.html().one("p", class_="problem").text == "That password is not right."
    assert "set-cookie" not in reply.headers


def test_login_attempts_are_throttled(setup: Setup) -> None:
    mod = Moderator(setup.client)
    for _ in range(5):
        assert mod.login("guess").status == 403
    blocked = mod.login(PASSWORD)  # even the right password, while blocked
    assert blocked.status == 429
    assert blocked.headers["retry-after"] == "900"
    assert blocked.html().one("p", class_="problem").text == (
        "Too many wrong passwords from your address. Try again in 15 minutes."
    )
    assert "set-cookie" not in blocked.headers
    setup.server.clock.advance(15 * 60)
    assert mod.login(PASSWORD).status == 303


def test_the_login_form_carries_a_token(setup: Setup) -> None:
    reply = setup.client.request(
        "POST", "/moderate/login", f"password={PASSWORD}",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert reply.status == 400
    assert reply.html().one("p", class_="problem").text == (
        "The login form was out of date. Please enter the password again."
    )


def test_the_session_expires(setup: Setup, moderator: Moderator) -> None:
    assert moderator.page("/moderate").status == 200
    setup.server.clock.advance(12 * 3600 - 1)
    assert moderator.page("/moderate").status == 200
    setup.server.clock.advance(1)
    reply = moderator.page("/moderate")
    assert reply.status == 303
    assert path_of(reply.headers["location"]) == "/moderate/login?expired=1"
    page = setup.client.get("/moderate/login?expired=1")
    assert page.html().one("p", class_="problem").text == (
        "Your session has ended. Please log in again."
    )


def test_logout_ends_the_session(setup: Setup, moderator: Moderator) -> None:
    reply = moderator.post("/moderate/logout", {})
    assert reply.status == 303
    assert "Max-Age=0" in reply.headers["set-cookie"]
    assert moderator.page("/moderate").status == 303


# -- CSRF and GET ----------------------------------------------------------------------------


def test_an_action_without_the_csrf_token_is_refused(setup: Setup, moderator: Moderator) -> None:
    comment = setup.submit()
    for token in ("", "forged-token"):
        reply = moderator.post("/moderate/act", [("do", f"approve:{comment}")], csrf=token)
        assert reply.status == 403
        assert "its CSRF token does not match" in reply.html().one("p", class_="problem").text
    assert setup.status(comment) is CommentStatus.PENDING


def test_an_action_from_another_origin_is_refused(setup: Setup, moderator: Moderator) -> None:
    comment = setup.submit()
    reply = moderator.post(
        "/moderate/act", [("do", f"approve:{comment}")], origin="https://evil.example"
    )
    assert reply.status == 403
    assert setup.status(comment) is CommentStatus.PENDING
    ours = moderator.post("/moderate/act", [("do", f"approve:{comment}")], origin=SITE_ORIGIN)
    assert ours.status == 303


def test_get_never_changes_anything(setup: Setup, moderator: Moderator) -> None:
    comment = setup.submit()
    for path in (f"/moderate/act?do=approve:{comment}&csrf={moderator.csrf}",
                 f"/moderate/delete?ids={comment}&csrf={moderator.csrf}"):  # fmt: skip
        assert moderator.page(path).status == 404
    assert setup.status(comment) is CommentStatus.PENDING


def test_pages_forbid_framing_and_scripts(moderator: Moderator) -> None:
    reply = moderator.page("/moderate")
    policy = reply.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # nothing may run at all
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["referrer-policy"] == "same-origin"


# -- the queue and its actions ------------------------------------------------------------


def test_the_queue_shows_what_the_moderator_needs(setup: Setup, moderator: Moderator) -> None:
    parent = setup.submit(body="The parent comment starts with these words and goes on " * 3)
    with store_of(setup.config) as store:
        store.set_status([parent], CommentStatus.APPROVED, "test")
    setup.submit(
        parent=parent, name="Bea", email="bea@private.example", website="https://bea.example",
        body="Read https://a.example https://b.example https://c.example",
    )  # fmt: skip
    doc = moderator.page("/moderate").html()
    (article,) = doc.find_all("article", class_="comment")
    assert article.one("h2").text == "Bea on “Hello, readers”"
    facts = {div.one("dt").text: div.one("dd").text for div in article.one("dl").find_all("div")}
    assert facts["In reply to"] == (
        "Ada Reader: “The parent comment starts with these words and goes on The parent…”"
    )
    assert facts["Website"] == "https://bea.example"
    assert facts["Email"] == "bea@private.example"
    assert facts["Address"] == "127.0.0.0/24"
    assert facts["Held because"] == (
        "no form token (JavaScript off, or not sent from the page); 3 links (more than 2)"
    )
    nav = {a.text: a.get("href") for a in doc.one("nav").find_all("a")}
    assert nav == {"Queue (1)": "/moderate", "Approved": "/moderate/approved",
                   "Spam (0)": "/moderate/spam", "Rejected": "/moderate/rejected",
                   "Likes": "/moderate/likes"}  # fmt: skip


def test_approve_rewrites_the_feed_and_starts_the_hook(setup: Setup, moderator: Moderator) -> None:
    comment = setup.submit(body="Worth publishing.")
    reply = moderator.post("/moderate/act", [("do", f"approve:{comment}"), ("back", "pending")])
    assert reply.status == 303
    assert path_of(reply.headers["location"]) == "/moderate"
    assert setup.status(comment) is CommentStatus.APPROVED
    assert "Worth publishing." in setup.feed_bodies()
    feed_text = setup.config.feed_path.read_text(encoding="utf-8")
    assert "ada@reader.example" not in feed_text and "127.0.0" not in feed_text
    assert setup.wait_for_hook() == 1
    page = moderator.page("/moderate").html()
    assert flash(page) == "Approved: 1 comment."
    with store_of(setup.config) as store:
        assert store.audit_log(comment)[-1][1:3] == ("moderator (web)", "approved")
    # The notice is shown once.
    assert moderator.page("/moderate").html().find("div", class_="flash") is None


def test_bulk_actions_and_the_spam_list_with_undo(setup: Setup, moderator: Moderator) -> None:
    ids = [setup.submit(body=f"Bulk comment {n}") for n in range(3)]
    keep = setup.submit(body="Not selected.")
    assert moderator.act("spam", ids).status == 303
    assert {setup.status(i) for i in ids} == {CommentStatus.SPAM}
    assert setup.status(keep) is CommentStatus.PENDING

    spam_page = moderator.page("/moderate/spam").html()
    assert len(spam_page.find_all("article", class_="comment")) == 3
    assert flash(spam_page) == "Marked as spam: 3 comments."
    queue = moderator.page("/moderate").html()
    assert len(queue.find_all("article", class_="comment")) == 1

    reply = moderator.post("/moderate/act", [("do", f"pending:{ids[0]}"), ("back", "spam")])
    assert path_of(reply.headers["location"]) == "/moderate/spam"
    assert setup.status(ids[0]) is CommentStatus.PENDING

    # Undo the last action from its notice.
    page = moderator.page("/moderate/spam").html()
    undo = page.one("div", class_="flash").one("form")
    restore = [i.get("value") or "" for i in undo.find_all("input", name="restore")]
    assert restore == [f"{ids[0]}:spam"]
    moderator.post("/moderate/undo", [("restore", r) for r in restore] + [("back", "spam")])
    assert setup.status(ids[0]) is CommentStatus.SPAM


def test_undo_an_approval_takes_it_out_of_the_feed(setup: Setup, moderator: Moderator) -> None:
    comment = setup.submit(body="Approved by mistake.")
    moderator.act("approve", [comment])
    assert "Approved by mistake." in setup.feed_bodies()
    page = moderator.page("/moderate").html()
    (restore,) = page.one("div", class_="flash").find_all("input", name="restore")
    reply = moderator.post("/moderate/undo", [("restore", restore.get("value") or "")])
    assert reply.status == 303
    assert setup.status(comment) is CommentStatus.PENDING
    assert "Approved by mistake." not in setup.feed_bodies()
    assert flash(moderator.page("/moderate").html()) == "Undone: 1 comment back as before."


def test_the_approved_list_can_send_back_to_the_queue_or_reject(
    setup: Setup, moderator: Moderator
) -> None:
    first, second = setup.submit(body="First approved."), setup.submit(body="Second approved.")
    moderator.act("approve", [first, second])
    page = moderator.page("/moderate/approved").html()
    buttons = {b.get("value") for b in page.find_all("button", name="do")}
    assert {f"pending:{first}", f"reject:{first}", f"spam:{first}", f"delete:{first}"} <= buttons
    moderator.post("/moderate/act", [("do", f"reject:{first}"), ("back", "approved")])
    assert setup.status(first) is CommentStatus.REJECTED
    assert setup.feed_bodies() == {"Second approved."}
    rejected = moderator.page("/moderate/rejected").html()
    assert [h.text for h in rejected.find_all("h2")] == ["Ada Reader on “Hello, readers”"]


def test_nothing_selected_says_so(moderator: Moderator) -> None:
    moderator.act("approve", [])
    assert flash(moderator.page("/moderate").html()) == "Select at least one comment first."


def test_acting_on_an_unknown_comment_changes_nothing(setup: Setup, moderator: Moderator) -> None:
    comment = setup.submit()
    moderator.act("approve", [comment, "000000000000"])
    page = moderator.page("/moderate").html()
    assert flash(page) == "Nothing was changed: no comment with id 000000000000."
    assert "error" in page.one("div", class_="flash").classes()
    assert setup.status(comment) is CommentStatus.PENDING


def test_delete_asks_first_then_erases(setup: Setup, moderator: Moderator) -> None:
    doomed = setup.submit(body="Delete me for good.")
    confirm = moderator.act("delete", [doomed])
    assert confirm.status == 200
    doc = confirm.html()
    assert doc.one("h1").text == "Delete 1 comment for good?"
    form = doc.one("form", action="/moderate/delete")
    assert [i.get("value") for i in form.find_all("input", name="ids")] == [doomed]
    assert setup.status(doomed) is CommentStatus.PENDING  # nothing yet

    reply = moderator.post("/moderate/delete", [("ids", doomed)])
    assert reply.status == 303
    with store_of(setup.config) as store:
        assert store.find(doomed) is None
    assert flash(moderator.page("/moderate").html()) == "Deleted for good: 1 comment."
    assert setup.wait_for_hook() >= 1


def test_edit_a_comment(setup: Setup, moderator: Moderator) -> None:
    comment = setup.submit(body="Teh typo is here.")
    moderator.act("approve", [comment])
    page = moderator.page(f"/moderate/edit/{comment}?back=approved").html()
    form = page.one("form", class_="edit")
    assert form.one("textarea", name="body").raw_text == "Teh typo is here."
    assert form.one("input", name="name").get("value") == "Ada Reader"

    bad = moderator.post(f"/moderate/edit/{comment}",
                         {"name": "", "website": "ftp://x", "body": "The typo is here.",
                          "back": "approved"})  # fmt: skip
    assert bad.status == 400
    problems = [li.text for li in bad.html().one("div", class_="problem").find_all("li")]
    assert problems == ["Please enter your name.",
                        "Your website address must start with http:// or https://."]  # fmt: skip
    assert bad.html().one("textarea", name="body").raw_text == "The typo is here."

    good = moderator.post(f"/moderate/edit/{comment}",
                          {"name": "Ada R.", "website": "", "body": "The typo is here.",
                           "by_author": "1", "back": "approved"})  # fmt: skip
    assert path_of(good.headers["location"]) == "/moderate/approved"
    with store_of(setup.config) as store:
        edited = store.get(comment)
        assert (edited.author, edited.website, edited.body, edited.by_author) == (
            "Ada R.", "", "The typo is here.", True)  # fmt: skip
        assert store.audit_log(comment)[-1][2:] == ("edit", comment, "body, author, website, "
                                                    "by_author")  # fmt: skip
    assert setup.feed_bodies() == {"The typo is here."}
    assert moderator.page("/moderate/edit/000000000000").status == 404


def test_select_all_without_script(setup: Setup, moderator: Moderator) -> None:
    for n in range(3):
        setup.submit(body=f"Comment number {n}")
    page = moderator.page("/moderate?all=1").html()
    boxes = page.find_all("input", type="checkbox", name="ids")
    assert len(boxes) == 3 and all("checked" in box.attrs for box in boxes)
    for box in boxes:  # every checkbox has a label, for keyboard and screen reader users
        assert page.one("label", for_=box.get("id") or "")


# -- hostile text is shown, never run -------------------------------------------------------

ALLOWED_TAGS = {
    "#document", "html", "head", "meta", "title", "link", "body", "a", "header", "p", "nav",
    "ul", "li", "form", "input", "button", "main", "div", "h1", "h2", "fieldset", "legend",
    "ol", "article", "label", "bdi", "dl", "dt", "dd", "time", "code", "span", "textarea",
    "details", "summary", "pre", "blockquote",
}  # fmt: skip
# A body shown rendered is the sanitiser's output, as on the site: its tags, and links out.
RENDERED_TAGS = {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
                 "s", "del"}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


def _in_rendered_body(element: Element) -> bool:
    node = element.parent
    while node is not None:
        if "rendered" in node.attrs.get("class", "").split():
            return True
        node = node.parent
    return False


def assert_inert(doc: Element) -> None:
    """Only our own elements and attributes; no script, no handler, no script URL."""
    for element in doc.iter():
        if _in_rendered_body(element):
            assert element.tag in RENDERED_TAGS, f"unexpected <{element.tag}> in a body"
            assert set(element.attrs) <= {"href", "rel"}, element.attrs
            href = element.attrs.get("href", "")
            assert not href or href.startswith(("https://", "http://", "mailto:")), href
            continue
        assert element.tag in ALLOWED_TAGS, f"unexpected <{element.tag}>"
        for name, value in element.attrs.items():
            assert not name.startswith("on"), f"event handler {name}={value!r}"
            assert name not in ("style", "autofocus", "srcdoc"), name
            if name in URL_ATTRIBUTES:
                assert value.startswith(("/", "#", "https://", "http://")), f"{name}={value!r}"
                assert "evil" not in value, f"{name}={value!r}"
        if element.tag == "meta":
            assert set(element.attrs) <= {"charset", "name", "content"}
        if element.tag == "link":
            assert element.attrs.get("href") == "/moderate/style.css"


def test_hostile_comments_are_shown_as_text(setup: Setup, moderator: Moderator) -> None:
    for n, attack in enumerate(HOSTILE):
        setup.submit(name=f"{attack[:90]}", body=f"{n}: {attack}",
                     email=f"x{n}@mail.example")  # fmt: skip
    assert len(HOSTILE) >= 40
    page = moderator.page("/moderate")
    doc = page.html()
    assert_inert(doc)
    bodies = [el.raw_text for el in doc.find_all("pre", class_="body")]  # the source, as text
    assert sorted(bodies) == sorted(f"{n}: {attack}" for n, attack in enumerate(HOSTILE))
    rendered = doc.find_all("div", class_="rendered")
    assert len(rendered) == len(HOSTILE)

    # The same comments on every other page that shows them.
    ids = [b.get("value") or "" for b in doc.find_all("input", name="ids")]
    moderator.act("approve", ids[:20])
    assert_inert(moderator.page("/moderate/approved").html())
    confirm = moderator.act("delete", ids[20:30])
    assert_inert(confirm.html())
    for comment_id in ids[30:35]:
        edit = moderator.page(f"/moderate/edit/{comment_id}").html()
        assert_inert(edit)


def test_hostile_website_and_name_survive_as_text(setup: Setup, moderator: Moderator) -> None:
    website = 'https://x.example/?a="><script>alert(1)</script>'
    reply = setup.client.post_json(comment_fields(website=website))
    assert reply.status == 400  # quotes and angle brackets are refused in a web address
    setup.submit(name='"><svg onload=alert(1)>', website="https://x.example/?q=%22%3E",
                 body="Fine body.")  # fmt: skip
    doc = moderator.page("/moderate").html()
    assert_inert(doc)
    assert doc.one("bdi", class_="author").text == '"><svg onload=alert(1)>'


def test_long_lists_are_paged(setup: Setup, moderator: Moderator) -> None:
    from datetime import UTC, datetime, timedelta

    from generator.core.models import StoredComment

    start = datetime(2025, 1, 1, tzinfo=UTC)
    with store_of(setup.config) as store:
        for number in range(230):
            store.add(
                StoredComment(
                    id=f"bulk{number:04d}", post="hello", parent=None, author=f"Reader {number}",
                    email="", website="", body=f"Comment number {number}.",
                    created=start + timedelta(minutes=number), status=CommentStatus.APPROVED,
                )
            )  # fmt: skip

    def ids_on(page: int) -> list[str]:
        html = moderator.page(f"/moderate/approved?page={page}").html()
        return [box.get("value") or "" for box in html.find_all("input", name="ids")]

    first, last = ids_on(1), ids_on(3)
    assert (len(first), len(last)) == (100, 30)
    assert first[0] == "bulk0229" and last[-1] == "bulk0000"  # newest first
    assert set(first).isdisjoint(ids_on(2))
    page = moderator.page("/moderate/approved?page=2").html()
    links = {a.text: a.get("href") for a in page.one("nav", class_="pages").find_all("a")}
    assert links == {
        "Previous page": "/moderate/approved?page=1",
        "Next page": "/moderate/approved?page=3",
    }
    assert ids_on(99) == last and ids_on(0) == first  # out of range: the nearest page


@pytest.mark.parametrize("junk", ["²", "abc", "-2", "1.5", ""])
def test_a_page_number_that_is_not_one_shows_the_first_page(
    setup: Setup, moderator: Moderator, junk: str
) -> None:
    reply = moderator.page(f"/moderate/approved?page={quote(junk)}")
    assert reply.status == 200
    assert reply.html().one("h1").text.startswith("Approved")
