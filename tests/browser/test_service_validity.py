"""The pages the comment service answers with pass the Nu HTML Checker too: the thank-you
page, the form again with errors, the login page and the moderation queue."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser.sample import SAMPLE_ESSAY, run_vnu
from tests.browser.server import MODERATOR_PASSWORD, SiteServer


class Client:
    """A cookie-keeping HTTP client that sends forms the way a browser on the site would."""

    def __init__(self, server: SiteServer) -> None:
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.server.url + path, timeout=10) as response:
            return str(response.read().decode("utf-8"))

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(
            self.server.url + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Origin": self.server.url, "Referer": self.server.url + SAMPLE_ESSAY},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")


def field_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field"
    return match.group(1)


@pytest.mark.slow
def test_service_pages_pass_the_nu_html_checker(server: SiteServer, tmp_path: Path) -> None:
    client = Client(server)
    comment = {"post": "the-alliance", "parent": "", "name": "Vera", "token": "", "homepage": ""}
    pages: dict[str, str] = {}
    status, pages["thanks"] = client.post(
        "/api/comments", {**comment, "body": "Valid markup, please, even on this page."}
    )
    assert status in (200, 201, 303) and "awaiting moderation" in pages["thanks"]
    status, pages["form-errors"] = client.post("/api/comments", {**comment, "body": ""})
    assert status == 400 and 'aria-invalid="true"' in pages["form-errors"]
    pages["login"] = client.get("/moderate")
    status, pages["queue"] = client.post(
        "/moderate/login",
        {"password": MODERATOR_PASSWORD, "csrf": field_value(pages["login"], "csrf")},
    )
    if "Valid markup" not in pages["queue"]:  # the login answered with a redirect page
        pages["queue"] = client.get("/moderate")
    assert "Valid markup, please, even on this page." in pages["queue"]
    pages["likes"] = client.get("/moderate/likes")
    status, pages["liked"] = client.post("/api/comments/like", {"post": "the-alliance"})
    assert status == 200 and "Back to" in pages["liked"]
    from tests.browser.test_engagement import wait_for_search_index

    wait_for_search_index(server.site)  # made in the background after the first build
    pages["search"] = client.get("/api/comments/search?q=silence")
    assert "search-hits" in pages["search"]

    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    problems = [
        f"{Path(str(m.get('url', ''))).name}:{m.get('lastLine')}: {m['message']}"
        for m in run_vnu(files)
        if m.get("type") == "error"
    ]
    assert problems == [], "\n".join(problems)
