"""`salon comments forget EMAIL`: an address erased from the store, everywhere.

The comments stay (published words are the site's), without the address; their
identicons stay as they were (the seed they were drawn from is kept, not the address).
The address goes from the confirmed list, every subscription, the followers and
every message still queued for it. The audit log records that it happened, and how
much went, never the address.
"""

from __future__ import annotations

from generator.contract.avatars import avatar_seed
from generator.service.store import CommentStore
from generator.service.store_schema import time_text
from generator.service.subscribers import forget


def forget_address(store: CommentStore, email: str, actor: str) -> tuple[int, int]:
    """(comments that held the address, queued messages dropped)."""
    address = email.strip()
    secret = store.secret()
    with store.transaction() as db:
        rows = db.execute(
            "SELECT id, email, avatar FROM comments WHERE email != '' AND email IN (?, ?)",
            (address, address.lower()),
        ).fetchall()
        for cid, held, avatar in rows:
            db.execute(
                "UPDATE comments SET email = '', avatar = ? WHERE id = ?",
                (str(avatar) or avatar_seed(secret, str(held)), str(cid)),
            )
        dropped = forget(db, [address])
        db.execute(
            "INSERT INTO audit (at, actor, action, comment_id, detail) VALUES (?, ?, ?, ?, ?)",
            (time_text(store.clock()), actor, "forget", "",
             f"an address: {len(rows)} comment(s), {dropped} queued message(s)"),
        )  # fmt: skip
    return len(rows), dropped
