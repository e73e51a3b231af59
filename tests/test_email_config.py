"""site.yaml's `email:` section, validated like every other key; never a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.config import SiteConfig, parse_config
from generator.core.email_config import ModeratorMail
from generator.core.errors import SiteError

BASE = (
    "title: Notes\nbase_url: https://notes.example\nauthor:\n  name: M\n  email: m@notes.example\n"
)


def parse(text: str) -> SiteConfig:
    return parse_config(BASE + text, "site.yaml", Path("/site"))


def problems(text: str) -> list[str]:
    with pytest.raises(SiteError) as caught:
        parse(text)
    return [str(problem) for problem in caught.value.problems]


def test_the_issue_s_example_is_read_with_its_defaults() -> None:
    config = parse(
        'email:\n  from: "The Consulting Room <letters@consultingroom.example>"\n'
        "  smtp: smtp://letters@mail.example:587\n"
    )
    email = config.email
    assert email.enabled
    assert email.sender_address == "letters@consultingroom.example"
    assert email.smtp is not None
    assert (email.smtp.host, email.smtp.port, email.smtp.user, email.smtp.secure) == (
        "mail.example", 587, "letters", False)  # fmt: skip
    assert email.moderator == "m@notes.example"  # author.email
    assert email.moderator_mail is ModeratorMail.EACH
    assert email.ca_file == "" and not email.followers.enabled
    smtps = parse("email:\n  from: a@b.example\n  smtp: smtps://me%40b.example@mail.example\n")
    assert smtps.email.smtp is not None
    assert (smtps.email.smtp.secure, smtps.email.smtp.port) == (True, 465)
    assert smtps.email.smtp.user == "me@b.example"


def test_no_email_section_sends_nothing() -> None:
    assert not parse("").email.enabled


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("email:\n  from: a@b.example\n  smtp: http://mail.example\n",
         'site.yaml:8: email.smtp: expected smtp://host:587 or smtps://host:465, got "http://mail.example"'),
        ("email:\n  from: not an address\n  smtp: smtp://mail.example\n",
         'site.yaml:7: email.from: expected an email address such as "Name <user@example.org>" or user@example.org, got "not an address"'),  # noqa: E501
        ("email:\n  smtp: smtp://mail.example\n",
         "site.yaml:6: email.from: required when email is set up (both from and smtp are needed)"),
        ("email:\n  form: a@b.example\n",
         'site.yaml:7: email.form: unknown key (did you mean "from"?)'),
        ("email:\n  moderator_mail: weekly\n",
         'site.yaml:7: email.moderator_mail: expected one of each, hourly, daily, off, got "weekly"'),  # noqa: E501
        ("email:\n  followers:\n    content: summary\n",
         'site.yaml:8: email.followers.content: expected one of excerpt, full, got "summary"'),
        ("email:\n  moderator: Maren <m@x.example>\n",
         'site.yaml:7: email.moderator: expected an email address such as user@example.org, got "Maren <m@x.example>"'),  # noqa: E501
        ("email:\n  webhook: ftp://chat.example/hook\n",
         'site.yaml:7: email.webhook: expected an https URL, got "ftp://chat.example/hook"'),
    ],
)  # fmt: skip
def test_one_bad_value(extra: str, expected: str) -> None:
    assert problems(extra) == [expected]


def test_a_password_in_the_url_is_refused_without_being_shown() -> None:
    (problem,) = problems("email:\n  from: a@b.example\n  smtp: smtp://me:hunter2@mail.example\n")
    assert "SALON_SMTP_PASSWORD" in problem and "hunter2" not in problem
    assert problem.startswith("site.yaml:8: email.smtp:")
