"""`salon serve`: build, serve output/, rebuild on change, reload open tabs.

The live-reload script is injected into HTML responses here, never into the files
that `salon build` writes. A failed rebuild keeps the last good site served and
shows the error in the browser and the terminal; the next good save recovers.
The comment service is mounted on the same origin, so a comment can be posted,
approved and seen on the author's own machine.
"""

from __future__ import annotations

import html
import mimetypes
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.security import safe_join
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from generator.build.pipeline import (
    BuildMemory,
    BuildOptions,
    BuildResult,
    build_site,
)
from generator.core.config import PREVIEW_OUTPUT, SiteConfig, load_config, with_overrides
from generator.core.errors import SiteError, describe_disk_error
from generator.core.urls import is_under, url_parts
from generator.dev.watch import ChangeKind, SiteWatcher

if TYPE_CHECKING:
    from generator.build.engagement import SearchWork

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EVENTS_PATH = "/__salon/events"
SCRIPT_PATH = "/__salon/live.js"
WAIT_FOR_BUILD_SECONDS = 30

LIVE_SCRIPT = b"""// Salon dev server: reload on rebuild, show build errors. Not in built sites.
(function () {
  var box = null;
  function show(text) {
    if (!box) {
      box = document.createElement("pre");
      box.id = "salon-build-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;" +
        "margin:0;padding:1rem 1.25rem;background:#5c0b0b;color:#fff;font:14px/1.5 monospace;" +
        "z-index:2147483647;white-space:pre-wrap;border-top:4px solid #ff6b6b";
      document.body.appendChild(box);
    }
    box.textContent = "Build failed; showing the last good site.\\n\\n" + text;
  }
  var source = new EventSource("/__salon/events");
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("failed", function (event) { show(event.data); });
})();
"""


@dataclass
class BuildState:
    generation: int = 0
    error: str | None = None
    building: bool = False
    last: BuildResult | None = None


class DevSite:
    """The site being previewed: rebuilds, their outcome, and who is waiting for them."""

    def __init__(self, root: Path, options: BuildOptions) -> None:
        self.root = root
        self.options = options
        self.state = BuildState()
        self.changed = threading.Condition()
        self.build_lock = threading.Lock()
        self.memory = BuildMemory()
        self.search_lock = threading.Lock()  # one search index at a time, oldest first
        self.searches: list[threading.Thread] = []

    def preview(self, paths: set[Path]) -> None:
        """An edited essay's own page first, so the author sees it at once."""
        from generator.dev.preview import preview_edit  # with Markdown: after the first build

        started = time.perf_counter()
        try:
            written = preview_edit(self.root, sorted(paths), self.memory)
        except Exception as exc:  # only a shortcut: the full rebuild follows, and reports
            problem = str(exc) if isinstance(exc, SiteError) else f"{type(exc).__name__}: {exc}"
            print(f"[serve] preview failed ({problem}); building in full", file=sys.stderr,
                  flush=True)  # fmt: skip
            return
        if written:
            took = (time.perf_counter() - started) * 1000
            print(f"[serve] preview: {', '.join(written)} ({took:.0f} ms)", flush=True)
            with self.changed:
                self.state.generation += 1
                self.changed.notify_all()

    def rebuild(self, kinds: set[ChangeKind] | None = None, paths: set[Path] | None = None) -> None:
        # The preview does not wait for a rebuild still running from an earlier save.
        if kinds == {ChangeKind.CONTENT} and paths and self.state.error is None:
            self.preview(paths)
        with self.build_lock:
            with self.changed:
                self.state.building = True
            started = time.perf_counter()
            what = ", ".join(sorted(k.value for k in kinds)) if kinds else "start"
            try:
                result = build_site(self.root, self.options, self.memory)
            except SiteError as exc:
                error = str(exc)
                print(f"[serve] rebuild ({what}) failed:\n{error}", file=sys.stderr, flush=True)
                with self.changed:
                    self.state.error = error
                    self.state.building = False
                    self.changed.notify_all()
                return
            except Exception as exc:  # a bug in Salon (or a full disk): keep the last good site
                disk = describe_disk_error(exc) if isinstance(exc, OSError) else None
                error = disk or f"internal error: {type(exc).__name__}: {exc}"
                print(f"[serve] rebuild ({what}) failed: {error}", file=sys.stderr, flush=True)
                if disk is None:
                    traceback.print_exc()
                with self.changed:
                    self.state.error = error
                    self.state.building = False
                    self.changed.notify_all()
                return
            took = (time.perf_counter() - started) * 1000
            if kinds and ChangeKind.CONFIG in kinds:
                print("[serve] site.yaml changed: restart `salon serve` to apply comment "
                      "service settings", file=sys.stderr)  # fmt: skip
            for warning in result.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            print(f"[serve] {what}: {result.summary()} ({took:.0f} ms)", flush=True)
            with self.changed:
                self.state.error = None
                self.state.building = False
                self.state.last = result
                self.state.generation += 1
                self.changed.notify_all()
            if result.search is not None:
                self.index_in_background(result.search)

    def index_in_background(self, search: SearchWork) -> None:
        """The search indexes, after the pages are on disk: nobody waits for them."""

        def run() -> None:
            with self.search_lock:
                try:
                    seconds = search.run()
                except SiteError as exc:
                    print(f"[serve] search index not updated: {exc}", file=sys.stderr, flush=True)
                    return
                print(f"[serve] search index of {search.records} pages made in {seconds:.2f} s",
                      flush=True)  # fmt: skip

        thread = threading.Thread(target=run, name="salon-search")
        self.searches = [t for t in self.searches if t.is_alive()] + [thread]
        thread.start()

    def finish(self) -> None:
        """Let a search index being made finish (it is replaced whole, never left half)."""
        for thread in self.searches:
            thread.join(timeout=120)

    def wait_until_built(self) -> None:
        """Requests that arrive mid-rebuild wait for it, so nobody sees a half-updated site."""
        deadline = time.monotonic() + WAIT_FOR_BUILD_SECONDS
        with self.changed:
            while self.state.building and time.monotonic() < deadline:
                self.changed.wait(0.5)


class DevServer:
    """The WSGI app of `salon serve`."""

    def __init__(self, site: DevSite, config: SiteConfig, comments_app: WSGIApp | None) -> None:
        self.site = site
        self.config = config
        self.comments_app = comments_app
        endpoint = url_parts(config.comments.endpoint).path.rstrip("/") or "/api/comments"
        self.service_prefixes = (endpoint, "/moderate", "/health")

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        # A site under a sub-path (base_url https://example.org/blog/) is served under it,
        # as its pages link to it: /blog/... is the site, "/" leads there. (The comment
        # service, whose endpoint the forms name with the sub-path, takes it off itself.)
        base = self.config.base_path
        under = bool(base) and is_under(path, base)
        if under:
            path = path[len(base) :] or "/"
        if self.comments_app is not None and any(
            is_under(path, prefix) for prefix in self.service_prefixes
        ):
            return self.comments_app(environ, start_response)
        request = Request(environ)
        if base and not under and path not in (EVENTS_PATH, SCRIPT_PATH):
            if path == "/":
                response = Response(status=302, headers={"Location": base + "/"})
            else:
                response = self.not_found()
        elif path == EVENTS_PATH:
            response = self.events(request)
        elif path == SCRIPT_PATH:
            response = Response(LIVE_SCRIPT, content_type="text/javascript; charset=utf-8")
        elif request.method not in ("GET", "HEAD"):
            response = Response("Method not allowed\n", status=405, headers={"Allow": "GET, HEAD"})
        else:
            self.site.wait_until_built()
            response = self.static(path)
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)

    def events(self, request: Request) -> Response:
        """A Server-Sent Events stream: `reload` after each good build, `failed` with the error."""
        seen = self.site.state.generation
        seen_error = None

        def stream() -> Iterator[bytes]:
            nonlocal seen, seen_error
            yield b"retry: 1000\n\n"
            while True:
                with self.site.changed:
                    self.site.changed.wait(15)
                    generation, error = self.site.state.generation, self.site.state.error
                if error and error != seen_error:
                    seen_error = error
                    data = "\n".join(f"data: {line}" for line in error.splitlines())
                    yield f"event: failed\n{data}\n\n".encode()
                elif generation != seen:
                    seen, seen_error = generation, None
                    yield b"event: reload\ndata: now\n\n"
                else:
                    yield b": keep-alive\n\n"

        return Response(stream(), content_type="text/event-stream", direct_passthrough=True)

    def static(self, path: str) -> Response:
        output = self.config.output_dir
        relative = path.lstrip("/")
        target = safe_join(str(output), relative) if relative else str(output)
        if target is None:
            return self.not_found()
        file = Path(target)
        if file.is_dir():
            if not path.endswith("/"):
                location = self.config.base_path + path + "/"
                return Response(status=301, headers={"Location": location})
            file = file / "index.html"
        if not file.is_file():
            return self.not_found()
        real, top = os.path.realpath(file), os.path.realpath(output)
        if not real.startswith(top + os.sep):  # a symbolic link out of output/
            shown = file.relative_to(output).as_posix()
            print(f"refusing to serve output/{shown}: a symbolic link to {real}, outside "
                  "output/", file=sys.stderr)  # fmt: skip
            return Response(
                f"Refusing to serve output/{shown}: it is a symbolic link to a file outside "
                "output/.\n",
                status=403,
                content_type="text/plain; charset=utf-8",
            )
        return self.file_response(file, 200)

    def not_found(self) -> Response:
        page = self.config.output_dir / "404.html"
        if page.is_file():
            return self.file_response(page, 404)
        return Response("Not found\n", status=404, content_type="text/plain; charset=utf-8")

    def file_response(self, file: Path, status: int) -> Response:
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        data = file.read_bytes()
        if content_type == "text/html":
            data = self.inject(data)
            content_type = "text/html; charset=utf-8"
        elif content_type.startswith("text/") or content_type.endswith(
            ("xml", "json", "javascript")
        ):
            content_type += "; charset=utf-8"
        return Response(data, status=status, content_type=content_type)

    def inject(self, data: bytes) -> bytes:
        tag = f'<script src="{SCRIPT_PATH}" defer></script>'.encode()
        error = self.site.state.error
        if error:
            tag += (
                b'<pre id="salon-build-error" role="alert" style="position:fixed;inset:auto 0 0 0;'
                b"max-height:50vh;overflow:auto;margin:0;padding:1rem 1.25rem;background:#5c0b0b;"
                b'color:#fff;font:14px/1.5 monospace;white-space:pre-wrap;z-index:2147483647">'
                + b"Build failed; showing the last good site.\n\n"
                + html.escape(error).encode()
                + b"</pre>"
            )
        index = data.rfind(b"</body>")
        return data[:index] + tag + data[index:] if index >= 0 else data + tag


def _comment_service(config: SiteConfig) -> WSGIApp | None:
    if not config.comments.enabled:
        return None
    from generator.service.app import create_app

    app: WSGIApp = create_app(config)
    return app


def check_port(host: str, port: int) -> None:
    """Say at once, and plainly, when the address is taken (before a long first build)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise SiteError.at(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "stop what uses it, or choose another --port"
        ) from None


class RequestLog(WSGIRequestHandler):
    """The preview server's request lines without the reader's address: no IP in a log
    line, even a local one (the comment service's own log follows the same rule)."""

    def log(self, type: str, message: str, *args: Any) -> None:
        sys.stderr.write(f"[{self.log_date_time_string()}] {message % args}\n")


def serve(root: Path, host: str, port: int, drafts: bool = False, future: bool = False) -> int:
    # Drafts and scheduled posts are previewed from a folder of their own, so that they
    # can never reach output/ and what `salon deploy` sends.
    output = root / PREVIEW_OUTPUT if drafts or future else None
    config = with_overrides(load_config(root), output)
    check_port(host, port)
    site = DevSite(
        root, BuildOptions(drafts=drafts, future=future, output=output, search_later=True)
    )
    site.rebuild()
    if site.state.error and site.state.last is None and not config.output_dir.exists():
        print("[serve] the first build failed; fix the error and save to try again",
              file=sys.stderr)  # fmt: skip
    comments_app = _comment_service(config)
    watcher = SiteWatcher(config, site.rebuild)
    watcher.start()
    server = make_server(
        host, port, DevServer(site, config, comments_app), threaded=True,
        request_handler=RequestLog,
    )  # fmt: skip
    url = f"http://{host}:{server.server_port}{config.base_path}/"
    print(f"[serve] {url}  (comments: {config.comments.endpoint}, moderation: {url}moderate)")
    print("[serve] watching for changes; Ctrl-C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        server.server_close()
        site.finish()
    return 0
