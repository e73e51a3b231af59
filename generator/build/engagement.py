"""The build's reader-engagement steps: related essays (after content) and the search
indexes (after the write step, over the final tree).

Related essays are cached in .salon/related.json: each source's top words by source
hash, and the whole answer by a digest of every input, so an unchanged site computes
nothing and an edit re-reads only the edited essay's words.

Search is the slow one (Pagefind over a 5,000-essay site takes seconds), so it is a
``SearchWork`` of its own: skipped when no essay or page changed since the last index,
timed apart from the build, and run in the background by `salon serve`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build.record_spool import RecordSpool
from generator.build.related import Answers, Ranked, RelatedInput, Scoring, answers, words_digest
from generator.build.related_update import (
    AnswerMany,
    RelatedCache,
    input_hash,
    last_answer,
    parse_cache,
    related_answer,
    serialise_cache,
)
from generator.build.series import SeriesMember, group_series
from generator.build.site import Entry
from generator.build.writer import write_private
from generator.contract.search_index import (
    SearchRecord,
    html_text,
    records_digest,
    search_index_path,
    text_digest,
    write_fts_index,
)
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.models import Document, Kind

if TYPE_CHECKING:
    from generator.build.cache import BuildCache  # imported where used: a no-change build


RELATED_CACHE = "related.json"
SEARCH_STATE = "search.json"  # the digest of the records both indexes were last made from
PAGEFIND_WORK = "pagefind"  # under .salon/: Pagefind writes here, the writer swaps it in


def check_series(documents: Sequence[Document]) -> None:
    """Two parts of one series with the same `series_order` are the author's mistake."""
    members = [
        SeriesMember(d.key, d.source, d.series, d.series_order, d.date)
        for d in documents
        if d.kind is Kind.POST and d.series
    ]
    _, _, problems = group_series(members, {m.key: m.key for m in members})
    if problems:
        raise SiteError(problems)


PARALLEL_ANSWERS = 2000  # essays to answer below which forking workers costs more than it saves


def answers_in_workers(jobs: int | None) -> AnswerMany:
    """`related.answers`, in forked workers for many essays (a cold build answers every
    one: 7 s of one core at 20,000 essays), each given a run of consecutive indexes, so
    that the answers, bars and problems come back in the order one process gives."""
    from generator.build.pools import can_fork, map_inherited, worker_count

    workers = worker_count(jobs)

    def answer_many(
        scoring: Scoring, indexes: Sequence[int], count: int, sources: Sequence[str]
    ) -> Answers:
        if workers < 2 or len(indexes) < PARALLEL_ANSWERS or not can_fork():
            return answers(scoring, indexes, count, sources)
        size = -(-len(indexes) // (4 * workers))  # four runs a worker: none waits long
        runs = [list(indexes[start : start + size]) for start in range(0, len(indexes), size)]
        answer: dict[str, tuple[str, ...]] = {}
        bars: dict[str, Ranked | None] = {}
        problems: list[tuple[str, str]] = []
        work = partial(answers, scoring, count=count, sources=sources)
        for run_answer, run_bars, run_problems in map_inherited(work, runs, workers):
            answer.update(run_answer)
            bars.update(run_bars)
            problems.extend(run_problems)
        return answer, bars, problems

    return answer_many


WordsOf = Callable[[Sequence[str]], Mapping[str, Mapping[str, int]]]  # by source hash


def related_essays(
    config: SiteConfig, documents: Sequence[Document], source_hashes: Mapping[str, str],
    jobs: int | None = None, words_of: WordsOf | None = None,
) -> dict[str, tuple[str, ...]]:  # fmt: skip
    """Each post's related posts by key (empty when the setting is off). ``source_hashes``:
    by source path, the hash of all its document is parsed from. ``jobs``: the build's
    workers, which answer many essays (answers_in_workers). ``words_of``: the top words
    of the documents that come without them (from the cache), by source hash; asked only
    when some essay's inputs changed since the last answer (a typo fixed asks nothing)."""
    settings = config.engagement.related
    if not settings.enabled:
        return {}
    path = config.private_dir / RELATED_CACHE
    try:
        last = parse_cache(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        last = RelatedCache()
    posts = [doc for doc in documents if doc.kind is Kind.POST]
    hashes = [_input_hash(doc) for doc in posts]
    same = last_answer(last, hashes, settings.count)
    if same is not None:
        return same
    words = _words(posts, source_hashes, words_of)
    items = [
        RelatedInput(doc.key, doc.url, doc.date, doc.tags, doc.categories, words, doc.related)
        for doc, words in zip(posts, words, strict=True)
    ]
    sources = [doc.source for doc in posts]
    answer, problems, cache = related_answer(
        items, settings.count, sources, last, hashes, answers_in_workers(jobs)
    )
    if problems:
        raise SiteError([Problem(message, source) for source, message in problems])
    if cache is not None:
        write_private(path, serialise_cache(cache))
    return answer


def _input_hash(doc: Document) -> str:
    words = doc.words_digest or words_digest(doc.words)
    return input_hash(doc.key, doc.url, doc.date, doc.tags, doc.categories, doc.related, words)


def _words(
    posts: Sequence[Document], source_hashes: Mapping[str, str], words_of: WordsOf | None
) -> list[Mapping[str, int]]:
    """Each post's top words: its own, or the cache's for one that came without them."""
    empty = words_digest({})
    wanted = [source_hashes[d.source] for d in posts if not d.words and d.words_digest != empty]
    found = words_of(wanted) if words_of is not None and wanted else {}
    words: list[Mapping[str, int]] = []
    for doc in posts:
        kept = doc.words or found.get(source_hashes[doc.source])
        if kept is None:
            if doc.words_digest not in ("", empty):
                raise SiteError.at("changed while this build read it; build again", doc.source)
            kept = {}
        words.append(kept)
    return words


@dataclass
class SearchWork:
    """Making both search indexes from the built site: ``run()`` does it (or nothing,
    when the records are those of the last index) and returns the seconds it took."""

    config: SiteConfig
    entries: Sequence[Entry]
    digest: str
    pagefind: bool
    done: bool = False
    seconds: float = 0.0
    records: int = 0
    made: RecordSpool | None = None  # the records, once prepare() made them
    after: Callable[[], None] | None = None  # run once the indexes are made (the build's record)
    cache_path: Path | None = None  # the build cache, which keeps each record's text

    def prepare(self) -> None:
        """Make the records now and let the entries go (and with them, once the build
        drops it, the site model)."""
        started = time.perf_counter()
        spool = RecordSpool(self.config.state_dir, partial(_texts_kept, self.cache_path))
        texts = _KeptTexts(self.cache_path)
        try:
            keys = [_text_key(entry) for entry in self.entries]
            for start in range(0, len(keys), TEXTS_AT_ONCE):
                end = start + TEXTS_AT_ONCE
                kept, fresh = texts.kept(keys[start:end]), {}
                for key, entry in zip(keys[start:end], self.entries[start:end], strict=True):
                    digest = kept.get(key)
                    if digest is not None:  # the text is read only if an index needs it
                        spool.add(_record(entry, "", key, digest), text_kept=True)
                    else:
                        fresh[key] = text = html_text(entry.html)
                        fresh[_digest_key(key)] = digest = text_digest(text)
                        spool.add(_record(entry, text, key, digest))
                texts.put(fresh)
            texts.prune([*keys, *map(_digest_key, keys)])
        finally:
            texts.close()
        self.made, self.entries = spool, ()
        self.seconds += time.perf_counter() - started

    def run(self) -> float:
        from generator.build.search_pagefind import BUNDLE, make_pagefind_bundle
        from generator.build.writer import replace_folder

        if self.made is None:
            self.prepare()
        assert self.made is not None
        started = time.perf_counter()
        records, self.made = self.made, None
        self.records = len(records)
        state = self.config.state_dir
        try:
            write_fts_index(search_index_path(self.config), records, self.digest)
            if self.pagefind:
                folder = make_pagefind_bundle(records, self.config.language,
                                              state / PAGEFIND_WORK,
                                              self.config.output_dir / BUNDLE)  # fmt: skip
                replace_folder(self.config.output_dir, BUNDLE, folder)
        finally:
            records.close()
        write_private(state / SEARCH_STATE, json.dumps({"digest": self.digest}).encode())
        self.seconds += time.perf_counter() - started
        self.done = True
        return self.seconds


def _record(entry: Entry, text: str, key: str, digest: str) -> SearchRecord:
    date = entry.date.date().isoformat() if entry.date is not None else ""
    return SearchRecord(entry.url, entry.title, entry.kind, date, text, key, digest)


# A record's text is the body's, which is a pure function of the source (as plan_search
# counts on): kept in the build cache by the source's hash, an edit makes one text
# instead of reading every essay's HTML back and stripping its tags (1.1 s of the search
# step after an edit at 5,000 essays).
def _text_key(entry: Entry) -> str:
    from generator.build.cache import cache_key

    return cache_key("search text", entry.source_hash)


def _digest_key(text_key: str) -> str:
    """Where the cache keeps the digest of the text it keeps under ``text_key``."""
    return f"{text_key} digest"


TEXTS_AT_ONCE = 500  # texts read from the cache at a time


class _KeptTexts:
    """The records' texts in the build cache, by source hash, each with its digest beside
    it (under _digest_key). Only a shortcut: without the cache, or after any SQLite
    error, it finds nothing and keeps nothing."""

    def __init__(self, cache_path: Path | None) -> None:
        import sqlite3

        from generator.build.cache import BuildCache

        self.cache: BuildCache | None = None
        with contextlib.suppress(sqlite3.Error):
            self.cache = BuildCache(cache_path) if cache_path is not None else None

    def kept(self, keys: Sequence[str]) -> dict[str, str]:
        """The digest of each text kept under one of ``keys`` (the texts are not read)."""
        import sqlite3

        if self.cache is None:
            return {}
        try:
            present = self.cache.keys_present("search_texts", keys)
            digests = self.cache.get_many("search_texts", [_digest_key(key) for key in present])
        except sqlite3.Error:
            self.close()
            return {}
        found = ((key, digests.get(_digest_key(key))) for key in present)
        return {key: digest for key, digest in found if isinstance(digest, str)}

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        import sqlite3

        try:
            found = self.cache.get_many("search_texts", keys) if self.cache else {}
        except sqlite3.Error:
            self.close()
            return {}
        return {key: text for key, text in found.items() if isinstance(text, str)}

    def put(self, fresh: dict[str, str]) -> None:
        import sqlite3

        try:
            if self.cache is not None:
                self.cache.put_many("search_texts", fresh)
        except sqlite3.Error:
            self.close()

    def prune(self, used: Sequence[str]) -> None:
        import sqlite3

        try:
            if self.cache is not None:
                self.cache.prune("search_texts", used)
        except sqlite3.Error:
            self.close()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
            self.cache = None


def _texts_kept(cache_path: Path | None, keys: Sequence[str]) -> dict[str, str]:
    """The records' texts the spool held back, read when an index needs them."""
    texts = _KeptTexts(cache_path)
    try:
        return texts.get(keys)
    finally:
        texts.close()


def plan_search(
    config: SiteConfig, posts: Sequence[Entry], pages: Sequence[Entry],
    source_hashes: Mapping[str, str], cache_path: Path | None = None,
) -> SearchWork | None:  # fmt: skip
    """The search work this build needs, or None when search is off or nothing changed.
    ``cache_path``: the build cache, where the records' texts are kept."""
    from generator.build.code_fingerprint import code_fingerprint
    from generator.build.search_pagefind import BUNDLE

    settings = config.engagement.search
    if not settings.enabled:
        return None
    started = time.perf_counter()  # deciding is part of the step's time
    entries = [*posts, *pages]
    # A record is a pure function of its source (and Salon's code): the hashes stand in
    # for the texts, so deciding to skip reads no rendered HTML.
    stand_ins = (
        SearchRecord(e.url, e.title, e.kind, e.date.isoformat() if e.date else "", text)
        for e in entries
        for text in (source_hashes.get(e.doc.source) or repr(e.doc),)
    )
    digest = records_digest(stand_ins)
    # Pagefind's index depends on the language it is told, too.
    digest = f"{digest}:{code_fingerprint()}:{int(settings.pagefind)}:{config.language}"
    state = _read_state(config.state_dir / SEARCH_STATE)
    index_ok = search_index_path(config).is_file()
    bundle_ok = not settings.pagefind or (config.output_dir / BUNDLE / "pagefind.js").is_file()
    if state == digest and index_ok and bundle_ok:
        return None
    return SearchWork(config, entries, digest, settings.pagefind, cache_path=cache_path,
                      seconds=time.perf_counter() - started)  # fmt: skip


def _read_state(path: Path) -> str:
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("digest", ""))
    except (OSError, ValueError, AttributeError):
        return ""
