"""Each spam rule through the real service: honeypot, form token (missing, forged, too
fast, too old, reused), duplicates, links, blocked words, auto-approval, rate limits
and the proxy headers they trust."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from generator.core.config import load_config
from generator.core.models import CommentStatus, StoredComment
from tests.service_support import (
    ServiceServer,
    comment_fields,
    make_site,
    path_of,
    store_of,
)


def only_comment(site: Path) -> StoredComment:
    with store_of(load_config(site)) as store:
        (comment,) = store.list_comments()
        return comment


def all_comments(site: Path) -> list[StoredComment]:
    with store_of(load_config(site)) as store:
        return store.list_comments()


def test_a_filled_honeypot_is_spam_but_answered_like_success(tmp_path: Path) -> None:
    site = tmp_path / "s"
    with ServiceServer(make_site(site)) as server:
        client = server.client()
        form = client.post_form(comment_fields(homepage="http://spam.example"))
        assert form.status == 303
        assert path_of(form.headers["location"]) == "/api/comments/thanks?post=hello"
        reply = client.post_json(comment_fields(homepage="x", body="Another bot text."))
        assert reply.status == 201
        assert reply.json()["status"] == "pending"
    for comment in all_comments(site):
        assert comment.status is CommentStatus.SPAM
        assert comment.held_because.startswith("honeypot field filled in")


@pytest.mark.parametrize(
    ("wait", "token_for", "tamper", "status", "reason"),
    [
        (5, "hello", "", CommentStatus.PENDING, ""),
        (1, "hello", "", CommentStatus.SPAM,
         "too fast: sent 1.0 s after the form was loaded (the minimum is 3 s)"),
        (73 * 3600, "hello", "", CommentStatus.SPAM,
         "form too old: loaded 73 hours before it was sent (the limit is 72 hours)"),
        (5, "second", "", CommentStatus.SPAM, "forged form token"),
        (5, "hello", "forge", CommentStatus.SPAM, "forged form token"),
        (5, "hello", "garbage", CommentStatus.SPAM, "forged form token"),
    ],
)  # fmt: skip
def test_the_form_token_rules(
    tmp_path: Path, wait: float, token_for: str, tamper: str, status: CommentStatus,
    reason: str,
) -> None:  # fmt: skip
    site = tmp_path / "s"
    with ServiceServer(make_site(site)) as server:
        client = server.client()
        token = client.token(token_for)
        if tamper == "forge":  # a later time stamp with the old signature
            issued, nonce, signature = token.split(".")
            token = f"{int(issued, 16) + 1000:x}.{nonce}.{signature}"
        elif tamper == "garbage":
            token = "<script>alert(1)</script>"
        server.clock.advance(wait)
        reply = client.post_json(comment_fields(token=token))
        assert reply.status == 201
        assert reply.json()["status"] == "pending"  # the reader is never told "spam"
    comment = only_comment(site)
    assert (comment.status, comment.held_because) == (status, reason)


def test_a_token_used_twice_makes_the_second_comment_spam(tmp_path: Path) -> None:
    site = tmp_path / "s"
    with ServiceServer(make_site(site)) as server:
        client = server.client()
        token = client.token()
        server.clock.advance(10)
        first = client.post_json(comment_fields(token=token, body="The first comment."))
        second = client.post_json(comment_fields(token=token, body="The second comment."))
        assert (first.status, second.status) == (201, 201)
    found = {c.body: c for c in all_comments(site)}
    assert found["The first comment."].status is CommentStatus.PENDING
    assert found["The second comment."].status is CommentStatus.SPAM
    assert found["The second comment."].held_because == "form token used before"


def test_a_form_without_a_token_is_held_with_the_reason(tmp_path: Path) -> None:
    site = tmp_path / "s"
    with ServiceServer(make_site(site)) as server:
        assert server.client().post_form(comment_fields()).status == 303
    comment = only_comment(site)
    assert comment.status is CommentStatus.PENDING
    assert comment.held_because == "no form token (JavaScript off, or not sent from the page)"


def test_the_same_body_twice_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "s"
    with ServiceServer(make_site(site)) as server:
        client = server.client()
        assert client.post_json(comment_fields(body="Great essay, thank you.")).status == 201
        again = client.post_json(comment_fields(body="  great ESSAY,\n thank you.  ", name="B"))
        assert again.status == 400
        assert again.json() == {
            "errors": {"body": "This exact comment has already been sent for this essay."}
        }
        # The same words under another essay are a different comment.
        other = client.post_json(comment_fields(post="second", body="Great essay, thank you."))
        assert other.status == 201
        form = client.post_form(comment_fields(body="Great essay, thank you."))
        assert form.status == 400
        assert "already been sent" in form.html().one("span", id="cf-body-error").text
    assert len(all_comments(site)) == 2


def test_the_same_body_sent_at_once_is_stored_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    site = tmp_path / "s"
    with ServiceServer(make_site(site, service="rate_per_minute: 1000")) as server:
        client = server.client()
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda _: client.post_json(comment_fields()), range(16)))
    assert sorted(r.status for r in replies) == [201] + [400] * 15
    assert len(all_comments(site)) == 1


def test_too_many_links_hold_the_comment_and_say_why(tmp_path: Path) -> None:
    site = tmp_path / "s"
    body = "See https://a.example, [this](http://b.example) and www.c.example for more."
    with ServiceServer(make_site(site, service="min_seconds: 0")) as server:
        client = server.client()
        reply = client.post_json(comment_fields(body=body, token=client.token()))
        assert reply.status == 201
    comment = only_comment(site)
    assert comment.status is CommentStatus.PENDING
    assert comment.held_because == "3 links (more than 2)"


def test_two_links_are_fine(tmp_path: Path) -> None:
    site = tmp_path / "s"
    with ServiceServer(make_site(site, service="min_seconds: 0")) as server:
        client = server.client()
        body = "Compare https://a.example with https://b.example please."
        assert client.post_json(comment_fields(body=body, token=client.token())).status == 201
    assert only_comment(site).held_because == ""


def test_blocked_words_hold_the_comment_and_say_which(tmp_path: Path) -> None:
    site = tmp_path / "s"
    service = "min_seconds: 0\nblocked_words: [casino, cheap pills]"
    with ServiceServer(make_site(site, service=service)) as server:
        client = server.client()
        for fields in (
            comment_fields(body="Visit my CASINO tonight!"),
            comment_fields(name="Cheap Pills Shop", body="Nice words."),
            comment_fields(body="Occasionally I agree."),  # "casino" inside another word
        ):
            fields["token"] = client.token()
            assert client.post_json(fields).status == 201
    held = {c.body: c.held_because for c in all_comments(site)}
    assert held == {
        "Visit my CASINO tonight!": 'blocked word "casino"',
        "Nice words.": 'blocked word "cheap pills"',
        "Occasionally I agree.": "",
    }


def test_known_commenters_can_be_approved_automatically(tmp_path: Path) -> None:
    site = tmp_path / "s"
    marker = tmp_path / "hook-ran"
    hook = f"python3 -c \"open('{marker}', 'a').write('ran\\n')\""
    service = "min_seconds: 0\nauto_approve_known: true"
    config = make_site(site, service=service, comments=f"on_change: {json.dumps(hook)}")
    with ServiceServer(config) as server:
        client = server.client()
        first = client.post_json(comment_fields(token=client.token())).json()
        assert first["status"] == "pending"
        with store_of(config) as store:
            store.set_status([first["id"]], CommentStatus.APPROVED, "test")
        again = client.post_json(
            comment_fields(email="ADA@reader.example", body="Back again.", token=client.token())
        )
        assert again.json()["status"] == "approved"
        stranger = client.post_json(
            comment_fields(email="eve@else.example", body="New here.", token=client.token())
        )
        assert stranger.json()["status"] == "pending"
        held = client.post_json(comment_fields(body="No token, no auto-approval."))
        assert held.json()["status"] == "pending"

        form = client.post_form(comment_fields(body="By form, with a token.", token=client.token()))
        assert path_of(form.headers["location"]).endswith("&published=1")
        page = client.get(path_of(form.headers["location"])).html()
        assert "your comment is published" in page.one("main").text

    auto = {c.body: c for c in all_comments(site)}["Back again."]
    assert auto.status is CommentStatus.APPROVED
    assert auto.moderated_by == "auto-approved (known email)"
    feed = json.loads((site / "comments.json").read_text(encoding="utf-8"))
    assert "Back again." in {item["body"] for item in feed["comments"]}
    assert "ada@reader.example" not in json.dumps(feed).lower()
    # Two comments were published automatically: the hook ran after each.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        not marker.exists() or marker.read_text().count("ran\n") < 2
    ):
        time.sleep(0.05)
    assert marker.read_text() == "ran\nran\n"


def test_auto_approval_is_off_by_default(tmp_path: Path) -> None:
    site = tmp_path / "s"
    config = make_site(site, service="min_seconds: 0")
    with ServiceServer(config) as server:
        client = server.client()
        first = client.post_json(comment_fields(token=client.token())).json()["id"]
        with store_of(config) as store:
            store.set_status([first], CommentStatus.APPROVED, "test")
        again = client.post_json(comment_fields(body="Back again.", token=client.token()))
        assert again.json()["status"] == "pending"


# -- rate limits -----------------------------------------------------------------------------


def test_the_per_minute_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    site = tmp_path / "s"
    with ServiceServer(make_site(site, service="rate_per_minute: 3")) as server:
        client = server.client()
        for n in range(3):
            assert client.post_json(comment_fields(body=f"Comment {n}")).status == 201
            server.clock.advance(10)
        refused = client.post_json(comment_fields(body="One too many."))
        assert refused.status == 429
        assert refused.headers["retry-after"] == "30"
        assert refused.json() == {
            "error": "You are sending comments too quickly: please wait 30 seconds and send "
            "your comment again."
        }
        form = client.post_form(comment_fields(body="Typed with care."))
        assert form.status == 429
        assert form.html().one("textarea", name="body").raw_text == "Typed with care."
        server.clock.advance(30)
        assert client.post_json(comment_fields(body="Patient now.")).status == 201
    assert len(all_comments(site)) == 4


def test_the_per_hour_limit(tmp_path: Path) -> None:
    service = "rate_per_minute: 100\nrate_per_hour: 4"
    with ServiceServer(make_site(tmp_path / "s", service=service)) as server:
        client = server.client()
        for n in range(4):
            assert client.post_json(comment_fields(body=f"Comment {n}")).status == 201
            server.clock.advance(60)
        refused = client.post_json(comment_fields(body="Fifth."))
        assert refused.status == 429
        assert refused.headers["retry-after"] == str(3600 - 4 * 60)


def test_forwarded_addresses_are_ignored_without_trusted_proxies(tmp_path: Path) -> None:
    site = tmp_path / "s"
    with ServiceServer(make_site(site, service="rate_per_minute: 1")) as server:
        client = server.client()
        first = client.post_json(comment_fields(), headers={"X-Forwarded-For": "203.0.113.9"})
        assert first.status == 201
        other = client.post_json(
            comment_fields(body="From elsewhere?"), headers={"X-Forwarded-For": "198.51.100.7"}
        )
        assert other.status == 429  # the header proves nothing: same client, same limit
    assert only_comment(site).ip == "127.0.0.0/24"


def test_with_a_trusted_proxy_each_forwarded_address_has_its_own_limit(tmp_path: Path) -> None:
    site = tmp_path / "s"
    service = "rate_per_minute: 1\ntrusted_proxies: 1"
    with ServiceServer(make_site(site, service=service)) as server:
        client = server.client()

        def send(chain: str, body: str) -> int:
            return client.post_json(
                comment_fields(body=body), headers={"X-Forwarded-For": chain}
            ).status

        assert send("203.0.113.9", "One.") == 201
        assert send("203.0.113.9", "Two.") == 429
        # A client cannot pick its address: the proxy appends the one it saw, and only
        # that last entry is believed.
        assert send("198.51.100.7, 203.0.113.9", "Three.") == 429
        assert send("2001:db8:1:2::5", "Four.") == 201
        assert send("2001:db8:1:2::6", "Five.") == 429  # the same /64
    ips = sorted(c.ip for c in all_comments(site))
    assert ips == ["2001:db8:1::/48", "203.0.113.0/24"]
