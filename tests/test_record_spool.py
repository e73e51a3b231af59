"""The search records wait on disk between the build and the search step (record_spool.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build.record_spool import RecordSpool
from generator.contract.search_index import SearchRecord
from generator.core.errors import SiteError

texts = st.text(max_size=200)
records = st.builds(SearchRecord, texts, texts, st.sampled_from(["post", "page"]), texts, texts)


@settings(max_examples=50, deadline=None)
@given(st.lists(records, max_size=30))
def test_records_come_back_in_order_for_each_reading(
    tmp_path_factory: object, made: list[SearchRecord]
) -> None:
    folder = Path(str(tmp_path_factory.mktemp("spool")))  # type: ignore[attr-defined]
    spool = RecordSpool(folder)
    for record in made:
        spool.add(record)
    assert len(spool) == len(made)
    assert list(spool) == made
    assert list(spool) == made  # read again: once for each index
    spool.close()


def test_the_spool_leaves_no_file_behind(tmp_path: Path) -> None:
    spool = RecordSpool(tmp_path / "state")
    spool.add(SearchRecord("/a/", "A", "post", "2024-01-01", "text " * 1000))
    assert list((tmp_path / "state").iterdir()) == []  # no name, even while open
    assert [record.url for record in spool] == ["/a/"]
    spool.close()
    assert list((tmp_path / "state").iterdir()) == []


def test_texts_the_cache_keeps_are_read_back_only_where_wanted(tmp_path: Path) -> None:
    kept = {"k1": "first text", "k2": "second text"}
    asked: list[list[str]] = []

    def texts_of(keys: Sequence[str]) -> dict[str, str]:
        asked.append(list(keys))
        return {key: kept[key] for key in keys if key in kept}

    spool = RecordSpool(tmp_path, texts_of)
    spool.add(SearchRecord("/a/", "A", "post", "", "", "k1"), text_kept=True)
    spool.add(SearchRecord("/b/", "B", "post", "", "", "k2"), text_kept=True)
    spool.add(SearchRecord("/c/", "C", "page", "", "fresh text", "k3"))
    assert [r.text for r in spool.light()] == ["", "", "fresh text"] and asked == []
    wanted = [r.text for r in spool.filled(lambda record: record.url == "/b/")]
    assert wanted == ["", "second text", "fresh text"] and asked == [["k2"]]
    assert [r.text for r in spool] == ["first text", "second text", "fresh text"]
    kept.clear()  # the cache lost them
    with pytest.raises(SiteError, match="lost the text of /a/"):
        list(spool)
    assert [r.url for r in spool.filled(lambda record: False)] == ["/a/", "/b/", "/c/"]
    spool.close()
