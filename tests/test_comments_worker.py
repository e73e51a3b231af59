"""A cold build with workers parses, threads and renders the comments feed in one of
the Markdown workers (comments_stage.prepare_comments) and reads back what it kept: the
site is the very site a build without workers makes, and a broken feed is refused
with the same problems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from generator.build import markdown_stage
from generator.build.pipeline import BuildOptions, build_site
from generator.core.errors import SiteError

from .conftest import FIXED_NOW

ESSAYS = 220  # above the threshold for starting Markdown workers


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("corpus") / "site"
    write_corpus(site, ESSAYS)
    config = site / "site.yaml"
    config.write_text(config.read_text() + "search:\n  enabled: false\n")
    return site


def test_the_feed_parsed_in_a_worker_gives_the_same_site(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone, shared = tmp_path / "alone", tmp_path / "shared"
    shutil.copytree(corpus, alone)
    shutil.copytree(corpus, shared)
    build_site(alone, BuildOptions(now=FIXED_NOW, jobs=1))
    sides: list[bool] = []
    real = markdown_stage.start_markdown

    def spy(*args: object, **kwargs: object) -> markdown_stage.PendingMarkdown:
        pending = real(*args, **kwargs)  # type: ignore[arg-type]
        sides.append(pending.side is not None)
        return pending

    monkeypatch.setattr(markdown_stage, "start_markdown", spy)
    result = build_site(shared, BuildOptions(now=FIXED_NOW, jobs=2))
    assert sides == [True]  # a worker had the feed to parse
    assert result.report.written > 2 * ESSAYS
    assert _tree(shared / "output") == _tree(alone / "output")
    # And the next build, with one essay edited, reads the threads it kept.
    for site in (alone, shared):
        essay = sorted((site / "content/posts").glob("*.md"))[7]
        essay.write_text(essay.read_text() + "\nOne more line.\n")
        build_site(site, BuildOptions(now=FIXED_NOW, jobs=2))
    assert sides == [True, False, False]  # the threads from what the worker kept
    assert _tree(shared / "output") == _tree(alone / "output")


def test_a_broken_feed_is_refused_alike_with_and_without_workers(
    corpus: Path, tmp_path: Path
) -> None:
    problems = []
    for jobs in (1, 2):
        site = tmp_path / f"jobs-{jobs}"
        shutil.copytree(corpus, site)
        feed = json.loads((site / "comments.json").read_text())
        feed["comments"][3]["created"] = "yesterday"
        (site / "comments.json").write_text(json.dumps(feed))
        with pytest.raises(SiteError) as caught:
            build_site(site, BuildOptions(now=FIXED_NOW, jobs=jobs))
        problems.append([str(problem) for problem in caught.value.problems])
        assert not (site / "output").exists()
    assert problems[0] == problems[1]
    assert "created" in problems[0][0]
