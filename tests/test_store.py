"""The private store (real SQLite in tmp_path), seeding from the feed, and atomic export."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.contract.feed import parse_feed
from generator.core.config import load_config
from generator.core.errors import CommentError
from generator.core.models import CommentStatus, StoredComment
from generator.service import actions as moderation
from generator.service.addresses import truncate_ip
from generator.service.store import CommentStore
from generator.service.store_schema import MIGRATIONS, SCHEMA_VERSION

from .conftest import REPO, copy_sample_site

T0 = datetime(2025, 1, 2, 9, 0, tzinfo=UTC)


def comment(
    cid: str, status: CommentStatus = CommentStatus.PENDING, **fields: object
) -> StoredComment:
    values: dict[str, object] = {
        "id": cid, "post": "essay", "parent": None, "author": f"Author of {cid}",
        "email": f"{cid}@mail.example", "website": "", "body": f"Body of {cid}.",
        "created": T0, "status": status, "ip": "203.0.113.0/24", "user_agent": "UA/1",
    }  # fmt: skip
    values.update(fields)
    return StoredComment(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(store_location: Path | str) -> CommentStore:
    """The same suite on both backends: a SQLite file and a fresh PostgreSQL database."""
    opened = CommentStore.open(store_location)
    yield opened  # type: ignore[misc]
    opened.close()


# -- opening and migrations ----------------------------------------------------------------


def test_a_new_store_is_in_wal_mode_at_the_current_schema(tmp_path: Path) -> None:
    with CommentStore.open(tmp_path / "c.sqlite3") as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5


def test_both_backends_reach_the_same_schema_version(store: CommentStore) -> None:
    assert store.db.schema_version() == SCHEMA_VERSION
    tables = {"comments", "audit", "settings", "imported", "counters", "sessions", "notices",
              "rate_hits", "spent_tokens", "leases", "published", "outbox", "subscriptions",
              "addresses", "followers", "announced", "like_counts", "like_marks"}  # fmt: skip
    for table in tables:
        assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_a_version_1_store_is_migrated_and_keeps_its_comments(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0].format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"))
    db.execute(
        "INSERT INTO comments (id, post, author, body, created, status) "
        "VALUES ('old1', 'essay', 'Old', 'Kept.', '2024-01-01T00:00:00+00:00', 'approved')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()

    with CommentStore.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.get("old1").body == "Kept."
        (public,) = store.public_comments()
        assert public.avatar  # no published avatar: drawn from the keyed hash


def test_a_version_4_store_gains_the_likes_tables_and_keeps_its_outbox(tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite3"
    db = sqlite3.connect(path)
    words = {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL", "bigint": "INTEGER"}
    for migration in MIGRATIONS[:4]:  # the notifications' outbox was the last of version 4
        db.executescript(migration.format(**words))
    db.execute(
        "INSERT INTO outbox (message_id, kind, recipient, payload, state, created, due) "
        "VALUES ('m1', 'reply', 'r@example.org', '{}', 'queued', 1, 1)"
    )
    db.execute("PRAGMA user_version = 4")
    db.commit()
    db.close()

    with CommentStore.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert store.db.execute("SELECT message_id FROM outbox").fetchall() == [("m1",)]
        assert store.db.execute("SELECT count(*) FROM like_counts").fetchone()[0] == 0
        assert store.db.execute("SELECT count(*) FROM like_marks").fetchone()[0] == 0


def test_a_store_from_a_newer_salon_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(CommentError) as error:
        CommentStore.open(path)
    assert str(error.value) == (
        f"{path}: the store has schema version 99, newer than this Salon understands "
        f"({SCHEMA_VERSION}); upgrade Salon"
    )


def test_open_without_create_names_the_missing_store(tmp_path: Path) -> None:
    with pytest.raises(CommentError) as error:
        CommentStore.open(tmp_path / "none.sqlite3", create=False)
    assert str(error.value) == (
        f"{tmp_path}/none.sqlite3: no comment store here yet; it is created by the first "
        "comment, an import, or `salon comments export`"
    )
    assert not (tmp_path / "none.sqlite3").exists()


def test_the_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with CommentStore.open(path) as first:
        secret = first.secret()
    with CommentStore.open(path) as second:
        assert second.secret() == secret and len(secret) == 32


# -- reading and changing ------------------------------------------------------------------


def test_list_filters_and_orders(store: CommentStore) -> None:
    store.add(comment("b", created=T0 + timedelta(minutes=2)))
    store.add(comment("a", CommentStatus.APPROVED, created=T0 + timedelta(minutes=1)))
    store.add(comment("c", post="other", created=T0))
    assert [c.id for c in store.list_comments()] == ["c", "a", "b"]
    assert [c.id for c in store.list_comments(newest_first=True)] == ["b", "a", "c"]
    assert [c.id for c in store.list_comments(status=CommentStatus.PENDING)] == ["c", "b"]
    assert [c.id for c in store.list_comments(post="essay")] == ["a", "b"]
    assert store.count() == 3 and store.count(CommentStatus.APPROVED) == 1
    assert store.get("a").email == "a@mail.example"


def test_unknown_ids_are_errors(store: CommentStore) -> None:
    store.add(comment("a"))
    for action in (
        lambda: store.get("zz"),
        lambda: store.set_status(["a", "zz"], CommentStatus.APPROVED, "t"),
        lambda: store.edit("zz", "t", body="x"),
        lambda: store.delete(["zz"], "t"),
    ):
        with pytest.raises(CommentError) as error:
            action()
        assert str(error.value) == "no comment with id zz"
    assert store.get("a").status is CommentStatus.PENDING  # all or nothing
    assert store.find("zz") is None


def test_every_change_is_in_the_audit_log(store: CommentStore) -> None:
    store.add(comment("a"))
    store.set_status(["a"], CommentStatus.APPROVED, "cli:ann")
    store.edit("a", "cli:ann", body="Typo fixed.", by_author=True)
    store.edit("a", "cli:ann", body="Typo fixed.")
    store.set_status(["a"], CommentStatus.SPAM, "web:ben")
    entries = [(actor, action, detail) for _at, actor, action, _c, detail in store.audit_log("a")]
    assert entries == [
        ("reader", "create", "pending"),
        ("cli:ann", "approved", "was pending"),
        ("cli:ann", "edit", "body, by_author"),
        ("cli:ann", "edit", "no change"),
        ("web:ben", "spam", "was approved"),
    ]
    moderated = store.get("a")
    assert moderated.moderated_by == "web:ben" and moderated.moderated_at is not None


def test_public_view_holds_approved_comments_and_no_private_field(store: CommentStore) -> None:
    store.add(comment("ok", CommentStatus.APPROVED))
    store.add(comment("wait"))
    store.add(comment("no", CommentStatus.REJECTED))
    store.add(comment("junk", CommentStatus.SPAM))
    (public,) = store.public_comments()
    assert public.id == "ok"
    text = json.dumps(public.__dict__, default=str)
    assert "ok@mail.example" not in text and "203.0.113" not in text and "UA/1" not in text
    # The avatar seed is a keyed hash: stable, and not the bare hash of the email.
    import hashlib

    assert public.avatar == store.public_comments()[0].avatar
    assert public.avatar not in hashlib.sha256(b"ok@mail.example").hexdigest()


def test_delete_keeps_a_placeholder_only_while_an_approved_reply_needs_it(
    store: CommentStore,
) -> None:
    store.add(comment("top", CommentStatus.APPROVED))
    store.add(comment("reply", CommentStatus.APPROVED, parent="top", created=T0 + timedelta(1)))
    store.add(comment("lonely", CommentStatus.APPROVED))
    store.delete(["top", "lonely"], "cli:ann")

    assert store.find("lonely") is None
    top = store.get("top")
    assert (top.removed, top.author, top.email, top.body, top.ip, top.user_agent) == (
        True, "", "", "", "", ""
    )  # fmt: skip
    assert [(c.id, c.removed) for c in store.public_comments()] == [
        ("top", True), ("reply", False)
    ]  # fmt: skip
    with pytest.raises(CommentError) as error:
        store.edit("top", "cli:ann", body="back")
    assert str(error.value) == "comment top was deleted; there is nothing to edit"

    store.set_status(["reply"], CommentStatus.REJECTED, "cli:ann")
    assert store.public_comments() == []  # no visible reply left: no placeholder either


@pytest.mark.parametrize(
    ("address", "network"),
    [("203.0.113.77", "203.0.113.0/24"), ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
     ("::ffff:198.51.100.9", "198.51.100.0/24"), (" 10.1.2.3 ", "10.1.2.0/24"),
     ("not an address", ""), ("", "")],
)  # fmt: skip
def test_ip_addresses_are_truncated(address: str, network: str) -> None:
    assert truncate_ip(address) == network


# -- seeding a fresh clone from its feed ---------------------------------------------------


def test_open_store_seeds_a_fresh_clone_from_the_feed(tmp_path: Path) -> None:
    site = copy_sample_site(tmp_path / "site")
    config = load_config(site)
    published = parse_feed((REPO / "comments.json").read_text(), "comments.json")

    with moderation.open_store(config) as store:
        assert store.count() == 8 == store.count(CommentStatus.APPROVED)
        assert tuple(store.public_comments()) == tuple(
            sorted(published, key=lambda c: (c.created, c.id))
        )
        assert {entry[1] for entry in store.audit_log()} == {"seed-from-feed"}


def test_a_store_that_took_comments_before_any_open_still_adopts_the_feed(
    tmp_path: Path,
) -> None:
    """The service may store a reader's comment before any moderation: nothing is lost."""
    site = copy_sample_site(tmp_path / "site")
    config = load_config(site)
    with CommentStore.open(config.store_path) as raw:
        raw.add(comment("early", post="the-alliance"))
    with moderation.open_store(config) as store:
        assert store.count() == 9
        moderation.export_feed(config, store)
    assert len(json.loads((site / "comments.json").read_text())["comments"]) == 8


def test_the_feed_is_adopted_once_so_deleted_comments_stay_deleted(tmp_path: Path) -> None:
    site = copy_sample_site(tmp_path / "site")
    config = load_config(site)
    old_feed = (site / "comments.json").read_text()
    with moderation.open_store(config) as store:
        moderation.delete(config, store, ["b6a5f1e03d42"], "cli:ann")
    (site / "comments.json").write_text(old_feed)  # e.g. an old copy restored by git
    with moderation.open_store(config) as store:
        assert store.find("b6a5f1e03d42") is None
        assert store.count() == 7


def test_no_feed_and_no_store(tmp_path: Path) -> None:
    site = copy_sample_site(tmp_path / "site")
    (site / "comments.json").unlink()
    config = load_config(site)
    with moderation.open_store(config) as store:
        assert store.count() == 0
        assert not store.feed_adopted()
        moderation.export_feed(config, store)
        assert store.feed_adopted()


# -- the feed is never half written --------------------------------------------------------


def _export_repeatedly(site: str, rounds: int, ready: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    config = load_config(Path(site))
    with moderation.open_store(config) as store:
        ready.set()
        for n in range(rounds):
            # Alternate between two feeds of very different sizes.
            status = CommentStatus.REJECTED if n % 2 else CommentStatus.APPROVED
            store.set_status([f"big{i:03d}" for i in range(150)], status, "writer")
            moderation.export_feed(config, store)


@pytest.mark.slow
def test_a_reader_never_sees_a_partial_feed_while_it_is_rewritten(tmp_path: Path) -> None:
    site = copy_sample_site(tmp_path / "site")
    config = load_config(site)
    with moderation.open_store(config) as store:
        for i in range(150):
            store.add(comment(f"big{i:03d}", post="the-alliance", body="Long text. " * 300,
                              created=T0 + timedelta(minutes=i)))  # fmt: skip
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    writer = context.Process(target=_export_repeatedly, args=(str(site), 60, ready))
    writer.start()
    assert ready.wait(timeout=60)

    sizes: set[int] = set()
    reads = 0
    deadline = time.monotonic() + 120
    while writer.is_alive() and time.monotonic() < deadline:
        text = config.feed_path.read_bytes()
        data = json.loads(text)  # fails the test on any partial read
        sizes.add(len(data["comments"]))
        reads += 1
    writer.join(timeout=10)

    assert writer.exitcode == 0
    assert reads >= 50
    assert sizes <= {8, 158} and 158 in sizes  # both versions were seen, nothing in between
    # No temp file is left behind beside the feed.
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".comments.json")) == []


def test_the_feed_from_stored_lines_is_the_feed_serialised_whole(store: CommentStore) -> None:
    """The fast export (joined lines) gives exactly the bytes of serialise_feed, through
    approvals, edits, a deleted parent kept as a placeholder, and a rejection."""
    from generator.contract.feed import join_feed_lines, serialise_feed

    store.add(comment("p", CommentStatus.APPROVED, post="b-post"))
    store.add(comment("r", CommentStatus.APPROVED, parent="p", post="b-post",
                      created=T0 + timedelta(minutes=1)))  # fmt: skip
    store.add(comment("x", post="a-post", body="Ünïcode “quotes” and <tags>."))
    store.add(comment("y", CommentStatus.APPROVED, created=T0 - timedelta(days=1)))
    store.set_status(["x"], CommentStatus.APPROVED, "mod")
    store.edit("y", "mod", body="Edited body.", author="New name")
    store.delete(["p"], "mod")  # has a reply: a placeholder
    store.add(comment("z", CommentStatus.APPROVED))
    store.set_status(["z"], CommentStatus.REJECTED, "mod")
    changes, lines, likes = store.feed_snapshot()
    assert likes == {}
    assert join_feed_lines(lines, likes=likes) == serialise_feed(store.public_comments())
    assert [json.loads(line)["id"] for line in lines] == ["x", "p", "r", "y"]  # by post
    assert json.loads(lines[1]) == {"id": "p", "post": "b-post", "parent": None,
                                    "created": "2025-01-02T09:00:00Z", "removed": True}  # fmt: skip
    assert changes == 8  # every public change counted, pending "x" not


def test_the_exported_feed_with_likes_is_byte_identical_to_serialise_feed(
    store: CommentStore,
) -> None:
    """Likes ride in the same snapshot as the lines: the version 2 feed, "likes" last."""
    from generator.contract.feed import join_feed_lines, serialise_feed
    from generator.service.likes import like_counts, like_mark, record_like

    store.add(comment("a", CommentStatus.APPROVED, post="b-post"))
    store.add(comment("b", CommentStatus.APPROVED, post="a-post"))
    now = datetime(2026, 3, 28, tzinfo=UTC)
    with store.transaction() as db:
        for address, post in (("192.0.2.1", "b-post"), ("198.51.100.1", "b-post"),
                              ("192.0.2.1", "ünï-post")):  # fmt: skip
            mark = like_mark(b"k" * 32, address, post, "2026-03-28")
            record_like(db, mark, post, "2026-03-28", now)
    changes, lines, likes = store.feed_snapshot()
    assert likes == {"b-post": 2, "ünï-post": 1} == like_counts(store.db)
    text = join_feed_lines(lines, likes=likes)
    assert text == serialise_feed(store.public_comments(), likes=like_counts(store.db))
    assert text.endswith('\n  ],\n  "likes": {"b-post": 2, "ünï-post": 1}\n}\n')
    assert changes == 5


def test_ids_are_found_by_their_start_without_loading_every_comment(store: CommentStore) -> None:
    for cid in ("a1b2c3", "a1b2ff", "a1c0aa", "b1b2c3", "A1B2%_"):
        store.add(comment(cid))
    assert store.ids_starting_with("a1b2") == (2, ["a1b2c3", "a1b2ff"])
    assert store.ids_starting_with("a1b2c") == (1, ["a1b2c3"])
    assert store.ids_starting_with("a1", shown=1) == (3, ["a1b2c3"])
    assert store.ids_starting_with("A1B2%") == (1, ["A1B2%_"])  # no pattern, exact case
    assert store.ids_starting_with("zz") == (0, [])
