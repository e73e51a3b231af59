"""The private comment store: SQLite (WAL) or PostgreSQL, the same schema on both.

The single source of truth for comment state, and the only place where emails,
IP prefixes and user agents live. The store owns the schema and the rules; where it
lives is store_backend's business; the state several service instances share
(sessions, rate limits, spent tokens, leases) is shared_state's.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from generator.core.errors import CommentError
from generator.core.models import CommentStatus, PublicComment, StoredComment
from generator.core.times import Clock, utc_now
from generator.service.shared_state import SharedState
from generator.service.store_backend import Backend, Dialect, SqliteBackend, connect, migrate
from generator.service.store_public import CHANGES, feed_snapshot, public_comments, refresh_lines
from generator.service.store_schema import (
    COLUMNS,
    FEED_ADOPTED,
    MIGRATIONS,
    body_hash,
    row_to_comment,
    time_text,
)


def new_comment_id() -> str:
    return secrets.token_hex(6)


class CommentStore:
    """A connection to the store. One per thread."""

    def __init__(self, db: Backend, clock: Clock = utc_now) -> None:
        self.db = db
        self.where = db.where  # the file or the URL (without a password), for messages
        self.clock = clock  # stamps moderation and the audit log
        self._secret: bytes | None = None
        self.shared = SharedState(db)
        # Set by the service when its publisher runs: called after each saved change,
        # to export the feed and run the hook in the background (actions.publish).
        self.after_change: Callable[[], None] | None = None

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(
        cls, location: Path | str, create: bool = True, clock: Clock = utc_now
    ) -> CommentStore:
        """A store file's path, or a PostgreSQL URL (``postgresql://user@host/db``)."""
        if isinstance(location, Path):
            backend: Backend = SqliteBackend(location, create)
        else:
            backend = connect(location, Path.cwd(), create)
        try:
            migrate(backend, MIGRATIONS)
        except BaseException:
            backend.close()
            raise
        return cls(backend, clock)

    @property
    def dialect(self) -> Dialect:
        return self.db.dialect

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CommentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Backend]:
        """A write transaction that takes the lock up front, so writers queue, not fail."""
        with self.db.transaction() as db:
            yield db

    # -- counters ------------------------------------------------------------------

    def counter(self, name: str) -> int:
        row = self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def raise_counter(self, name: str, value: int) -> None:
        """Set a counter to value unless it is already higher."""
        with self.transaction() as db:
            db.lock("counter:" + name)
            if self.counter(name) < value:
                db.execute(
                    "INSERT INTO counters VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    def _bump(self, db: Backend, name: str = CHANGES) -> None:
        db.execute(
            "INSERT INTO counters VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
            (name,),
        )

    # -- settings and secrets -----------------------------------------------------

    def setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO settings VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def secret(self) -> bytes:
        """The site's private key for avatars, form tokens and sessions (made once)."""
        if self._secret is not None:
            return self._secret
        value = self.setting("secret")
        if value is None:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO settings VALUES ('secret', ?) ON CONFLICT DO NOTHING",
                    (secrets.token_hex(32),),
                )
                value = str(db.execute("SELECT value FROM settings WHERE key = 'secret'")
                            .fetchone()[0])  # fmt: skip
        self._secret = bytes.fromhex(value)
        return self._secret

    # -- reading -------------------------------------------------------------------

    def get(self, comment_id: str) -> StoredComment:
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM comments WHERE id = ?", (comment_id,)
        ).fetchone()
        if row is None:
            raise CommentError(f"no comment with id {comment_id}")
        return row_to_comment(row)

    def find(self, comment_id: str) -> StoredComment | None:
        try:
            return self.get(comment_id)
        except CommentError:
            return None

    def list_comments(
        self,
        status: CommentStatus | None = None,
        post: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
        offset: int = 0,
    ) -> list[StoredComment]:
        clauses, params = [], []
        if status is not None:
            clauses.append("status = ?")
            params.append(status.value)
        if post is not None:
            clauses.append("post = ?")
            params.append(post)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT {COLUMNS} FROM comments {where} ORDER BY created {order}, id {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
        return [row_to_comment(row) for row in self.db.execute(sql, params)]

    def ids_starting_with(self, start: str, shown: int = 5) -> tuple[int, list[str]]:
        """How many comment ids begin with ``start``, and the first ``shown`` of them."""
        where = "WHERE substr(id, 1, ?) = ?"
        params = (len(start), start)
        total = int(self.db.execute(f"SELECT COUNT(*) FROM comments {where}", params).fetchone()[0])
        rows = self.db.execute(
            f"SELECT id FROM comments {where} ORDER BY id LIMIT {int(shown)}", params
        )
        return total, [row[0] for row in rows]

    def count(self, status: CommentStatus | None = None) -> int:
        if status is None:
            return int(self.db.execute("SELECT count(*) FROM comments").fetchone()[0])
        return int(
            self.db.execute(
                "SELECT count(*) FROM comments WHERE status = ?", (status.value,)
            ).fetchone()[0]
        )

    def has_duplicate(self, post: str, body: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM comments WHERE body_hash = ? LIMIT 1", (body_hash(post, body),)
        ).fetchone()
        return row is not None

    def email_has_approved(self, email: str) -> bool:
        if not email:
            return False
        # The address as given or lower-cased (the comment service stores it lower-cased),
        # compared exactly so that the partial index on email answers: COLLATE NOCASE
        # cannot use it and read every row (31 ms a call with 100,000 comments). The unary
        # + keeps SQLite from walking the (mostly approved) status index instead.
        plus = "+" if self.dialect is Dialect.SQLITE else ""
        row = self.db.execute(
            "SELECT 1 FROM comments WHERE email != '' AND email IN (?, ?) "
            f"AND {plus}status = 'approved' AND removed = 0 LIMIT 1",
            (email, email.lower()),
        ).fetchone()
        return row is not None

    def audit_log(self, comment_id: str | None = None) -> list[tuple[str, str, str, str, str]]:
        """(time, actor, action, comment id, detail), oldest first."""
        if comment_id is None:
            rows = self.db.execute(
                "SELECT at, actor, action, comment_id, detail FROM audit ORDER BY seq"
            )
        else:
            rows = self.db.execute(
                "SELECT at, actor, action, comment_id, detail FROM audit WHERE comment_id = ? "
                "ORDER BY seq",
                (comment_id,),
            )
        return [(str(a), str(b), str(c), str(d), str(e)) for a, b, c, d, e in rows]

    # -- writing -------------------------------------------------------------------

    def _audit(self, db: Backend, actor: str, action: str, cid: str, detail: str = "") -> None:
        db.execute(
            "INSERT INTO audit (at, actor, action, comment_id, detail) VALUES (?, ?, ?, ?, ?)",
            (time_text(self.clock()), actor, action, cid, detail),
        )

    def add(self, comment: StoredComment, actor: str = "reader") -> StoredComment:
        with self.transaction() as db:
            self._insert(db, comment, actor)
        return comment

    def _insert(self, db: Backend, c: StoredComment, actor: str) -> None:
        db.execute(
            f"INSERT INTO comments ({COLUMNS}, body_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (c.id, c.post, c.parent, c.author, c.email, c.website, c.body, time_text(c.created),
             c.status.value, int(c.by_author), c.ip, c.user_agent, c.moderated_by,
             time_text(c.moderated_at), c.held_because, int(c.removed), body_hash(c.post, c.body)),
        )  # fmt: skip
        self._audit(db, actor, "create", c.id, c.status.value)
        if c.status is CommentStatus.APPROVED:
            self._refresh_lines(db, [c.id])
            self._bump(db)

    def add_imported(self, source: str, external_id: str, comment: StoredComment) -> bool:
        """Insert a comment from an import unless this source's id was imported before."""
        with self.transaction() as db:
            seen = db.execute(
                "SELECT 1 FROM imported WHERE source = ? AND external_id = ?", (source, external_id)
            ).fetchone()
            if seen:
                return False
            self._insert(db, comment, f"import:{source}")
            db.execute("INSERT INTO imported VALUES (?, ?, ?)", (source, external_id, comment.id))
        return True

    def imported_id(self, source: str, external_id: str) -> str | None:
        row = self.db.execute(
            "SELECT comment_id FROM imported WHERE source = ? AND external_id = ?",
            (source, external_id),
        ).fetchone()
        return str(row[0]) if row else None

    def _require(self, db: Backend, ids: Sequence[str]) -> list[StoredComment]:
        found = []
        for cid in ids:
            row = db.execute(f"SELECT {COLUMNS} FROM comments WHERE id = ?", (cid,)).fetchone()
            if row is None:
                raise CommentError(f"no comment with id {cid}")
            found.append(row_to_comment(row))
        return found

    def set_status(
        self, ids: Sequence[str], status: CommentStatus, actor: str
    ) -> list[StoredComment]:
        """Change the status of every id, or of none if one is unknown."""
        now = time_text(self.clock())
        with self.transaction() as db:
            before = self._require(db, ids)
            for comment in before:
                if comment.removed:
                    raise CommentError(
                        f"comment {comment.id} was deleted; it cannot be {status.value}"
                    )
                db.execute(
                    "UPDATE comments SET status = ?, moderated_by = ?, moderated_at = ? "
                    "WHERE id = ?",
                    (status.value, actor, now, comment.id),
                )
                self._audit(db, actor, status.value, comment.id, f"was {comment.status.value}")
            self._refresh_lines(db, [c.id for c in before])
            self._bump(db)
        return [self.get(cid) for cid in ids]

    def edit(
        self, comment_id: str, actor: str, body: str | None = None, author: str | None = None,
        website: str | None = None, by_author: bool | None = None,
    ) -> StoredComment:  # fmt: skip
        with self.transaction() as db:
            (comment,) = self._require(db, [comment_id])
            if comment.removed:
                raise CommentError(f"comment {comment_id} was deleted; there is nothing to edit")
            changed = replace(
                comment,
                body=comment.body if body is None else body,
                author=comment.author if author is None else author,
                website=comment.website if website is None else website,
                by_author=comment.by_author if by_author is None else by_author,
            )
            fields = [name for name in ("body", "author", "website", "by_author")
                      if getattr(changed, name) != getattr(comment, name)]  # fmt: skip
            db.execute(
                "UPDATE comments SET body = ?, body_hash = ?, author = ?, website = ?, "
                "by_author = ? WHERE id = ?",
                (changed.body, body_hash(changed.post, changed.body), changed.author,
                 changed.website, int(changed.by_author), comment_id),
            )  # fmt: skip
            self._audit(db, actor, "edit", comment_id, ", ".join(fields) or "no change")
            self._refresh_lines(db, [comment_id])
            self._bump(db)
        return self.get(comment_id)

    def delete(self, ids: Sequence[str], actor: str) -> None:
        """Erase comments and their personal data for good.

        A comment with replies stays as an empty placeholder so the replies keep
        their place in the thread; one without replies is removed entirely.
        """
        with self.transaction() as db:
            for comment in self._require(db, ids):
                has_replies = db.execute(
                    "SELECT 1 FROM comments WHERE parent = ? LIMIT 1", (comment.id,)
                ).fetchone()
                if has_replies:
                    db.execute(
                        "UPDATE comments SET author = '', email = '', website = '', body = '', "
                        "body_hash = '', ip = '', user_agent = '', removed = 1, held_because = '', "
                        "avatar = '' "
                        "WHERE id = ?",
                        (comment.id,),
                    )
                else:
                    db.execute("DELETE FROM comments WHERE id = ?", (comment.id,))
                db.execute("UPDATE audit SET detail = '' WHERE comment_id = ?", (comment.id,))
                self._audit(db, actor, "delete", comment.id)
            self._refresh_lines(db, list(ids))
            self._bump(db)

    # -- the public view -----------------------------------------------------------

    def public_comments(self) -> list[PublicComment]:
        """Approved comments, public fields only, plus placeholders that approved replies need."""
        return public_comments(self.db, self.secret())

    def feed_snapshot(self) -> tuple[int, list[str], dict[str, int]]:
        """The change counter, the public feed's lines and the like counts, from one
        moment (store_public)."""
        return feed_snapshot(self.db, self.secret())

    def _refresh_lines(self, db: Backend, ids: Sequence[str]) -> None:
        refresh_lines(db, self.secret(), ids)

    def feed_adopted(self) -> bool:
        return self.setting(FEED_ADOPTED) is not None

    def mark_feed_adopted(self) -> None:
        if self.feed_adopted():  # the usual case: no write lock needed
            return
        with self.transaction() as db:
            db.execute(
                "INSERT INTO settings VALUES (?, ?) ON CONFLICT DO NOTHING",
                (FEED_ADOPTED, time_text(self.clock())),
            )

    def seed_from_public(self, comments: Iterable[PublicComment], actor: str) -> int:
        """Adopt the comments of an existing public feed, once in the store's life.

        A fresh clone has the feed (committed with the site) but no store; without this,
        the first moderation action would export a feed without the published comments.
        Only ids the store does not know are added, so a store that already took comments
        loses nothing either. Later calls do nothing: from then on the store is the truth,
        and a comment deleted from it must not come back from an old copy of the feed.
        """
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM settings WHERE key = ?", (FEED_ADOPTED,)).fetchone():
                return 0
            count = 0
            for c in comments:
                if db.execute("SELECT 1 FROM comments WHERE id = ?", (c.id,)).fetchone():
                    continue
                self._insert(
                    db,
                    StoredComment(
                        id=c.id, post=c.post, parent=c.parent, author=c.author, email="",
                        website=c.website, body=c.body, created=c.created,
                        status=CommentStatus.APPROVED, by_author=c.by_author, removed=c.removed,
                    ),
                    actor,
                )  # fmt: skip
                db.execute("UPDATE comments SET avatar = ? WHERE id = ?", (c.avatar, c.id))
                self._refresh_lines(db, [c.id])
                count += 1
            db.execute(
                "INSERT INTO settings VALUES (?, ?)", (FEED_ADOPTED, time_text(self.clock()))
            )
            self._bump(db)
        return count
