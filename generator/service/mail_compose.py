"""A queued message made into an email: the theme's templates (plain text and HTML,
``templates/email/NAME.txt`` and ``.html``, overridable like any template) and the
headers receivers rely on.

Message-ID is the outbox's (stable per event and recipient); Auto-Submitted marks it
as sent by a program (RFC 3834), so vacation replies stay away; everything a reader
receives has List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

import jinja2

from generator.core.config import SiteConfig
from generator.core.themes import make_environment, render_template, theme_chain


class Composer:
    """Renders messages; one per sender thread (the Jinja environments are made once)."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._html: jinja2.Environment | None = None
        self._text: jinja2.Environment | None = None

    def _envs(self) -> tuple[jinja2.Environment, jinja2.Environment]:
        with self._lock:
            if self._html is None or self._text is None:
                self._html = make_environment(self.config, theme_chain(self.config))
                self._text = self._html.overlay(autoescape=False)
            return self._html, self._text

    def context(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        config = self.config
        site = {"title": config.title, "url": config.base_url + "/",
                "language": config.language, "author": config.author.name}  # fmt: skip
        return {"site": site, "subject": payload.get("subject", ""), **payload.get("context", {})}

    def render(self, payload: Mapping[str, Any]) -> tuple[str, str]:
        """(plain text, HTML); a SiteError names the template and line at fault."""
        html_env, text_env = self._envs()
        name = str(payload["template"])
        context = self.context(payload)
        root = self.config.root
        text = render_template(text_env, f"email/{name}.txt", context, root).rstrip("\n") + "\n"
        html = render_template(html_env, f"email/{name}.html", context, root)
        return text, html

    def compose(self, payload: Mapping[str, Any], recipient: str, message_id: str,
                now: float) -> Message:  # fmt: skip
        """The message, built with the compat32 classes: the modern EmailMessage API
        parses every header it is given back into objects, which took 30 ms a message
        (the outbox's whole budget); these only encode."""
        text, html = self.render(payload)
        message = MIMEMultipart("alternative", policy=_POLICY)
        name, address = parseaddr(self.config.email.sender)
        message["From"] = formataddr((name, address), charset="utf-8")
        message["To"] = recipient
        subject = str(payload.get("subject", self.config.title))
        message["Subject"] = Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
        message["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
        message["Message-ID"] = message_id
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = self.config.language
        unsubscribe = str(payload.get("unsubscribe", ""))
        if unsubscribe:
            message["List-Unsubscribe"] = f"<{unsubscribe}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.attach(_part(text, "plain"))
        message.attach(_part(html, "html"))
        return message


# Headers unfolded up to RFC 5322's hard limit: a long link in List-Unsubscribe stays on
# its line (folded before it, some clients read a leading space into the URL).
_POLICY = compat32.clone(max_line_length=998)
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable in the raw, and safe for any line length


def _part(text: str, subtype: str) -> MIMEText:
    return MIMEText(text, subtype, _UTF8, policy=_POLICY)  # type: ignore[arg-type]
