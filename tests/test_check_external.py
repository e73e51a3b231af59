"""`salon check --external` against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from generator.cli import main
from tests.test_author_checks import SITE_YAML, make_site, post


class _Handler(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str]]] = []
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def _answer(self, with_body: bool) -> None:
        cls = type(self)
        slow = self.path.startswith("/slow")
        with cls.lock:
            cls.requests.append((self.command, self.path))
            cls.in_flight += slow
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        counted = slow
        try:
            if slow:
                time.sleep(0.6)
                # Leave the count before answering: once the answer is sent the checker may
                # start its next request, which must not find this one still counted.
                with cls.lock:
                    cls.in_flight -= 1
                counted = False
            if self.path.startswith("/hang"):
                time.sleep(1.5)
            if self.path.startswith("/no-head") and self.command == "HEAD":
                self.send_response(405)
            elif self.path.startswith(("/ok", "/slow", "/no-head", "/many")):
                self.send_response(200)
            elif self.path == "/moved":
                self.send_response(301)
                self.send_header("Location", "/gone")
            else:
                self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
        finally:
            if counted:
                with cls.lock:
                    cls.in_flight -= 1

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.requests = []
    _Handler.most_in_flight = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_external_links_are_checked_cached_and_reported_with_lines(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        f"[works]({server}/ok) and [refuses HEAD]({server}/no-head)\n\n"
        f"[gone]({server}/missing)\n\n[moved away]({server}/moved)\n\n"
        f"[again]({server}/ok)\n"
    )
    site = make_site(tmp_path, {"walk.md": post(body)}, SITE_YAML)
    assert main(["check", "--site", str(site), "--external"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"warning: content/posts/walk.md:7: external link {server}/missing: HTTP 404 Not Found",
        f"warning: content/posts/walk.md:9: external link {server}/moved: HTTP 404 Not Found",
        "2 problems found.",
    ]
    assert (
        out.splitlines()[-1]
        == "External links: 4 checked, 0 still good from the last 24 h, 2 broken"
    )
    assert ("GET", "/no-head") in _Handler.requests
    cached = json.loads((site / ".salon/links.json").read_text())
    assert sorted(cached) == [f"{server}/no-head", f"{server}/ok"]

    # A second run asks only about the links that were broken.
    _Handler.requests = []
    assert main(["check", "--site", str(site), "--external"]) == 1
    out, _err = capsys.readouterr()
    assert (
        out.splitlines()[-1]
        == "External links: 2 checked, 2 still good from the last 24 h, 2 broken"
    )
    assert sorted(path for _method, path in _Handler.requests) == ["/gone", "/missing", "/moved"]


def test_a_site_that_does_not_answer_times_out(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path, {"walk.md": post(f"[hangs]({server}/hang)\n")}, SITE_YAML)
    assert main(["check", "--site", str(site), "--external", "--timeout", "0.5"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"warning: content/posts/walk.md:5: external link {server}/hang: no answer within 0.5 s",
        "1 problem found.",
    ]


def test_concurrency_and_time_are_bounded(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "".join(f"[{n}]({server}/slow/{n})\n\n" for n in range(4))
    site = make_site(tmp_path, {"walk.md": post(body)}, SITE_YAML)
    assert main(["check", "--site", str(site), "--external", "--max-time", "0.9"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        # Two at a time to one host, 0.6 s each: the second pair would end after --max-time.
        f"warning: content/posts/walk.md:9: external link {server}/slow/2: not checked, "
        "out of time (--max-time 0.9)",
        f"warning: content/posts/walk.md:11: external link {server}/slow/3: not checked, "
        "out of time (--max-time 0.9)",
        "2 problems found.",
    ]
    assert _Handler.most_in_flight == 2


def test_check_without_external_fails_on_broken_internal_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path, {"walk.md": post("[nope](/nope/) and [out](https://x.invalid/)\n")})
    assert main(["check", "--site", str(site)]) == 1
    _out, err = capsys.readouterr()
    assert err.splitlines() == [
        "warning: content/posts/walk.md:5: broken link /nope/: no such page or file in output/",
        "1 problem found.",
    ]
