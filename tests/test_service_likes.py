"""Likes and search through the real comment service on loopback: the plain form and
JSON, one like per network and day, limits, tokens, the coalesced feed export, the
moderator's reset, and /search from the FTS5 index in the site's theme."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.contract.feed import parse_feed_document
from generator.contract.search_index import SearchRecord, write_fts_index
from generator.core.config import load_config
from generator.service.likes import like_counts
from tests.service_support import (
    Client,
    Clock,
    ServiceServer,
    make_site,
    path_of,
    store_of,
    write_manifest,
)

POSTS = {
    "hello": {"title": "Hello, readers", "url": "/2025/01/hello/", "open": True},
    "quiet": {"title": "No Likes Here", "url": "/2025/02/quiet/", "open": True, "likes": False},
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    make_site(root)
    (root / "site.yaml").write_text(
        (root / "site.yaml").read_text() + "likes:\n  export_seconds: 0\n  rate_per_minute: 4\n"
    )
    write_manifest(root, POSTS)
    return root


@pytest.fixture
def server(site: Path) -> Iterator[ServiceServer]:
    with ServiceServer(load_config(site)) as running:
        yield running


@pytest.fixture
def client(server: ServiceServer) -> Client:
    return server.client()


def like(client: Client, post: str = "hello") -> tuple[int, str]:
    reply = client.post_form({"post": post}, path="/api/comments/like")
    return reply.status, reply.headers.get("location", "") or reply.text


def feed_likes(site: Path) -> dict[str, int]:
    text = (site / "comments.json").read_text(encoding="utf-8")
    return dict(parse_feed_document(text, "comments.json").likes)


def test_a_form_like_thanks_and_a_second_from_the_network_does_not_count(
    client: Client, site: Path
) -> None:
    status, location = like(client)
    assert status == 303
    assert path_of(location) == "/api/comments/liked?post=hello&counted=1"
    page = client.get(path_of(location))
    assert page.status == 200
    assert "your like is counted" in page.text
    assert 'href="/2025/01/hello/#like"' in page.text
    status, location = like(client)
    assert path_of(location) == "/api/comments/liked?post=hello"
    assert "already counted" in client.get(path_of(location)).text
    assert feed_likes(site) == {"hello": 1}
    with store_of(load_config(site)) as store:
        assert like_counts(store.db) == {"hello": 1}
        assert "127.0.0" not in json.dumps(store.db.execute("SELECT * FROM like_marks").fetchall())


def test_json_likes_carry_a_token_and_a_forged_one_is_refused(client: Client) -> None:
    token = client.token("hello")
    reply = client.post_json({"post": "hello", "token": token}, path="/api/comments/like")
    assert reply.status == 200 and reply.json() == {"counted": True}
    reply = client.post_json({"post": "hello", "token": "1.2.3"}, path="/api/comments/like")
    assert reply.status == 400 and "reload" in reply.json()["error"]


def test_likes_are_refused_where_they_are_off_or_the_essay_is_unknown(client: Client) -> None:
    assert like(client, "quiet")[0] == 403
    assert like(client, "nope")[0] == 400
    reply = client.post_form({"post": "hello"}, path="/api/comments/like",
                             origin="https://elsewhere.example")  # fmt: skip
    assert reply.status == 403


def test_likes_are_rate_limited_per_network(client: Client) -> None:
    for _ in range(4):
        assert like(client)[0] == 303
    reply = client.post_form({"post": "hello"}, path="/api/comments/like")
    assert reply.status == 429 and int(reply.headers["retry-after"]) > 0


def test_the_export_is_coalesced(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_site(root, service="trusted_proxies: 1")
    (root / "site.yaml").write_text(
        (root / "site.yaml").read_text() + "likes:\n  export_seconds: 1\n"
    )
    write_manifest(root, POSTS)
    with ServiceServer(load_config(root), Clock(time.time())) as running:
        client = running.client()
        for address in ("10.0.0.1", "10.0.1.1", "10.0.2.1"):  # three networks
            reply = client.post_json({"post": "hello"}, path="/api/comments/like",
                                     headers={"X-Forwarded-For": address})  # fmt: skip
            assert reply.json() == {"counted": True}
        exporter = running.app.app.state.likes.exporter  # type: ignore[attr-defined]
        # Not one export per like: one, once the window is over. (A request thread's first
        # connection to the store may still write a feed it finds behind: open_store.)
        assert exporter.exports == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and exporter.exports == 0:
            time.sleep(0.05)
        assert feed_likes(root) == {"hello": 3}
        time.sleep(1.5)  # longer than the window: no second export follows
        assert exporter.exports == 1


def test_search_without_javascript_answers_from_the_index(client: Client, site: Path) -> None:
    reply = client.get("/api/comments/search?q=silence")
    assert reply.status == 503 and "build" in reply.text
    records = [SearchRecord("/2025/01/hello/", "Hello, readers", "post", "2025-01-01",
                            "On silence <and> listening in the room.")]  # fmt: skip
    write_fts_index(site / ".salon" / "search.sqlite3", records, "d")
    reply = client.get("/api/comments/search?q=silence")
    assert reply.status == 200
    page = reply.html()
    assert "One essay or page matches" in reply.text
    link = page.find("a", href="/2025/01/hello/")
    assert link is not None
    assert "<mark>silence</mark>" in reply.text and "&lt;and&gt;" in reply.text
    assert client.get("/api/comments/search?q=absent").text.count("Nothing found") == 1
    assert client.get("/api/comments/search?q=" + "%22" * 50).status == 200
    assert client.get("/api/comments/search").status == 200


def test_the_moderator_sees_counts_and_resets_one(client: Client, site: Path) -> None:
    from tests.service_support import Moderator, set_password

    set_password(load_config(site))
    like(client)
    moderator = Moderator(client)
    assert moderator.login().status == 303
    page = moderator.page("/moderate/likes")
    assert page.status == 200
    assert "Hello, readers" in page.text and "<td>1</td>" in page.text
    reply = moderator.post("/moderate/likes/reset", {"post": "hello"})
    assert reply.status == 303
    page = moderator.page("/moderate/likes")
    assert "Reset the likes of “Hello, readers” (it had 1)." in page.text
    assert "No likes yet." in page.text
    assert feed_likes(site) == {}
    with store_of(load_config(site)) as store:
        assert ("moderator (web)", "reset-likes", "likes:hello", "was 1") in [
            row[1:] for row in store.audit_log()
        ]


def test_the_cli_lists_and_resets_likes(
    client: Client, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.cli import main

    like(client)
    assert main(["comments", "likes", "--site", str(site)]) == 0
    assert capsys.readouterr().out.split() == ["1", "hello", "Hello,", "readers"]
    assert main(["comments", "likes", "--format", "json", "--site", str(site)]) == 0
    assert json.loads(capsys.readouterr().out) == {"hello": 1}
    assert main(["comments", "likes", "--reset", "hello", "--site", str(site)]) == 0
    assert (
        "Reset the likes of hello (it had 1); comments.json rewritten." in capsys.readouterr().out
    )
    assert feed_likes(site) == {}
    assert main(["comments", "likes", "--reset", "nope", "--site", str(site)]) == 1
    assert 'no post with key "nope" has likes' in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("post=" + "x" * 10_000, "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ('["hello"]', "application/json"),
        ('{"post": 5}', "application/json"),
        ("\udcff".encode("utf-8", "surrogateescape").decode("latin-1"), "text/plain"),
        ("post=%FF%FE", "application/x-www-form-urlencoded"),
    ],
)
def test_hostile_likes_get_a_4xx_never_a_500(client: Client, body: str, content_type: str) -> None:
    reply = client.request(
        "POST", "/api/comments/like", body.encode("latin-1"),
        {"Content-Type": content_type, "Origin": "https://essays.example"},
    )  # fmt: skip
    assert 400 <= reply.status < 500, (reply.status, reply.text)
