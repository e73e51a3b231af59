"""The search records of a build, kept in a private temporary file until the search
step reads them, once for each index.

Made while the site model is in memory (a record is an entry's rendered text) and read
after it is gone: held in a list, 20,000 essays' texts (about 260 MB) stood on top of
the whole model at the build's peak. The file has no name (it goes when closed, or
when the process ends), so a build stopped early leaves nothing behind.

A record whose text the build cache keeps (by its ``text_key``) is spooled without it:
the indexes ask for the texts of the records they make again (`filled`), which after an
edit are a few, and the spool reads those from the cache then. Reading and spooling
every text was a third of the search step after an edit at 5,000 essays.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from generator.contract.search_index import SearchRecord
from generator.core.errors import SiteError

TextsOf = Callable[[Sequence[str]], Mapping[str, str]]  # text keys: the texts found
FILL_AT_ONCE = 500  # records whose texts are asked of the cache at a time


class RecordSpool:
    """``texts_of``: where the texts held back are read from (the build cache)."""

    def __init__(self, folder: Path, texts_of: TextsOf | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # It lives as long as the spool, past any one block: closed by close().
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self._texts_of = texts_of
        self.count = 0

    def add(self, record: SearchRecord, text_kept: bool = False) -> None:
        """``text_kept``: ``texts_of`` has the text under the record's ``text_key``, so
        the spool holds the record without it."""
        held_back = text_kept and self._texts_of is not None and bool(record.text_key)
        stored = replace(record, text="") if held_back else record
        pickle.dump((stored, held_back), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[SearchRecord]:
        """Every record, in the order added, each with its text."""
        return self.filled(lambda record: True)

    def light(self) -> Iterator[SearchRecord]:
        """Every record, in the order added, those held back without their text."""
        return (record for record, _ in self._stored())

    def filled(self, wanted: Callable[[SearchRecord], bool]) -> Iterator[SearchRecord]:
        """Every record, in the order added, with its text wherever ``wanted`` says
        (the texts held back read from the cache, a batch at a time)."""
        batch: list[tuple[SearchRecord, bool]] = []
        for record, held_back in self._stored():
            batch.append((record, held_back and wanted(record)))
            if len(batch) == FILL_AT_ONCE:
                yield from self._fill(batch)
                batch = []
        yield from self._fill(batch)

    def _fill(self, batch: list[tuple[SearchRecord, bool]]) -> Iterator[SearchRecord]:
        keys = [record.text_key for record, needed in batch if needed]
        found = self._texts_of(keys) if keys and self._texts_of is not None else {}
        for record, needed in batch:
            if not needed:
                yield record
                continue
            text = found.get(record.text_key)
            if text is None:  # the cache lost it since the build looked (or cannot be read)
                raise SiteError.at(
                    f"search: the build cache lost the text of {record.url}; build again",
                    ".salon/cache.sqlite3",
                )
            yield replace(record, text=text)

    def _stored(self) -> Iterator[tuple[SearchRecord, bool]]:
        """One record in memory at a time."""
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            record, held_back = pickle.load(self._file)
            assert isinstance(record, SearchRecord)
            yield record, bool(held_back)

    def close(self) -> None:
        self._file.close()
