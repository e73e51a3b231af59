"""Notifications benchmark: submission → moderator mail latency, outbox messages per
second, and an essay sent to 10,000 followers. Real parts throughout: the comment
service on waitress (in this process), an aiosmtpd server on loopback, the store on
SQLite (and on PostgreSQL with --postgres, a server started in a temporary folder).

    .venv/bin/python bench/notify_bench.py [--submissions 50] [--messages 2000]
                                           [--followers 10000] [--postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import cpu_name  # noqa: E402
from generator.contract.posts_manifest import PostInfo  # noqa: E402
from generator.service import outbox  # noqa: E402
from generator.service import subscribers as subs  # noqa: E402
from generator.service.notify import Notifier  # noqa: E402
from generator.service.outbox_worker import Sender  # noqa: E402
from generator.service.store import CommentStore  # noqa: E402
from tests.mail_support import mail_site  # noqa: E402
from tests.service_support import ServiceServer, comment_fields  # noqa: E402
from tests.smtp_server import SmtpServer  # noqa: E402

FAST = "service:\n  rate_per_minute: 100000\n  rate_per_hour: 1000000"


class WallClock:
    def __call__(self) -> float:
        return time.time()

    def advance(self, seconds: float) -> None:  # the tests' clock interface; time moves itself
        return None


def latency(root: Path, smtp: SmtpServer, count: int) -> list[float]:
    """Seconds from sending a comment to the moderator's mail arriving, one at a time."""
    config = mail_site(root, smtp.url, comments=FAST)
    seen = len(smtp.messages)
    times = []
    with ServiceServer(config, WallClock()) as server:  # type: ignore[arg-type]
        client = server.client()
        for number in range(count):
            started = time.perf_counter()
            client.post_form(comment_fields(body=f"Comment number {number} for the bench."))
            while len(smtp.messages) <= seen:
                time.sleep(0.0005)
            times.append(time.perf_counter() - started)
            seen += 1
    return times


def fill_and_drain(root: Path, smtp: SinkServer, location: Path | str, count: int) -> float:
    """Queue ``count`` messages, then send them all; messages per second."""
    config = mail_site(
        root, smtp.url, comments=f'store: "{location}"' if isinstance(location, str) else ""
    )
    with CommentStore.open(location) as store:
        with store.transaction() as db:
            for n in range(count):
                outbox.queue(db, f"bench:{n}", outbox.Kind.EMAIL, f"r{n}@bench.example",
                             {"template": "confirm_follow", "subject": "Confirm?",
                              "context": {"confirm": "https://x.example/c", "days": 7}},
                             0.0, "bench.example")  # fmt: skip
        sender = Sender(config, store, time.time)
        started = time.perf_counter()
        while sender.round():
            pass
        elapsed = time.perf_counter() - started
        assert outbox.counts(store.db)[outbox.State.SENT] == count
    return count / elapsed


def followers(
    root: Path, smtp: SmtpServer, location: Path | str, count: int
) -> tuple[float, float, float]:
    """(seconds to queue an essay for ``count`` followers, seconds to send it all, msg/s)."""
    store_line = f'store: "{location}"' if isinstance(location, str) else ""
    following = "followers:\n  enabled: true\n  per_minute: 100000000"
    config = mail_site(root, smtp.url, email=following, comments=store_line)
    now = time.time()
    with CommentStore.open(location) as store:
        with store.transaction() as db:
            db.executemany(
                "INSERT INTO addresses (email, key, confirmed) VALUES (?, ?, ?)",
                [(f"f{n}@bench.example", f"k{n}", now) for n in range(count)],
            )
            db.executemany(
                "INSERT INTO followers (email, created, confirmed) VALUES (?, ?, ?)",
                [(f"f{n}@bench.example", now, now) for n in range(count)],
            )
        essay = PostInfo("new", "A New Essay", "/new/", True, "2030-01-01T00:00:00+00:00",
                         "<p>" + "An excerpt of a few sentences. " * 8 + "</p>")  # fmt: skip
        started = time.perf_counter()
        with store.transaction() as db:
            queued = Notifier.of(config, store.secret()).announce(db, essay, now)
        queue_seconds = time.perf_counter() - started
        assert queued == count
        sender = Sender(config, store, time.time)
        started = time.perf_counter()
        while sender.round():
            pass
        send_seconds = time.perf_counter() - started
        assert outbox.counts(store.db)[outbox.State.SENT] == count
        assert subs.follower_counts(store.db) == (count, 0)
    return queue_seconds, send_seconds, count / send_seconds


class SinkServer:
    """aiosmtpd in a process of its own, accepting and discarding: the sender's own cost
    is measured, not the test server's parsing (which would share this process's GIL)."""

    def __init__(self) -> None:
        from tests.smtp_server import free_port

        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
             "-l", f"127.0.0.1:{self.port}"],
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise SystemExit("the SMTP sink did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


@contextlib.contextmanager
def locations(folder: Path, postgres: bool) -> Iterator[list[tuple[str, Path | str, Path | str]]]:
    found: list[tuple[str, Path | str, Path | str]] = [
        ("SQLite", folder / "a.sqlite3", folder / "b.sqlite3")
    ]
    if not postgres:
        yield found
        return
    from tests.pg_server import create_database, running_server

    with running_server() as server:
        found.append(("PostgreSQL", create_database(server, "bench_a"),
                      create_database(server, "bench_b")))  # fmt: skip
        yield found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(f"machine: {cpu_name()}")
    smtp = SmtpServer()
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            times = latency(folder / "latency", smtp, args.submissions)
            print(f"submission → moderator mail ({len(times)} comments, SQLite): "
                  f"median {statistics.median(times) * 1000:.1f} ms, "
                  f"p95 {sorted(times)[int(len(times) * 0.95) - 1] * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms")  # fmt: skip
            smtp.stop()
            smtp = SinkServer()  # type: ignore[assignment]
            with locations(folder, args.postgres) as where:
                for name, first, second in where:
                    rate = fill_and_drain(folder / f"drain-{name}", smtp, first,  # type: ignore[arg-type]
                                          args.messages)  # fmt: skip
                    print(
                        f"outbox ({name}): {args.messages} messages sent at {rate:.0f}/s "
                        "(rendered from the theme, one SMTP connection a batch of 50)"
                    )
                    queue_s, send_s, per_s = followers(folder / f"f-{name}", smtp, second,  # type: ignore[arg-type]
                                                       args.followers)  # fmt: skip
                    print(
                        f"{args.followers:,} followers ({name}): queued in {queue_s:.2f} s, "
                        f"all sent in {send_s:.1f} s ({per_s:.0f}/s unthrottled); at the "
                        f"default pace of 300 a minute: {args.followers / 300:.0f} minutes"
                    )
    finally:
        smtp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
