"""With every kind of mail in use, no address reaches output/ or the public feed, and
every page of the built site carries the "Follow by email" form (no JavaScript)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from generator.cli import main
from generator.core.config import load_config
from generator.core.models import CommentStatus
from generator.service.outbox import waiting
from tests.conftest import copy_sample_site
from tests.htmldom import parse_html
from tests.mail_support import MODERATOR, moderate
from tests.service_support import SITE_ORIGIN, ServiceServer, comment_fields, store_of
from tests.smtp_server import SmtpServer

READERS = ["ada.private@reader.example", "bob.private@reader.example"]


def email_settings(smtp: str) -> str:
    return (
        f'email:\n  from: "The Consulting Room <letters@consultingroom.example>"\n'
        f"  smtp: {smtp}\n  retry_after: 1\n  followers:\n    enabled: true\n"
    )


def build(site: Path) -> None:
    assert main(["build", "--site", str(site), "--jobs", "1"]) == 0


def test_no_address_under_output_or_in_the_feed(tmp_path: Path, smtp_server: SmtpServer) -> None:
    site = copy_sample_site(tmp_path / "site")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = text.replace("base_url: https://consultingroom.example", f"base_url: {SITE_ORIGIN}")
    (site / "site.yaml").write_text(text + email_settings(smtp_server.url), encoding="utf-8")
    build(site)
    config = load_config(site)
    pages = list((site / "output").rglob("*.html"))
    assert pages
    for page in pages:
        form = parse_html(page.read_text(encoding="utf-8")).find("form", class_="follow-form")
        assert form is not None, page
        assert form.get("action") == "/api/comments/follow"
    manifest = json.loads((site / ".salon" / "posts.json").read_text(encoding="utf-8"))
    some = next(iter(manifest["posts"].values()))
    assert some["date"] and some["excerpt"]
    key = next(iter(manifest["posts"]))
    with ServiceServer(config) as server:
        client = server.client()
        for reader in READERS:
            client.post_form({"email": reader}, path="/api/comments/follow")
            client.post_form(comment_fields(post=key, email=reader, notify="thread",
                                            body=f"A comment by {reader[:3]}."))  # fmt: skip
        with store_of(config) as store:
            ids = [c.id for c in store.list_comments(status=CommentStatus.PENDING)]
        moderate(server, ids, CommentStatus.APPROVED)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(smtp_server.messages) < 6:
            time.sleep(0.05)
        with store_of(config) as store:
            assert not [m for m in waiting(store.db) if m.last_error]
    assert len(smtp_server.messages) >= 6  # moderator x2, follow x2, reply opt-in x2
    build(site)
    published = [(site / "comments.json").read_text(encoding="utf-8")]
    published += [p.read_text(encoding="utf-8", errors="replace") for p in
                  (site / "output").rglob("*") if p.is_file()]  # fmt: skip
    for text in published:
        for address in [*READERS, MODERATOR]:
            assert address not in text
            assert address.split("@")[0] not in text
    assert "A comment by ada" in published[0]
