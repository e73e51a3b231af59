"""`salon comments serve`: the comment service on waitress, a threaded production
WSGI server in pure Python.

One line is logged per request. SIGINT and SIGTERM stop the service gracefully: it
stops accepting connections, lets every request already received (or still being
received) finish and its answer reach the client, then waits for the worker threads,
so a submission that was being written is never lost. A second signal stops waiting.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import create_server

from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.service.actions import open_store
from generator.service.addresses import truncate_ip
from generator.service.app import create_app, finish, mail_worker
from generator.service.publisher import Publisher
from generator.service.state import endpoint_path

log = logging.getLogger("salon.service")
access_log = logging.getLogger("salon.access")

THREADS = 8  # waitress worker threads; SQLite queues the writers, readers run in parallel
MAX_REQUEST_BODY = 128 * 1024  # waitress refuses larger bodies before the app reads them
DRAIN_SECONDS = 15.0  # at most this long to finish the requests in flight when stopping
POLL_SECONDS = 0.5
# Slow clients. waitress closes a connection only after channel_timeout without a byte,
# which one byte every few seconds defeats, so each request gets deadlines of its own,
# counted from its first byte: its headers within HEADER_SECONDS, the whole of it within
# REQUEST_SECONDS. A reverse proxy in front (docs/deployment.md) buffers requests anyway.
HEADER_SECONDS = 10.0
REQUEST_SECONDS = 30.0
CONNECTION_LIMIT = 1000  # waitress's default, 100, is used up by a handful of slow clients
CHECK_SECONDS = 1  # how often the deadlines are checked


class _TimedParser(HTTPRequestParser):  # type: ignore[misc]
    """waitress's request parser, noting when the request's first byte arrived."""

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.monotonic()


class _TimedChannel(HTTPChannel):  # type: ignore[misc]
    parser_class = _TimedParser


def _close_slow_requests(server: Any, now: float) -> int:
    """Close connections whose request is arriving too slowly. Returns how many."""
    closed = 0
    for channel in list(server.active_channels.values()):
        request = channel.request
        if request is None or request.completed or not isinstance(request, _TimedParser):
            continue
        age = now - request.started
        if age > REQUEST_SECONDS or (age > HEADER_SECONDS and not request.headers_finished):
            channel.will_close = True  # closed by the loop on its next pass
            closed += 1
    if closed:
        log.warning("closed %d connection(s) sending their request too slowly", closed)
    return closed


class _LoggedBody:
    """The response body, passed through; logs the request's line when it is closed."""

    def __init__(
        self, body: Iterable[bytes], environ: WSGIEnvironment, status: list[str], started: float
    ) -> None:
        self._body = body
        self._environ = environ
        self._status = status
        self._started = started
        self._size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._size += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            env = self._environ
            query = env.get("QUERY_STRING", "")
            target = env.get("PATH_INFO", "") + (f"?{query}" if query else "")
            # The address is logged truncated, as the store keeps it: logs are not a
            # back door for the personal data the store is careful with.
            access_log.info(
                '%s "%s %s %s" %s %d %.1fms',
                truncate_ip(env.get("REMOTE_ADDR", "")) or "-",
                env.get("REQUEST_METHOD", "-"), target, env.get("SERVER_PROTOCOL", "-"),
                self._status[0] if self._status else "-", self._size,
                (time.perf_counter() - self._started) * 1000,
            )  # fmt: skip


def log_requests(app: WSGIApplication) -> WSGIApplication:
    """Wrap ``app`` so that every request logs one line once its answer is sent."""

    def logged(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def capture(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[:] = [code.split(" ", 1)[0]]
            return start_response(code, headers, exc_info)

        return _LoggedBody(app(environ, capture), environ, status, started)

    return logged


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


def _busy(channel: Any) -> bool:
    """A connection with a request being received, run or answered."""
    return bool(channel.requests or channel.request is not None or channel.total_outbufs_len)


class _Stop:
    """What the signal handler tells the loop. Plain attributes, no lock: a handler that
    took a lock could deadlock against itself when a second signal interrupts the first
    (as happens when a supervisor and the terminal both send one)."""

    requested = False
    forced = False


def _drain(server: Any, stop: _Stop) -> None:
    """Stop accepting, then run the loop until every request in flight is answered."""
    wasyncore.dispatcher.close(server)  # the listening socket only; the trigger stays
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline and not stop.forced:
        channels = list(server.active_channels.values())
        for channel in channels:
            if not _busy(channel):
                channel.handle_close()  # an idle keep-alive connection: nothing to lose
        if not any(_busy(channel) for channel in channels):
            return
        wasyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
    busy = sum(1 for channel in server.active_channels.values() if _busy(channel))
    if busy:
        log.warning("stopping with %d request(s) still unfinished", busy)


def make_server(app: WSGIApplication, host: str, port: int) -> Any:
    """A waitress server for ``app`` with Salon's settings, listening but not yet running."""
    _allow_open_files(CONNECTION_LIMIT + 64)
    try:
        server = create_server(
            log_requests(app), host=host, port=port, threads=THREADS, ident="salon",
            max_request_body_size=MAX_REQUEST_BODY, channel_timeout=60,
            clear_untrusted_proxy_headers=False, asyncore_use_poll=True,
            connection_limit=CONNECTION_LIMIT, cleanup_interval=CHECK_SECONDS,
        )  # fmt: skip
    except OSError as exc:
        raise CommentError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.channel_class = _TimedChannel
    idle_check = server.maintenance

    def maintenance(now: float) -> None:  # every CHECK_SECONDS, from waitress's loop
        idle_check(now)
        _close_slow_requests(server, time.monotonic())

    server.maintenance = maintenance
    return server


def _allow_open_files(wanted: int) -> None:
    """Raise this process's limit of open files towards ``wanted`` (one per connection)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):  # not POSIX, or not allowed: keep the limit
        pass


def serve_forever(config: SiteConfig, host: str, port: int) -> int:
    """Serve the comment service on host:port until SIGINT or SIGTERM. Returns 0."""
    _configure_logging()
    publisher = Publisher(config)
    # Before the first request: a feed left behind by a crash is written and the
    # manifest synced (the hook owed for it, and every later round, in the background).
    with open_store(config) as store:
        publisher.step_feed(store)
    publisher.start()
    stop = _Stop()
    made: list[Any] = []  # the server, once it exists

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.requested:
            stop.forced = True
        stop.requested = True
        # Wakes the loop at once (a write to a pipe, no lock); after the loop has ended
        # and closed the pipe there is nothing to wake.
        with contextlib.suppress(OSError):
            if made:
                made[0].pull_trigger()

    # Before the socket listens: a signal sent as soon as the port answers must find
    # this handler, not Python's default one (which ended the process with status -2).
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            previous[stop_signal] = signal.signal(stop_signal, on_signal)
    try:
        app = create_app(config, after_change=publisher.wake)
        server = make_server(app, host, port)
    except BaseException:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)
        publisher.stop()
        raise
    made.append(server)

    host_shown = str(server.effective_host)
    if ":" in host_shown:
        host_shown = f"[{host_shown}]"
    log.info(
        "Salon comment service for %s on http://%s:%s/ (comments at %s, moderation at "
        "/moderate); stop with Ctrl-C",
        config.title, host_shown, server.effective_port, endpoint_path(config),
    )  # fmt: skip
    try:
        while not stop.requested:
            wasyncore.loop(timeout=POLL_SECONDS, map=server._map, use_poll=True, count=1)
        log.info("stopping: finishing the requests in flight")
        _drain(server, stop)
    finally:
        # Worker threads finish the task they are running (a comment being stored)
        # before they exit; tasks never started are cancelled.
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=DRAIN_SECONDS)
        for channel in list(server.active_channels.values()):
            channel.handle_close()
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)
        server.trigger.close()
        worker = mail_worker(app)
        if worker is not None:  # the message being sent is finished; the rest waits
            worker.stop()
        finish(app)  # like counts still waiting wake the publisher once more
        publisher.stop()  # one last round: no saved change stays unexported
    log.info("stopped")
    return 0
