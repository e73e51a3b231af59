"""The comment service of a site under a sub-path (base_url https://essays.example/blog/):
its pages' forms post to /blog/api/comments, which a proxy may pass on as it is."""

from __future__ import annotations

from pathlib import Path

from werkzeug.test import Client

from generator.core.config import load_config
from generator.service.actions import open_store
from generator.service.app import create_app
from tests.service_support import SITE_ORIGIN, comment_fields, make_site


def _under_blog(root: Path, base: str = "/blog/") -> Client:
    make_site(root)
    settings = root / "site.yaml"
    text = settings.read_text(encoding="utf-8")
    moved = text.replace(f"base_url: {SITE_ORIGIN}\n", f"base_url: {SITE_ORIGIN}{base}\n")
    settings.write_text(moved, encoding="utf-8")
    config = load_config(root)
    assert config.base_path == base.rstrip("/")
    return Client(create_app(config))


def test_the_routes_answer_under_the_sub_path_and_keep_it(tmp_path: Path) -> None:
    client = _under_blog(tmp_path / "site")
    reply = client.post("/blog/api/comments", data=comment_fields(),
                        headers={"Origin": SITE_ORIGIN})  # fmt: skip
    assert reply.status_code == 303
    assert reply.headers["Location"].startswith("/blog/api/comments/thanks")
    with open_store(load_config(tmp_path / "site")) as store:
        assert [c.body for c in store.list_comments()] == ["A thoughtful comment."]
    assert client.get("/blog/health").status_code == 200
    login = client.get("/blog/moderate")
    assert login.status_code == 303 and login.headers["Location"].endswith("/blog/moderate/login")
    # A proxy that takes the path off (or `salon serve`, which mounts it) still works.
    assert client.get("/health").status_code == 200
    assert client.get("/blog/nothing").status_code == 404


def test_a_base_path_named_as_the_endpoint_is_not_taken_off_twice(tmp_path: Path) -> None:
    client = _under_blog(tmp_path / "site", "/api/")
    reply = client.post("/api/comments", data=comment_fields(), headers={"Origin": SITE_ORIGIN})
    assert reply.status_code == 303  # the route as it is, not /comments
    reply = client.post("/api/api/comments", data=comment_fields(body="Another one."),
                        headers={"Origin": SITE_ORIGIN})  # fmt: skip
    assert reply.status_code == 303
