"""Comment service benchmark: sustained submissions per second and latency on loopback.

Runs `serve_forever` (waitress, Salon's settings) in a process of its own, then
several client processes, each on one keep-alive connection, post comments as the
script-enhanced form does (JSON with a signed form token, fetched beforehand and not
timed). Measured twice: with an empty store, and with 100,000 comments in it.

    .venv/bin/python bench/service_bench.py [--clients 4] [--requests 1500] [--fill 100000]

Clients and server share the machine, so on a small machine the figures include the
clients' own cost: they are a floor for what the service can do, not a ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import cpu_name  # noqa: E402
from generator.core.config import load_config  # noqa: E402
from generator.core.models import CommentStatus, StoredComment  # noqa: E402
from generator.service.actions import open_store  # noqa: E402
from generator.service.server import THREADS  # noqa: E402
from generator.service.store import new_comment_id  # noqa: E402

POSTS = {f"essay-{n}": {"title": f"Essay {n}", "url": f"/essays/{n}/", "open": True}
         for n in range(20)}  # fmt: skip
SITE_YAML = """title: Benchmark
base_url: https://bench.example
comments:
  service:
    rate_per_minute: 100000000
    rate_per_hour: 100000000
    min_seconds: 0
"""


def make_site(root: Path) -> Path:
    (root / ".salon").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    manifest = {"version": 1, "posts": POSTS}
    (root / ".salon" / "posts.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def start_server(root: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    script = (
        "import sys; from pathlib import Path; from generator.core.config import load_config; "
        "from generator.service.server import serve_forever; "
        f"sys.exit(serve_forever(load_config(Path({str(root)!r})), '127.0.0.1', 0))"
    )
    log = log_path.open("wb")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = re.search(r"on http://127\.0\.0\.1:(\d+)/", log_path.read_text())
        if match:
            return process, int(match.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise SystemExit("the service did not start:\n" + log_path.read_text())


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def client(port: int, worker: int, count: int, run: str, barrier: Any, results: Any) -> None:
    """One reader: fetch tokens (untimed), wait for the others, then post and time each."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    keys = list(POSTS)
    jobs = []
    for n in range(count):
        post = keys[(worker + n) % len(keys)]
        connection.request("GET", f"/api/comments/token?post={post}")
        token = json.loads(connection.getresponse().read())["token"]
        body = {
            "post": post, "parent": "", "name": f"Reader {worker}",
            "email": f"reader{worker}@mail.example", "website": "https://reader.example",
            "body": f"Run {run}, reader {worker}, comment {n}: a considered reply to the essay, "
            "long enough to look like the real thing, with a thought or two about the work.",
            "homepage": "", "token": token,
        }  # fmt: skip
        jobs.append(json.dumps(body))
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    barrier.wait()
    latencies = []
    for payload in jobs:
        started = time.perf_counter()
        connection.request("POST", "/api/comments", payload, headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started if response.status == 201 else -1.0)
    connection.close()
    results.put(latencies)


@dataclass(frozen=True)
class Result:
    label: str
    sent: int
    failed: int
    seconds: float
    p50: float
    p90: float
    p99: float
    worst: float

    def show(self) -> str:
        return (
            f"{self.label:<28} {self.sent - self.failed:>6} ok {self.failed:>3} failed  "
            f"{(self.sent - self.failed) / self.seconds:7.0f} submissions/s   "
            f"p50 {self.p50 * 1000:5.1f} ms  p90 {self.p90 * 1000:5.1f} ms  "
            f"p99 {self.p99 * 1000:5.1f} ms  max {self.worst * 1000:6.1f} ms"
        )


def run_load(port: int, clients: int, requests: int, label: str) -> Result:
    # Forked processes inherit the barrier and the queue (neither can be pickled).
    run = f"{label} {time.time_ns()}"  # every run's comments differ from earlier runs'
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    results = context.Queue()
    workers = [
        context.Process(target=client, args=(port, w, requests, run, barrier, results))
        for w in range(clients)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    batches = [results.get() for _ in workers]
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join()
    times = sorted(t for batch in batches for t in batch if t >= 0)
    failed = sum(1 for batch in batches for t in batch if t < 0)
    cuts = statistics.quantiles(times, n=100)
    return Result(label, clients * requests, failed, seconds, statistics.median(times),
                  cuts[89], cuts[98], times[-1])  # fmt: skip


def measure(root: Path, log: Path, clients: int, requests: int, label: str) -> Result:
    """Start the service, warm it up, measure, and stop it whatever happens."""
    process, port = start_server(root, log)
    try:
        run_load(port, clients, 100, "warm-up")
        return run_load(port, clients, requests, label)
    finally:
        stop_server(process)


def fill_store(root: Path, count: int) -> None:
    """Add ``count`` comments in one transaction: mostly approved, some pending and spam."""
    config = load_config(root)
    store = open_store(config)
    keys = list(POSTS)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    statuses = [CommentStatus.APPROVED] * 18 + [CommentStatus.PENDING, CommentStatus.SPAM]
    with store.transaction() as db:
        for n in range(count):
            comment = StoredComment(
                id=new_comment_id(), post=keys[n % len(keys)], parent=None,
                author=f"Earlier reader {n % 5000}", email=f"earlier{n % 5000}@mail.example",
                website="", body=f"Earlier comment number {n}, with a few words in it.",
                created=start + timedelta(minutes=n), status=statuses[n % len(statuses)],
                ip="192.0.2.0/24", user_agent="Bench/1.0",
            )  # fmt: skip
            store._insert(db, comment, "bench")  # one transaction, not 100,000
    store.close()


def machine() -> str:
    cpu = cpu_name()
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()} on "
        f"{platform.system()} {platform.release()}; waitress with {THREADS} threads"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--requests", type=int, default=1500, help="posts per client")
    parser.add_argument("--fill", type=int, default=100_000, help="comments for the full store")
    args = parser.parse_args()

    print(f"Machine: {machine()}")
    print(f"Load: {args.clients} client processes x {args.requests} JSON posts, keep-alive")
    with tempfile.TemporaryDirectory(prefix="salon-bench-") as tmp:
        root = make_site(Path(tmp) / "site")
        log = Path(tmp) / "service.log"

        empty = measure(root, log, args.clients, args.requests, "empty store")
        print(empty.show())

        began = time.perf_counter()
        fill_store(root, args.fill)
        with open_store(load_config(root)) as store:
            total = store.count()
        print(f"(filled the store to {total:,} comments in {time.perf_counter() - began:.1f} s)")

        full = measure(root, log, args.clients, args.requests, f"store of {total:,} comments")
        print(full.show())
        errors = [line for line in log.read_text().splitlines() if '" 5' in line]
        print(f"5xx answers in the request log: {len(errors)}")


if __name__ == "__main__":
    main()
