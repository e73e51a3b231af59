"""The moderator is told: a mail per held comment with one-time links that act only on
POST, digests, the webhook; over a real SMTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from generator.core.models import CommentStatus
from tests.mail_support import (
    MODERATOR,
    local,
    mail_site,
    payload,
    service_links,
    text_of,
    to,
    webhook_receiver,
)
from tests.service_support import ServiceServer, comment_fields, store_of
from tests.smtp_server import SmtpServer


def test_a_held_comment_mails_the_moderator_with_links_that_only_act_on_post(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url)
    with ServiceServer(config) as server:
        client = server.client()
        reply = client.post_form(comment_fields(body="Held, since it has no form token."))
        assert reply.status == 303
        (received,) = smtp_server.wait_for(1)
        message = received.message
        assert received.recipients == [MODERATOR]
        assert message["Subject"].startswith("[The Consulting Room] Held for moderation")
        assert message["Message-ID"].endswith("@consultingroom.example>")
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Date"]
        text = text_of(message)
        assert "Held, since it has no form token." in text
        assert "Hello, readers" in text and "Ada Reader" in text
        assert "ada@reader.example" not in message.as_string()
        links = service_links(message)
        assert len(links) == 3
        # A mail scanner follows every link: nothing changes.
        for link in links:
            page = client.get(link)
            assert page.status == 200, page.text
            assert "<form" in page.text
        with store_of(config) as store:
            (comment,) = store.list_comments()
            assert comment.status is CommentStatus.PENDING
        approve = next(link for link in links if link in text_of(message).replace(
            "https://essays.example", ""))  # fmt: skip
        token = approve.split("t=", 1)[1]
        done = client.post_form({"t": token}, path="/moderate/mail")
        assert done.status == 200, done.text
        with store_of(config) as store:
            assert store.get(comment.id).status is CommentStatus.APPROVED
            assert store.audit_log(comment.id)[-1][1] == "moderator (email link)"
        again = client.post_form({"t": token}, path="/moderate/mail")
        assert again.status == 409
        forged = client.post_form({"t": token[:-2] + "xx"}, path="/moderate/mail")
        assert forged.status == 400


def test_an_expired_link_acts_no_more(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, email="link_days: 1")
    with ServiceServer(config) as server:
        client = server.client()
        client.post_form(comment_fields())
        (received,) = smtp_server.wait_for(1)
        server.clock.advance(2 * 86400)
        reject = next(link for link in service_links(received.message) if link)
        reply = client.post_form({"t": reject.split("t=", 1)[1]}, path="/moderate/mail")
        assert reply.status == 410
        with store_of(config) as store:
            assert store.list_comments()[0].status is CommentStatus.PENDING


def test_digest_instead_of_one_mail_each(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, email="moderator_mail: hourly")
    with ServiceServer(config) as server:
        client = server.client()
        client.get("/health")  # the first round starts the first period
        import time

        time.sleep(0.3)
        client.post_form(comment_fields(body="The first of two."))
        client.post_form(comment_fields(body="The second of two."))
        time.sleep(0.5)
        assert smtp_server.messages == []
        server.clock.advance(3601)
        (received,) = smtp_server.wait_for(1, timeout=10)
        text = text_of(received.message)
        assert "2 comments held" in received.message["Subject"]
        assert "The first of two." in text and "The second of two." in text


def test_webhook_gets_signed_json_and_is_retried(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALON_WEBHOOK_SECRET", "s3cret")
    with webhook_receiver() as hook:
        hook.status = 503  # down at first
        config = mail_site(tmp_path / "site", smtp_server.url, email=f"webhook: {hook.url}")
        with ServiceServer(config) as server:
            client = server.client()
            client.post_form(comment_fields(body="Tell the chat."))
            smtp_server.wait_for(1)
            import time

            time.sleep(0.5)
            with store_of(config) as store:
                from generator.service.outbox import waiting

                (queued,) = [m for m in waiting(store.db) if m.kind.value == "webhook"]
                assert queued.attempts >= 1 and "503" in queued.last_error
            hook.status = 200
            server.clock.advance(5)
            ((headers, body),) = hook.wait_for(1)
        document = payload(body)
        assert document["event"] == "comment.held"
        assert document["comment"]["body"] == "Tell the chat."
        assert "ada@reader.example" not in body.decode()
        signed = hmac.new(b"s3cret", headers["x-salon-timestamp"].encode() + b"." + body,
                          hashlib.sha256).hexdigest()  # fmt: skip
        assert headers["x-salon-signature"] == "sha256=" + signed
    assert to(smtp_server.messages, MODERATOR)
    assert local("https://x.example/a?b=1") == "/a?b=1"
