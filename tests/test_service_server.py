"""`serve_forever` in a process of its own, as `salon comments serve` runs it: one log
line per request, a graceful stop on SIGTERM that finishes the submission in flight,
and the "no lost comment" run: many processes posting while a moderator approves and
a reader polls the public feed."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from generator.core.config import SiteConfig, load_config
from generator.core.errors import CommentError
from generator.service.server import serve_forever
from tests.service_support import (
    SITE_ORIGIN,
    Client,
    Moderator,
    comment_fields,
    make_site,
    set_password,
    store_of,
)

REPO = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"on http://127\.0\.0\.1:(\d+)/")


@dataclass
class ServiceProcess:
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def stop(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


@pytest.fixture
def start_service(tmp_path: Path) -> Iterator[object]:
    started: list[ServiceProcess] = []

    def start(config: SiteConfig) -> ServiceProcess:
        log_path = tmp_path / f"service-{len(started)}.log"
        script = (
            "import sys; from pathlib import Path; from generator.core.config import load_config; "
            "from generator.service.server import serve_forever; "
            f"sys.exit(serve_forever(load_config(Path({str(config.root)!r})), '127.0.0.1', 0))"
        )
        with log_path.open("wb") as log:
            process = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stderr=log,
                                       stdout=log)  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            match = LISTENING.search(log_path.read_text(encoding="utf-8"))
            if match:
                service = ServiceProcess(process, log_path, int(match.group(1)))
                started.append(service)
                return service
            assert process.poll() is None, log_path.read_text(encoding="utf-8")
            time.sleep(0.05)
        process.kill()
        raise AssertionError("the service did not start: " + log_path.read_text())

    yield start
    for service in started:
        if service.process.poll() is None:
            service.process.kill()
            service.process.wait()


def test_serve_forever_logs_one_line_per_request_and_stops_on_sigterm(
    tmp_path: Path, start_service: object
) -> None:
    config = make_site(tmp_path / "site")
    service = start_service(config)  # type: ignore[operator]
    client = Client(service.port)
    assert client.get("/health").status == 200
    assert client.post_json(comment_fields()).status == 201
    assert client.get("/nowhere").status == 404
    assert service.stop() == 0
    lines = service.log().splitlines()
    requests = [line for line in lines if '" ' in line and "HTTP/1.1" in line]
    assert len(requests) == 3
    # Each request's line is logged once its answer is sent, by the thread that served it, so
    # on a loaded machine two lines may swap places: match each pattern to exactly one line.
    patterns = [
        r' 127\.0\.0\.0/24 "GET /health HTTP/1\.1" 200 \d+ [\d.]+ms$',
        r'"POST /api/comments HTTP/1\.1" 201 ',
        r'"GET /nowhere HTTP/1\.1" 404 ',
    ]
    for pattern in patterns:
        assert sum(1 for line in requests if re.search(pattern, line)) == 1, (pattern, requests)
    assert "127.0.0.1" not in "\n".join(requests)  # addresses are logged truncated
    assert lines[-1].endswith("stopped")


def test_a_submission_in_flight_when_stopping_is_not_lost(
    tmp_path: Path, start_service: object
) -> None:
    config = make_site(tmp_path / "site")
    service = start_service(config)  # type: ignore[operator]
    body = json.dumps(comment_fields(body="Sent while the server stops.")).encode()
    sock = socket.create_connection(("127.0.0.1", service.port))
    sock.sendall(
        b"POST /api/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Accept: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        + body[:20]
    )  # fmt: skip
    time.sleep(0.5)
    service.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    # No new connections once stopping ...
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", service.port), timeout=2)
    # ... but the request already begun is finished and answered.
    sock.sendall(body[20:])
    answer = sock.makefile("rb").read()
    sock.close()
    assert answer.startswith(b"HTTP/1.1 201"), answer
    comment_id = json.loads(answer.split(b"\r\n\r\n", 1)[1])["id"]
    assert service.process.wait(timeout=30) == 0
    with store_of(load_config(config.root)) as store:
        assert store.get(comment_id).body == "Sent while the server stops."


def test_signals_in_quick_succession_still_stop_it(tmp_path: Path, start_service: object) -> None:
    # A supervisor and a terminal may both signal at once; the handler must not block.
    for _ in range(3):
        service = start_service(make_site(tmp_path / "site"))  # type: ignore[operator]
        for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGINT):
            service.process.send_signal(stop_signal)
        assert service.process.wait(timeout=20) == 0
        assert service.log().splitlines()[-1].endswith("stopped")


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommentError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: "):
            serve_forever(config, "127.0.0.1", port)


# -- no lost comment ------------------------------------------------------------------------

WORKERS = 8
PER_WORKER = 250


def post_many(port: int, worker: int, count: int) -> list[tuple[str, int, str]]:
    """One reader process: (body, status, id) for each comment it sends, on one
    keep-alive connection; every third is a plain form post, the others JSON with a token."""
    results: list[tuple[str, int, str]] = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for n in range(count):
        body = f"Worker {worker}, comment {n}: a thought worth keeping."
        fields = comment_fields(body=body, name=f"Reader {worker}", post=("hello", "second")[n % 2])
        if n % 3 == 0:
            payload, headers = (
                urlencode(fields),
                {"Content-Type": "application/x-www-form-urlencoded", "Origin": SITE_ORIGIN},
            )
        else:
            connection.request("GET", f"/api/comments/token?post={fields['post']}")
            token_reply = connection.getresponse()
            fields["token"] = json.loads(token_reply.read())["token"]
            payload, headers = json.dumps(fields), {
                "Content-Type": "application/json", "Accept": "application/json"}  # fmt: skip
        connection.request("POST", "/api/comments", payload, headers)
        response = connection.getresponse()
        answer = response.read()
        comment_id = json.loads(answer)["id"] if response.status == 201 else ""
        results.append((body, response.status, comment_id))
    connection.close()
    return results


def _worker(args: tuple[int, int, int]) -> list[tuple[str, int, str]]:
    return post_many(*args)


@pytest.mark.slow
def test_no_comment_is_lost_under_concurrent_load(tmp_path: Path, start_service: object) -> None:
    config = make_site(
        tmp_path / "site",
        service="rate_per_minute: 1000000\nrate_per_hour: 1000000\nmin_seconds: 0",
    )
    set_password(config)
    service = start_service(config)  # type: ignore[operator]
    client = Client(service.port)
    done = threading.Event()
    problems: list[str] = []
    feed_reads = [0]
    approvals = [0]

    def read_feed() -> None:
        while not done.is_set():
            try:
                text = config.feed_path.read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            try:
                json.loads(text)
            except ValueError as exc:
                problems.append(f"feed not valid JSON: {exc}")
            feed_reads[0] += 1
            time.sleep(0.005)

    def moderate() -> None:
        mod = Moderator(client)
        if mod.login().status != 303:
            problems.append("moderator could not log in")
            return
        while True:
            finished = done.is_set()
            page = mod.page("/moderate")
            if page.status >= 500:
                problems.append(f"moderation page answered {page.status}")
            ids = re.findall(r'name="ids" value="([^"]+)"', page.text)
            if ids:
                reply = mod.act("approve", ids)
                if reply.status != 303:
                    problems.append(f"approve answered {reply.status}")
                approvals[0] += len(ids)
            elif finished:
                return
            time.sleep(0.02)

    helpers = [threading.Thread(target=read_feed), threading.Thread(target=moderate)]
    for thread in helpers:
        thread.start()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        batches = pool.map(_worker, [(service.port, w, PER_WORKER) for w in range(WORKERS)])
    seconds = time.perf_counter() - started
    done.set()
    for thread in helpers:
        thread.join(timeout=120)

    sent = [item for batch in batches for item in batch]
    statuses = {status for _, status, _ in sent}
    assert statuses <= {201, 303}, f"unexpected answers: {statuses}"
    assert problems == []
    assert feed_reads[0] > 10
    with store_of(load_config(config.root)) as store:
        rows = store.db.execute("SELECT id, body, status FROM comments").fetchall()
        by_body: dict[str, list[tuple[str, str]]] = {}
        for cid, body, status in rows:
            by_body.setdefault(body, []).append((cid, status))
        for body, _status, comment_id in sent:
            assert len(by_body.get(body, [])) == 1, f"{body!r} stored {by_body.get(body)}"
            if comment_id:
                assert by_body[body][0][0] == comment_id
        assert len(rows) == WORKERS * PER_WORKER
        assert {status for _, _, status in rows} == {"approved"}
    assert approvals[0] == WORKERS * PER_WORKER
    # The feed is written in the background (within a second); stopping writes it last.
    assert service.stop() == 0
    feed = json.loads(config.feed_path.read_text(encoding="utf-8"))
    assert len(feed["comments"]) == WORKERS * PER_WORKER
    log = service.log()
    assert "internal error" not in log
    assert '" 5' not in log  # no 5xx in the request log
    print(f"\n{WORKERS * PER_WORKER} comments in {seconds:.1f} s with moderation and feed reads")


@pytest.mark.slow
def test_stopping_under_load_loses_no_answered_comment(
    tmp_path: Path, start_service: object
) -> None:
    config = make_site(
        tmp_path / "site", service="rate_per_minute: 1000000\nrate_per_hour: 1000000"
    )
    service = start_service(config)  # type: ignore[operator]
    answered: list[str] = []
    errors: list[str] = []

    def send(worker: int) -> None:
        for n in range(10_000):
            try:
                reply = Client(service.port).post_json(
                    comment_fields(body=f"Load {worker}-{n}, sent during shutdown.")
                )
            except OSError:
                return  # the server has stopped listening
            if reply.status == 201:
                answered.append(reply.json()["id"])
            else:
                errors.append(f"{reply.status}: {reply.text}")

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    assert service.stop() == 0
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(answered) > 20
    with store_of(load_config(config.root)) as store:
        ids = {row[0] for row in store.db.execute("SELECT id FROM comments")}
    # Every comment stored was answered, and every answer is stored: a request the server
    # had taken in was finished and its answer delivered before the process ended.
    assert ids == set(answered)
