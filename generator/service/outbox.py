"""The outbox: every message the service sends, kept in the store until it is sent.

A message is queued in the transaction of the change that causes it (a comment held,
a reply approved, an essay published), so a change is never saved without its mail nor
a mail queued for a change that was rolled back. Senders claim due messages (``FOR
UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the write lock ``BEGIN IMMEDIATE`` takes
makes the claim atomic already), so no two instances send the same message. A claim
is a lease: a sender killed mid-send leaves its messages to be claimed again when the
lease runs out. That is the one window for a duplicate (the server accepted, our
"sent" was never committed), and the resend carries the same Message-ID.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.service.store_backend import Backend

LEASE_SECONDS = 60.0  # how long a claim lasts before another sender may take the message
MAX_ATTEMPTS = 12  # with doubling from retry_after (30 s): about a day and a half of trying
MAX_DELAY = 4 * 3600.0
# The senders running in this process: woken after a commit that queued mail, so a
# message leaves at once rather than at the next poll.
WAKERS: set[Callable[[], None]] = set()


def wake_senders() -> None:
    for wake in list(WAKERS):
        wake()


class Kind(enum.Enum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class State(enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Message:
    seq: int
    message_id: str
    kind: Kind
    recipient: str  # an address, or the webhook's URL
    payload: Mapping[str, Any]  # what to render: {"template": …, …}
    state: State
    created: float
    due: float
    attempts: int
    last_error: str


COLUMNS = "seq, message_id, kind, recipient, payload, state, created, due, attempts, last_error"


def _row(row: Sequence[Any]) -> Message:
    seq, mid, kind, recipient, payload, state, created, due, attempts, error = row
    return Message(int(seq), str(mid), Kind(kind), str(recipient), json.loads(payload),
                   State(state), float(created), float(due), int(attempts), str(error))  # fmt: skip


def message_id(event: str, recipient: str, domain: str) -> str:
    """Stable per (event, recipient): queueing twice is a no-op, a resend is recognisable."""
    digest = hashlib.sha256(f"{event}\0{recipient.lower()}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain or 'salon.invalid'}>"


def queue(
    db: Backend, event: str, kind: Kind, recipient: str, payload: Mapping[str, Any],
    now: float, domain: str, due: float | None = None,
) -> bool:  # fmt: skip
    """Queue one message inside the caller's transaction; False if it was queued before."""
    cursor = db.execute(
        "INSERT INTO outbox (message_id, kind, recipient, payload, state, created, due) "
        "VALUES (?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (message_id) DO NOTHING",
        (message_id(event, recipient, domain), kind.value, recipient.lower()
         if kind is Kind.EMAIL else recipient, json.dumps(payload, ensure_ascii=False), now,
         now if due is None else due),
    )  # fmt: skip
    return cursor.rowcount == 1


def queue_many(
    db: Backend, kind: Kind, items: Sequence[tuple[str, str, Mapping[str, Any], float]],
    now: float, domain: str,
) -> None:  # fmt: skip
    """Queue (event, recipient, payload, due) items in one statement (an essay for every
    follower): the caller's transaction is held for as short a time as possible."""
    db.executemany(
        "INSERT INTO outbox (message_id, kind, recipient, payload, state, created, due) "
        "VALUES (?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (message_id) DO NOTHING",
        [(message_id(event, recipient, domain), kind.value, recipient.lower(),
          json.dumps(payload, ensure_ascii=False), now, due)
         for event, recipient, payload, due in items],
    )  # fmt: skip


def claim(db: Backend, now: float, limit: int, lease: float = LEASE_SECONDS) -> list[Message]:
    """Take up to ``limit`` due messages for this sender until now + lease."""
    with db.transaction():
        rows = db.execute(
            f"SELECT {COLUMNS} FROM outbox WHERE (state = 'queued' AND due <= ?) "
            "OR (state = 'sending' AND claimed_until <= ?) ORDER BY due, seq LIMIT ?"
            + db.skip_locked(),
            (now, now, limit),
        ).fetchall()
        messages = [_row(r) for r in rows]
        if messages:
            db.executemany(
                "UPDATE outbox SET state = 'sending', claimed_until = ? WHERE seq = ?",
                [(now + lease, m.seq) for m in messages],
            )
    return messages


def mark_sent(db: Backend, seq: int, now: float) -> None:
    with db.transaction():
        # The payload goes once sent: it may hold a comment's text or a link's token.
        db.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, payload = '{}', last_error = '' "
            "WHERE seq = ?",
            (now, seq),
        )


def retry_delay(attempts: int, first: float) -> float:
    """The wait after the n-th failed attempt: first, then doubling, capped."""
    return float(min(first * 2 ** max(0, attempts - 1), MAX_DELAY))


def mark_failed(
    db: Backend, message: Message, error: str, now: float, first_retry: float, permanent: bool
) -> State:
    """A failed attempt: queued again with backoff, or failed for good (after too many
    attempts, or when the receiver said the message can never be delivered)."""
    attempts = message.attempts + 1
    state = State.FAILED if permanent or attempts >= MAX_ATTEMPTS else State.QUEUED
    with db.transaction():
        db.execute(
            "UPDATE outbox SET state = ?, attempts = ?, last_error = ?, due = ?, "
            "claimed_until = 0 WHERE seq = ?",
            (state.value, attempts, error[:500], now + retry_delay(attempts, first_retry),
             message.seq),
        )  # fmt: skip
    return state


def waiting(db: Backend, include_sent: bool = False, limit: int = 200) -> list[Message]:
    """What waits, is being sent, or failed (newest first); sent ones too if asked."""
    where = "" if include_sent else "WHERE state != 'sent'"
    rows = db.execute(
        f"SELECT {COLUMNS} FROM outbox {where} ORDER BY seq DESC LIMIT {int(limit)}"
    ).fetchall()
    return [_row(r) for r in rows]


def counts(db: Backend) -> dict[State, int]:
    found = {state: 0 for state in State}
    for state, number in db.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
        found[State(state)] = int(number)
    return found


def retry_failed(db: Backend, now: float) -> int:
    """Queue every failed message again, at once (after fixing the cause)."""
    with db.transaction():
        cursor = db.execute(
            "UPDATE outbox SET state = 'queued', due = ?, attempts = 0 WHERE state = 'failed'",
            (now,),
        )
        return cursor.rowcount


def forget_recipient(db: Backend, address: str) -> int:
    """Inside the caller's transaction: drop every message not yet sent to ``address``,
    and scrub the address from those already sent."""
    cursor = db.execute(
        "DELETE FROM outbox WHERE recipient = ? AND state != 'sent'", (address.lower(),)
    )
    dropped = cursor.rowcount
    db.execute("UPDATE outbox SET recipient = '' WHERE recipient = ?", (address.lower(),))
    return dropped


def prune_sent(db: Backend, before: float) -> None:
    """Sent messages are kept a while (so a re-queue of the same event is a no-op), then go."""
    with db.transaction():
        db.execute("DELETE FROM outbox WHERE state = 'sent' AND sent_at < ?", (before,))
