"""A feed published elsewhere: the build downloads it (here from a real server on loopback)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.build.pipeline import BuildOptions, build_site
from generator.cli import main

from .conftest import FIXED_NOW, SITES


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "published"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def site_reading(tmp_path: Path, url: str) -> Path:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    feed = (site / "comments.json").read_text(encoding="utf-8")
    (site / "comments.json").unlink()
    (site / "site.yaml").write_text(
        (site / "site.yaml").read_text(encoding="utf-8") + f"comments:\n  feed: {url}\n",
        encoding="utf-8",
    )
    (tmp_path / "feed.json").write_text(feed, encoding="utf-8")
    return site


def test_the_build_downloads_the_feed(tmp_path: Path, feed_server: tuple[str, Path]) -> None:
    base, folder = feed_server
    site = site_reading(tmp_path, f"{base}/comments.json")
    shutil.copy(tmp_path / "feed.json", folder / "comments.json")
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    page = (site / "output/2024/01/essay-1/index.html").read_text(encoding="utf-8")
    assert "2 thoughts on “Essay number 1”" in page
    assert 'id="comment-a2"' in page


def test_an_unreachable_feed_is_a_clear_error(
    tmp_path: Path, feed_server: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = feed_server
    site = site_reading(tmp_path, f"{base}/missing.json")
    assert main(["build", "--site", str(site)]) == 1
    assert capsys.readouterr().err == (
        f"error: site.yaml: comments feed: cannot download {base}/missing.json: "
        "HTTP Error 404: File not found\n"
    )
    assert not (site / "output").exists()


def test_plain_http_is_allowed_only_on_this_machine() -> None:
    from generator.core.config import parse_config
    from generator.core.errors import SiteError

    def config(feed: str) -> str:
        return f"title: T\nbase_url: https://t.example\ncomments:\n  feed: {feed}\n"

    for url in ("http://localhost:8001/comments.json", "http://127.0.0.1/c.json"):
        assert parse_config(config(url), "site.yaml", Path(".")).comments.feed == url
    with pytest.raises(SiteError) as caught:
        parse_config(config("http://comments.example/c.json"), "site.yaml", Path("."))
    assert str(caught.value) == (
        "site.yaml:4: comments.feed: expected a path or an https URL, "
        'got "http://comments.example/c.json"'
    )
