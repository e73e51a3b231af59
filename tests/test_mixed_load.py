"""The comment service under a mixed load, as bench/mixed_load.py runs it: real service
processes on one store (a SQLite file, or a real PostgreSQL), readers submitting at a
fixed rate, a moderator approving in a loop, `salon build` running again and again and a
reader polling the public feed. Nothing the service accepted may be lost or stored twice,
and no read of the feed may find it invalid or half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.mixed_load import add_essays, mixed
from bench.service_bench import make_site

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_instances_under_a_mixed_load_lose_and_duplicate_nothing(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str
) -> None:
    url = request.getfixturevalue("postgres_url") if kind == "postgresql" else ""
    root = make_site(tmp_path / "site", url)
    add_essays(root)
    result, figures = mixed(root, tmp_path, 2, rate=40, seconds=5, label=kind)
    assert result.failed == 0 and len(result.accepted) == result.sent == 200
    assert figures["check"] == {"lost": 0, "duplicated": 0, "feed_mismatch": 0}, figures
    assert figures["reader"]["reads"] > 50 and figures["reader"]["invalid"] == 0, figures
    assert figures["moderator"]["approved"] > 0 and figures["moderator"]["failures"] == 0
    assert figures["builder"]["builds"] >= 1 and figures["builder"]["failures"] == 0, figures
    assert figures["errors_5xx"] == 0
