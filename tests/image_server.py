"""An old WordPress site's uploads, served by a real HTTP server on a free loopback port.

Paths under /wp-content/uploads/ answer with the bytes registered for them; a few
special names misbehave on purpose: `slow-*` waits before answering, `page-*` is an
HTML page, `huge-*` is bigger than any limit a test sets. Every request is counted, so
tests can prove a second run fetches nothing twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ImageServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: Counter[str] = Counter()
        self.slow_seconds = 3.0
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}/wp-content/uploads/{path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # quiet in test output
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                owner.requests[path] += 1
                name = path.rsplit("/", 1)[-1]
                if name.startswith("slow-"):
                    time.sleep(owner.slow_seconds)
                if name.startswith("page-"):
                    self._send(200, b"<!doctype html><title>Not found</title>", "text/html")
                elif name.startswith("huge-"):
                    self._send(200, b"\xff\xd8\xff\xe0" + b"\0" * (3 * 1024 * 1024), "image/jpeg")
                elif path in owner.files:
                    self._send(200, owner.files[path], "image/jpeg")
                else:
                    self._send(404, b"no such file", "text/plain")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler

    def add(self, path: str, data: bytes) -> str:
        self.files[f"/wp-content/uploads/{path}"] = data
        return self.url(path)


@contextmanager
def image_server() -> Iterator[ImageServer]:
    server = ImageServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(timeout=5)
