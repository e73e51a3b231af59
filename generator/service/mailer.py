"""Sending: SMTP (smtplib, STARTTLS or TLS, the CA file of site.yaml) and the webhook.

The password comes from $SALON_SMTP_PASSWORD only, and no error message carries it:
every failure is reported as a short reason (the server's answer or the socket's
error), with the server shown as ``smtp://user@host:port``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from email.message import Message
from email.utils import parseaddr
from pathlib import Path

from generator.core.email_config import PASSWORD_ENV, WEBHOOK_SECRET_ENV, EmailConfig, SmtpUrl
from generator.core.errors import CommentError

TIMEOUT = 30.0


class SendError(Exception):
    """One message not sent; ``permanent`` when trying again cannot help (a 5xx)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def tls_context(config: EmailConfig, root: Path) -> ssl.SSLContext:
    if not config.ca_file:
        return ssl.create_default_context()
    path = root / config.ca_file
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        raise CommentError(
            f"site.yaml: email.ca_file: cannot read {config.ca_file} as PEM certificates "
            f"({getattr(exc, 'strerror', None) or exc})"
        ) from None


class SmtpConnection:
    """One SMTP session, opened on the first message and reused for a batch."""

    def __init__(self, url: SmtpUrl, context: ssl.SSLContext) -> None:
        self.url = url
        self.context = context
        self.password = os.environ.get(PASSWORD_ENV, "")
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        url = self.url
        smtp: smtplib.SMTP
        if url.secure:
            smtp = smtplib.SMTP_SSL(url.host, url.port, timeout=TIMEOUT, context=self.context)
        else:
            smtp = smtplib.SMTP(url.host, url.port, timeout=TIMEOUT)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=self.context)
                smtp.ehlo()
            elif self.password or url.user:
                smtp.close()
                # Never a password over plain text: a server that does not offer
                # STARTTLS gets none.
                raise SendError(f"{url.shown} does not offer STARTTLS; the password is not sent")
        if url.user:
            smtp.login(url.user, self.password)
        # SMTP is a dialogue of small writes: without this, Nagle's algorithm and the
        # server's delayed ACK hold each command back ~40 ms (25 messages a second at best).
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return smtp

    def send(self, message: Message, recipient: str) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._open()
            sender = message["Sender"] or message["From"]
            refused = self._smtp.send_message(message, parseaddr(str(sender))[1], [recipient])
        except SendError:
            self.close()
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise SendError(f"{code} {_text(text)}", permanent=500 <= code < 600) from None
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise SendError(f"{self.url.shown} refused the login: {exc.smtp_code}") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            permanent = 500 <= exc.smtp_code < 600
            raise SendError(f"{exc.smtp_code} {_text(exc.smtp_error)}", permanent) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            self.close()
            raise SendError(f"{self.url.shown}: {_short(exc)}") from None
        if refused:
            code, text = next(iter(refused.values()))
            raise SendError(f"{code} {_text(text)}", permanent=500 <= code < 600)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:200]


def _short(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the mail server up?)"
    return _text(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)


def webhook_secret() -> bytes:
    secret = os.environ.get(WEBHOOK_SECRET_ENV, "")
    if not secret:
        raise CommentError(
            f"email.webhook is set, but ${WEBHOOK_SECRET_ENV} is empty: set it to the secret "
            "the receiver checks signatures with"
        )
    return secret.encode()


def sign(secret: bytes, body: bytes, timestamp: str) -> str:
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_webhook(url: str, body: bytes, secret: bytes, timestamp: str, delivery: str) -> None:
    """POST the signed JSON; 2xx is done, 4xx (but 408/429) is final, the rest is retried."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "Salon-Webhook/1",
        "X-Salon-Timestamp": timestamp, "X-Salon-Signature": sign(secret, body, timestamp),
        "X-Salon-Delivery": delivery,
    })  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        final = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise SendError(f"the webhook answered {exc.code}", permanent=final) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"the webhook cannot be reached: {_short(reason)}") from None
