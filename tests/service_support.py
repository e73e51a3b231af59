"""Helpers for the comment service tests: a small site, a clock to move by hand, the
real waitress server (Salon's settings) on a free loopback port, and plain HTTP."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from waitress import wasyncore

from generator.core.config import SiteConfig, load_config
from generator.service.actions import open_store
from generator.service.app import create_app, mail_worker
from generator.service.passwords import PASSWORD_SETTING, hash_password
from generator.service.server import make_server
from generator.service.store import CommentStore
from tests.htmldom import Element, parse_html

SITE_ORIGIN = "https://essays.example"
PASSWORD = "correct horse battery staple"
START = 1_780_000_000.0  # a fixed "now" for the clock, in seconds since the epoch

POSTS = {
    "hello": {"title": "Hello, readers", "url": "/2025/01/hello/", "open": True},
    "second": {"title": "A Second Essay", "url": "/2025/02/second/", "open": True},
    "shut": {"title": "Closed Essay", "url": "/2024/12/shut/", "open": False},
}


class Clock:
    """A clock the test moves by hand; the service reads it for every time it needs."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def write_manifest(root: Path, posts: Mapping[str, Any] = POSTS) -> None:
    path = root / ".salon" / "posts.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "posts": posts}), encoding="utf-8")


def make_site(
    root: Path, service: str = "", comments: str = "", manifest: bool = True
) -> SiteConfig:
    """A site folder with site.yaml and (unless told) the post manifest a build writes."""
    root.mkdir(parents=True, exist_ok=True)
    settings = "\n".join(f"    {line}" for line in service.strip().splitlines())
    extra = "\n".join(f"  {line}" for line in comments.strip().splitlines())
    text = f"title: Test Essays\nbase_url: {SITE_ORIGIN}\ncomments:\n  enabled: true\n"
    if extra:
        text += extra + "\n"
    if settings:
        text += f"  service:\n{settings}\n"
    (root / "site.yaml").write_text(text, encoding="utf-8")
    if manifest:
        write_manifest(root)
    return load_config(root)


def set_password(config: SiteConfig, password: str = PASSWORD) -> None:
    with open_store(config) as store:
        store.set_setting(PASSWORD_SETTING, hash_password(password))


@contextmanager
def store_of(config: SiteConfig) -> Iterator[CommentStore]:
    with open_store(config) as store:
        yield store


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with "\n"
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    def html(self) -> Element:
        return parse_html(self.text)


class Client:
    """Plain HTTP to a server on 127.0.0.1, one connection per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = body.encode() if isinstance(body, str) else body
            connection.request(method, path, body=data, headers=dict(headers or {}))
            response = connection.getresponse()
            collected: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                collected[key] = f"{collected[key]}\n{value}" if key in collected else value
            return Reply(response.status, collected, response.read().decode("utf-8"))
        finally:
            connection.close()

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post_form(
        self, fields: Mapping[str, str], path: str = "/api/comments",
        origin: str | None = SITE_ORIGIN, headers: Mapping[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        sent = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
        if origin is not None:
            sent["Origin"] = origin
        sent.update(headers or {})
        return self.request("POST", path, urlencode(fields), sent)

    def post_json(
        self, fields: Mapping[str, Any], path: str = "/api/comments",
        headers: Mapping[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        sent = {"Content-Type": "application/json", "Accept": "application/json"}
        sent.update(headers or {})
        return self.request("POST", path, json.dumps(fields), sent)

    def token(self, post: str = "hello") -> str:
        reply = self.get(f"/api/comments/token?post={post}")
        assert reply.status == 200, reply.text
        token: str = reply.json()["token"]
        return token


class Moderator:
    """A moderator's browser: keeps the session cookie and the page's CSRF token."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.cookie = ""
        self.csrf = ""

    def login(self, password: str = PASSWORD, headers: Mapping[str, str] | None = None) -> Reply:
        page = self.client.get("/moderate/login", headers=headers)
        token = login_token(page)
        reply = self.client.request(
            "POST", "/moderate/login", urlencode({"csrf": token, "password": password}),
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.client.origin,
             **(headers or {})},
        )  # fmt: skip
        cookie = reply.headers.get("set-cookie", "")
        if reply.status == 303 and cookie:
            self.cookie = cookie.split(";", 1)[0]
            self.page("/moderate")
        return reply

    def page(self, path: str) -> Reply:
        reply = self.client.get(path, headers={"Cookie": self.cookie} if self.cookie else None)
        match = re.search(r'name="csrf" value="([^"]+)"', reply.text)
        if match:
            self.csrf = match.group(1)
        return reply

    def post(
        self, path: str, fields: list[tuple[str, str]] | Mapping[str, str],
        csrf: str | None = None, origin: str | None = "own",
    ) -> Reply:  # fmt: skip
        items = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
        items.append(("csrf", self.csrf if csrf is None else csrf))
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if origin is not None:
            headers["Origin"] = self.client.origin if origin == "own" else origin
        return self.client.request("POST", path, urlencode(items), headers)

    def act(self, action: str, ids: list[str], back: str = "pending") -> Reply:
        fields = [("do", action), ("back", back)] + [("ids", cid) for cid in ids]
        return self.post("/moderate/act", fields)


def login_token(page: Reply) -> str:
    form = page.html().find("form", class_="login")
    assert form is not None, page.text
    field = form.find("input", name="csrf")
    assert field is not None
    return field.get("value") or ""


class ServiceServer:
    """The app on Salon's waitress settings, its loop in a thread, on a free port."""

    def __init__(self, config: SiteConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.app = create_app(config, now=self.clock)
        self.server = make_server(self.app, "127.0.0.1", 0)
        self.port = int(self.server.effective_port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            wasyncore.loop(timeout=0.05, map=self.server._map, use_poll=True, count=1)
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        for channel in list(self.server.active_channels.values()):
            channel.handle_close()
        self.server.close()

    def __enter__(self) -> ServiceServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        worker = mail_worker(self.app)
        if worker is not None:
            worker.stop()

    def client(self) -> Client:
        return Client(self.port)


def comment_fields(**changes: str) -> dict[str, str]:
    fields = {"post": "hello", "parent": "", "name": "Ada Reader", "email": "ada@reader.example",
              "website": "https://ada.example", "body": "A thoughtful comment.", "homepage": "",
              "token": ""}  # fmt: skip
    fields.update(changes)
    return fields


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Attack strings for every field: script and event handlers, dangerous URL schemes,
# attribute break-outs, Markdown link tricks, encoded and mixed-case variants, SVG and
# MathML, and Unicode direction controls.
HOSTILE = (
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "<a href='JaVaScRiPt:alert(1)'>x</a>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    '![img](x" onerror="alert(1))',
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '" autofocus onfocus=alert(1) x="',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</bdi></label><script>alert(1)</script>",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    '<meta http-equiv=refresh content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<form action=https://evil.example><button>Go</button></form>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "{{ 7*7 }} {% raw %}{{ config }}{% endraw %}",
    "\u202eevil\u202c reversed \u2066isolate\u2069",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "javascript:alert(document.cookie)",
)
