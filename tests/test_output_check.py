"""output/ looked at beside the build (output_check.py): in a forked process or in this
one, it finds what looking at each file and listing output/ find, and a build using
it keeps, restores and removes the same files."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import pytest

from generator.build import output_check, writer
from generator.build.manifest import MANIFEST, Manifest
from generator.build.output_check import OutputCheck
from generator.build.output_listing import existing_files, load_folder_times
from generator.build.pipeline import BuildOptions, build_site

from .conftest import FIXED_NOW

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)
KEEP = ("pagefind",)


def _tamper(out: Path) -> dict[str, str]:
    """Hand edits of every kind; what each did, by path."""
    pages = sorted(p for p in out.rglob("index.html") if p.parent != out)
    edited, touched, removed = pages[0], pages[1], pages[2]
    edited.write_text("edited by hand", encoding="utf-8")
    os.utime(touched, ns=(1_000_000_000, 1_000_000_000))
    removed.unlink()
    (pages[3].parent / "notes.txt").write_text("a stray file", encoding="utf-8")
    (out / "stray-folder" / "deep").mkdir(parents=True)
    (out / "stray-folder" / "deep" / "x.html").write_text("stray", encoding="utf-8")
    (out / ".nojekyll").write_text("", encoding="utf-8")  # hidden, at the top: not ours
    return {str(p.relative_to(out)): what for p, what in
            ((edited, "edited"), (touched, "touched"), (removed, "removed"))}  # fmt: skip


def _as_if_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test run may hold threads of earlier tests (a server's): none of them takes
    a lock the checking child needs, so it may fork as `salon build` does."""
    monkeypatch.setattr(threading, "active_count", lambda: 1)


@pytest.mark.parametrize("apart", [0, 10**9], ids=["forked", "here"])
def test_it_finds_what_looking_at_each_file_finds(
    aged_site: Path, apart: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_site(aged_site, OPTIONS)  # the folders' times recorded
    out = aged_site / "output"
    done = _tamper(out)
    manifest = Manifest(aged_site / ".salon" / MANIFEST)
    monkeypatch.setattr(output_check, "CHECKED_APART", apart)
    _as_if_alone(monkeypatch)

    with OutputCheck(out, manifest, KEEP) as check:
        assert check.forked == (apart == 0)
        changed = check.changed()
        listed, times = check.listing(manifest.entries)

    assert changed == {p for p in manifest.entries if not manifest.intact(out, p)}
    assert changed == set(done)
    reference = existing_files(out, manifest.entries, KEEP, manifest.entries,
                               load_folder_times(aged_site / ".salon"))  # fmt: skip
    assert sorted(listed) == sorted(reference[0])
    assert times == reference[1]
    assert "stray-folder/deep/x.html" in listed and ".nojekyll" not in listed
    assert next(p for p, what in done.items() if what == "removed") not in listed

    # A build that makes a hidden file at the top is told of it by a listing of its own.
    produced = {**manifest.entries, ".nojekyll": None}
    assert ".nojekyll" in check.listing(produced)[0]


def test_a_build_checking_apart_restores_and_removes_what_a_hand_changed(
    aged_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_site(aged_site, OPTIONS)
    out = aged_site / "output"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    done = _tamper(out)
    monkeypatch.setattr(output_check, "CHECKED_APART", 0)  # a fork even for a small site
    _as_if_alone(monkeypatch)

    report = build_site(aged_site, OPTIONS).report

    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == {**before, out / ".nojekyll": b""}  # hidden, not ours: left be
    assert report.written == len(done) and report.removed == 2
    manifest = Manifest(aged_site / ".salon" / MANIFEST)
    assert not [p for p in manifest.entries if not manifest.intact(out, p)]


def test_a_write_killed_before_its_moves_is_finished_from_the_journal(
    aged_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal holds the manifest's changes only: applied to the manifest on disk
    (the old one), once or twice, they give the manifest of the files now there."""
    essay = aged_site / "content/posts/essay-3.md"
    essay.write_text(essay.read_text("utf-8") + "\nA new line.\n", "utf-8")
    (aged_site / "content/posts/essay-4.md").unlink()  # its page and feed are removed
    real = writer._apply_journal
    monkeypatch.setattr(writer, "_apply_journal", lambda *args: (_ for _ in ()).throw(
        KeyboardInterrupt))  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        build_site(aged_site, OPTIONS)
    monkeypatch.setattr(writer, "_apply_journal", real)
    journal_path = aged_site / ".salon" / writer.JOURNAL
    journal = json.loads(journal_path.read_text("utf-8"))
    assert "manifest" not in journal and journal["changes"] and journal["dropped"]

    assert writer.finish_interrupted_write(aged_site / ".salon")
    first = (aged_site / ".salon" / MANIFEST).read_bytes()
    journal_path.write_text(json.dumps(journal), "utf-8")  # as if killed after saving it
    assert writer.finish_interrupted_write(aged_site / ".salon")
    assert (aged_site / ".salon" / MANIFEST).read_bytes() == first
    # The journal of a version that kept the manifest as JSON, in output.json, finished by
    # this one: the same manifest, kept the new way.
    state = aged_site / ".salon"
    entries = Manifest(state / MANIFEST).entries
    (state / "output.json").write_text(json.dumps({r: list(e) for r, e in entries.items()}))
    (state / MANIFEST).unlink()
    journal_path.write_text(json.dumps({**journal, "manifest_path": str(state / "output.json")}))
    assert writer.finish_interrupted_write(state)
    assert Manifest(state / MANIFEST).entries == entries and not (state / "output.json").exists()

    out = aged_site / "output"
    manifest = Manifest(aged_site / ".salon" / MANIFEST)
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert set(manifest.entries) == {p for p in on_disk if not p.startswith("pagefind/")}
    for relative, entry in manifest.entries.items():
        data = (out / relative).read_bytes()
        assert entry.digest == hashlib.sha1(data).hexdigest(), relative
        assert manifest.intact(out, relative), relative
