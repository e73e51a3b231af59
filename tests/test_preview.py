"""`salon serve` previews an edited essay at once: its page only, written straight into
output/, and the full build that follows leaves output/ equal to a clean build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.build.pipeline import BuildMemory, BuildOptions, build_site
from generator.dev.preview import preview_edit

from .conftest import FIXED_NOW, SITES
from .test_incremental import clean_build, differences, tree

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)


def test_an_edit_is_previewed_then_built(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    memory = BuildMemory()
    build_site(site, OPTIONS, memory)
    before = tree(site / "output")
    essay = site / "content/posts/essay-3.md"
    essay.write_text(essay.read_text("utf-8").replace("More words", "Previewed words"), "utf-8")
    written = preview_edit(site, [essay], memory)
    assert written == ["2024/03/essay-3/index.html"]
    now = tree(site / "output")
    assert b"Previewed words" in now[written[0]]
    assert {p for p in now if now[p] != before.get(p)} == set(written)  # nothing else
    assert preview_edit(site, [site / "content/posts/missing.md"], memory) == []
    build_site(site, OPTIONS, memory)
    assert differences(clean_build(site, tmp_path / "clean"), tree(site / "output")) == (
        [], [], [],
    )  # fmt: skip


def test_a_preview_runs_in_another_thread_than_the_build_that_kept_its_model(
    tmp_path: Path,
) -> None:
    """`salon serve` builds in one thread and previews in the watcher's: the model's
    stores (threads, comment HTML, rendered Markdown) read the cache through connections
    of their own thread. A second start, whose comments come from the cache's outline
    (their threads read as pages ask), previewed nothing but a traceback."""
    import threading

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, OPTIONS)  # the first start: the feed's outline kept in the cache
    essay = site / "content/posts/essay-1.md"  # the one with comments
    essay.write_text(essay.read_text("utf-8") + "\nEdited before the start.\n", "utf-8")
    memory = BuildMemory()
    # The next start: threads read from the cache as pages ask, here for essay-1's page.
    build_site(site, OPTIONS, memory)
    essay.write_text(essay.read_text("utf-8") + "\nPreviewed words.\n", "utf-8")
    results: list[list[str] | BaseException] = []

    def preview() -> None:
        try:
            results.append(preview_edit(site, [essay], memory))
        except BaseException as exc:  # (reported below, not lost in the thread)
            results.append(exc)

    thread = threading.Thread(target=preview)
    thread.start()
    thread.join()
    assert results == [["2024/01/essay-1/index.html"]]
    page = (site / "output/2024/01/essay-1/index.html").read_text("utf-8")
    assert "Previewed words" in page and 'class="comment-list"' in page


def test_a_preview_that_fails_leaves_the_edit_to_the_full_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.dev import preview
    from generator.dev.serve import DevSite
    from generator.dev.watch import ChangeKind

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    dev = DevSite(site, OPTIONS)
    dev.rebuild()  # the start
    essay = site / "content/posts/essay-1.md"
    essay.write_text(essay.read_text("utf-8") + "\nSaved once more.\n", "utf-8")

    def broken(*_args: object) -> list[str]:
        raise RuntimeError("a bug in the preview")

    monkeypatch.setattr(preview, "preview_edit", broken)
    dev.rebuild({ChangeKind.CONTENT}, {essay})
    assert "Saved once more." in (site / "output/2024/01/essay-1/index.html").read_text("utf-8")
    err = capsys.readouterr().err
    assert "[serve] preview failed (RuntimeError: a bug in the preview); building in full" in err
    assert "Traceback" not in err and dev.state.error is None
    for search in dev.searches:  # the search index, made beside: not left running
        search.join(60)
