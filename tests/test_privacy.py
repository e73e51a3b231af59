"""No email address, IP or user agent from the store reaches output/ or the public feed."""

from __future__ import annotations

import hashlib
import html
import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.cli import main
from generator.core.config import load_config
from generator.core.models import CommentStatus, StoredComment
from generator.service.actions import open_store

from .conftest import copy_sample_site

T0 = datetime(2026, 10, 23, 9, 0, tzinfo=UTC)
READERS = [
    # (id, status, email, ip as stored, user agent)
    ("pub001", CommentStatus.APPROVED, "Alice.Private@Mail.Example", "203.0.113.0/24",
     "SecretBrowser/1.0 (ua-marker-one)"),
    ("pub002", CommentStatus.APPROVED, "bob+essays@private-domain.example",
     "2001:db8:85a3::/48", "SecretBrowser/2.0 (ua-marker-two)"),
    ("pub003", CommentStatus.APPROVED, "carol@mail.example", "198.51.100.0/24",
     "SecretBrowser/3.0 (ua-marker-three)"),
    ("hid001", CommentStatus.PENDING, "dave@mail.example", "192.0.2.0/24", "ua-marker-four"),
    ("hid002", CommentStatus.REJECTED, "erin@mail.example", "100.64.1.0/24", "ua-marker-five"),
    ("hid003", CommentStatus.SPAM, "frank@spam.example", "100.64.2.0/24", "ua-marker-six"),
]  # fmt: skip
SITE_AUTHOR_EMAIL = "maren@consultingroom.example"  # in the sample's site.yaml, private


def variants(secret: str) -> set[str]:
    """The secret as it could appear once escaped or encoded, all lower case."""
    lowered = secret.lower()
    return {
        lowered,
        urllib.parse.quote(lowered, safe=""),
        urllib.parse.quote(lowered),
        html.escape(lowered),
        lowered.replace("@", "&#64;"),
        lowered.replace("@", "&#x40;"),
        json.dumps(lowered)[1:-1],
        lowered.replace("@", "\\u0040"),
    }


def searchable(data: bytes) -> str:
    """A file's text, also decoded from entities and percent-escapes, lower case."""
    text = data.decode("utf-8", errors="replace")
    return "\n".join((text, html.unescape(text), urllib.parse.unquote(text))).lower()


@pytest.fixture
def published_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOGNAME", "tester")
    site = copy_sample_site(tmp_path / "site")
    config = load_config(site)
    with open_store(config) as store:
        for n, (cid, status, email, ip, agent) in enumerate(READERS):
            store.add(
                StoredComment(
                    id=cid, post="the-alliance", parent="81be44c2d930" if n == 1 else None,
                    author=f"Reader {cid}", email=email, website="", ip=ip, user_agent=agent,
                    body=f"Body of {cid}: " + ("published" if status is CommentStatus.APPROVED
                                               else "never-published-marker"),
                    created=T0 + timedelta(minutes=n), status=CommentStatus.PENDING,
                )
            )  # fmt: skip
        for cid, status, *_ in READERS:
            if status is not CommentStatus.PENDING:
                store.set_status([cid], status, "cli:tester")
    site_arg = ["--site", str(site)]
    assert main(["comments", "export", *site_arg]) == 0
    assert main(["comments", "reply", "pub001", "--body", "Thanks, Alice.", *site_arg]) == 0
    assert main(["comments", "edit", "pub003", "--body", "Edited by the moderator.",
                 *site_arg]) == 0  # fmt: skip
    assert main(["build", *site_arg]) == 0
    return site


def test_no_private_data_in_output_or_feed(published_site: Path) -> None:
    output = published_site / "output"
    files = [p for p in output.rglob("*") if p.is_file()] + [published_site / "comments.json"]
    assert len(files) > 30

    secrets: dict[str, set[str]] = {}
    for _cid, _status, email, ip, agent in READERS:
        secrets[email] = variants(email)
        network = ip.split("/")[0]
        secrets[ip] = variants(ip) | {network.lower()}
        secrets[agent] = variants(agent)
        # No unkeyed hash of the email either (what a Gravatar URL would carry).
        for digest in (hashlib.md5, hashlib.sha256):
            secrets[f"{digest.__name__}({email})"] = {
                digest(email.strip().lower().encode()).hexdigest()
            }
    secrets[SITE_AUTHOR_EMAIL] = variants(SITE_AUTHOR_EMAIL)

    leaks = []
    for path in files:
        text = searchable(path.read_bytes())
        for secret, forms in secrets.items():
            if any(form in text for form in forms):
                leaks.append(f"{path.relative_to(published_site)}: {secret}")
        if "never-published-marker" in text:
            leaks.append(f"{path.relative_to(published_site)}: an unapproved comment's text")
    assert leaks == []


def test_the_public_feed_holds_public_fields_of_approved_comments_only(
    published_site: Path,
) -> None:
    feed = json.loads((published_site / "comments.json").read_text(encoding="utf-8"))
    ids = {item["id"] for item in feed["comments"]}
    assert {"pub001", "pub002", "pub003"} <= ids
    assert not ids & {"hid001", "hid002", "hid003"}
    allowed = {"id", "post", "parent", "author", "website", "body", "created", "by_author",
               "avatar", "removed"}  # fmt: skip
    for item in feed["comments"]:
        assert set(item) <= allowed, item["id"]


def test_the_published_page_shows_the_approved_comments(published_site: Path) -> None:
    """The scan above would pass on an empty site; make sure the comments are there."""
    page = (published_site / "output/2026/10/the-alliance/index.html").read_text()
    for text in ("Body of pub001: published", "Body of pub002: published",
                 "Edited by the moderator.", "Thanks, Alice."):  # fmt: skip
        assert text in page
    assert "12 thoughts on" in page
