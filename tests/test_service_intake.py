"""Readers' comments through the real service on loopback: the form, JSON, every
validation error, the size, type and UTF-8 checks, origins and CORS, the manifest."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.core.config import load_config
from generator.core.models import CommentStatus, StoredComment
from tests.service_support import (
    HOSTILE,
    SITE_ORIGIN,
    Client,
    ServiceServer,
    comment_fields,
    make_site,
    path_of,
    store_of,
    write_manifest,
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return tmp_path / "site"


@pytest.fixture
def running(site: Path) -> Iterator[ServiceServer]:
    with ServiceServer(make_site(site)) as server:
        yield server


@pytest.fixture
def client(running: ServiceServer) -> Client:
    return running.client()


def stored(site: Path) -> list[StoredComment]:
    with store_of(load_config(site)) as store:
        return store.list_comments()


# -- the happy paths -------------------------------------------------------------------


def test_form_post_goes_on_to_a_thank_you_page_in_the_theme(client: Client, site: Path) -> None:
    reply = client.post_form(
        comment_fields(body="First!\r\nSecond line."), headers={"User-Agent": "Browser/1.0"}
    )
    assert reply.status == 303
    assert path_of(reply.headers["location"]) == "/api/comments/thanks?post=hello"

    page = client.get(path_of(reply.headers["location"]))
    assert page.status == 200
    doc = page.html()
    assert doc.one("h1").text == "Thank you"
    assert "Thank you — your comment is awaiting moderation." in doc.one("main").text
    back = doc.one("a", href="/2025/01/hello/#comments")
    assert back.text == "Back to “Hello, readers”"
    assert doc.one("link", rel="stylesheet").get("href") == "/assets/style.css"
    assert doc.meta("robots") == "noindex"

    (comment,) = stored(site)
    assert comment.status is CommentStatus.PENDING
    assert (comment.post, comment.author, comment.email, comment.website) == (
        "hello", "Ada Reader", "ada@reader.example", "https://ada.example")  # fmt: skip
    assert comment.body == "First!\nSecond line."
    assert comment.ip == "127.0.0.0/24"
    assert comment.user_agent == "Browser/1.0"
    assert comment.held_because == "no form token (JavaScript off, or not sent from the page)"


def test_json_post_with_a_token_is_pending_without_a_reason(
    running: ServiceServer, client: Client, site: Path
) -> None:
    token = client.token()
    running.clock.advance(10)
    reply = client.post_json(comment_fields(token=token))
    assert reply.status == 201
    answer = reply.json()
    assert answer["status"] == "pending"
    (comment,) = stored(site)
    assert answer["id"] == comment.id
    assert comment.held_because == ""
    assert comment.created.timestamp() == pytest.approx(running.clock.now)


def test_a_reply_to_an_approved_comment_of_the_same_post_is_taken(
    client: Client, site: Path
) -> None:
    parent = client.post_json(comment_fields()).json()["id"]
    with store_of(load_config(site)) as store:
        store.set_status([parent], CommentStatus.APPROVED, "test")
    reply = client.post_json(comment_fields(parent=parent, body="I agree."))
    assert reply.status == 201
    with store_of(load_config(site)) as store:
        assert store.get(reply.json()["id"]).parent == parent


def test_a_bare_host_name_as_website_gets_https(client: Client, site: Path) -> None:
    assert client.post_json(comment_fields(website="ada.example/blog")).status == 201
    assert stored(site)[0].website == "https://ada.example/blog"


# -- validation: every field says what to fix ---------------------------------------------

FIELD_ERRORS = [
    ({"name": ""}, "name", "Please enter your name."),
    ({"name": "   "}, "name", "Please enter your name."),
    ({"name": "N" * 101}, "name", "Your name is too long: 101 characters; the limit is 100."),
    ({"email": "not-an-email"}, "email",
     "This does not look like an email address: check it, or leave the field empty."),
    ({"email": "a@b"}, "email",
     "This does not look like an email address: check it, or leave the field empty."),
    ({"email": "x" * 64 + "@" + "d" * 186 + ".org"}, "email",
     "Your email address is too long: 255 characters; the limit is 254."),
    ({"website": "ftp://files.example"}, "website",
     "Your website address must start with http:// or https://."),
    ({"website": "javascript:alert(1)"}, "website",
     "Your website address must start with http:// or https://."),
    ({"website": "https://" + "w" * 190 + ".example"}, "website",
     "Your website address is too long: 206 characters; the limit is 200."),
    ({"website": "https://exa\"mple.org"}, "website",
     "This does not look like a web address: check it, or leave the field empty."),
    ({"body": "x"}, "body", "Please write a comment (at least 2 characters)."),
    ({"body": "  \n  "}, "body", "Please write a comment (at least 2 characters)."),
    ({"body": "b" * 10_001}, "body",
     "Your comment is too long: 10,001 characters; the limit is 10,000."),
    ({"post": ""}, "post", "The form did not say which essay the comment is for."),
    ({"post": "no-such-essay"}, "post", "There is no essay “no-such-essay” on this site."),
    ({"post": "shut"}, "post", "Comments are closed on “Closed Essay”."),
    ({"parent": "abcdef123456"}, "parent",
     "The comment you are replying to is not published on this essay."),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), FIELD_ERRORS)
def test_each_invalid_field_is_named_with_what_to_fix(
    client: Client, site: Path, changes: dict[str, str], field: str, message: str
) -> None:
    reply = client.post_json(comment_fields(**changes))
    assert reply.status == 400
    assert reply.json() == {"errors": {field: message}}
    assert stored(site) == []


def test_every_problem_is_reported_at_once(client: Client) -> None:
    reply = client.post_json(comment_fields(name="", email="nope", website="ftp://x", body="x"))
    assert reply.status == 400
    assert set(reply.json()["errors"]) == {"name", "email", "website", "body"}


def test_a_parent_must_be_approved_and_of_the_same_post(client: Client, site: Path) -> None:
    pending = client.post_json(comment_fields(body="Still waiting.")).json()["id"]
    other = client.post_json(comment_fields(post="second", body="Elsewhere.")).json()["id"]
    with store_of(load_config(site)) as store:
        store.set_status([other], CommentStatus.APPROVED, "test")
    message = "The comment you are replying to is not published on this essay."
    for parent in (pending, other):
        reply = client.post_json(comment_fields(parent=parent, body=f"Reply to {parent}"))
        assert reply.json() == {"errors": {"parent": message}}


def test_the_error_page_keeps_everything_the_reader_typed(client: Client) -> None:
    typed = comment_fields(
        name="", email="bad-address", website="https://ada.example",
        body="My long comment <b>with</b> “quotes” & ampersands.\nSecond line.",
        homepage="", token="",
    )  # fmt: skip
    reply = client.post_form(typed)
    assert reply.status == 400
    doc = reply.html()
    form = doc.one("form", class_="comment-form")
    assert form.one("textarea", name="body").raw_text == typed["body"]
    assert form.one("input", name="email").get("value") == "bad-address"
    assert form.one("input", name="website").get("value") == "https://ada.example"
    assert form.one("input", name="post").get("value") == "hello"
    assert form.one("input", name="name").get("aria-invalid") == "true"
    assert not form.one("input", name="token").get("value"), "no token was sent: none given"
    assert form.one("input", name="homepage").get("value") is None
    errors = [li.text for li in doc.one("div", class_="form-errors").find_all("li")]
    assert errors == [
        "Please enter your name.",
        "This does not look like an email address: check it, or leave the field empty.",
    ]
    assert doc.one("span", id="cf-name-error").text == "Please enter your name."
    links = [a.text for a in doc.find_all("a", href="/2025/01/hello/")]
    assert links == ["“Hello, readers”", "Back to “Hello, readers”"]


def test_a_closed_post_gives_back_the_text_without_a_form(client: Client) -> None:
    reply = client.post_form(comment_fields(post="shut", body="Too late, perhaps."))
    assert reply.status == 400
    doc = reply.html()
    assert doc.find("form", class_="comment-form") is None
    assert doc.one("div", class_="form-errors").text == "Comments are closed on “Closed Essay”."
    assert doc.one("textarea", id="kept-body").raw_text == "Too late, perhaps."


def test_a_bad_parent_on_the_form_is_cleared_so_sending_again_works(client: Client) -> None:
    reply = client.post_form(comment_fields(parent="abcdef123456"))
    assert reply.status == 400
    doc = reply.html()
    assert doc.one("input", name="parent").get("value") == ""
    assert "The comment you are replying to is not published on this essay." in doc.text


# -- requests that cannot be read ------------------------------------------------------------


def test_a_request_over_32_kib_is_refused_with_413(client: Client, site: Path) -> None:
    body = json.dumps(comment_fields(body="word " * 7000))
    assert 32 * 1024 < len(body) < 64 * 1024
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    reply = client.request("POST", "/api/comments", body, headers)
    assert reply.status == 413
    assert reply.json() == {
        "error": "The comment is too large to send: requests are limited to 32 KiB."
    }
    huge = client.request("POST", "/api/comments", b"x" * (300 * 1024),
                          {"Content-Type": "application/json"})  # fmt: skip
    assert huge.status == 413  # refused by waitress before the app reads it
    assert stored(site) == []


def test_a_form_over_32_kib_gets_a_page_saying_so_with_the_text_kept(client: Client) -> None:
    # 6,000 characters, well under the 10,000 allowed, but 36,000 bytes once form-encoded.
    body = "é" * 6_000
    reply = client.post_form(comment_fields(body=body))
    assert reply.status == 413
    doc = reply.html()
    assert doc.one("div", class_="form-errors").text == (
        "The comment is too large to send: requests are limited to 32 KiB."
    )
    assert doc.one("textarea", name="body").raw_text == body


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("text/plain",
         "Cannot read a comment sent as text/plain: send it as application/x-www-form-urlencoded "
         "(an HTML form) or as application/json."),
        ("multipart/form-data; boundary=x",
         "Cannot read a comment sent as multipart/form-data: send it as "
         "application/x-www-form-urlencoded (an HTML form) or as application/json."),
        ("application/json; charset=latin-1",
         "The comment must be sent as UTF-8 text, not latin-1."),
    ],
)  # fmt: skip
def test_a_wrong_content_type_is_refused_with_415(
    client: Client, content_type: str, message: str
) -> None:
    headers = {"Content-Type": content_type, "Accept": "application/json"}
    reply = client.request("POST", "/api/comments", json.dumps(comment_fields()), headers)
    assert reply.status == 415
    assert reply.json() == {"error": message}


def test_no_content_type_at_all_is_refused_with_415(client: Client) -> None:
    reply = client.request("POST", "/api/comments", b"name=x", {"Accept": "application/json"})
    assert reply.status == 415
    assert reply.json()["error"].startswith("Cannot read a comment sent as no content type")


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/json", b'{"name": "\xff\xfe"}', "The comment is not valid UTF-8 text."),
        ("application/x-www-form-urlencoded", b"name=\xc3\x28&body=hi",
         "The comment is not valid UTF-8 text."),
        ("application/x-www-form-urlencoded", b"name=%C3%28&body=hello&post=hello",
         "The comment is not valid UTF-8 text."),
        ("application/json", b'{"name": ', "The request body is not valid JSON."),
        ("application/json", b"[1, 2]", "Expected a JSON object with the comment's fields."),
        ("application/json", b'{"post": "hello", "name": ["x"], "body": "hi"}',
         'The field "name" must be text.'),
        ("application/json", b"[" * 100_00 + b"]" * 100_00, "The request body is not valid JSON."),
    ],
)  # fmt: skip
def test_malformed_requests_get_400_never_500(
    client: Client, content_type: str, body: bytes, message: str
) -> None:
    reply = client.request(
        "POST", "/api/comments", body,
        {"Content-Type": content_type, "Accept": "application/json", "Origin": SITE_ORIGIN},
    )  # fmt: skip
    assert reply.status == 400
    assert reply.json() == {"error": message}


def test_other_methods_are_refused_with_405(client: Client) -> None:
    reply = client.get("/api/comments")
    assert reply.status == 405
    assert reply.headers["allow"] == "OPTIONS, POST"
    assert client.request("PUT", "/health").status == 405
    assert client.get("/nothing-here").status == 404


# -- where a post may come from -------------------------------------------------------------


def test_a_cross_site_form_post_is_refused(client: Client, site: Path) -> None:
    reply = client.post_form(comment_fields(), origin="https://evil.example")
    assert reply.status == 403
    doc = reply.html()
    assert doc.one("div", class_="form-errors").text == (
        "This comment was sent from another site, so it was refused. Please write your "
        "comment on the essay's own page."
    )
    assert doc.find("form", class_="comment-form") is None
    assert stored(site) == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": SITE_ORIGIN}, 303),
        ({"Origin": "https://ESSAYS.example:443"}, 303),
        ({"Referer": SITE_ORIGIN + "/2025/01/hello/"}, 303),
        ({}, 403),
        ({"Origin": "null"}, 403),
        ({"Origin": "http://essays.example"}, 403),
        ({"Origin": "https://essays.example.evil.example"}, 403),
        ({"Referer": "https://evil.example/essays.example"}, 403),
        ({"Origin": "https://evil.example", "Referer": SITE_ORIGIN + "/"}, 403),
    ],
)
def test_form_posts_must_come_from_the_site(
    client: Client, headers: dict[str, str], status: int
) -> None:
    assert client.post_form(comment_fields(), origin=None, headers=headers).status == status


def test_form_posts_from_the_service_own_origin_are_taken(client: Client) -> None:
    # The dev server serves the site and the service on one origin, 127.0.0.1:PORT.
    assert client.post_form(comment_fields(), origin=client.origin).status == 303


def test_json_posts_from_a_foreign_origin_are_refused(client: Client) -> None:
    reply = client.post_json(comment_fields(), headers={"Origin": "https://evil.example"})
    assert reply.status == 403
    assert reply.json()["error"].startswith("This comment was sent from another site")
    assert client.post_json(comment_fields(body="No origin: a script.")).status == 201


def test_cors_answers_only_the_site_origin(client: Client) -> None:
    ours = client.get("/api/comments/token?post=hello", headers={"Origin": SITE_ORIGIN})
    assert ours.headers["access-control-allow-origin"] == SITE_ORIGIN
    assert ours.headers["vary"] == "Origin"
    theirs = client.get(
        "/api/comments/token?post=hello", headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in theirs.headers

    preflight = {"Origin": SITE_ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}  # fmt: skip
    reply = client.request("OPTIONS", "/api/comments", headers=preflight)
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == SITE_ORIGIN
    assert reply.headers["access-control-allow-methods"] == "POST, GET"
    assert reply.headers["access-control-allow-headers"] == "Content-Type, Accept"
    refused = client.request(
        "OPTIONS", "/api/comments", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert refused.status == 403
    assert "access-control-allow-origin" not in refused.headers

    posted = client.post_json(comment_fields(), headers={"Origin": SITE_ORIGIN})
    assert posted.status == 201
    assert posted.headers["access-control-allow-origin"] == SITE_ORIGIN


# -- the token endpoint, the manifest, health --------------------------------------------------


def test_the_token_endpoint(client: Client) -> None:
    reply = client.get("/api/comments/token?post=hello")
    assert reply.status == 200
    assert reply.headers["cache-control"] == "no-store"
    assert set(reply.json()) == {"token"}
    assert client.get("/api/comments/token?post=nope").status == 404
    assert client.get("/api/comments/token?post=shut").status == 403


def test_without_a_manifest_posts_are_refused_with_what_to_do(tmp_path: Path) -> None:
    site = tmp_path / "unbuilt"
    with ServiceServer(make_site(site, manifest=False)) as server:
        client = server.client()
        reply = client.post_json(comment_fields())
        assert reply.status == 503
        assert reply.json() == {
            "error": "Comments cannot be taken yet: the site's list of essays "
            "(.salon/posts.json) is missing; run `salon build`."
        }
        form = client.post_form(comment_fields(body="Keep me, please."))
        assert form.status == 503
        assert form.html().one("textarea", id="kept-body").raw_text == "Keep me, please."
        assert client.get("/api/comments/token?post=hello").status == 503
        health = client.get("/health")
        assert health.status == 200
        assert health.json()["posts"] == (
            "the site's list of essays (.salon/posts.json) is missing; run `salon build`"
        )

        write_manifest(site)
        assert client.post_json(comment_fields()).status == 201


def test_the_manifest_is_reloaded_when_the_site_is_rebuilt(client: Client, site: Path) -> None:
    assert client.post_json(comment_fields()).status == 201
    posts = {"hello": {"title": "Hello, readers", "url": "/2025/01/hello/", "open": False}}
    time.sleep(0.01)  # a different modification time, as a rebuild would give
    write_manifest(site, posts)
    reply = client.post_json(comment_fields(body="After the rebuild."))
    assert reply.json() == {"errors": {"post": "Comments are closed on “Hello, readers”."}}


def test_a_broken_manifest_is_a_503_not_a_500(client: Client, site: Path) -> None:
    (site / ".salon" / "posts.json").write_text("{broken", encoding="utf-8")
    reply = client.post_json(comment_fields())
    assert reply.status == 503
    assert reply.json()["error"].startswith(
        "Comments cannot be taken yet: the site's list of essays (.salon/posts.json) cannot "
        "be read (not valid JSON"
    )
    assert reply.json()["error"].endswith("; run `salon build` again.")


def test_health(client: Client) -> None:
    reply = client.get("/health")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "store": "ok", "posts": 3}


def test_thanks_for_an_unknown_post_links_home(client: Client) -> None:
    main = client.get("/api/comments/thanks?post=unknown").html().one("main")
    assert main.one("a", href="/").text == "Back to the essays"


# -- configured endpoints --------------------------------------------------------------------


def test_a_configured_endpoint_path_is_where_the_service_listens(tmp_path: Path) -> None:
    config = make_site(tmp_path / "s", comments="endpoint: /talk/back")
    with ServiceServer(config) as server:
        client = server.client()
        reply = client.post_form(comment_fields(), path="/talk/back")
        assert reply.status == 303
        assert path_of(reply.headers["location"]) == "/talk/back/thanks?post=hello"
        assert client.get("/talk/back/token?post=hello").status == 200
        assert client.post_form(comment_fields()).status == 404


def test_an_endpoint_on_another_origin_links_back_to_the_site_absolutely(tmp_path: Path) -> None:
    config = make_site(
        tmp_path / "s", comments="endpoint: https://comments.essays.example/api/comments"
    )
    with ServiceServer(config) as server:
        client = server.client()
        page = client.get("/api/comments/thanks?post=hello").html()
        assert page.one("a", href=SITE_ORIGIN + "/2025/01/hello/#comments")
        assert page.one("link", rel="stylesheet").get("href") == SITE_ORIGIN + "/assets/style.css"
        error = client.post_form(comment_fields(name="")).html()
        form = error.one("form", class_="comment-form")
        assert form.get("action") == "https://comments.essays.example/api/comments"


# -- hostile text on the reader's pages -------------------------------------------------------


def test_hostile_text_comes_back_on_the_error_page_as_text(tmp_path: Path) -> None:
    config = make_site(tmp_path / "s", service="rate_per_minute: 1000\nrate_per_hour: 1000")
    with ServiceServer(config) as server:
        check_hostile_error_pages(server.client())


def check_hostile_error_pages(client: Client) -> None:
    for attack in HOSTILE:
        reply = client.post_form(
            comment_fields(
                name="", email=attack[:200], website=attack[:200], body=attack, parent=attack[:60]
            )
        )
        assert reply.status == 400
        doc = reply.html()
        for element in doc.iter():
            assert not any(name.startswith("on") for name in element.attrs), element.attrs
            assert element.tag not in ("iframe", "svg", "math", "img", "object", "embed", "base")
            if element.tag == "script":
                assert element.get("src") == "/assets/salon.js" or (
                    element.get("type") == "application/ld+json"
                )
            for name in ("href", "src", "action"):
                value = element.get(name)
                assert value is None or value.startswith(("/", "#", "https://essays.example"))
        assert doc.one("textarea", name="body").raw_text == attack.strip()

    unknown = client.post_form(comment_fields(post="<script>alert(1)</script>"))
    assert unknown.html().one("div", class_="form-errors").text == (
        "There is no essay “<script>alert(1)</script>” on this site."
    )
    assert "<script>alert" not in unknown.text


# -- the contract with the built site -------------------------------------------------------


def test_the_built_form_posts_what_the_service_reads(sample_site: Path) -> None:
    """Fill in the comment form of a real built post, field by field, as a browser would."""
    from generator.build.pipeline import BuildOptions, build_site
    from tests.conftest import FIXED_NOW
    from tests.htmldom import parse_html

    build_site(sample_site, BuildOptions(now=FIXED_NOW, future=True, jobs=1))
    manifest = json.loads((sample_site / ".salon" / "posts.json").read_text(encoding="utf-8"))
    key, post = next(iter(sorted(manifest["posts"].items())))
    page = parse_html((sample_site / "output" / post["url"].strip("/") / "index.html").read_text())
    form = page.one("form", class_="comment-form")
    fields = {
        element.get("name") or "": element.get("value") or ""
        for element in form.find_all("input")
        if element.get("name")
    }
    fields.update(name="Reader", email="reader@mail.example", body="Written in the real form.")
    assert set(fields) == {"post", "token", "parent", "name", "email", "website", "homepage",
                           "body"} - ({"parent"} if form.find("select") else set())  # fmt: skip
    fields.setdefault("parent", "")
    with ServiceServer(load_config(sample_site)) as server:
        client = server.client()
        token_url = form.get("data-token-url") or ""
        fields["token"] = client.get(f"{token_url}?post={fields['post']}").json()["token"]
        server.clock.advance(5)
        origin = load_config(sample_site).base_url
        reply = client.post_form(fields, path=form.get("action") or "", origin=origin)
        assert reply.status == 303, reply.text
        thanks = client.get(path_of(reply.headers["location"])).html()
        assert thanks.one("main").one("a").get("href") == post["url"] + "#comments"
    with store_of(load_config(sample_site)) as store:
        (comment,) = store.list_comments(status=CommentStatus.PENDING)
        assert (comment.post, comment.body, comment.held_because) == (
            key, "Written in the real form.", "")  # fmt: skip


def test_a_corrected_form_keeps_its_token_so_a_quick_fix_is_not_spam(client: Client) -> None:
    token = client.token()
    reply = client.post_form(comment_fields(name="", token=token))
    assert reply.status == 400
    form = reply.html().one("form", class_="comment-form")
    assert form.one("input", name="token").get("value") == token
    forged = client.post_form(comment_fields(name="", token="1.forged.token"))
    fresh = forged.html().one("form", class_="comment-form").one("input", name="token")
    assert fresh.get("value") not in ("", None, "1.forged.token")
