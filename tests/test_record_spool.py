"""The search records wait on disk between the build and the search step (record_spool.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build.record_spool import RecordSpool
from generator.contract.search_index import SearchRecord

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
