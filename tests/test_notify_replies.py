"""Commenters hear about replies: double opt-in only after approval, at most one
confirmation a day, never their own words, never another address, unsubscribe with
one click (RFC 8058) or through a confirm page; over a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from generator.core.config import SiteConfig
from generator.core.models import CommentStatus
from generator.service import actions
from generator.service import subscribers as subs
from tests.mail_support import MODERATOR, local, mail_site, service_links, text_of, to
from tests.service_support import ServiceServer, comment_fields, store_of
from tests.smtp_server import Received, SmtpServer

ADA = "ada@reader.example"
BOB = "bob@reader.example"
FAST = "service:\n  rate_per_minute: 100\n  rate_per_hour: 1000"


def ids(config: SiteConfig) -> set[str]:
    with store_of(config) as store:
        return {c.id for c in store.list_comments()}


def post(server: ServiceServer, **fields: str) -> str:
    """Send a comment through the form; its id."""
    before = ids(server.config)
    reply = server.client().post_form(comment_fields(**fields))
    assert reply.status == 303, reply.text
    (new,) = ids(server.config) - before
    return new


def moderate(server: ServiceServer, cid: str, status: CommentStatus) -> None:
    """As the CLI does it, on the service's clock."""
    clock = server.clock
    with actions.open_store(
        server.config, clock=lambda: datetime.fromtimestamp(clock(), UTC)
    ) as store:
        actions.set_status(server.config, store, [cid], status, "test")


def approve(server: ServiceServer, cid: str) -> None:
    moderate(server, cid, CommentStatus.APPROVED)


def wait_to(smtp: SmtpServer, address: str, count: int) -> list[Received]:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(to(smtp.messages, address)) < count:
        time.sleep(0.02)
    found = to(smtp.messages, address)
    assert len(found) >= count, f"{address}: {len(found)} of {count} messages"
    return found


def settle(seconds: float = 0.6) -> None:
    import time

    time.sleep(seconds)


def test_reply_notifications_end_to_end(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, comments=FAST)
    with ServiceServer(config) as server:
        client = server.client()
        ada_comment = post(server, email=ADA, notify="replies", body="Ada's first thought.")
        wait_to(smtp_server, MODERATOR, 1)
        settle()
        assert to(smtp_server.messages, ADA) == []  # nothing before a moderator vouched

        moderate(server, ada_comment, CommentStatus.APPROVED)
        (confirmation,) = wait_to(smtp_server, ADA, 1)
        message = confirmation.message
        assert message["List-Unsubscribe"].startswith("<https://essays.example/api/comments/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Hello, readers" in text_of(message)
        links = service_links(message)
        for link in links:  # a mail scanner: nothing changes
            assert client.get(link).status == 200
        with store_of(config) as store:
            found = subs.address(store.db, ADA)
            assert found is not None and found.confirmed is None
        confirm = next(link for link in links if link in text_of(message).split(
            "Never send")[0].replace("https://essays.example", ""))  # fmt: skip
        done = client.post_form({"t": confirm.split("t=", 1)[1]}, path="/api/comments/email")
        assert done.status == 200 and "replies" in done.text
        with store_of(config) as store:
            found = subs.address(store.db, ADA)
            assert found is not None and found.confirmed is not None

        # Bob replies; held, then approved: Ada hears of it, Bob (who did not ask) does not.
        bob_reply = post(server, email=BOB, parent=ada_comment, body="Bob answers Ada.")
        settle()
        assert len(to(smtp_server.messages, ADA)) == 1  # not before approval
        moderate(server, bob_reply, CommentStatus.APPROVED)
        notice = wait_to(smtp_server, ADA, 2)[-1].message
        assert "Bob answers Ada." in text_of(notice)
        assert BOB not in notice.as_string()
        assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        settle()
        assert to(smtp_server.messages, BOB) == []

        # Ada answers in her own thread: she is never told about her own words.
        moderate(
            server,
            post(server, email=ADA, parent=bob_reply, body="Ada again, to Bob."),
            CommentStatus.APPROVED,
        )
        settle()
        assert len(to(smtp_server.messages, ADA)) == 2

        # One-click unsubscribe, as a mail client does it (RFC 8058).
        url = notice["List-Unsubscribe"].strip("<>")
        one_click = client.request(
            "POST", local(url), "List-Unsubscribe=One-Click",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert one_click.status == 200
        moderate(
            server,
            post(server, email=BOB, parent=ada_comment, body="Bob, a second time."),
            CommentStatus.APPROVED,
        )
        settle()
        assert len(to(smtp_server.messages, ADA)) == 2


def test_one_confirmation_a_day_and_none_for_a_rejected_comment(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, comments=FAST)
    with ServiceServer(config) as server:
        # Someone types a stranger's address: the comment is rejected, nobody is mailed.
        moderate(
            server,
            post(server, email="stranger@elsewhere.example", notify="thread", body="Spite."),
            CommentStatus.REJECTED,
        )
        for number in range(3):
            moderate(
                server,
                post(server, email=ADA, notify="thread", body=f"Ada's comment number {number}."),
                CommentStatus.APPROVED,
            )
        settle(1.0)
        assert to(smtp_server.messages, "stranger@elsewhere.example") == []
        assert len(to(smtp_server.messages, ADA)) == 1
        server.clock.advance(86400 + 1)
        moderate(
            server,
            post(server, email=ADA, notify="replies", body="A day later, once more."),
            CommentStatus.APPROVED,
        )
        wait_to(smtp_server, ADA, 2)


def test_notify_needs_an_email_and_a_known_choice(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, comments=FAST)
    with ServiceServer(config) as server:
        client = server.client()
        reply = client.post_json({**comment_fields(email="", notify="replies")})
        assert reply.status == 400 and "email" in reply.json()["errors"]
        reply = client.post_json({**comment_fields(notify="everything")})
        assert reply.status == 400 and "notify" in reply.json()["errors"]
        page = client.post_form(comment_fields(email="", notify="thread"))
        assert page.status == 400
        assert 'value="thread" selected' in page.text  # the choice is kept for the retry


def test_a_subscription_counts_only_once_its_comment_is_published(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """A confirmed address asking again with a comment that is then rejected hears nothing
    of that essay's thread."""
    config = mail_site(tmp_path / "site", smtp_server.url, comments=FAST)
    with ServiceServer(config) as server:
        approve(server, post(server, email=ADA, notify="replies", body="Ada, on hello."))
        (confirmation,) = wait_to(smtp_server, ADA, 1)
        shown = text_of(confirmation.message).split("Never send")[0]
        link = next(u for u in service_links(confirmation.message)
                    if u in shown.replace("https://essays.example", ""))  # fmt: skip
        assert server.client().post_form({"t": link.split("t=", 1)[1]},
                                         path="/api/comments/email").status == 200  # fmt: skip
        held = post(server, post="second", email=ADA, notify="thread", body="Ada on second.")
        moderate(server, held, CommentStatus.REJECTED)
        approve(server, post(server, post="second", email=BOB, body="Bob on second."))
        settle(1.0)
        assert len(to(smtp_server.messages, ADA)) == 1
