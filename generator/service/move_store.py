"""`salon comments move-store --to URL`: copy a whole store to another, and verify it.

Every table both stores have is copied row for row, column by column by name
(comments with their private fields, the audit log, settings, imports, sessions, rate
windows, spent tokens, what the build published, and any table a later migration adds,
such as the notifications' outbox and subscriptions), in one transaction on the target;
then the rows of each table are counted on both sides. The target must be empty: a
move never merges two stores. The source is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.core.errors import CommentError
from generator.service.store import CommentStore
from generator.service.store_backend import Backend, Dialect

BATCH = 2000
SKIPPED_SETTINGS = ("store_id",)  # the target is another store, with its own identity


@dataclass(frozen=True)
class Moved:
    counts: dict[str, int]  # rows per table, the same on both sides


def tables(db: Backend) -> list[str]:
    if db.dialect is Dialect.SQLITE:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        rows = db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' AND table_name != 'salon_schema'"
        )
    return sorted(str(row[0]) for row in rows)


def columns(db: Backend, table: str) -> list[str]:
    cursor = db.execute(f"SELECT * FROM {table} LIMIT 0")
    return [str(item[0]) for item in cursor.description]  # type: ignore[attr-defined]


def _where(table: str) -> str:
    if table == "settings":
        return " WHERE key NOT IN (" + ", ".join(f"'{k}'" for k in SKIPPED_SETTINGS) + ")"
    return ""


def count(db: Backend, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}{_where(table)}").fetchone()[0])


def move_store(source: CommentStore, target_location: Path | str) -> Moved:
    with CommentStore.open(target_location) as target:
        if source.db.schema_version() != target.db.schema_version():
            raise CommentError("the two stores have different schema versions")
        if target.count() or target.db.execute("SELECT count(*) FROM audit").fetchone()[0]:
            raise CommentError(
                f"{target.where}: that store already holds comments; a move needs an empty one"
            )
        names = [t for t in tables(source.db) if t in set(tables(target.db))]
        with source.db.snapshot(), target.transaction() as db:
            for table in names:
                db.execute(f"DELETE FROM {table}{_where(table)}")
                cols = [c for c in columns(source.db, table) if c in set(columns(db, table))]
                listed = ", ".join(cols)
                marks = ", ".join("?" for _ in cols)
                rows = source.db.execute(f"SELECT {listed} FROM {table}{_where(table)}")
                while batch := rows.fetchmany(BATCH):  # type: ignore[attr-defined]
                    db.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", batch)
            if db.dialect is Dialect.POSTGRESQL:  # the audit's numbering goes on after the copy
                db.execute(
                    "SELECT setval(pg_get_serial_sequence('audit', 'seq'), "
                    "coalesce((SELECT max(seq) FROM audit), 0) + 1, false)"
                )
            counts = {table: count(source.db, table) for table in names}
        found = {table: count(target.db, table) for table in names}
        if found != counts:
            wrong = ", ".join(f"{t}: {counts[t]} here, {found[t]} there" for t in names
                              if counts[t] != found[t])  # fmt: skip
            raise CommentError(f"the copy does not match the store: {wrong}")
    return Moved(counts)
