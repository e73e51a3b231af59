"""The small pure parts of notifications: ids, backoff, sealed links, the manifest's
fields for followers, composing a message from the theme."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from generator.build.service_manifest import next_scheduled
from generator.contract.posts_manifest import (
    PostInfo,
    SiteLook,
    parse_manifest,
    parse_next_due,
    serialise_manifest,
)
from generator.core.models import Document, Kind
from generator.service.mail_compose import Composer
from generator.service.mail_links import Act, reader_token, seal, unseal
from generator.service.outbox import message_id, retry_delay
from generator.service.outbox_worker import scrub
from tests.mail_support import mail_site, parsed

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def doc(key: str, date: datetime, draft: bool = False) -> Document:
    return Document(kind=Kind.POST, source=f"{key}.md", key=key, title=key, slug=key,
                    url=f"/{key}/", body="", body_line=1, date=date, draft=draft)  # fmt: skip


def test_the_next_scheduled_essay() -> None:
    docs = [doc("past", datetime(2026, 1, 1, tzinfo=UTC)),
            doc("later", datetime(2026, 9, 1, tzinfo=UTC)),
            doc("soon", datetime(2026, 7, 1, tzinfo=UTC)),
            doc("draft", datetime(2026, 6, 2, tzinfo=UTC), draft=True)]  # fmt: skip
    assert next_scheduled(docs, NOW) == "2026-07-01T00:00:00+00:00"
    assert next_scheduled(docs[:1], NOW) == ""


def test_the_manifest_carries_what_followers_get_and_older_ones_still_read() -> None:
    text = serialise_manifest(
        [PostInfo("a", "A", "/a/", True, "2026-06-01T00:00:00+00:00", "<p>x</p>")],
        SiteLook(), "2026-07-01T00:00:00+00:00",
    ).decode()  # fmt: skip
    (post,) = parse_manifest(text).values()
    assert (post.date, post.excerpt, post.html) == ("2026-06-01T00:00:00+00:00", "<p>x</p>", "")
    assert parse_next_due(text) == "2026-07-01T00:00:00+00:00"
    old = '{"version": 1, "posts": {"a": {"title": "A", "url": "/a/", "open": true}}}'
    assert parse_manifest(old)["a"].date == "" and parse_next_due(old) == ""


def test_message_ids_are_stable_per_event_and_recipient() -> None:
    one = message_id("reply:c1", "Ada@X.example", "site.example")
    assert one == message_id("reply:c1", "ada@x.example", "site.example")
    assert one != message_id("reply:c1", "bob@x.example", "site.example")
    assert one != message_id("reply:c2", "ada@x.example", "site.example")
    assert one.startswith("<") and one.endswith("@site.example>")


def test_the_first_retry_is_within_a_minute_then_doubles() -> None:
    assert [retry_delay(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(40, 30) == 4 * 3600


def test_sealed_links_refuse_any_change() -> None:
    key = b"k" * 32
    token = reader_token(key, Act.STOP_ALL, "opaque-key")
    assert unseal(key, token) == {"a": "stop-all", "k": "opaque-key"}
    body, signature = token.split(".")
    assert unseal(key, body + "." + signature[:-1] + ("A" if signature[-1] != "A" else "B")) is None
    assert unseal(b"other" * 8, token) is None
    assert unseal(key, seal(key, {"a": "approve"})[1:]) is None
    assert unseal(key, "garbage") is None and unseal(key, "") is None
    assert "@" not in token  # links end up in logs: never an address


def test_addresses_are_scrubbed_from_server_answers() -> None:
    assert scrub("550 5.1.1 <ada@x.example>: no such user") == "550 5.1.1 <<address>>: no such user"


def test_templates_are_the_theme_s_and_a_site_may_override_them(tmp_path: Path) -> None:
    config = mail_site(tmp_path / "site", "smtp://127.0.0.1:9")
    payload = {"template": "confirm_follow", "subject": "Confirm?", "unsubscribe": "https://u.example/x",
               "context": {"confirm": "https://c.example/y", "days": 7}}  # fmt: skip
    message = parsed(
        Composer(config).compose(payload, "una@reader.example", "<m@x>", NOW.timestamp())
    )
    assert message["List-Unsubscribe"] == "<https://u.example/x>"
    assert message["Content-Language"] == "en"
    assert message.get_body(("html",)) is not None
    assert message["Subject"] == "Confirm?" and message["From"].addresses[0].username == "letters"
    override = config.root / "templates" / "email"
    override.mkdir(parents=True)
    (override / "confirm_follow.txt").write_text("Ours: {{ confirm }}\n", encoding="utf-8")
    (override / "confirm_follow.html").write_text("<p>Ours</p>\n", encoding="utf-8")
    message = parsed(
        Composer(config).compose(payload, "una@reader.example", "<m@x>", NOW.timestamp())
    )
    part = message.get_body(("plain",))
    assert part is not None and part.get_content() == "Ours: https://c.example/y\n"  # type: ignore[attr-defined]
