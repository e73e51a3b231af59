"""`salon serve` through a real server on loopback: static serving, safety, live reload,
errors shown in the page, recovery, and the comment service mounted on the same origin."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import copy_sample_site

ESSAY = "content/posts/the-alliance.md"


@dataclass
class Served:
    site: Path
    url: str
    process: subprocess.Popen[str]
    log: list[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until(predicate: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(copy_sample_site(tmp_path / "site")) as running:
        yield running


@contextmanager
def serving(site: Path) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        log.append(line)
        if "watching for changes" in line:
            break
    else:
        raise AssertionError("server did not start:\n" + "".join(log))
    try:
        yield Served(site, f"http://127.0.0.1:{port}", process, log)
    finally:
        process.terminate()
        process.wait(10)


def test_serves_pages_with_their_types_and_folders_as_index(served: Served) -> None:
    status, headers, body = get(served.url + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"The Consulting Room" in body
    status, headers, _ = get(served.url + "/feed.xml")
    assert (status, headers["Content-Type"]) == (200, "application/xml; charset=utf-8")
    status, headers, _ = get(served.url + "/assets/style.css")
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")


def test_a_folder_without_slash_redirects(served: Served) -> None:
    request = urllib.request.Request(served.url + "/about")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=10)
    assert caught.value.code == 301
    assert caught.value.headers["Location"] == "/about/"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_site_under_a_sub_path_is_served_under_it(tmp_path: Path) -> None:
    # Its pages link to /blog/...: served at the root, every link of the preview missed.
    site = copy_sample_site(tmp_path / "site")
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    base = "base_url: https://consultingroom.example"
    assert base + "\n" in text
    config.write_text(text.replace(base + "\n", base + "/blog/\n"), encoding="utf-8")
    with serving(site) as served:
        assert any(f"{served.url}/blog/  (comments:" in line for line in served.log)
        status, _, body = get(served.url + "/blog/")
        assert status == 200 and b'href="/blog/about/"' in body
        assert get(served.url + "/blog/about/")[0] == 200
        assert get(served.url + "/blog/feed.xml")[0] == 200
        assert get(served.url + "/about/")[0] == 404  # not outside its path
        opener = urllib.request.build_opener(NoRedirect)
        for asked, sent in (("/", "/blog/"), ("/blog/about", "/blog/about/")):
            with pytest.raises(urllib.error.HTTPError) as caught:
                opener.open(served.url + asked, timeout=10)
            assert caught.value.headers["Location"] == sent, asked
        # The comment service, where the pages' forms post: under the path too.
        assert get(served.url + "/blog/health")[0] == 200
        form = get(served.url + "/blog/2026/10/the-alliance/")[2]
        assert b'action="/blog/api/comments"' in form


def test_a_miss_gets_the_sites_404_page(served: Served) -> None:
    status, _, body = get(served.url + "/no/such/page/")
    assert status == 404
    assert b"Page not found" in body


def test_no_directory_listing_and_nothing_outside_output(served: Served) -> None:
    (served.site / "output" / "empty-folder").mkdir()
    status, _, body = get(served.url + "/empty-folder/")
    assert status == 404 and b"Page not found" in body
    for path in (
        "/../site.yaml",
        "/%2e%2e/site.yaml",
        "/..%2fsite.yaml",
        "/assets/../../site.yaml",
    ):
        with socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1]))) as conn:
            conn.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
        assert b"base_url:" not in reply, path
        assert reply.split(b"\r\n", 1)[0].split()[1] in (b"404", b"400"), path


def test_the_live_script_is_injected_only_when_serving(served: Served) -> None:
    _, _, body = get(served.url + "/")
    assert b'<script src="/__salon/live.js" defer></script>' in body
    on_disk = (served.site / "output" / "index.html").read_bytes()
    assert b"__salon" not in on_disk
    status, _, script = get(served.url + "/__salon/live.js")
    assert status == 200 and b"EventSource" in script


def test_an_edit_is_rebuilt_and_open_tabs_are_told_to_reload(served: Served) -> None:
    events = urllib.request.urlopen(served.url + "/__salon/events", timeout=30)
    assert events.readline() == b"retry: 1000\n"
    essay = served.site / ESSAY
    essay.write_text(
        essay.read_text(encoding="utf-8").replace("When I began practising", "When I first began"),
        encoding="utf-8",
    )
    page = served.site / "output/2026/10/the-alliance/index.html"
    wait_until(lambda: b"When I first began" in page.read_bytes())
    lines = [events.readline() for _ in range(4)]
    assert b"event: reload\n" in lines
    events.close()


def test_a_bad_edit_keeps_the_last_good_site_and_shows_the_error(served: Served) -> None:
    essay = served.site / ESSAY
    good = essay.read_text(encoding="utf-8")
    essay.write_text(good.replace("date: 2026-10-14 08:30", "date: tuesday"), encoding="utf-8")

    def error_shown() -> bool:
        return b"salon-build-error" in get(served.url + "/2026/10/the-alliance/")[2]

    wait_until(error_shown)
    status, _, body = get(served.url + "/2026/10/the-alliance/")
    assert status == 200  # the last good page, with the error over it
    assert b"The Alliance Is the Treatment" in body
    assert b"content/posts/the-alliance.md:3: date: expected a date" in body
    assert served.process.poll() is None

    essay.write_text(good, encoding="utf-8")
    wait_until(lambda: not error_shown())


def test_the_comment_service_is_mounted_on_the_same_origin(served: Served) -> None:
    status, _, body = get(served.url + "/health")
    assert status == 200
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(served.url + "/moderate", timeout=10)
    assert caught.value.code == 303  # to the login page, on the same origin
    assert caught.value.headers["Location"].endswith("/moderate/login")
    status, _, body = get(served.url + "/moderate/login")
    # No password set yet in a fresh copy: the page says how to set one.
    assert status == 503
    assert b"run `salon comments set-password`" in body


def test_a_port_in_use_is_a_plain_error(tmp_path: Path) -> None:
    site = copy_sample_site(tmp_path / "site")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "stop what uses it, or choose another --port\n"
    )
    assert not (site / "output").exists()  # said before building anything


def test_serve_drafts_marks_them_and_never_writes_them_to_output(tmp_path: Path) -> None:
    site = copy_sample_site(tmp_path / "site")
    (site / "content/posts/unfinished.md").write_text(
        "---\ntitle: Unfinished\ndate: 2024-01-02\ndraft: true\n---\nNot yet.\n"
    )
    assert subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site)], capture_output=True,
        check=False,
    ).returncode == 0  # fmt: skip
    published = sorted(p.relative_to(site / "output") for p in (site / "output").rglob("*"))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port),
         "--drafts"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if "watching for changes" in line:
                break
        status, _headers, body = get(f"http://127.0.0.1:{port}/2024/01/unfinished/")
        assert status == 200
        assert '<p class="draft-note" role="note">Draft — not published</p>' in body.decode()
        status, _headers, body = get(f"http://127.0.0.1:{port}/")
        assert "Unfinished" in body.decode()
    finally:
        process.terminate()
        process.wait(10)
    # output/, what `salon deploy` sends, is as the build left it: no draft, nothing added.
    assert sorted(p.relative_to(site / "output") for p in (site / "output").rglob("*")) == published
    assert not (site / "output/2024/01/unfinished").exists()
    assert (site / ".salon/preview/2024/01/unfinished/index.html").is_file()
    # The comment service beside the preview knows the published posts, and no draft.
    posts = json.loads((site / ".salon/posts.json").read_text())["posts"]
    assert "unfinished" not in posts and "the-alliance" in posts
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site)], capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert " 0 files written, " in done.stdout and "held back: 1 draft" in done.stdout


def test_the_request_log_names_no_address(served: Served) -> None:
    assert get(served.url + "/")[0] == 200
    served.process.terminate()
    assert served.process.stdout is not None
    rest = served.process.stdout.read()
    lines = [line for line in rest.splitlines() if '"GET / HTTP/1.1" 200' in line]
    assert lines, rest
    assert not any("127.0.0.1" in line for line in lines), lines
