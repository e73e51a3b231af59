"""Which inputs are unchanged since the last build, told by their file status.

To find the one essay an author edited, a build read and hashed every source and the
comments feed: half a second at 5,000 essays and a 30 MB feed. Each build now records
every source's status (size, modification and change times, inode) with the hash of its
bytes, and the feed's with the hash of its text. The next build reads only the files
whose status differs, or that were touched within core/files.STAT_MARGIN of the moment their status
was read (a coarse clock could give a later write the same times). An unchanged file's
text is read later only if what is parsed from it is not in the build cache.

A downloaded feed is always downloaded. The status is taken before the file is read, so a
write while the build reads leaves a status the next build does not recognise.

Only the sources' hashes are kept: a changed file's text is read again where it is parsed
(in a worker, for many), and checked against its hash there. Holding every text from this
step to the parse set a big build's peak memory (20,000 essays: 266 MB of texts, beside
the parsed documents). A feed read here keeps its text: the comment service may replace
the file at any moment (a moderator approving while the author builds), and a build must
not stop for that.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

from generator.build.comment_source import read_feed_text
from generator.build.content import SourceFile
from generator.build.content_files import read_source, source_file, source_paths
from generator.build.writer import write_private
from generator.core import files as file_times
from generator.core.config import SiteConfig
from generator.core.errors import SiteError
from generator.core.files import Stats, stat_of

RECORD = "source-record"  # under .salon/: marshalled, private to this machine's builds
LEGACY_RECORD = "sources.json"  # as JSON, before 2026-12-03 (removed when one is saved)
VERSION = 2

Status = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Record = dict[str, tuple[Status, str]]  # file on disk -> (its status, the hash of it)


@dataclass(frozen=True)
class FeedInput:
    """The comments feed of this build: its hash ("" when there is none) and its text,
    unless its status says it is the one the last build read."""

    digest: str
    text: str | None

    def read(self, config: SiteConfig) -> str:
        """The text, read now if it was not; it must be the text the hash is of."""
        if self.text is not None:
            return self.text
        text = read_feed_text(config)
        if text is None or feed_digest(text) != self.digest:
            raise changed_while_read(config.comments.feed)
        return text


def changed_while_read(path: str) -> SiteError:
    """A file whose status said it was unchanged, found changed when read at last."""
    return SiteError.at("changed while this build read it; build again", path)


def feed_digest(text: str) -> str:
    """The hash of the feed's text, which every comment of the build is a function of."""
    return hashlib.sha1(text.encode()).hexdigest()


def load_record(config: SiteConfig) -> Record:
    """The last build's record; {} when there is none, or it cannot be read.

    Marshalled, as the output manifest is (JSON took 12 ms of an edit at 5,000 essays to
    read and write it). Only a shortcut, so checked no further than its use needs: a
    status that is not one (a damaged file) equals no file's, and that file is read."""
    try:
        data = marshal.loads((config.state_dir / RECORD).read_bytes())
        if data.get("version") != VERSION:
            return {}
        return {
            path: known
            for path, known in data["files"].items()
            if type(path) is str and type(known) is tuple and len(known) == 2
            and type(known[1]) is str
        }  # fmt: skip
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError):
        return {}  # only a shortcut: without it, everything is read


def save_record(config: SiteConfig, record: Record) -> None:
    data = {"version": VERSION, "files": dict(record)}
    write_private(config.state_dir / RECORD, marshal.dumps(data))
    (config.state_dir / LEGACY_RECORD).unlink(missing_ok=True)


def _status(path: str, recent: float, stats: Stats | None = None) -> Status | None:
    """The file's status, or None when it was touched too recently to stand for it (or
    cannot be read: reading it says what is wrong). FileNotFoundError: there is none."""
    try:
        stat = stat_of(path, stats)
    except FileNotFoundError:
        raise
    except OSError:
        return None
    if max(stat.st_mtime, stat.st_ctime) >= recent:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


def read_inputs(
    config: SiteConfig, known: Mapping[str, tuple[Status, str]], stats: Stats | None = None
) -> tuple[list[SourceFile], FeedInput, Record]:
    """Every source (read, or known unchanged), the feed, and the record for next time.
    ``stats``: the files' status as freshness.stat_digest took it, moments ago."""
    recent = time.time() - file_times.STAT_MARGIN
    record: Record = {}
    sources: list[SourceFile] = []
    for kind, relative in source_paths(config):
        path, shown = source_file(config, kind, relative)
        try:
            status = _status(path, recent, stats)
        except FileNotFoundError:
            status = None  # gone since it was listed: reading it says so
        last = known.get(path)
        if status is not None and last is not None and last[0] == status:
            stem = relative[: -len(os.path.splitext(relative)[1])]
            sources.append(SourceFile(kind, shown, stem, None, last[1]))
            record[path] = last
            continue
        source = read_source(config, kind, relative)  # its decoding error, if any, now
        sources.append(SourceFile(kind, source.path, source.relative, None, source.digest))
        if status is not None:
            record[path] = (status, source.digest)
    return sources, _read_feed(config, known, recent, record), record


def _read_feed(config: SiteConfig, known: Mapping[str, tuple[Status, str]], recent: float,
               record: Record) -> FeedInput:  # fmt: skip
    if not config.comments.enabled:
        return FeedInput("", None)
    status = None
    path = str(config.feed_path)
    if not config.feed_is_remote:
        try:
            status = _status(path, recent)
        except FileNotFoundError:
            return FeedInput("", None)  # no comment approved yet
        last = known.get(path)
        if status is not None and last is not None and last[0] == status:
            record[path] = last
            return FeedInput(last[1], None)
    text = read_feed_text(config)
    if text is None:
        return FeedInput("", None)
    digest = feed_digest(text)
    if status is not None:
        record[path] = (status, digest)
    # Kept: read again later, a feed the moderator changed meanwhile would stop the build
    # ("changed while this build read it"), and a downloaded one could be another one.
    return FeedInput(digest, text)
