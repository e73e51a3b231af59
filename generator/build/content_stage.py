"""The content stage: every source parsed into a Document, from the cache where the
same text was parsed before, in worker processes when many are new."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from generator.build.cache import BuildCache, keys_after
from generator.build.content import SourceFile, parse_document
from generator.build.content_files import read_source
from generator.build.pools import run_many
from generator.build.source_record import changed_while_read
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.models import Document, document_without


def source_key(source: SourceFile, config: SiteConfig) -> str:
    """The hash of everything a source's Document (and its rendered text) is made from."""
    return source_keys([source], config)[0]


def source_keys(sources: Sequence[SourceFile], config: SiteConfig) -> list[str]:
    """``source_key`` of each source."""
    key = keys_after(
        repr((config.timezone, config.permalink, config.front_matter_keys, config.third_party))
    )
    return [key(s.kind.value, s.path, s.relative, s.digest) for s in sources]


def _parse(pair: tuple[SourceFile, SiteConfig]) -> Document | tuple[Problem, ...]:
    source, config = pair
    try:
        if source.text is None:  # read_inputs keeps hashes only: the text is read here
            source = _read_again(source, config)
        return parse_document(source, config)
    except SiteError as exc:
        return exc.problems


def _without_words(doc: Document) -> Document:
    return document_without(doc, words={}) if doc.words else doc


def _read_again(source: SourceFile, config: SiteConfig) -> SourceFile:
    """The text of a source known by its hash; it must still be what it hashed to."""
    suffix = os.path.splitext(source.path)[1]
    read = read_source(config, source.kind, source.relative + suffix)
    if read.digest != source.digest:
        raise changed_while_read(source.path)
    return read


@dataclass(frozen=True)
class Parsed:
    """Every document, without its body (which the cache keeps, in the table "bodies", by
    the source's hash, for the Markdown workers to read), and each source's hash. A
    document from the cache comes without its words too (the table "words" keeps them,
    for related essays to read if they must: unpickled with every document, they were
    half of this step after an edit); one parsed now keeps them."""

    documents: list[Document]
    source_hashes: dict[str, str]  # source path -> the hash of all its document is made from


def parse_sources(
    cache: BuildCache, sources: Sequence[SourceFile], config: SiteConfig, jobs: int | None
) -> Parsed:
    """Every document, parsed or from the cache; all files' problems reported at once."""
    keys = source_keys(sources, config)
    inputs = {key: (source, config) for key, source in zip(keys, sources, strict=True)}
    # A document is in the cache without its body (a tenth of the bytes to read back) or
    # its words, which the tables "bodies" and "words" keep beside it: all, or it is
    # parsed again.
    found: dict[str, Document] = cache.get_many("documents", inputs, snapshot=True)
    whole = cache.keys_present("bodies", found) & cache.keys_present("words", found)
    todo = [(key, value) for key, value in inputs.items() if key not in whole]
    fresh = run_many(_parse, todo, jobs)
    failed = {key: result for key, result in fresh.items() if not isinstance(result, Document)}
    # Only successes are kept: a broken file is parsed again until it is fixed. The bodies
    # go to the cache at once and out of this process (the workers that render them read
    # them there): held here, every process forked later held them too.
    made = {key: result for key, result in fresh.items() if isinstance(result, Document)}
    cache.put_many("bodies", {key: doc.body for key, doc in made.items()})
    cache.put_many("words", {key: doc.words for key, doc in made.items()})
    found.update((key, document_without(doc, body="")) for key, doc in made.items())
    cache.put_many("documents", {key: _without_words(found[key]) for key in made})
    del made, fresh
    documents: list[Document] = []
    problems: list[Problem] = []
    for key in keys:
        if key in failed:
            problems.extend(failed[key])
        else:
            documents.append(found[key])
    if problems:
        raise SiteError(problems)
    cache.keep_snapshot(
        "documents", keys, lambda: {key: _without_words(found[key]) for key in keys}
    )
    cache.prune("documents", keys)
    cache.prune("bodies", keys)
    cache.prune("words", keys)
    hashes = {source.path: key for source, key in zip(sources, keys, strict=True)}
    return Parsed(documents, hashes)
