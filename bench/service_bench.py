"""Comment service benchmark: open-loop submissions on loopback, and moderation latency.

Runs `serve_forever` (waitress, Salon's settings) in one or several processes of their
own on one store, then client processes that post comments as the script-enhanced form
does (JSON with a signed form token, fetched beforehand and not timed) at a fixed
arrival rate: each request has a scheduled send time, and its latency is counted from
that time, so a server that falls behind shows it (a closed loop, waiting for each
answer before the next, would hide it). Requests go round-robin to the instances.

Measured for one and two instances, on SQLite and on PostgreSQL (a server started in a
temporary folder as the tests do, or --pg URL of an empty database), with an empty
store and with 100,000 comments; then moderation (one approve, an edit, a bulk approve
of 100) at 1,000 / 10,000 / 100,000 approved comments (bench/moderation_bench.py).

    .venv/bin/python bench/service_bench.py [--rate 400] [--seconds 10] [--fill 100000]

Clients and server share the machine, so the figures include the clients' own cost.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import cpu_name  # noqa: E402
from bench.moderation_bench import run as moderation_run  # noqa: E402
from generator.contract.feed import feed_line  # noqa: E402
from generator.core.config import load_config  # noqa: E402
from generator.core.models import CommentStatus, PublicComment  # noqa: E402
from generator.service.actions import open_store  # noqa: E402
from generator.service.feed_export import export_feed  # noqa: E402
from generator.service.server import THREADS  # noqa: E402
from generator.service.store_schema import body_hash, time_text  # noqa: E402

CLIENTS = 4  # client processes
THREADS_PER_CLIENT = 8  # connections per client process: at most 32 requests in flight
POSTS = {f"essay-{n}": {"title": f"Essay {n}", "url": f"/essays/{n}/", "open": True}
         for n in range(20)}  # fmt: skip
# Readers come from many addresses, as on a real site (behind the reverse proxy that
# tells the service each one's address): the default rate limits apply per address.
SITE_YAML = """title: Benchmark
base_url: https://bench.example
comments:
{store}  service:
    trusted_proxies: 1
    min_seconds: 0
"""


def make_site(root: Path, store_url: str) -> Path:
    (root / ".salon").mkdir(parents=True)
    store = f"  store: {store_url}\n" if store_url else ""
    (root / "site.yaml").write_text(SITE_YAML.format(store=store), encoding="utf-8")
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
    deadline = time.monotonic() + 60
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


def client(
    ports: list[int], worker: int, rate: float, seconds: float, run: str, start_at: Any,
    barrier: Any, results: Any,
) -> None:  # fmt: skip
    """One client process: its share of the arrivals, on THREADS_PER_CLIENT connections."""
    keys = list(POSTS)
    share = rate / CLIENTS
    count = int(share * seconds)
    # Request n of this client is due at start + (n + worker/CLIENTS) / share.
    schedule = [(n + worker / CLIENTS) / share for n in range(count)]
    payloads: list[tuple[int, str]] = []
    connections = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                   for port in ports}  # fmt: skip
    for n in range(count):
        port = ports[(worker + n * CLIENTS) % len(ports)]
        post = keys[(worker + n) % len(keys)]
        connection = connections[port]
        connection.request("GET", f"/api/comments/token?post={post}")
        token = json.loads(connection.getresponse().read())["token"]
        payloads.append((port, json.dumps({
            "post": post, "parent": "", "name": f"Reader {worker}",
            "email": f"reader{worker}@mail.example", "website": "https://reader.example",
            "body": f"Run {run}, reader {worker}, comment {n}: a considered reply to the essay, "
            "long enough to look like the real thing, with a thought or two about the work.",
            "homepage": "", "token": token,
        })))  # fmt: skip
    for connection in connections.values():
        connection.close()
    latencies: list[float] = [0.0] * count
    accepted: list[str] = [""] * count  # the id of each comment the service took
    barrier.wait()  # every client has its tokens ...
    barrier.wait()  # ... and the start time is set
    start = start_at.value

    def sender(lane: int) -> None:
        mine = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in ports}
        for n in range(lane, count, THREADS_PER_CLIENT):
            due = start + schedule[n]
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            port, payload = payloads[n]
            reader = worker + n * CLIENTS  # one address each
            headers = {"Content-Type": "application/json", "Accept": "application/json",
                       "X-Forwarded-For": f"10.{reader // 65536 % 256}.{reader // 256 % 256}."
                       f"{reader % 256}"}  # fmt: skip
            try:
                mine[port].request("POST", "/api/comments", payload, headers)
                response = mine[port].getresponse()
                answer = response.read()
                ok = response.status == 201
                if ok:
                    accepted[n] = json.loads(answer)["id"]
            except OSError:
                ok = False
                mine[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            latencies[n] = time.time() - due if ok else -1.0

    lanes = [threading.Thread(target=sender, args=(i,)) for i in range(THREADS_PER_CLIENT)]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()
    results.put((latencies, accepted))


@dataclass(frozen=True)
class Result:
    label: str
    accepted: tuple[str, ...]  # the ids the service answered 201 with
    rate: float
    sent: int
    failed: int
    seconds: float
    p50: float
    p99: float
    worst: float

    def show(self) -> str:
        held = "held" if self.p99 < 0.05 and not self.failed else "NOT held"
        done = (self.sent - self.failed) / self.seconds
        return (
            f"{self.label:<38} {self.rate:5.0f}/s offered: {done:6.0f}/s done, "
            f"{self.failed} failed, p50 {self.p50 * 1000:6.1f} ms, "
            f"p99 {self.p99 * 1000:7.1f} ms, max {self.worst * 1000:7.1f} ms "
            f"({held}: p99 < 50 ms)"
        )


def run_load(ports: list[int], rate: float, seconds: float, label: str) -> Result:
    run = f"{label} {time.time_ns()}"
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(CLIENTS + 1)
    start_at = context.Value("d", 0.0)
    results = context.Queue()
    workers = [
        context.Process(target=client,
                        args=(ports, w, rate, seconds, run, start_at, barrier, results))
        for w in range(CLIENTS)
    ]  # fmt: skip
    for worker in workers:
        worker.start()
    barrier.wait()  # every client has fetched its tokens
    start_at.value = start_at_value = time.time() + 0.2
    barrier.wait()
    answers = [results.get() for _ in workers]
    batches = [latencies for latencies, _ in answers]
    accepted = tuple(cid for _, ids in answers for cid in ids if cid)
    seconds_taken = time.time() - start_at_value
    for worker in workers:
        worker.join()
    times = sorted(t for batch in batches for t in batch if t >= 0)
    failed = sum(1 for batch in batches for t in batch if t < 0)
    p99 = times[max(0, int(len(times) * 0.99) - 1)] if times else float("inf")
    median = times[len(times) // 2] if times else float("inf")
    return Result(label, accepted, rate, sum(len(b) for b in batches), failed, seconds_taken,
                  median, p99, times[-1] if times else float("inf"))  # fmt: skip


def fill_store(root: Path, count: int) -> int:
    """``count`` comments, mostly approved (with their feed lines), in one transaction."""
    config = load_config(root)
    store = open_store(config)
    secret = store.secret()
    keys = list(POSTS)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    statuses = [CommentStatus.APPROVED] * 18 + [CommentStatus.PENDING, CommentStatus.SPAM]
    rows = []
    for n in range(count):
        cid, post, status = f"f{n:07d}", keys[n % len(keys)], statuses[n % len(statuses)]
        created = start + timedelta(minutes=n)
        body = f"Earlier comment number {n}, with a few words in it."
        line = ""
        if status is CommentStatus.APPROVED:
            line = feed_line(PublicComment(
                id=cid, post=post, parent=None, author=f"Earlier reader {n % 5000}",
                website="", body=body, created=created, avatar=secret.hex()[:16]))  # fmt: skip
        rows.append((cid, post, f"Earlier reader {n % 5000}", f"earlier{n % 5000}@mail.example",
                     body, time_text(created), status.value, "192.0.2.0/24", "Bench/1.0",
                     body_hash(post, body), line))  # fmt: skip
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO comments (id, post, author, email, body, created, status, ip, "
            "user_agent, body_hash, feed_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute("INSERT INTO counters VALUES ('changes', 1) ON CONFLICT (name) "
                   "DO UPDATE SET value = counters.value + 1")  # fmt: skip
    total = store.count()
    export_feed(config, store)  # as on a running site: the feed is current before the load
    store.close()
    return total


def measure(root: Path, tmp: Path, instances: int, rate: float, seconds: float, label: str
            ) -> tuple[Result, int]:  # fmt: skip
    """Start the instances, warm them up, measure, stop them whatever happens."""
    started = [start_server(root, tmp / f"service-{i}.log") for i in range(instances)]
    try:
        ports = [port for _, port in started]
        run_load(ports, 100, 2, "warm-up")
        return run_load(ports, rate, seconds, label), 0
    finally:
        for process, _ in started:
            stop_server(process)
        errors = sum(
            1 for i in range(instances)
            for line in (tmp / f"service-{i}.log").read_text().splitlines() if '" 5' in line
        )  # fmt: skip
        if errors:
            print(f"  ({errors} 5xx answers in the request logs)")


@contextlib.contextmanager
def postgres(url: str) -> Iterator[Any]:
    """A function giving a fresh database URL: on --pg's server, or one started here."""
    if url:
        import psycopg

        def fresh_on(name: str) -> str:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
                conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
            return url.rsplit("/", 1)[0] + "/" + name

        yield fresh_on
        return
    os.environ.pop("CI", None)
    try:
        from tests.pg_server import create_database, running_server

        with running_server() as server:
            yield lambda name: create_database(server, name)
    except BaseException as exc:  # pytest's skip outside pytest: no PostgreSQL here
        if type(exc).__name__ in ("Skipped", "Failed"):
            print(f"(PostgreSQL not available: {exc})")
            yield None
        else:
            raise


def machine() -> str:
    return (
        f"{cpu_name()}, {os.cpu_count()} cores; Python {platform.python_version()} on "
        f"{platform.system()} {platform.release()}; waitress with {THREADS} threads"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=400, help="arrivals per second (400)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each run (10)")
    parser.add_argument("--fill", type=int, default=100_000, help="comments for the full store")
    parser.add_argument("--instances", default="1,2", help="instance counts to run (1,2)")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--pg", default="", help="a PostgreSQL server's URL (else one is started)")
    parser.add_argument("--moderation", default="1000,10000,100000",
                        help="approved-comment counts for moderation ('' to skip)")  # fmt: skip
    args = parser.parse_args()
    counts = [int(n) for n in args.instances.split(",")]

    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"Load: open loop, {args.rate:.0f} arrivals/s for {args.seconds:.0f} s, "
          f"{CLIENTS} clients x {THREADS_PER_CLIENT} connections, round-robin")  # fmt: skip
    with postgres(args.pg) as fresh_db:
        for kind in args.stores.split(","):
            if kind == "postgresql" and fresh_db is None:
                continue
            for full in (False, True):
                for instances in counts:
                    with tempfile.TemporaryDirectory(prefix="salon-bench-") as name:
                        tmp = Path(name)
                        url = (
                            fresh_db(f"bench_{int(full)}_{instances}")
                            if kind == "postgresql"
                            else ""
                        )
                        root = make_site(tmp / "site", url)
                        total = fill_store(root, args.fill) if full else 0
                        plural = "s" if instances > 1 else ""
                        label = f"{kind}, {instances} instance{plural}, {total:,} comments"
                        result, _ = measure(root, tmp, instances, args.rate, args.seconds, label)
                        print(f"{result.show()} [load {os.getloadavg()[0]:.1f}]", flush=True)
        if args.moderation:
            print("Moderation (the action as the service runs it; the export follows apart):")
            for size in (int(s) for s in args.moderation.split(",")):
                print("  sqlite    ", moderation_run(size, ""), flush=True)
                if fresh_db is not None and "postgresql" in args.stores:
                    url = fresh_db(f"bench_mod_{size}")
                    print("  postgresql", moderation_run(size, f"  store: {url}\n"), flush=True)


if __name__ == "__main__":
    main()
