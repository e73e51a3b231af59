"""One write path for moderation: the CLI refuses what /moderate refuses, with the same
words, and stores what /moderate stores; every time a change is stamped with comes from
the clock the store was given (the service's own, in tests a hand-moved one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.cli import main
from generator.core.config import SiteConfig, load_config
from generator.core.models import CommentStatus
from generator.service import actions
from tests.service_support import (
    START,
    Clock,
    Moderator,
    ServiceServer,
    comment_fields,
    make_site,
    set_password,
    store_of,
)

LONG_WITH_ESC = "x" * 20_004 + "\x1b"  # 20,005 characters; the form allows 10,000


def cli_edit(
    capsys: pytest.CaptureFixture[str], config: SiteConfig, cid: str, *argv: str
) -> tuple[int, str]:
    status = main(["comments", "edit", cid, *argv, "--site", str(config.root)])
    return status, capsys.readouterr().err


def web_problems(moderator: Moderator, cid: str, **fields: str) -> list[str]:
    form = {"name": "Ada Reader", "website": "", "body": "Fine.", "back": "pending", **fields}
    reply = moderator.post(f"/moderate/edit/{cid}", form)
    assert reply.status == 400, reply.text
    return [li.text for li in reply.html().one("div", class_="problem").find_all("li")]


Service = tuple[SiteConfig, ServiceServer, Moderator, str]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    config = make_site(tmp_path / "site")
    set_password(config)
    with ServiceServer(config) as server:
        client = server.client()
        reply = client.post_json(comment_fields(body="The original text."))
        assert reply.status == 201, reply.text
        moderator = Moderator(client)
        assert moderator.login().status == 303
        yield config, server, moderator, reply.json()["id"]


def test_the_cli_refuses_what_the_web_page_refuses_with_the_same_message(
    service: Service,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOGNAME", "tester")
    config, _server, moderator, cid = service
    cases = [
        ("body", "--body", LONG_WITH_ESC),
        ("name", "--name", "N" * 101),
        ("name", "--name", " \x1b\u202e "),  # nothing left once cleaned
        ("website", "--website", "javascript:alert(1)"),
        ("website", "--website", "https://" + "w" * 200 + ".example"),
    ]
    for field, option, value in cases:
        (message,) = web_problems(moderator, cid, **{field: value})
        assert cli_edit(capsys, config, cid, option, value) == (1, f"error: {option}: {message}\n")
    (message,) = web_problems(moderator, cid, body=LONG_WITH_ESC)
    assert message == "Your comment is too long: 20,004 characters; the limit is 10,000."
    with store_of(config) as store:
        assert store.get(cid).body == "The original text."
        assert [row[2] for row in store.audit_log(cid)] == ["create"]


def test_the_cli_stores_a_body_exactly_as_the_web_page_does(
    service: Service,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOGNAME", "tester")
    config, _server, moderator, cid = service
    typed = "\r\n  Red \x1b[31malert\x1b[0m here.\r\nSecond line.\u0007  \n\n"
    saved = moderator.post(f"/moderate/edit/{cid}",
                           {"name": " Ada \u202eReader ", "website": "ada.example",
                            "body": typed, "back": "pending"})  # fmt: skip
    assert saved.status == 303
    with store_of(config) as store:
        web = store.get(cid)
    assert (web.author, web.website, web.body) == (
        "Ada Reader", "https://ada.example", "Red [31malert[0m here.\nSecond line.")  # fmt: skip
    assert cli_edit(capsys, config, cid, "--body", "Something else.") == (0, "")
    status, _ = cli_edit(capsys, config, cid, "--body", typed, "--name", " Ada \u202eReader ",
                         "--website", "ada.example")  # fmt: skip
    assert status == 0
    with store_of(config) as store:
        cli = store.get(cid)
    assert (cli.author, cli.website, cli.body) == (web.author, web.website, web.body)


def test_the_service_stamps_moderation_with_its_own_clock(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    set_password(config)
    clock = Clock(START)
    with ServiceServer(config, clock) as server:
        client = server.client()
        cid = client.post_json(comment_fields()).json()["id"]
        moderator = Moderator(client)
        assert moderator.login().status == 303
        clock.advance(3600)
        assert moderator.act("approve", [cid]).status == 303
    moment = datetime.fromtimestamp(START + 3600, UTC)
    with store_of(config) as store:
        comment = store.get(cid)
        assert (comment.status, comment.moderated_at) == (CommentStatus.APPROVED, moment)
        created, approved = store.audit_log(cid)
    assert datetime.fromisoformat(created[0]) == datetime.fromtimestamp(START, UTC)
    assert (approved[1:3], datetime.fromisoformat(approved[0])) == (
        ("moderator (web)", "approved"), moment)  # fmt: skip


def test_actions_take_every_time_from_the_store_clock(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_site(root)
    (root / "site.yaml").write_text(
        (root / "site.yaml").read_text() + "author:\n  name: Tess Author\n", encoding="utf-8"
    )
    config = load_config(root)
    with ServiceServer(config) as server:  # a comment to answer, sent through the form
        cid = server.client().post_json(comment_fields()).json()["id"]
    moment = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    with actions.open_store(config, clock=lambda: moment) as store:
        (approved,) = actions.set_status(config, store, [cid], CommentStatus.APPROVED, "t").comments
        (answer,) = actions.reply(config, store, cid, "Thank you.", "t").comments
        stamps = [datetime.fromisoformat(at) for at, who, *_ in store.audit_log() if who == "t"]
    assert approved.moderated_at == moment
    assert (answer.created, answer.moderated_at) == (moment, moment)
    assert stamps == [moment, moment]
