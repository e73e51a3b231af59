"""Readers who follow the site get each new essay once: double opt-in at once,
rate-limited, essays learnt from the posts manifest, never an old or republished one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from generator.service.mail_status import mail_status
from generator.service.outbox import waiting
from tests.mail_support import mail_site, service_links, text_of, to
from tests.service_support import POSTS, SITE_ORIGIN, ServiceServer, store_of, write_manifest
from tests.smtp_server import SmtpServer

FOLLOWING = "followers:\n  enabled: true\n  per_minute: 120\n  per_network_per_hour: 4"
NEW = {"title": "A Third Essay", "url": "/2026/06/third/", "open": True,
       "date": "2026-06-01T09:00:00+00:00",
       "excerpt": "<p>The third one begins here.</p>"}  # fmt: skip
OLD = {"title": "From the Archive", "url": "/2019/01/archive/", "open": True,
       "date": "2019-01-01T09:00:00+00:00", "excerpt": "<p>Imported, long ago.</p>"}  # fmt: skip


def follow(server: ServiceServer, email: str) -> Any:
    return server.client().post_form({"email": email, "homepage": ""}, path="/api/comments/follow")


def followers(server: ServiceServer) -> tuple[int, int]:
    with store_of(server.config) as store:
        status = mail_status(server.config, store)
        assert status is not None
        return status.followers, status.pending_followers


def confirm(server: ServiceServer, smtp: SmtpServer, email: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not to(smtp.messages, email):
        time.sleep(0.02)
    (received,) = to(smtp.messages, email)
    message = received.message
    assert "Confirm" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client = server.client()
    before = followers(server)
    for link in service_links(message):  # a scanner's GETs change nothing
        assert client.get(link).status == 200
    assert followers(server) == before
    link = next(u for u in service_links(message) if u in text_of(message).replace(SITE_ORIGIN, ""))
    assert client.post_form({"t": link.split("t=", 1)[1]}, path="/api/comments/email").status == 200


def test_followers_get_each_new_essay_once(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, email=FOLLOWING)
    readers = ["una@reader.example", "vic@reader.example", "wen@reader.example"]
    with ServiceServer(config) as server:
        time.sleep(0.3)  # the first round records the essays already published
        for reader in readers:
            page = follow(server, reader)
            assert page.status == 200 and "Check your inbox" in page.text
            confirm(server, smtp_server, reader)
        assert followers(server) == (3, 0)

        write_manifest(config.root, {**POSTS, "third": NEW, "archive": OLD})
        server.clock.advance(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(smtp_server.messages) < 6:
            server.clock.advance(0.5)  # the followers' mail is paced by the service's clock
            time.sleep(0.2)
        essays = [m for m in smtp_server.messages if m.message["Subject"] == "A Third Essay"]
        assert sorted(r for m in essays for r in m.recipients) == sorted(readers)
        text = text_of(essays[0].message)
        assert "The third one begins here." in text
        assert "https://essays.example/2026/06/third/" in text
        assert essays[0].message["List-Unsubscribe"]
        assert not [m for m in smtp_server.messages if "Archive" in m.message["Subject"]]
        # paced: one every half second at 120 a minute. A message is marked sent (its
        # payload cleared) just after the SMTP server has it: wait for the store too.
        deadline = time.monotonic() + 10
        while True:
            with store_of(config) as store:
                dues = sorted(m.due for m in waiting(store.db, include_sent=True)
                              if m.payload == {} and m.seq > 3)  # fmt: skip
            if len(dues) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(dues) == 3 and dues[1] - dues[0] == 0.5

        # A rebuild, then the essay unpublished and published again: nothing is resent.
        write_manifest(config.root, {**POSTS, "third": NEW, "archive": OLD, "x": POSTS["hello"]})
        server.clock.advance(10)
        time.sleep(2.5)
        write_manifest(config.root, POSTS)
        server.clock.advance(10)
        time.sleep(2.5)
        write_manifest(config.root, {**POSTS, "third": NEW})
        server.clock.advance(10)
        time.sleep(2.5)
        assert len(smtp_server.messages) == 6


def test_follow_requests_are_rate_limited(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, email=FOLLOWING)
    with ServiceServer(config) as server:
        assert follow(server, "una@reader.example").status == 200
        assert follow(server, "una@reader.example").status == 200  # the same answer…
        time.sleep(0.8)
        assert len(smtp_server.messages) == 1  # …but no second mail within the day
        assert follow(server, "vic@reader.example").status == 200
        assert follow(server, "wen@reader.example").status == 200
        refused = follow(server, "xan@reader.example")
        assert refused.status == 429 and refused.headers["retry-after"]
        assert follow(server, "not an address").status == 400
        foreign = server.client().post_form(
            {"email": "yas@reader.example"}, path="/api/comments/follow",
            origin="https://elsewhere.example",
        )  # fmt: skip
        assert foreign.status == 403


def test_the_follow_form_is_off_unless_switched_on(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url)
    with ServiceServer(config) as server:
        assert follow(server, "una@reader.example").status == 404


def test_moderate_shows_counts_failures_and_the_next_due_essay_never_addresses(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    from tests.service_support import Moderator, set_password

    config = mail_site(tmp_path / "site", smtp_server.url, email=FOLLOWING)
    set_password(config)
    later = {**NEW, "date": "2026-07-01T09:00:00+00:00"}
    path = config.root / ".salon" / "posts.json"
    data = {"version": 1, "posts": POSTS, "next_due": later["date"]}
    import json

    path.write_text(json.dumps(data), encoding="utf-8")
    smtp_server.handler.refuse = True
    with ServiceServer(config) as server:
        follow(server, "una@reader.example")
        deadline = time.monotonic() + 10
        with store_of(config) as store:
            while time.monotonic() < deadline and not any(m.attempts for m in waiting(store.db)):
                time.sleep(0.05)
        moderator = Moderator(server.client())
        assert moderator.login().status == 303
        page = moderator.page("/moderate").text
        assert "Followers: 0" in page and "confirmations pending: 1" in page
        assert "waiting to be tried again: 451" in page
        assert "2026-07-01T09:00:00+00:00" in page
        assert "una@reader.example" not in page
        health = server.client().get("/health").json()
        assert health["next_essay_due"] == "2026-07-01T09:00:00+00:00"
