"""site.yaml's `email:` section: who mail comes from, how it is sent, who is told what.

The SMTP password is never a setting: it comes from $SALON_SMTP_PASSWORD, so site.yaml
(committed with the site) never holds it, and no message ever shows it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from generator.core.validate import Fields

PASSWORD_ENV = "SALON_SMTP_PASSWORD"
WEBHOOK_SECRET_ENV = "SALON_WEBHOOK_SECRET"
KEYS = (
    "from", "smtp", "moderator", "ca_file", "moderator_mail", "webhook", "replies",
    "followers", "retry_after", "link_days",
)  # fmt: skip


class ModeratorMail(enum.Enum):
    EACH = "each"  # one message per held comment
    HOURLY = "hourly"  # a digest of what was held in the last hour
    DAILY = "daily"
    OFF = "off"


@dataclass(frozen=True)
class SmtpUrl:
    secure: bool  # smtps:// (TLS from the first byte); smtp:// upgrades with STARTTLS
    host: str
    port: int
    user: str = ""

    @property
    def shown(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{'smtps' if self.secure else 'smtp'}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class FollowersConfig:
    enabled: bool = False
    content: str = "excerpt"  # or "full"
    per_minute: int = 300  # follower mails sent a minute at most (providers throttle)
    per_address_per_day: int = 3  # confirmation mails an address can be sent a day
    per_network_per_hour: int = 20  # follow requests from one network an hour


@dataclass(frozen=True)
class EmailConfig:
    sender: str = ""  # `from:`
    smtp: SmtpUrl | None = None
    moderator: str = ""
    ca_file: str = ""  # a PEM file of trusted CAs; empty: the system's
    moderator_mail: ModeratorMail = ModeratorMail.EACH
    webhook: str = ""  # a URL to POST a signed JSON document to for each held comment
    replies: bool = True  # commenters may ask to hear about replies
    followers: FollowersConfig = field(default_factory=FollowersConfig)
    retry_after: int = 30  # seconds before the first retry; doubled each time
    link_days: int = 7  # how long a moderator's link in an email works

    @property
    def enabled(self) -> bool:
        return bool(self.sender and self.smtp)

    @property
    def sender_address(self) -> str:
        from email.utils import parseaddr  # here: 13 ms to import, for every build

        return parseaddr(self.sender)[1]


def _address(fields: Fields, key: str, value: str, named: bool) -> str:
    if not value:
        return ""
    from email.utils import parseaddr

    name, address = parseaddr(value)
    if "@" not in address or " " in address or (name and not named):
        what = '"Name <user@example.org>" or user@example.org' if named else "user@example.org"
        fields.expected(key, f"an email address such as {what}", value)
        return ""
    return value if named else address


def parse_smtp(fields: Fields, value: str) -> SmtpUrl | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        fields.expected("smtp", "smtp://host:587 or smtps://host:465", value.split("@")[-1])
        return None
    if parts.password is not None:
        fields.fail(
            "smtp",
            f"must not hold a password: remove it from the URL and set ${PASSWORD_ENV}",
        )
        return None
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        fields.expected("smtp", "a port number after the host", value)
        return None
    # A user that is an address is written with %40 for its @ (you%40example.org@host).
    return SmtpUrl(parts.scheme == "smtps", parts.hostname, port, unquote(parts.username or ""))


def parse_email(fields: Fields, author_email: str) -> EmailConfig:
    """`email:`; problems go to ``fields``. Without from and smtp, nothing is sent."""
    fields.check_unknown(KEYS)
    before = len(fields.problems)
    sender = _address(fields, "from", fields.string("from"), named=True)
    smtp = parse_smtp(fields, fields.string("smtp"))
    if bool(sender) != bool(smtp) and len(fields.problems) == before:
        missing = "smtp" if sender else "from"
        fields.fail(missing, "required when email is set up (both from and smtp are needed)")
    moderator = _address(fields, "moderator", fields.string("moderator", author_email), False)
    webhook = fields.string("webhook")
    if webhook:
        parts = urlsplit(webhook)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            fields.expected("webhook", "an https URL", webhook)
            webhook = ""
    mode = fields.choice("moderator_mail", [m.value for m in ModeratorMail], "each")
    follow = fields.section("followers")
    follow.check_unknown(tuple(FollowersConfig.__dataclass_fields__))
    defaults = FollowersConfig()
    followers = FollowersConfig(
        enabled=follow.boolean("enabled", False),
        content=follow.choice("content", ("excerpt", "full"), "excerpt"),
        per_minute=follow.integer("per_minute", defaults.per_minute, 1),
        per_address_per_day=follow.integer("per_address_per_day", defaults.per_address_per_day, 1),
        per_network_per_hour=follow.integer(
            "per_network_per_hour", defaults.per_network_per_hour, 1
        ),
    )
    return EmailConfig(
        sender=sender,
        smtp=smtp,
        moderator=moderator,
        ca_file=fields.string("ca_file"),
        moderator_mail=ModeratorMail(mode),
        webhook=webhook,
        replies=fields.boolean("replies", True),
        followers=followers,
        retry_after=fields.integer("retry_after", 30, minimum=1),
        link_days=fields.integer("link_days", 7, minimum=1),
    )
