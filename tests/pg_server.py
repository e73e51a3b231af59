"""A real PostgreSQL server for the tests, started in a temporary data folder on loopback.

Debian's packages put the binaries under /usr/lib/postgresql/<version>/bin (`.ci/run`, through
`./dev test`, installs them). initdb refuses to run as root, so as root the server runs as the
`postgres` user (through runuser), in a folder that user can reach (not under pytest's 0700
temporary root). fsync is off: the data is thrown away after the run.

Where PostgreSQL is missing the tests that need it skip and say so, except under CI
(`CI=true`), where a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"


def find_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required under CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    bindir = find_bin()
    if bindir is None:
        unavailable("no /usr/lib/postgresql/*/bin/initdb (./dev test installs it as root)")
    assert bindir is not None
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("running as root without runuser")
    base = Path(tempfile.mkdtemp(prefix="salon-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "salon")
    port = _free_port()
    try:
        subprocess.run(
            _as_server_user(
                [str(bindir / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
                 "--no-sync", "-E", "UTF8", "--locale=C"]
            ),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_server_user(
                [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                 str(base / "server.log"), "-w", "-t", "60", "start"]
            ),
            check=True, capture_output=True, timeout=90,
        )  # fmt: skip
        try:
            yield PostgresServer("127.0.0.1", port, user)
        finally:
            subprocess.run(
                _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                 "-w", "stop"]),
                capture_output=True, timeout=60,
            )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = (
            (base / "server.log").read_text(errors="replace")
            if (base / "server.log").exists()
            else ""
        )
        unavailable(f"{exc.cmd[0]} failed: {exc.stderr!r} {log[-2000:]}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def create_database(server: PostgresServer, name: str) -> str:
    """A fresh, empty database on the server; returns its URL."""
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            return server.url(name)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
