"""Shared fixtures: copies of the small test sites and of the sample site, built in tmp_path."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.pg_server import PostgresServer, create_database, running_server
from tests.smtp_server import SmtpServer

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
SITES_INVALID = Path(__file__).resolve().parent / "sites_invalid"
# Builds in tests use a fixed "now", so that drafts, scheduled posts and dates never drift.
FIXED_NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
# What makes the repository root a site (everything else there is the project itself).
SAMPLE_SITE_PARTS = ("site.yaml", "content", "comments.json", "static", "templates", "themes")


def copy_sample_site(target: Path) -> Path:
    """A copy of the sample site at the repository root, without its output/ or .salon/."""
    target.mkdir(parents=True, exist_ok=True)
    for name in SAMPLE_SITE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy2(source, target / name)
    return target


@pytest.fixture
def site_copy(tmp_path: Path) -> Callable[[str], Path]:
    """``site_copy("basic")``: a fresh copy of tests/sites/basic to build and change."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(SITES / name, target)
        return target

    return copy


@pytest.fixture
def aged_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tests/sites/incremental, built once, with core/files.STAT_MARGIN off: every file
    counts as old however recently written, so the file-status shortcuts are taken."""
    from generator.build.pipeline import BuildOptions, build_site
    from generator.core import files as file_times

    monkeypatch.setattr(file_times, "STAT_MARGIN", -1.0)
    folder = tmp_path / "site"
    shutil.copytree(
        SITES / "incremental", folder, ignore=shutil.ignore_patterns("output", ".salon")
    )
    build_site(folder, BuildOptions(now=FIXED_NOW, jobs=1))
    return folder


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    return copy_sample_site(tmp_path / "sample")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole run (see tests/pg_server.py)."""
    with running_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty database for one test."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return create_database(postgres_server, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a store lives, once on each backend: a SQLite file, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "private" / "comments.sqlite3"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port (see tests/smtp_server.py)."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
