"""Reading and checking a reader's submission. Pure functions: bytes and strings in,
a Submission and the problems by field out. Every message says what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from generator.contract.comment_html import safe_website
from generator.contract.feed import clean_text, has_visible
from generator.core.jsontext import JsonProblem, load_json

MAX_REQUEST_BYTES = 32 * 1024
NAME_MAX = 100
EMAIL_MAX = 254
WEBSITE_MAX = 200
BODY_MIN = 2
BODY_MAX = 10_000
FIELDS = ("post", "parent", "name", "email", "website", "body", "homepage", "token", "notify")
NOTIFY_CHOICES = ("", "replies", "thread")
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"

# Deliberately plain: something@something.tld, no spaces, quotes or angle brackets.
_NOT_IN_ADDRESS = r"\s@<>()\[\]\\,;:\""
_EMAIL = re.compile(
    rf"^[^{_NOT_IN_ADDRESS}]{{1,64}}@[^{_NOT_IN_ADDRESS}_]+\.[^{_NOT_IN_ADDRESS}_.]{{2,}}$"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_LOOKS_LIKE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/\S*)?$")


class RequestProblem(Exception):
    """The request as a whole cannot be read: an HTTP status and what to do about it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Submission:
    post: str
    parent: str
    name: str
    email: str
    website: str
    body: str
    honeypot: str
    token: str
    notify: str = ""  # "", "replies" (replies to me) or "thread" (the whole thread)

    def as_form(self) -> dict[str, str]:
        """What the reader typed, to fill the form again (the honeypot is not echoed)."""
        return {"post": self.post, "parent": self.parent, "name": self.name,
                "email": self.email, "website": self.website, "body": self.body,
                "token": self.token, "notify": self.notify}  # fmt: skip


def decode_body(mimetype: str, charset: str | None, data: bytes) -> dict[str, str]:
    """The fields of a form or JSON body; RequestProblem (400/415) when it is unreadable."""
    if mimetype not in (FORM_TYPE, JSON_TYPE):
        shown = mimetype or "no content type"
        raise RequestProblem(
            415,
            f"Cannot read a comment sent as {shown}: send it as {FORM_TYPE} (an HTML form) "
            f"or as {JSON_TYPE}.",
        )
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise RequestProblem(415, f"The comment must be sent as UTF-8 text, not {charset}.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestProblem(400, "The comment is not valid UTF-8 text.") from None
    if mimetype == FORM_TYPE:
        try:
            pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise RequestProblem(400, "The comment is not valid UTF-8 text.") from None
        except ValueError:
            raise RequestProblem(400, "The form data is malformed.") from None
        fields: dict[str, str] = {}
        for key, value in pairs:
            fields.setdefault(key, value)  # the first of repeated fields counts
        return fields
    try:
        data_json = load_json(text)
    except JsonProblem as exc:
        detail = "" if exc.syntax else f": {exc.message}"
        raise RequestProblem(400, f"The request body is not valid JSON{detail}.") from None
    if not isinstance(data_json, dict):
        raise RequestProblem(400, "Expected a JSON object with the comment's fields.")
    found: dict[str, str] = {}
    for key in FIELDS:
        item = data_json.get(key)
        if item is None:
            continue
        if not isinstance(item, str):
            raise RequestProblem(400, f'The field "{key}" must be text.')
        if not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate such as "\ud800": not text at all
                raise RequestProblem(
                    400, f'The field "{key}" holds a lone surrogate escape; send real text.'
                ) from None
        found[key] = item
    return found


def _inline(value: str) -> str:
    """A one-line field: control and direction characters dropped, spaces collapsed."""
    return clean_text(value, inline=True).strip()


def normalise_website(value: str) -> str:
    """Add https:// to a bare host name such as example.org; leave anything else as it is."""
    if value and not _SCHEME.match(value) and _LOOKS_LIKE_HOST.match(value):
        return "https://" + value
    return value


def check_name(name: str) -> str | None:
    if not name:  # also a name of invisible characters only: clean_text empties it
        return "Please enter your name."
    if len(name) > NAME_MAX:
        return f"Your name is too long: {len(name)} characters; the limit is {NAME_MAX}."
    return None


def check_email(email: str) -> str | None:
    if not email:
        return None
    if len(email) > EMAIL_MAX:
        return f"Your email address is too long: {len(email)} characters; the limit is {EMAIL_MAX}."
    if not _EMAIL.match(email):
        return "This does not look like an email address: check it, or leave the field empty."
    return None


def check_website(website: str) -> str | None:
    if not website:
        return None
    if len(website) > WEBSITE_MAX:
        return (
            f"Your website address is too long: {len(website)} characters; "
            f"the limit is {WEBSITE_MAX}."
        )
    scheme = website.split(":", 1)[0].lower() if _SCHEME.match(website) else ""
    if scheme not in ("http", "https"):
        return "Your website address must start with http:// or https://."
    if not safe_website(website):
        return "This does not look like a web address: check it, or leave the field empty."
    return None


def check_body(body: str) -> str | None:
    if len(body) < BODY_MIN or not has_visible(body):
        return f"Please write a comment (at least {BODY_MIN} characters)."
    if len(body) > BODY_MAX:
        return f"Your comment is too long: {len(body):,} characters; the limit is {BODY_MAX:,}."
    return None


def read_submission(fields: Mapping[str, str]) -> tuple[Submission, dict[str, str]]:
    """The cleaned submission, and a message for each field that needs fixing."""
    body = clean_text(fields.get("body", "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    submission = Submission(
        post=fields.get("post", "").strip(),
        parent=fields.get("parent", "").strip(),
        name=_inline(fields.get("name", "")),
        # Lower-cased, so that one reader is one address (auto-approval, avatars).
        email=_inline(fields.get("email", "")).lower(),
        website=normalise_website(_inline(fields.get("website", ""))),
        body=body,
        honeypot=fields.get("homepage", "").strip(),
        token=fields.get("token", "").strip(),
        notify=fields.get("notify", "").strip(),
    )
    checks = {
        "name": check_name(submission.name),
        "email": check_email(submission.email),
        "website": check_website(submission.website),
        "body": check_body(submission.body),
    }
    errors = {field: message for field, message in checks.items() if message}
    if submission.notify not in NOTIFY_CHOICES:
        errors["notify"] = "Choose replies, the whole thread, or no email."
    elif submission.notify and not submission.email and "email" not in errors:
        errors["email"] = "Give your email address to be told about replies, or choose no email."
    if not submission.post:
        errors["post"] = "The form did not say which essay the comment is for."
    return submission, errors
