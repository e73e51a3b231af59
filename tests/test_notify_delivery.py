"""Delivery that loses nothing: an SMTP outage, kill -9 with mail queued, the one
window for a duplicate (same Message-ID), two senders never sending one message,
STARTTLS with a certificate made here, the password never shown."""

from __future__ import annotations

import logging
import signal
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from generator.service import outbox
from generator.service.outbox_worker import Sender
from generator.service.store import CommentStore
from tests.mail_support import MODERATOR, mail_site, start_process, tls_files, to
from tests.service_support import Client, ServiceServer, comment_fields, store_of
from tests.smtp_server import SmtpServer

FAST = "service:\n  rate_per_minute: 100\n  rate_per_hour: 1000"


def queued(config: Any) -> list[outbox.Message]:
    with store_of(config) as store:
        return outbox.waiting(store.db)


def test_an_outage_delays_but_loses_nothing(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, comments=FAST)
    smtp_server.stop()
    with ServiceServer(config) as server:
        client = server.client()
        for number in range(3):
            client.post_form(comment_fields(body=f"Written during the outage, {number}."))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(m.attempts for m in queued(config)):
            time.sleep(0.05)
        waiting = queued(config)
        assert len(waiting) == 3 and all("refused" in m.last_error for m in waiting)
        assert all(m.due - server.clock() <= 60 for m in waiting)  # retried within a minute
        smtp_server.start()
        server.clock.advance(2)
        got = smtp_server.wait_for(3)
        time.sleep(0.5)
        assert len(smtp_server.messages) == 3
        assert len({m.message["Message-ID"] for m in got}) == 3
        assert queued(config) == []


def test_killed_with_mail_queued_it_is_sent_after_the_restart_once(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = mail_site(tmp_path / "site", smtp_server.url, comments=FAST)
    smtp_server.handler.refuse = True  # up, but answering 451: the mail stays queued
    first = start_process(config, tmp_path / "service.log")
    try:
        client = Client(first.port)
        for number in range(5):
            assert client.post_form(comment_fields(body=f"Queued, {number}.")).status == 303
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(m.attempts for m in queued(config)):
            time.sleep(0.05)
        assert len(queued(config)) == 5
    finally:
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    smtp_server.handler.refuse = False
    second = start_process(config, tmp_path / "service.log")
    try:
        # A message refused once waits its backoff (30 s) after the restart too: allow for it.
        got = smtp_server.wait_for(5, timeout=75)
        time.sleep(2.5)  # another round or two: nothing more comes
        assert len(smtp_server.messages) == 5
        assert len({m.message["Message-ID"] for m in got}) == 5
        assert queued(config) == []
        assert MODERATOR not in second.log() and "reader.example" not in second.log()
    finally:
        second.process.send_signal(signal.SIGTERM)
        second.process.wait(timeout=30)


def test_the_one_duplicate_window_resends_with_the_same_message_id(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepted by the server, then killed before "sent" was committed: after the lease
    the message goes again, with the Message-ID the receiver can drop it by."""
    config = mail_site(tmp_path / "site", smtp_server.url, comments=FAST)
    now = [1000.0]
    with store_of(config) as store:
        with store.transaction() as db:
            outbox.queue(db, "held:x", outbox.Kind.EMAIL, MODERATOR, {"template": "confirm_follow",
                         "subject": "s", "context": {"confirm": "u", "days": 7}}, now[0],
                         "consultingroom.example")  # fmt: skip
        sender = Sender(config, store, lambda: now[0], lease=30)
        real = outbox.mark_sent

        def killed(*args: object) -> None:
            raise KeyboardInterrupt  # the process dies between acceptance and commit

        monkeypatch.setattr(outbox, "mark_sent", killed)
        with pytest.raises(KeyboardInterrupt):
            sender.round()
        monkeypatch.setattr(outbox, "mark_sent", real)
        assert len(smtp_server.wait_for(1)) == 1
        other = Sender(config, store, lambda: now[0], lease=30)
        assert other.round() == 0  # the lease holds: nobody sends it meanwhile
        now[0] += 31
        assert other.round() == 1
        assert other.round() == 0
    first, second = smtp_server.wait_for(2)
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_two_senders_never_claim_the_same_message(store_location: Path | str) -> None:
    with CommentStore.open(store_location) as store, store.transaction() as db:
        for number in range(300):
            outbox.queue(db, f"e{number}", outbox.Kind.EMAIL, f"r{number}@x.example", {}, 0.0,
                         "x.example")  # fmt: skip
    claimed: list[list[int]] = [[], [], []]
    together = threading.Barrier(3)

    def drain(slot: int) -> None:
        with CommentStore.open(store_location) as mine:
            together.wait()
            while batch := outbox.claim(mine.db, 1.0, 7):
                claimed[slot] += [m.seq for m in batch]
                for m in batch:
                    outbox.mark_sent(mine.db, m.seq, 1.0)
                time.sleep(0.002)  # as sending would: the others get their turn

    threads = [threading.Thread(target=drain, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [seq for batch in claimed for seq in batch]
    assert sorted(every) == sorted(set(every)) and len(every) == 300
    assert sum(1 for c in claimed if c) >= 2  # they did share the work


class Accounts:
    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:  # fmt: skip
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            ok = auth_data.login == b"letters" and auth_data.password == b"pa55word"
            return AuthResult(success=ok)
        return AuthResult(success=False)


def test_starttls_with_a_trusted_ca_file_and_a_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SALON_SMTP_PASSWORD", "pa55word")
    caplog.set_level(logging.DEBUG)
    with tls_files(tmp_path) as (cert, key):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        accounts = Accounts()
        server = SmtpServer(tls_context=context, require_starttls=True, authenticator=accounts,
                            auth_require_tls=True)  # fmt: skip
        server.start()
        try:
            url = f"smtp://letters@127.0.0.1:{server.port}"
            config = mail_site(tmp_path / "site", url, email=f"ca_file: {cert}", comments=FAST)
            with ServiceServer(config) as service:
                service.client().post_form(comment_fields(body="Over TLS, signed in."))
                (received,) = server.wait_for(1)
                assert to([received], MODERATOR)
                assert accounts.logins == [(b"letters", b"pa55word")]
            # The system's CAs do not know the certificate made here: refused, and said so.
            other = mail_site(tmp_path / "other", url, comments=FAST)
            with ServiceServer(other) as service:
                service.client().post_form(comment_fields(body="Not trusted."))
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not any(m.attempts for m in queued(other)):
                    time.sleep(0.05)
                (failing,) = queued(other)
                assert "certificate" in failing.last_error
            assert len(server.messages) == 1
        finally:
            server.stop()
    assert "pa55word" not in caplog.text


def test_no_password_over_a_server_without_starttls(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALON_SMTP_PASSWORD", "pa55word")
    url = f"smtp://letters@127.0.0.1:{smtp_server.port}"
    config = mail_site(tmp_path / "site", url, comments=FAST)
    with ServiceServer(config) as service:
        service.client().post_form(comment_fields(body="Would leak the password."))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(m.attempts for m in queued(config)):
            time.sleep(0.05)
        (failing,) = queued(config)
        assert "STARTTLS" in failing.last_error and "pa55word" not in failing.last_error
    assert smtp_server.messages == []
