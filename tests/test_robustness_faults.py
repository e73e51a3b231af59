"""Builds under real signals: SIGKILL leaves no worker behind, Ctrl-C prints one line, two
builds at once take turns, and a build killed while writing output/ is finished by the
next command. Each runs `salon build` as a real process on a generated site."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from generator.build.writer import JOURNAL
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads /proc (Linux)")

ESSAYS = 300  # enough for the Markdown and page workers to start (see PARALLEL_THRESHOLD)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("corpus") / "site"
    write_corpus(site, ESSAYS)
    return site


@pytest.fixture
def site(corpus: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(corpus, tmp_path / "site"))


def salon(site: Path, *extra: str, session: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--site", str(site), "--jobs", "2", *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=session,
    )  # fmt: skip


def children(pid: int) -> list[int]:
    """Every process whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: object, seconds: float, step: float = 0.01) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def _journal_or_exit(journal: Path, build: subprocess.Popen[str]) -> bool:
    return journal.exists() or build.poll() is not None


def touch_every_post(site: Path, text: str) -> None:
    for post in (site / "content/posts").glob("*.md"):
        post.write_text(post.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def without_search(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if not path.startswith("pagefind/")}


@pytest.fixture
def reaper() -> Iterator[list[int]]:
    """Pids to kill if a test fails half-way, so no stray process outlives it."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_sigkill_of_a_build_leaves_no_worker_running(site: Path, reaper: list[int]) -> None:
    build = salon(site)
    reaper.append(build.pid)
    assert wait_for(lambda: len(children(build.pid)) >= 2, 60), "the workers never started"
    workers = children(build.pid)
    reaper.extend(workers)

    build.kill()

    # The workers die with it, so the pipes close and communicate() returns at once.
    build.communicate(timeout=10)
    assert build.returncode == -signal.SIGKILL
    assert wait_for(lambda: not any(alive(pid) for pid in workers), 10), "a worker outlived it"


def test_ctrl_c_prints_one_line_and_stops_every_worker(site: Path, reaper: list[int]) -> None:
    build = salon(site, session=True)
    reaper.append(build.pid)
    assert wait_for(lambda: len(children(build.pid)) >= 2, 60), "the workers never started"
    workers = children(build.pid)
    reaper.extend(workers)

    os.killpg(build.pid, signal.SIGINT)  # what the terminal does: the whole group

    out, err = build.communicate(timeout=30)
    assert (build.returncode, out, err) == (130, "", "interrupted\n")
    assert wait_for(lambda: not any(alive(pid) for pid in workers), 10)
    assert not (site / ".salon/staging").exists()


def test_two_builds_at_once_take_turns(site: Path, reaper: list[int]) -> None:
    first = salon(site)
    reaper.append(first.pid)
    assert wait_for(lambda: (site / ".salon/build.lock").exists(), 30)
    second = salon(site)
    reaper.append(second.pid)

    out1, err1 = first.communicate(timeout=180)
    out2, err2 = second.communicate(timeout=180)

    assert (first.returncode, second.returncode) == (0, 0), err1 + err2
    assert err1 == ""
    assert err2 == f"another build of this site is running (process {first.pid}); waiting for it\n"
    assert out1.startswith(f"Built {ESSAYS} posts")
    assert out2.startswith(f"Built {ESSAYS} posts")  # nothing changed in between: no writes
    assert " 0 files written" in out2


def test_a_build_killed_while_writing_is_finished_by_the_next_command(
    site: Path, tmp_path: Path, reaper: list[int]
) -> None:
    assert salon(site).wait(timeout=180) == 0
    journal = site / ".salon" / JOURNAL
    caught = False
    for attempt in range(6):  # the write phase lasts a few tenths of a second: aim for it
        touch_every_post(site, f"Edit {attempt}.")
        build = salon(site)
        reaper.append(build.pid)
        wait_for(partial(_journal_or_exit, journal, build), 180, step=0.0005)
        build.kill()
        build.communicate(timeout=30)
        if journal.exists():
            caught = True
            break
    assert caught, "never caught a build inside its write phase"
    moves = json.loads(journal.read_text())["moves"]
    assert moves, "the journal lists the files to move in"
    half = snapshot(site / "output")

    # Any command of this site finishes the write before doing its own work.
    done = subprocess.run(
        [sys.executable, "-m", "generator", "comments", "list", "--site", str(site)],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip

    assert done.stderr.startswith(
        "note: finished writing output/ for a build that was interrupted\n"
    )
    assert not journal.exists()
    assert not (site / ".salon/staging").exists()
    finished = snapshot(site / "output")
    assert finished != half or not moves
    # output/ is now exactly what a clean build of the same sources makes.
    clean = Path(shutil.copytree(site, tmp_path / "clean", ignore=shutil.ignore_patterns(
        "output", ".salon")))  # fmt: skip
    assert salon(clean).wait(timeout=180) == 0
    # The search bundle is made after the write (its own step): finishing the write
    # leaves the one of the last complete build, and the next build remakes it.
    assert without_search(finished) == without_search(snapshot(clean / "output"))
    assert salon(site).wait(timeout=180) == 0
    assert snapshot(site / "output") == snapshot(clean / "output")
