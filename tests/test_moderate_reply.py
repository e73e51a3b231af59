"""/moderate: replying from the page, the comment's link on its essay, and its body shown
rendered (safely, as on the site) with its source behind a toggle."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.core.config import SiteConfig, load_config
from generator.core.models import CommentStatus
from tests.service_support import (
    Client,
    Moderator,
    ServiceServer,
    comment_fields,
    make_site,
    set_password,
    store_of,
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SiteConfig, Client, Moderator]]:
    config = make_site(tmp_path / "site", service="rate_per_minute: 1000\nrate_per_hour: 1000")
    site_yaml = config.root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "author:\n  name: Tess Author\n")
    config = load_config(config.root)
    set_password(config)
    with ServiceServer(config) as server:
        client = server.client()
        moderator = Moderator(client)
        assert moderator.login().status == 303
        yield config, client, moderator


def submit(client: Client, body: str) -> str:
    reply = client.post_json(comment_fields(body=body))
    assert reply.status == 201, reply.text
    comment_id: str = reply.json()["id"]
    return comment_id


def test_bodies_are_rendered_safely_with_the_source_behind_a_toggle(
    served: tuple[SiteConfig, Client, Moderator],
) -> None:
    _config, client, moderator = served
    submit(client, "Some *emphasis*, a [link](https://ok.example/) and <b>raw</b> tags.")
    doc = moderator.page("/moderate").html()
    rendered = doc.one("div", class_="rendered")
    assert rendered.one("em").text == "emphasis"
    link = rendered.one("a")
    assert (link.get("href"), link.get("rel")) == ("https://ok.example/", "nofollow ugc noopener")
    assert rendered.find("b") is None and "<b>raw</b>" in rendered.text  # shown as text
    source = doc.one("details", class_="source")
    assert source.one("summary").text.startswith("Source")
    assert source.one("pre").raw_text == (
        "Some *emphasis*, a [link](https://ok.example/) and <b>raw</b> tags."
    )


def test_reply_from_the_page_and_the_link_to_the_comment_on_its_essay(
    served: tuple[SiteConfig, Client, Moderator],
) -> None:
    config, client, moderator = served
    cid = submit(client, "A question for the author?")
    queue = moderator.page("/moderate").html()
    links = {a.text: a.get("href") for a in queue.find_all("a")}
    assert links["The essay “Hello, readers”"] == "https://essays.example/2025/01/hello/"
    assert "Reply to the comment by Ada Reader" not in links  # not published yet

    page = moderator.page(f"/moderate/reply/{cid}").html()
    assert page.one("div", class_="problem").text == (
        "This comment is pending: approve it first, so that your reply has a visible parent."
    )
    assert moderator.act("approve", [cid]).status == 303
    approved = moderator.page("/moderate/approved").html()
    links = {a.text: a.get("href") for a in approved.find_all("a")}
    assert (
        links["See it on the essay “Hello, readers”"]
        == f"https://essays.example/2025/01/hello/#comment-{cid}"
    )
    assert links["Reply to the comment by Ada Reader"] == f"/moderate/reply/{cid}?back=approved"

    moderator.page(f"/moderate/reply/{cid}?back=approved")
    empty = moderator.post(f"/moderate/reply/{cid}", {"body": "   ", "back": "approved"})
    assert empty.status == 400
    assert empty.html().one("div", class_="problem").text == (
        "Not sent yet: The reply is empty: write something first."
    )
    sent = moderator.post(f"/moderate/reply/{cid}", {"body": "Good question: yes.",
                                                     "back": "approved"})  # fmt: skip
    assert (sent.status, sent.headers["location"]) == (303, "/moderate/approved")
    with store_of(config) as store:
        (reply,) = [c for c in store.list_comments() if c.parent == cid]
    assert (reply.author, reply.by_author, reply.status) == (
        "Tess Author",
        True,
        CommentStatus.APPROVED,
    )
    assert reply.moderated_by == "moderator (web)"
    feed = json.loads(config.feed_path.read_text(encoding="utf-8"))
    assert "Good question: yes." in {c["body"] for c in feed["comments"]}
    shown = moderator.page("/moderate/approved").html()
    assert shown.one("div", class_="flash").one("p").text == (
        "Replied to Ada Reader as Tess Author; it is published."
    )


def test_a_reply_without_csrf_is_refused(served: tuple[SiteConfig, Client, Moderator]) -> None:
    config, client, moderator = served
    cid = submit(client, "Hello.")
    moderator.act("approve", [cid])
    refused = moderator.post(f"/moderate/reply/{cid}", {"body": "Hi."}, csrf="forged")
    assert refused.status == 403
    with store_of(config) as store:
        assert [c for c in store.list_comments() if c.parent == cid] == []
