"""The search records of a build, kept in a private temporary file until the search
step reads them, once for each index.

Made while the site model is in memory (a record is an entry's rendered text) and read
after it is gone: held in a list, 20,000 essays' texts (about 260 MB) stood on top of
the whole model at the build's peak. The file has no name (it goes when closed, or
when the process ends), so a build stopped early leaves nothing behind.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path

from generator.contract.search_index import SearchRecord


class RecordSpool:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # It lives as long as the spool, past any one block: closed by close().
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self.count = 0

    def add(self, record: SearchRecord) -> None:
        pickle.dump(record, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[SearchRecord]:
        """Every record, in the order added; one in memory at a time."""
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            record = pickle.load(self._file)
            assert isinstance(record, SearchRecord)
            yield record

    def close(self) -> None:
        self._file.close()
