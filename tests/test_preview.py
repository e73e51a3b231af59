"""`salon serve` previews an edited essay at once: its page only, written straight into
output/, and the full build that follows leaves output/ equal to a clean build."""

from __future__ import annotations

import shutil
from pathlib import Path

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
