"""`pip install .` (not editable) into a fresh venv, then `salon new` and `salon build` work.

This proves the default theme ships inside the package and nothing depends on the
repository being on the path. Dependencies come from the package index, as for a user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# What `pip install .` reads from a clone; the copy keeps the repository's own tree untouched
# (an in-tree build would write build/ and *.egg-info beside other people's work).
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE")


def run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_installed_package_makes_and_builds_a_new_site(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in PACKAGE_FILES:
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "generator", source / "generator", ignore=shutil.ignore_patterns("__pycache__")
    )  # generator/docs is a link to docs/: copied as the files it points to
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(source),
        ],
        tmp_path,
        timeout=900,
    )
    shutil.rmtree(source)  # the installed copy must stand on its own

    located = run([str(python), "-c", "import generator; print(generator.__file__)"], tmp_path)
    assert Path(located.stdout.strip()).is_relative_to(venv)

    salon = venv / "bin" / "salon"
    run([str(salon), "new", "blog", "--title", "Installed"], tmp_path)
    built = run([str(salon), "build"], tmp_path / "blog")
    assert built.stdout.startswith("Built 1 post and 1 page: ")

    output = tmp_path / "blog" / "output"
    index = (output / "index.html").read_text(encoding="utf-8")
    assert "<title>Installed</title>" in index
    assert "A first essay" in index
    css = (output / "assets" / "style.css").read_text(encoding="utf-8")
    assert "prefers-color-scheme" in css
    assert (output / "assets" / "salon.js").is_file()
    assert (output / "about" / "index.html").is_file()

    # The new site.yaml points to `salon help config`, which works without the repository.
    assert "`salon help config`" in (tmp_path / "blog" / "site.yaml").read_text()
    helped = run([str(salon), "help", "config"], tmp_path)
    assert helped.stdout == (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")

    as_module = run([str(python), "-m", "generator", "--version"], tmp_path)
    assert as_module.stdout.startswith("salon ")
