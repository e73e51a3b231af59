"""Moderation latency as the site grows: one approve, reject or edit, and a bulk approve of
100, with 1,000 / 10,000 / 100,000 approved comments, on SQLite and (if a URL is given)
PostgreSQL. The action is timed as the service runs it: the change saved (with its feed
lines) and the background publisher woken; the export that follows is timed apart.

    .venv/bin/python bench/moderation_bench.py [--sizes 1000,10000,100000] [--pg URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.core.config import load_config  # noqa: E402
from generator.core.models import CommentStatus, StoredComment  # noqa: E402
from generator.service import actions  # noqa: E402
from generator.service.feed_export import export_feed  # noqa: E402

SITE = "title: Bench\nbase_url: https://bench.example\ncomments:\n  enabled: true\n{store}"


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)] * 1000


def run(size: int, store_line: str) -> str:
    root = Path(tempfile.mkdtemp(prefix="salon-modbench-"))
    (root / "site.yaml").write_text(SITE.format(store=store_line))
    config = load_config(root)
    store = actions.open_store(config)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with store.transaction() as db:
        for n in range(size + 400):
            status = CommentStatus.APPROVED if n < size else CommentStatus.PENDING
            store._insert(db, StoredComment(
                id=f"c{n:07d}", post=f"essay-{n % 20}", parent=None, author=f"Reader {n}",
                email=f"r{n}@mail.example", website="", body=f"Comment number {n}, some words.",
                created=start + timedelta(minutes=n), status=status,
            ), "bench")  # fmt: skip
    export_feed(config, store)
    store.after_change = lambda: None  # as in the service: the publisher is only woken
    single: list[float] = []
    for n in range(100):
        cid = f"c{size + n:07d}"
        began = time.perf_counter()
        actions.set_status(config, store, [cid], CommentStatus.APPROVED, "bench", background=True)
        single.append(time.perf_counter() - began)
    edits: list[float] = []
    for n in range(50):
        began = time.perf_counter()
        actions.edit(config, store, f"c{n:07d}", actions.Changes(body=f"Edited {n}."), "bench",
                     background=True)  # fmt: skip
        edits.append(time.perf_counter() - began)
    bulk_ids = [f"c{size + 100 + n:07d}" for n in range(100)]
    began = time.perf_counter()
    actions.set_status(config, store, bulk_ids, CommentStatus.APPROVED, "bench", background=True)
    bulk = time.perf_counter() - began
    began = time.perf_counter()
    export_feed(config, store)
    export = time.perf_counter() - began
    store.close()
    return (f"{size:>7} approved: approve p99 {p99(single):6.1f} ms, edit p99 {p99(edits):6.1f} "
            f"ms, bulk 100 {bulk * 1000:7.1f} ms, background export {export * 1000:7.1f} ms "
            f"(median approve {statistics.median(single) * 1000:.1f} ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--pg", default="", help="a PostgreSQL URL of an empty database")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print("SQLite     ", run(size, ""), flush=True)
        if args.pg:
            print("PostgreSQL ", run(size, f"  store: {args.pg}\n"), flush=True)


if __name__ == "__main__":
    main()
