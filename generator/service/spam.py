"""Spam rules that need no third party. Pure: a submission's facts in, a verdict out.

Spam (kept in the spam list, where the moderator can still rescue it): a filled
honeypot, a forged or reused form token, a form sent too fast or after too long.
Held for moderation with a reason: no form token, too many links, a blocked word.
Everything else waits in the queue, unless auto-approval of known commenters is on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.core.config import ServiceConfig
from generator.core.models import CommentStatus
from generator.service.tokens import TokenCheck, TokenVerdict

# A URL, a bare www. host, or a mailto: link; "[text](https://…)" counts once.
_LINK = re.compile(r"(?i)\b(?:https?|ftp)://|(?<![\w./@-])www\.[\w-]+\.\w|\bmailto:")


@dataclass(frozen=True)
class Assessment:
    status: CommentStatus
    reasons: tuple[str, ...] = ()

    @property
    def held_because(self) -> str:
        return "; ".join(self.reasons)


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def _word_pattern(word: str) -> re.Pattern[str]:
    # Whole words where the word starts or ends with a letter or digit; "viagra" does
    # not match "viagrafalls" but "c1al1s!" still matches as written.
    start = r"(?<!\w)" if word[:1].isalnum() else ""
    end = r"(?!\w)" if word[-1:].isalnum() else ""
    return re.compile(start + re.escape(word) + end, re.IGNORECASE)


def blocked_words_in(texts: Iterable[str], words: Sequence[str]) -> list[str]:
    """The blocked words (as configured) that occur in any of the texts."""
    joined = "\n".join(texts)
    return [word for word in words if word.strip() and _word_pattern(word.strip()).search(joined)]


def token_reason(verdict: TokenVerdict, rules: ServiceConfig, reused: bool) -> tuple[bool, str]:
    """(is spam, reason) for the form token; reason '' when the token is fine."""
    if reused:
        return True, "form token used before"
    check = verdict.check
    if check is TokenCheck.FORGED:
        return True, "forged form token"
    if check is TokenCheck.TOO_FAST:
        return True, (
            f"too fast: sent {verdict.age:.1f} s after the form was loaded "
            f"(the minimum is {rules.min_seconds} s)"
        )
    if check is TokenCheck.EXPIRED:
        return True, (
            f"form too old: loaded {verdict.age / 3600:.0f} hours before it was sent "
            f"(the limit is {rules.max_form_age_hours} hours)"
        )
    if check is TokenCheck.MISSING:
        return False, "no form token (JavaScript off, or not sent from the page)"
    return False, ""


def assess(
    *, body: str, name: str, email: str, website: str, honeypot: str, token: TokenVerdict,
    token_reused: bool, known_email: bool, rules: ServiceConfig,
) -> Assessment:  # fmt: skip
    spam: list[str] = []
    held: list[str] = []
    if honeypot:
        spam.append("honeypot field filled in")
    is_spam, reason = token_reason(token, rules, token_reused)
    if reason:
        (spam if is_spam else held).append(reason)
    links = count_links(body)
    if links > rules.max_links:
        held.append(f"{links} links (more than {rules.max_links})")
    for word in blocked_words_in((body, name, email, website), rules.blocked_words):
        held.append(f'blocked word "{word}"')
    if spam:
        return Assessment(CommentStatus.SPAM, tuple(spam + held))
    if held:
        return Assessment(CommentStatus.PENDING, tuple(held))
    if rules.auto_approve_known and known_email:
        return Assessment(CommentStatus.APPROVED)
    return Assessment(CommentStatus.PENDING)
