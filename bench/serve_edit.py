"""Time from saving an essay to its updated page on disk, under `salon serve`.

`python -m bench.serve_edit SITE [--edits 5]` starts the dev server on SITE (a corpus
made by bench.corpus), edits an essay several times, and prints each delay.
"""

from __future__ import annotations

import argparse
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: object, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():  # type: ignore[operator]
            return time.perf_counter() - start
        time.sleep(0.002)
    raise TimeoutError("timed out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    site: Path = args.site.resolve()
    posts = sorted((site / "content" / "posts").glob("*.md"))
    essay = posts[len(posts) // 2]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "watching for changes" in line:
                break
        rebuilt = queue.Queue[str]()

        def follow(stream: IO[str]) -> None:
            for line in stream:
                if line.startswith("[serve] content"):
                    rebuilt.put(line)

        threading.Thread(target=follow, args=(server.stdout,), daemon=True).start()
        outputs = list((site / "output").rglob(f"{essay.stem}/index.html"))
        page = outputs[0]
        delays = []
        for number in range(args.edits):
            marker = f"edit-marker-{time.time_ns()}"
            text = essay.read_text(encoding="utf-8")
            body_at = text.index("\n---\n") + 5
            saved = time.perf_counter()
            essay.write_text(text[:body_at] + marker + " " + text[body_at:], encoding="utf-8")
            wait_for(lambda m=marker: m in page.read_text(encoding="utf-8"), 60)
            delays.append((time.perf_counter() - saved) * 1000)
            print(f"edit {number + 1}: page on disk after {delays[-1]:.0f} ms", flush=True)
            # The author reads before saving again: let the full rebuild finish first.
            print(f"  full rebuild: {rebuilt.get(timeout=120).strip()}", flush=True)
        print(f"median {statistics.median(delays):.0f} ms, worst {max(delays):.0f} ms")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
