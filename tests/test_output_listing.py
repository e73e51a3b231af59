"""Listing output/ by its folders' change times (output_listing.py): a folder nobody
touched is not read, and anything added anywhere is still found and removed."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import output_listing
from generator.build.pipeline import BuildOptions, build_site
from generator.core import files as file_times

from .conftest import FIXED_NOW

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)
ESSAY = "content/posts/essay-3.md"


@pytest.fixture
def site(aged_site: Path) -> Path:
    """Built twice: the first moved the whole tree in (no folder times yet), the second
    read every folder and recorded their times. Every folder counts as old."""
    (aged_site / "output" / "index.html").unlink()
    build_site(aged_site, OPTIONS)
    return aged_site


def _scanned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    scanned: list[str] = []
    real = os.scandir

    def counting(path: str | int = ".") -> object:
        # output/pagefind/ is the search step's (it lists the published parts to link
        # them), never read by the write step's listing (which leaves that folder be).
        pagefind = f"{os.sep}output{os.sep}pagefind"
        if isinstance(path, str) and f"{os.sep}output" in path and pagefind not in path:
            scanned.append(path)
        return real(path)

    monkeypatch.setattr(output_listing.os, "scandir", counting)
    return scanned


def _edit(site: Path) -> None:
    """Another text each time (an edit that changes nothing is a no-change build)."""
    path = site / ESSAY
    path.write_text(path.read_text("utf-8") + "\nOne more line.\n", "utf-8")


def test_an_edit_reads_only_the_folders_that_changed(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = sum(1 for p in (site / "output").rglob("*") if p.is_dir())
    scanned = _scanned(monkeypatch)
    _edit(site)
    assert build_site(site, OPTIONS).report.written > 0
    assert 1 <= len(scanned) <= 3, scanned  # output/ itself, and what the last write changed
    assert folders > 10


@pytest.mark.parametrize("where", ["2024/03/essay-3", "tags/common", "2024"])
def test_a_stray_file_in_an_untouched_folder_is_removed(
    site: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _edit(site)
    build_site(site, OPTIONS)
    build_site(site, OPTIONS)  # the folders the edit changed are recorded again
    stray = site / "output" / where / "stray.html"
    stray.write_text("not ours", "utf-8")
    (site / "output" / where / "stale" / "deep").mkdir(parents=True)
    (site / "output" / where / "stale" / "deep" / "old.html").write_text("old", "utf-8")
    _edit(site)
    result = build_site(site, OPTIONS)
    assert not stray.exists()
    assert not (site / "output" / where / "stale").exists()
    assert result.report.removed == 2


def test_a_folder_removed_by_hand_is_made_again(site: Path) -> None:
    shutil.rmtree(site / "output" / "tags")
    build_site(site, OPTIONS)
    assert (site / "output" / "tags" / "common" / "index.html").is_file()


def test_a_damaged_record_means_reading_every_folder(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (site / ".salon" / output_listing.RECORD).write_text("{not json", "utf-8")
    stray = site / "output" / "tags" / "common" / "stray.html"
    stray.write_text("x", "utf-8")
    scanned = _scanned(monkeypatch)
    _edit(site)
    build_site(site, OPTIONS)
    assert not stray.exists()
    assert len(scanned) > 10


def _walk(top: Path) -> set[str]:
    return {p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file()}


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.sampled_from(["a", "b", "c/d", "c/e", "f/g/h", "f/i"]), min_size=1).map(set),
    st.lists(st.tuples(st.sampled_from(["add", "remove", "folder"]),
                       st.sampled_from(["a", "c", "c/d", "f/g", "f/g/h", "x"])), max_size=4),
)  # fmt: skip
def test_listing_by_folder_times_finds_what_walking_finds(
    folders: set[str], changes: list[tuple[str, str]]
) -> None:
    """Any tree, listed once to record its folders' times, then changed by adding files
    or folders or removing files anywhere: the listing equals a walk of every folder."""
    saved = file_times.STAT_MARGIN
    file_times.STAT_MARGIN = -1.0
    try:
        with tempfile.TemporaryDirectory() as scratch:
            top = Path(scratch)
            for folder in sorted(folders):
                (top / folder).mkdir(parents=True, exist_ok=True)
                (top / folder / "index.html").write_text("x", "utf-8")
            listed = sorted(_walk(top))
            first, times = output_listing.existing_files(top, {}, (), listed, {})
            assert set(first) == set(listed)
            # File times tick at the kernel's coarse clock (a few ms): changes made in the
            # same tick as the listing could keep a folder's time, which is why the build
            # trusts no folder younger than STAT_MARGIN. Here: the next tick, at least.
            time.sleep(0.02)
            for number, (change, where) in enumerate(changes):
                target = top / where
                if change == "add" and target.is_dir():
                    (target / f"stray-{number}.html").write_text("x", "utf-8")
                elif change == "folder" and target.is_dir():
                    (target / f"new-{number}" / "deep").mkdir(parents=True)
                    (target / f"new-{number}" / "deep" / "f.html").write_text("x", "utf-8")
                elif change == "remove" and (target / "index.html").is_file():
                    (target / "index.html").unlink()
            again, _ = output_listing.existing_files(top, {}, (), listed, times)
            assert sorted(again) == sorted(_walk(top))
    finally:
        file_times.STAT_MARGIN = saved
