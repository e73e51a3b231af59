"""Helpers for the notification tests: a site with email set up, links out of messages,
a certificate made on the spot, a loopback webhook receiver."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.core.config import SiteConfig, load_config
from tests.service_support import SITE_ORIGIN, write_manifest
from tests.smtp_server import Received

MODERATOR = "maren@consultingroom.example"


def mail_site(root: Path, smtp: str, email: str = "", comments: str = "",
              manifest: bool = True) -> SiteConfig:  # fmt: skip
    """A site whose email goes to ``smtp``; ``email`` adds lines under `email:`."""
    root.mkdir(parents=True, exist_ok=True)
    extra = "".join(f"  {line}\n" for line in email.strip().splitlines())
    more = "".join(f"  {line}\n" for line in comments.strip().splitlines())
    text = (
        f"title: The Consulting Room\nbase_url: {SITE_ORIGIN}\n"
        "author:\n  name: Maren Holt\n  email: maren@consultingroom.example\n"
        f"comments:\n  enabled: true\n{more}"
        f'email:\n  from: "The Consulting Room <letters@consultingroom.example>"\n'
        f"  smtp: {smtp}\n  moderator: {MODERATOR}\n  retry_after: 1\n{extra}"
    )
    (root / "site.yaml").write_text(text, encoding="utf-8")
    if manifest:
        write_manifest(root)
    return load_config(root)


def parsed(message: Message) -> EmailMessage:
    """A message as a receiver reads it (the standard library's modern parser)."""
    import email
    import email.policy

    found = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(found, EmailMessage)
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def links(message: EmailMessage) -> list[str]:
    """Every http(s) link in the plain-text and HTML parts, and List-Unsubscribe."""
    found = re.findall(r"https?://[^\s\"<>]+", text_of(message))
    found += [u.replace("&amp;", "&") for u in re.findall(r'href="([^"]+)"', html_of(message))]
    found += re.findall(r"<([^>]+)>", str(message.get("List-Unsubscribe", "")))
    return list(dict.fromkeys(found))


def local(url: str) -> str:
    """A link's path and query, to ask the test server."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def service_links(message: EmailMessage) -> list[str]:
    return [local(u) for u in links(message) if "/moderate/mail" in u or "/api/comments/" in u]


def to(messages: list[Received], address: str) -> list[Received]:
    return [m for m in messages if address in m.recipients]


@contextmanager
def tls_files(folder: Path) -> Iterator[tuple[Path, Path]]:
    """A self-signed certificate for 127.0.0.1 (and its key), made with cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    yield cert_path, key_path


@dataclass
class Hook:
    """A webhook receiver on loopback: records each POST; answers ``status``."""

    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.02)
        assert len(self.received) >= count, f"expected {count} webhook posts"
        return self.received


@contextmanager
def webhook_receiver() -> Iterator[Hook]:
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if hook.status < 300:
                hook.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    hook.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=hook.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()


def payload(body: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body)
    return data


@dataclass
class ServiceProcess:
    """`serve_forever` in a process of its own, to kill as a machine would."""

    process: Any
    log_path: Path
    port: int

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")


def start_process(config: SiteConfig, log_path: Path) -> ServiceProcess:
    import subprocess
    import sys
    import time

    script = (
        "import sys; from pathlib import Path; from generator.core.config import load_config; "
        "from generator.service.server import serve_forever; "
        f"sys.exit(serve_forever(load_config(Path({str(config.root)!r})), '127.0.0.1', 0))"
    )
    repo = Path(__file__).resolve().parent.parent
    with log_path.open("ab") as log:
        process = subprocess.Popen([sys.executable, "-c", script], cwd=repo, stderr=log,
                                   stdout=log)  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = re.findall(r"on http://127\.0\.0\.1:(\d+)/", log_path.read_text(encoding="utf-8"))
        if found and process.poll() is None:
            return ServiceProcess(process, log_path, int(found[-1]))
        assert process.poll() is None, log_path.read_text(encoding="utf-8")
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the service did not start: " + log_path.read_text(encoding="utf-8"))


def moderate(server: Any, ids: list[str], status: Any) -> None:
    """As the CLI does it, on the service's clock (production has one clock for both)."""
    from generator.service import actions

    clock = server.clock

    def now() -> dt.datetime:
        return dt.datetime.fromtimestamp(clock(), dt.UTC)

    with actions.open_store(server.config, clock=now) as store:
        actions.set_status(server.config, store, ids, status, "test")
