"""Long builds report progress by stage; the summary line counts what happened."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.build.pipeline import BuildOptions, build_site

from .conftest import FIXED_NOW, SITES


def test_progress_is_reported_for_markdown_and_pages(tmp_path: Path) -> None:
    from generator.build import pools

    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    seen: list[tuple[str, int, int]] = []
    threshold = pools.PARALLEL_THRESHOLD
    pools.PARALLEL_THRESHOLD = 1  # the pool, which is where Markdown progress is reported
    try:
        result = build_site(
            site,
            BuildOptions(now=FIXED_NOW, jobs=2, progress=lambda *step: seen.append(step)),
        )
    finally:
        pools.PARALLEL_THRESHOLD = threshold
    stages = {stage for stage, _, _ in seen}
    assert stages == {"Markdown", "Pages"}
    last_pages = [step for step in seen if step[0] == "Pages"][-1]
    assert last_pages[1] == last_pages[2] > 0
    assert result.summary().startswith("Built 5 posts and 1 page: ")
    assert ", 0 unchanged, 0 removed, 0 warnings, in " in result.summary()
