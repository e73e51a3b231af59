"""The no-change build by file status: it reads nothing, and misses no change.

freshness.stat_digest stands for the inputs' contents only for files untouched within
STAT_MARGIN of the moment their status is read; the tests set the margin to nothing (so
that files written a moment ago count as old) and prove the shortcut is taken, and
that an edit which keeps a file's size and modification time is still seen.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.build import content_stage, freshness, source_record
from generator.build.comment_source import read_feed_text
from generator.build.content import SourceFile, source_from_text
from generator.build.pipeline import BuildOptions, build_site
from generator.core import files as file_times
from generator.core.config import load_config

from .conftest import FIXED_NOW, SITES

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)
ESSAY = "content/posts/essay-3.md"


@pytest.fixture
def site(aged_site: Path) -> Path:
    return aged_site  # every file counts as old


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources (and the feed) the next builds read, in order."""
    read: list[str] = []
    original = source_record.read_source

    def counting(config: object, kind: object, relative: str) -> SourceFile:
        source = original(config, kind, relative)  # type: ignore[arg-type]
        read.append(source.path)
        return source

    def feed(config: object) -> str | None:
        read.append("feed")
        return read_feed_text(config)  # type: ignore[arg-type]

    monkeypatch.setattr(source_record, "read_source", counting)
    monkeypatch.setattr(content_stage, "read_source", counting)
    monkeypatch.setattr(source_record, "read_feed_text", feed)
    return read


def test_a_no_change_build_reads_no_source(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = _reads(monkeypatch)
    result = build_site(site, OPTIONS)
    assert read == []
    assert result.report.written == 0
    assert result.posts > 0


def test_an_edit_keeping_size_and_time_is_still_seen(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = site / ESSAY
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "More words" in text
    path.write_text(text.replace("More words", "Mere words", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or tar would
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    read = _reads(monkeypatch)
    result = build_site(site, OPTIONS)
    assert ESSAY in read
    assert result.report.written > 0
    assert "Mere words" in (site / "output/2024/03/essay-3/index.html").read_text("utf-8")


def test_the_feed_and_the_theme_are_covered_too(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(site)
    assert config.feed_path.is_file()
    first = freshness.stat_digest(config, "x", [])
    assert first is not None
    config.feed_path.write_bytes(config.feed_path.read_bytes())  # the same bytes, rewritten
    assert freshness.stat_digest(config, "x", []) not in (None, first)
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    before = freshness.stat_digest(config, "x", [])
    (templates / "extra.html").write_text("x", encoding="utf-8")
    assert freshness.stat_digest(config, "x", []) not in (None, before)
    # Rewriting the feed with the same bytes is no change: the build reads it, finds
    # nothing to do, and records the new status for the next one.
    read = _reads(monkeypatch)
    assert build_site(site, OPTIONS).report.written == 0
    assert read != []
    read.clear()
    assert build_site(site, OPTIONS).report.written == 0
    assert read == []


def test_files_touched_within_the_margin_are_read(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_times, "STAT_MARGIN", 3600.0)  # everything is "just written"
    config = load_config(site)
    assert freshness.stat_digest(config, "x", []) is None
    read = _reads(monkeypatch)
    assert build_site(site, OPTIONS).report.written == 0
    assert read != []  # found fresh by contents instead


def test_an_input_just_written_still_leaves_every_status_taken_once(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is None from the first file within the margin, but the build that
    follows reads every input's status: each is taken here, once, and served after."""
    essay = site / "content/posts/essay-1.md"  # among the first files walked
    essay.write_text(essay.read_text("utf-8") + "\nEdited.\n", "utf-8")
    monkeypatch.setattr(file_times, "STAT_MARGIN", 2.0)
    old = os.stat(essay).st_mtime - 10
    for path in (site / "content").rglob("*"):
        if path.is_file() and path != essay:
            os.utime(path, (old, old))
    config = load_config(site)
    stats: file_times.Stats = {}
    assert freshness.stat_digest(config, "x", [], stats) is None
    walked = {str(p) for p in (site / "content").rglob("*") if p.is_file()}
    assert walked <= set(stats)

    taken: list[str] = []
    real = os.stat
    monkeypatch.setattr(file_times.os, "stat", lambda path, *a, **k: (
        taken.append(str(path)), real(path, *a, **k))[1])  # fmt: skip
    source_record.read_inputs(config, {}, stats)
    freshness.inputs_digest(config, [], "", "x", [], stats)
    assert not walked & set(taken)


def test_a_downloaded_feed_is_never_judged_by_status(tmp_path: Path) -> None:
    folder = tmp_path / "remote"
    shutil.copytree(
        SITES / "incremental", folder, ignore=shutil.ignore_patterns("output", ".salon")
    )
    with (folder / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("comments:\n  feed: https://comments.example/comments.json\n")
    config = load_config(folder)
    assert config.feed_is_remote
    assert freshness.stat_digest(config, "x", []) is None


def test_an_edit_reads_only_the_edited_source(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other sources and the feed are known by their status (source_record.py); the
    edited one is read to be hashed, then again to be parsed (its text is not held)."""
    path = site / ESSAY
    path.write_text(path.read_text("utf-8").replace("More words", "Other words", 1), "utf-8")
    read = _reads(monkeypatch)
    result = build_site(site, OPTIONS)
    assert read == [ESSAY, ESSAY]
    assert "Other words" in (site / "output/2024/03/essay-3/index.html").read_text("utf-8")
    assert result.report.written > 0


def test_a_damaged_or_older_record_costs_a_read_of_every_source_and_nothing_else(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record (.salon/source-record) is only a shortcut: damaged, or replaced by the
    JSON one of an earlier version, every source is read and hashed once, the output is
    the same, and the next build has the shortcut again."""
    state = site / ".salon"
    sources = sorted(str(p.relative_to(site)) for p in (site / "content").rglob("*.md"))
    before = {p: p.read_bytes() for p in sorted((site / "output").rglob("*.html"))}
    (site / ESSAY).write_text((site / ESSAY).read_text("utf-8") + "\nA line.\n", "utf-8")
    for damage in (b"\xff\x00 not marshal", None):
        if damage is None:  # an earlier version's record, and none of this one's
            (state / source_record.RECORD).unlink()
            (state / source_record.LEGACY_RECORD).write_text('{"version": 1, "files": {}}')
        else:
            (state / source_record.RECORD).write_bytes(damage)
        read = _reads(monkeypatch)
        build_site(site, OPTIONS)
        assert sorted(set(read) - {"feed"}) == sources
        assert not (state / source_record.LEGACY_RECORD).exists()
        (site / ESSAY).write_text((site / ESSAY).read_text("utf-8") + "\nAnother.\n", "utf-8")
    read = _reads(monkeypatch)
    build_site(site, OPTIONS)
    assert read == [ESSAY, ESSAY]  # the record is whole again: only the edited essay read
    after = {p: p.read_bytes() for p in sorted((site / "output").rglob("*.html"))}
    assert after.keys() == before.keys()


def test_an_unread_source_missing_from_the_cache_is_read_then(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record says a file is unchanged, but the cache lost its document: read it."""
    before = {p: p.read_bytes() for p in sorted((site / "output").rglob("*.html"))}
    (site / ".salon" / "cache.sqlite3").unlink()
    (site / "output" / "index.html").unlink()  # something to build
    read = _reads(monkeypatch)
    build_site(site, OPTIONS)
    assert ESSAY in read and "feed" in read
    assert {p: p.read_bytes() for p in sorted((site / "output").rglob("*.html"))} == before


def test_a_source_that_changes_while_the_build_reads_it_is_named(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known unchanged by status, but different when read: never parsed under the old hash."""
    from generator.core.errors import SiteError

    (site / ".salon" / "cache.sqlite3").unlink()
    (site / "output" / "index.html").unlink()
    original = content_stage.read_source

    def changed(config: object, kind: object, relative: str) -> SourceFile:
        source = original(config, kind, relative)  # type: ignore[arg-type]
        return source_from_text(source.kind, source.path, source.relative, "---\n---\nnew\n")

    monkeypatch.setattr(content_stage, "read_source", changed)
    with pytest.raises(SiteError) as caught:
        build_site(site, OPTIONS)
    assert "changed while this build read it; build again" in str(caught.value)


def test_the_inputs_step_keeps_hashes_not_texts(site: Path) -> None:
    """Each text is read again where it is parsed: holding them all from this step on set
    a big site's peak memory. The feed read here keeps its text (the service may replace
    the file while the build runs: a build must not stop for that)."""
    essay = site / ESSAY
    essay.write_text(essay.read_text("utf-8") + "\nMore.\n", "utf-8")
    config = load_config(site)
    sources, feed, _record = source_record.read_inputs(config, {})
    assert sources and all(source.text is None for source in sources)
    assert all(len(source.digest) == 40 for source in sources)
    assert feed.digest and feed.text == read_feed_text(config)
    assert build_site(site, OPTIONS).report.written > 0
    assert "More." in (site / "output/2024/03/essay-3/index.html").read_text("utf-8")
