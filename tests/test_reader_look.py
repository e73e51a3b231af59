"""The comment service's reader pages (thanks, search, likes) look like the built site:
its navigation, its versioned stylesheet and script, and its icon, told by the build in
the posts manifest (`site`), so the tab of a thank-you page shows the site's favicon."""

from __future__ import annotations

from pathlib import Path

from werkzeug.test import Client

from generator.cli import main
from generator.contract.posts_manifest import SiteLook, parse_site_look, serialise_manifest
from generator.core.config import load_config
from generator.service.app import create_app


def test_the_manifest_carries_the_icon_and_reads_older_ones_without() -> None:
    look = SiteLook((("About", "/about/"),), "/a.css?v=1", "/a.js?v=2", "/assets/favicon.svg")
    assert parse_site_look(serialise_manifest([], look).decode()) == look
    older = '{"posts": {}, "site": {"nav": [], "css_url": "/s.css", "js_url": "/s.js"}}'
    assert parse_site_look(older) == SiteLook((), "/s.css", "/s.js", "")


def test_a_thank_you_page_shows_the_sites_icon(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content/posts").mkdir(parents=True)
    (site / "site.yaml").write_text(
        "title: T\nbase_url: https://t.example\ncomments:\n  endpoint: /api/comments\n"
    )
    (site / "content/posts/hello.md").write_text(
        "---\ntitle: Hello\ndate: 2025-01-01 10:00\nid: hello\n---\nHi.\n"
    )
    assert main(["build", "--site", str(site)]) == 0
    favicon = parse_site_look((site / ".salon/posts.json").read_text()).favicon_url
    assert favicon.startswith("/assets/favicon") and favicon.endswith(".svg")
    assert (site / "output" / favicon.lstrip("/").split("?")[0]).is_file()

    page = Client(create_app(load_config(site))).get("/api/comments/thanks?post=hello")
    assert page.status_code == 200
    assert f'<link rel="icon" href="{favicon}" type="image/svg+xml">' in page.text
