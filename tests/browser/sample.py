"""The sample site, copied and built in a temporary folder, and the tools the web tests need.

The repository root is Salon's sample site. Tests never build into the repository's own
output/: they copy the site's sources into a temporary folder first, so tests can run in
parallel with a developer's `salon serve` and can add comments without touching the repo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest

from tests.conftest import copy_sample_site

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# What makes the repository root a site: everything else (generator/, tests/, …) is Salon.
SAMPLE_ESSAY = "/2026/10/the-alliance/"
SAMPLE_ESSAY_TITLE = "Psychology: The Alliance Is the Treatment"
REQUIRE_ENV = "SALON_REQUIRE_BROWSER"


def unavailable(reason: str) -> NoReturn:
    """Skip a test whose tool is missing; under CI (SALON_REQUIRE_BROWSER=1) fail instead."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 says these tests must run", pytrace=False)
    pytest.skip(reason)


def build(site: Path) -> Path:
    """Build the site with the real command line and return its output folder."""
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"salon build failed:\n{result.stdout}\n{result.stderr}"
    return site / "output"


def built_sample(target: Path) -> Path:
    """A fresh copy of the sample site, built; returns its output folder."""
    return build(copy_sample_site(target))


def html_files(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def java() -> str:
    found = shutil.which("java")
    if found is None:
        unavailable("java is not installed (Debian: default-jre-headless), needed by vnu.jar")
    if not VNU_JAR.is_file():
        unavailable(f"{VNU_JAR.relative_to(REPO)} is missing: run `npm ci` in {REPO}")
    return found


def run_vnu(files: list[Path]) -> list[dict[str, object]]:
    """The Nu HTML Checker's messages (errors only) about these files."""
    result = subprocess.run(
        [java(), "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu prints its JSON report on stderr and exits 1 when it found errors.
    try:
        report = json.loads(result.stderr or result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"vnu.jar gave no report (exit {result.returncode}):\n"
                             f"{result.stdout}{result.stderr}") from None  # fmt: skip
    messages: list[dict[str, object]] = report["messages"]
    return messages
