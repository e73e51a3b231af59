"""A build that finds nothing changed, the most common one, loads none of the later
steps' modules: no Markdown, no Pygments, no planner or page renderer, no Jinja, no
worker pools, no SQLite (imports were most of such a build's time)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from generator.build.pipeline import BuildOptions, build_site

from .conftest import FIXED_NOW, SITES

HEAVY = ("markdown_it", "mdit_py_plugins", "pygments", "generator.build.plan",
         "generator.build.execute", "generator.build.markdown", "PIL",
         "generator.build.images", "jinja2", "multiprocessing", "concurrent.futures",
         "generator.build.pools", "sqlite3", "difflib")  # fmt: skip

SCRIPT = """
import json, sys
from pathlib import Path
from generator.build.pipeline import BuildOptions, build_site
from datetime import datetime, UTC
result = build_site(Path(sys.argv[1]), BuildOptions(now=datetime.fromisoformat(sys.argv[2])))
print(json.dumps({"written": result.report.written, "modules": sorted(sys.modules)}))
"""


def build_in_a_new_process(site: Path) -> dict[str, Any]:
    """Build ``site`` in a process of its own: the files written, the modules loaded."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(site), FIXED_NOW.isoformat()],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_a_no_change_build_loads_no_later_step(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    report = build_in_a_new_process(site)
    assert report["written"] == 0
    loaded = [m for m in report["modules"] if m.startswith(HEAVY)]
    assert loaded == []


def test_an_edit_loads_no_image_encoder_and_no_worker_pool(tmp_path: Path) -> None:
    """One essay edited on a site without images: Pillow's modules and the worker pools'
    are not loaded (there is nothing to encode, and too little to share out)."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    essay = site / "content/posts/essay-3.md"
    essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    report = build_in_a_new_process(site)
    assert report["written"] >= 1
    heavy = ("PIL.Image", "PIL.ImageCms", "defusedxml", "multiprocessing",
             "concurrent.futures.process")  # fmt: skip
    assert [m for m in report["modules"] if m.startswith(heavy)] == []
