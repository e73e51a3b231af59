"""`salon serve` in a subprocess on 127.0.0.1, on a copy of the sample site."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.browser.sample import REPO, copy_sample_site

MODERATOR_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class SiteServer:
    site: Path
    url: str  # http://127.0.0.1:PORT, no trailing slash
    log: Path

    def log_text(self) -> str:
        return log_tail(self.log)


def log_tail(log: Path, lines: int = 40) -> str:
    """The end of the server's log, for failure messages."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def salon(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def prepare_site(target: Path) -> Path:
    """A copy of the sample site, ready for a browser session against `salon serve`.

    Rate limits are raised because every test posts from the same address (127.0.0.1);
    everything else (the minimum time before a form may be sent, spam rules) stays as
    the sample site configures it.
    """
    site = copy_sample_site(target)
    config_path = site / "site.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    service = config.setdefault("comments", {}).setdefault("service", {})
    service.update({"rate_per_minute": 1000, "rate_per_hour": 10000})
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    result = salon("comments", "set-password", "--password-stdin", "--site", str(site),
                   stdin=MODERATOR_PASSWORD + "\n")  # fmt: skip
    assert result.returncode == 0, f"set-password failed:\n{result.stdout}{result.stderr}"
    return site


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"salon serve exited early:\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"salon serve did not answer on {url} within 60 s:\n{log_tail(log)}")


@contextmanager
def start_server(site: Path) -> Iterator[SiteServer]:
    port = free_port()
    log = site.parent / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port)],
            cwd=REPO,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process, log)
            yield SiteServer(site, url, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_rebuild(server: SiteServer, path: str, needle: str, timeout: float = 30) -> str:
    """Poll a page until the dev server's rebuild shows `needle` in it; return the page."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        with urllib.request.urlopen(server.url + path, timeout=5) as response:
            text = response.read().decode("utf-8")
        if needle in text:
            return text
        time.sleep(0.25)
    raise AssertionError(f"{path} never showed {needle!r} within {timeout} s:\n{server.log_text()}")
