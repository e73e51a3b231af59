"""`salon comments outbox`, `salon comments forget EMAIL`, `salon comments delete` (the
address goes everywhere), `salon followers list|export|remove`."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.core.config import SiteConfig
from generator.core.models import CommentStatus, StoredComment
from generator.service import outbox
from generator.service import subscribers as subs
from generator.service.actions import open_store
from tests.mail_support import mail_site
from tests.service_support import START

ADA = "ada@reader.example"


def run(capsys: pytest.CaptureFixture[str], config: SiteConfig, *argv: str) -> tuple[int, str]:
    status = main([*argv, "--site", str(config.root)])
    out, err = capsys.readouterr()
    return status, out + err


def seeded(tmp_path: Path) -> SiteConfig:
    """A store with Ada's comment, her subscription, her following and mail queued to her."""
    from datetime import UTC, datetime

    config = mail_site(tmp_path / "site", "smtp://127.0.0.1:9")
    with open_store(config) as store, store.transaction() as db:
        store.add(StoredComment(id="c1", post="hello", parent=None, author="Ada", email=ADA,
                                website="", body="Ada's words stay.", status=CommentStatus.APPROVED,
                                created=datetime(2026, 1, 1, tzinfo=UTC)))  # fmt: skip
        subs.subscribe(db, ADA, "hello", "c1", subs.Scope.THREAD, START)
        subs.follow(db, ADA, START)
        subs.confirm_follower(db, ADA, START)
        subs.follow(db, "una@reader.example", START)
        outbox.queue(db, "reply:c9", outbox.Kind.EMAIL, ADA, {"template": "reply"}, START,
                     "consultingroom.example")  # fmt: skip
        outbox.queue(db, "held:c1", outbox.Kind.EMAIL, "maren@consultingroom.example",
                     {"template": "moderator_held"}, START, "consultingroom.example")  # fmt: skip
        (message,) = [m for m in outbox.claim(db, START, 10) if m.recipient == ADA]
        outbox.mark_failed(db, message, "550 5.1.1 <ada@reader.example>: no such user", START,
                           30, permanent=True)  # fmt: skip
    return config


def test_outbox_lists_what_waits_and_why_without_addresses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seeded(tmp_path)
    status, out = run(capsys, config, "comments", "outbox")
    assert status == 0
    assert "1 sending" in out and "1 failed" in out and "reply" in out
    assert "no such user" in out
    status, out = run(capsys, config, "comments", "outbox", "--retry")
    assert status == 0 and "1 failed message(s) queued again" in out
    status, out = run(capsys, config, "comments", "outbox", "--addresses")
    assert ADA in out


def test_forget_erases_the_address_everywhere_but_keeps_the_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seeded(tmp_path)
    status, out = run(capsys, config, "comments", "forget", "Ada@Reader.example")
    assert status == 0 and "1 comment(s)" in out
    with open_store(config) as store:
        comment = store.get("c1")
        assert comment.email == "" and comment.body == "Ada's words stay."
        assert subs.address(store.db, ADA) is None
        assert not subs.reply_subscribers(store.db, "hello", None)
        assert [e for e, _, _ in subs.followers(store.db)] == ["una@reader.example"]
        assert all(m.recipient != ADA for m in outbox.waiting(store.db, include_sent=True))
        audit = store.audit_log()
        assert audit[-1][2] == "forget" and ADA not in repr(audit)
    assert run(capsys, config, "comments", "forget", "not-an-address")[0] == 1


def test_delete_erases_its_author_s_address_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seeded(tmp_path)
    assert run(capsys, config, "comments", "delete", "c1")[0] == 0
    with open_store(config) as store:
        assert subs.address(store.db, ADA) is None
        assert all(m.recipient != ADA for m in outbox.waiting(store.db, include_sent=True))


def test_followers_list_export_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = seeded(tmp_path)
    status, out = run(capsys, config, "followers", "list")
    assert status == 0 and ADA in out and "una@reader.example" in out
    assert "1 follower(s), 1 confirmation(s) pending" in out
    status, out = run(capsys, config, "followers", "export")
    assert out.splitlines()[0] == "email,asked,confirmed" and ADA in out
    assert "una@reader.example" not in out
    status, out = run(capsys, config, "followers", "remove", ADA, "nobody@x.example")
    assert status == 1 and "Removed 1 follower(s); 1 not found" in out
    with open_store(config) as store:
        assert subs.confirmed_followers(store.db) == []
