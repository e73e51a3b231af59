"""Every kind of email Salon sends, produced by the real flows on a copy of the sample
site (a real SMTP server on loopback catches them): for the screenshots in
docs/notifications.md and for the browser test that renders each HTML part."""

from __future__ import annotations

import datetime as dt
import json
import time
from email.message import EmailMessage
from pathlib import Path

from generator.cli import main as salon
from generator.core.config import load_config
from generator.core.models import CommentStatus
from generator.service import outbox
from generator.service.actions import open_store
from generator.service.mail_compose import Composer
from generator.service.notify import Notifier
from tests.conftest import copy_sample_site
from tests.mail_support import moderate, parsed, service_links, text_of, to
from tests.service_support import ServiceServer, comment_fields
from tests.smtp_server import SmtpServer

ORIGIN = "https://consultingroom.example"
ADA = "ada.lindqvist@reader.example"
BOB = "bo.marsh@reader.example"
UNA = "una.quill@reader.example"
KINDS = ("moderator_held", "moderator_digest", "confirm_replies", "reply", "confirm_follow",
         "new_essay")  # fmt: skip


def _wait(smtp: SmtpServer, address: str, count: int) -> EmailMessage:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(to(smtp.messages, address)) < count:
        time.sleep(0.02)
    found = to(smtp.messages, address)
    assert len(found) >= count, f"{address}: {len(found)} of {count}"
    return found[count - 1].message


def _post(server: ServiceServer, **fields: str) -> str:
    before = {c.id for c in open_store(server.config).list_comments()}
    reply = server.client().post_form(comment_fields(**fields), origin=ORIGIN)
    assert reply.status == 303, reply.text
    (new,) = {c.id for c in open_store(server.config).list_comments()} - before
    return new


def _confirm(server: ServiceServer, message: EmailMessage) -> None:
    link = next(u for u in service_links(message) if "/email?" in u and u in text_of(message)
                .split("Never send")[0].replace(ORIGIN, ""))  # fmt: skip
    reply = server.client().post_form({"t": link.split("t=", 1)[1]}, "/api/comments/email",
                                      origin=ORIGIN)  # fmt: skip
    assert reply.status == 200, reply.text


def collect(folder: Path) -> dict[str, EmailMessage]:
    """One message of each kind, by template name."""
    site = copy_sample_site(folder / "site")
    with (site / "site.yaml").open("a", encoding="utf-8") as settings:
        settings.write("  service:\n    rate_per_minute: 1000\n    rate_per_hour: 10000\n")
    smtp = SmtpServer()
    smtp.start()
    try:
        with (site / "site.yaml").open("a", encoding="utf-8") as settings:
            settings.write(f'email:\n  from: "The Consulting Room <letters@consultingroom.example>"'
                           f"\n  smtp: {smtp.url}\n  retry_after: 1\n"
                           "  followers:\n    enabled: true\n")  # fmt: skip
        assert salon(["build", "--site", str(site), "--jobs", "1"]) == 0
        config = load_config(site)
        manifest_path = site / ".salon" / "posts.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        key = (
            "the-alliance" if "the-alliance" in manifest["posts"] else next(iter(manifest["posts"]))
        )
        found: dict[str, EmailMessage] = {}
        with ServiceServer(config) as server:
            time.sleep(0.3)  # the first round records the published essays
            words = ("The line about repair after a rupture stayed with me all week. Is it "
                     "the rupture itself that helps, or being seen mending it?")  # fmt: skip
            ada = _post(server, post=key, name="Ada Lindqvist", email=ADA, notify="replies",
                        website="https://ada.example", body=words)  # fmt: skip
            found["moderator_held"] = _wait(smtp, config.email.moderator, 1)
            moderate(server, [ada], CommentStatus.APPROVED)
            found["confirm_replies"] = _wait(smtp, ADA, 1)
            _confirm(server, found["confirm_replies"])
            bob = _post(
                server,
                post=key,
                name="Bo Marsh",
                email=BOB,
                parent=ada,
                body="Being seen mending it, I think. The repair is the evidence.",
            )
            moderate(server, [bob], CommentStatus.APPROVED)
            found["reply"] = _wait(smtp, ADA, 2)
            reply = server.client().post_form({"email": UNA}, "/api/comments/follow", origin=ORIGIN)
            assert reply.status == 200, reply.text
            found["confirm_follow"] = _wait(smtp, UNA, 1)
            _confirm(server, found["confirm_follow"])
            manifest["posts"]["on-beginnings"] = {
                "title": "On Beginnings", "url": "/2026/11/on-beginnings/", "open": True,
                "date": dt.datetime.fromtimestamp(server.clock() + 3600, dt.UTC).isoformat(),
                "excerpt": "<p>The first session is not a beginning so much as a meeting of two "
                           "middles: the client's story is already long, and mine is, too.</p>",
            }  # fmt: skip
            manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
            server.clock.advance(7200)
            found["new_essay"] = _wait(smtp, UNA, 2)
        # The digest: the same held comment, as the hourly digest shows it.
        with open_store(config) as store, store.transaction() as db:
            notifier = Notifier.of(config, store.secret())
            comments = [notifier.comment_data(db, store.get(ada), None),
                        notifier.comment_data(db, store.get(bob), None)]  # fmt: skip
            notifier.digest(db, comments, "sample", time.time())
            (queued,) = [m for m in outbox.waiting(db) if m.payload.get("template") ==
                         "moderator_digest"]  # fmt: skip
        found["moderator_digest"] = parsed(
            Composer(config).compose(
                queued.payload, config.email.moderator, queued.message_id, time.time()
            )
        )
        return found
    finally:
        smtp.stop()
