"""`salon comments move-store --to URL`: SQLite to PostgreSQL and back, everything kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.core.config import load_config
from generator.core.models import CommentStatus
from generator.service import actions as moderation
from generator.service.store import CommentStore
from tests.service_support import make_site, store_of
from tests.test_store import comment


def test_a_store_moves_to_postgresql_and_back_with_everything(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_site(tmp_path / "site")
    with store_of(config) as store:
        for n in range(30):
            store.add(comment(f"c{n}", CommentStatus.APPROVED if n % 2 else CommentStatus.PENDING))
        store.edit("c1", "mod", body="Edited.")
        store.delete(["c2"], "mod")
        store.add_imported("wordpress", "77", comment("w1"))
        store.shared.claim_token("nonce", 0.0, 1e12)
        moderation.export_feed(config, store)
        before = store.public_comments()
        audit = store.audit_log()
        secret = store.secret()
    status = main(["comments", "move-store", "--to", postgres_url, "--site", str(config.root)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "comments 30" in out and "audit 33" in out and "Counts verified" in out
    with CommentStore.open(postgres_url) as moved:
        assert moved.public_comments() == before
        assert moved.audit_log() == audit
        assert moved.secret() == secret  # avatars and tokens stay valid
        assert moved.get("c4").email == "c4@mail.example"
        assert moved.imported_id("wordpress", "77") == "w1"
        assert not moved.shared.claim_token("nonce", 1.0, 1e12)
        moved.add(comment("after", CommentStatus.APPROVED))  # the numbering goes on
        assert moved.audit_log()[-1][3] == "after"
    # Moving into a store that holds comments is refused.
    status = main(["comments", "move-store", "--to", postgres_url, "--site", str(config.root)])
    assert status == 1
    assert "already holds comments" in capsys.readouterr().err
    # And back, from PostgreSQL to a new SQLite file.
    (config.root / "site.yaml").write_text(
        (config.root / "site.yaml").read_text() + f"  store: {postgres_url}\n"
    )
    config = load_config(config.root)
    assert main(["comments", "move-store", "--to", "back.sqlite3", "--site", str(config.root)]) == 0
    with CommentStore.open(config.root / "back.sqlite3") as back:
        assert back.count() == 31 and back.get("after").status is CommentStatus.APPROVED
