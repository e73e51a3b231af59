"""The comment service under a mixed load: open-loop submissions while a moderator
approves in a loop, `salon build` runs again and again, and a reader polls the public
feed. Afterwards every comment the service answered 201 for must be in the store exactly
once, and every read of the feed must have been a valid feed.

    .venv/bin/python -m bench.mixed_load [--rate 200] [--seconds 20] [--instances 1,2]
                                        [--stores sqlite,postgresql] [--pg URL]

It exits 1 when a comment was lost or duplicated or a feed read was invalid.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.service_bench import (  # noqa: E402
    POSTS,
    Result,
    make_site,
    postgres,
    run_load,
    start_server,
    stop_server,
)
from generator.contract.feed import parse_feed  # noqa: E402
from generator.core.config import load_config  # noqa: E402
from generator.core.errors import SiteError  # noqa: E402
from generator.core.models import CommentStatus  # noqa: E402
from generator.service import actions  # noqa: E402
from generator.service.feed_export import export_feed  # noqa: E402

ESSAY = "---\ntitle: Essay {n}\ndate: 2026-01-{day:02d} 09:00\nid: {key}\n---\n{text}\n"
TEXT = "A paragraph about the work, long enough to be an essay's opening. " * 12


def add_essays(root: Path) -> None:
    """The essays the fake manifest names, so that `salon build` has something to build."""
    posts = root / "content" / "posts"
    posts.mkdir(parents=True)
    for n, key in enumerate(POSTS):
        text = ESSAY.format(n=n, day=n % 28 + 1, key=key, text=TEXT)
        (posts / f"{key}.md").write_text(text, encoding="utf-8")


def moderator(root: Path, stop: Any, out: Any) -> None:
    """Approve what waits, up to 20 at a time, as `salon comments approve` does."""
    config = load_config(root)
    approved = failures = rounds = 0
    with actions.open_store(config) as store:
        while not stop.is_set():
            waiting = store.list_comments(CommentStatus.PENDING, limit=20)
            if not waiting:
                time.sleep(0.05)
                continue
            try:
                actions.set_status(config, store, [c.id for c in waiting],
                                   CommentStatus.APPROVED, "bench-moderator")  # fmt: skip
                approved += len(waiting)
            except SiteError:
                failures += 1
            rounds += 1
    out.put(("moderator", {"approved": approved, "rounds": rounds, "failures": failures}))


def builder(root: Path, stop: Any, out: Any) -> None:
    """`salon build`, again and again, reading the feed the service writes."""
    builds, failures, problems = 0, 0, []
    while not stop.is_set():
        done = subprocess.run(
            [sys.executable, "-m", "generator", "build"], cwd=root, capture_output=True,
            text=True, check=False,
        )  # fmt: skip
        builds += 1
        if done.returncode != 0:
            failures += 1
            problems.append(done.stderr.strip().splitlines()[-1:])
    out.put(("builder", {"builds": builds, "failures": failures, "problems": problems[:3]}))


def reader(root: Path, stop: Any, out: Any) -> None:
    """Read the public feed as a build or a download would, every 10 ms."""
    feed = root / "comments.json"
    reads = invalid = 0
    problems: list[str] = []
    while not stop.is_set():
        time.sleep(0.01)
        if not feed.exists():
            continue
        reads += 1
        try:
            comments = parse_feed(feed.read_bytes().decode("utf-8"), "comments.json")
            ids = [c.id for c in comments]
            if len(ids) != len(set(ids)):
                raise ValueError("a comment appears twice in the feed")
        except (SiteError, ValueError, UnicodeDecodeError) as exc:
            invalid += 1
            problems.append(str(exc)[:200])
    out.put(("reader", {"reads": reads, "invalid": invalid, "problems": problems[:3]}))


def check_store(root: Path, result: Result) -> dict[str, int]:
    """Every accepted comment stored once; the feed holds exactly what the store publishes."""
    config = load_config(root)
    with actions.open_store(config) as store:
        missing = sum(1 for cid in set(result.accepted) if store.find(cid) is None)
        rows = store.db.execute(
            "SELECT body, COUNT(*) FROM comments GROUP BY body HAVING COUNT(*) > 1"
        ).fetchall()
        export_feed(config, store)
        published = {c.id for c in store.public_comments()}
    in_feed = [c.id for c in parse_feed(config.feed_path.read_text("utf-8"), "comments.json")]
    return {
        "lost": missing,
        "duplicated": len(rows) + len(result.accepted) - len(set(result.accepted)),
        "feed_mismatch": len(published.symmetric_difference(in_feed)),
    }


ACTORS = {"moderator": moderator, "builder": builder, "reader": reader}


def mixed(
    root: Path, tmp: Path, instances: int, rate: float, seconds: float, label: str,
    actors_wanted: tuple[str, ...] = tuple(ACTORS),
) -> tuple[Result, dict[str, Any]]:  # fmt: skip
    started = [start_server(root, tmp / f"service-{i}.log") for i in range(instances)]
    context = multiprocessing.get_context("fork")
    stop, out = context.Event(), context.Queue()
    actors = [context.Process(target=ACTORS[name], args=(root, stop, out))
              for name in actors_wanted]  # fmt: skip
    try:
        ports = [port for _, port in started]
        run_load(ports, 50, 1, "warm-up")
        for actor in actors:
            actor.start()
        result = run_load(ports, rate, seconds, label)
        stop.set()
        figures: dict[str, Any] = dict(out.get(timeout=300) for _ in actors)
        for actor in actors:
            actor.join(timeout=60)
    finally:
        stop.set()
        for process, _ in started:
            stop_server(process)
    figures["errors_5xx"] = sum(
        1 for i in range(instances)
        for line in (tmp / f"service-{i}.log").read_text().splitlines() if '" 5' in line
    )  # fmt: skip
    figures["check"] = check_store(root, result)
    return result, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="arrivals per second (200)")
    parser.add_argument("--seconds", type=float, default=20, help="length of each run (20)")
    parser.add_argument("--instances", default="1,2", help="instance counts to run (1,2)")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--pg", default="", help="a PostgreSQL server's URL (else one is started)")
    parser.add_argument("--actors", default=",".join(ACTORS),
                        help="beside the submissions (moderator,builder,reader)")  # fmt: skip
    args = parser.parse_args()
    wanted = tuple(name for name in args.actors.split(",") if name)
    print(f"Load average {os.getloadavg()[0]:.1f} at the start; {args.rate:.0f} submissions/s "
          f"for {args.seconds:.0f} s, with a moderator, builds and a feed reader")  # fmt: skip
    broken = False
    with postgres(args.pg) as fresh_db:
        for kind in args.stores.split(","):
            if kind == "postgresql" and fresh_db is None:
                continue
            for instances in (int(n) for n in args.instances.split(",")):
                with tempfile.TemporaryDirectory(prefix="salon-mixed-") as name:
                    tmp = Path(name)
                    url = fresh_db(f"mixed_{instances}") if kind == "postgresql" else ""
                    root = make_site(tmp / "site", url)
                    add_essays(root)
                    label = f"{kind}, {instances} instance{'s' if instances > 1 else ''}, mixed"
                    result, figures = mixed(root, tmp, instances, args.rate, args.seconds,
                                            label, wanted)  # fmt: skip
                    print(result.show(), flush=True)
                    print("   ", json.dumps(figures), flush=True)
                    check = figures["check"]
                    invalid = figures.get("reader", {}).get("invalid", 0)
                    broken |= any(check.values()) or invalid > 0
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
