"""The content stage: every source parsed into a Document, from the cache where the
same text was parsed before, in worker processes when many are new."""

from __future__ import annotations

import os
from collections.abc import Sequence

from generator.build.cache import BuildCache, cache_key
from generator.build.content import SourceFile, parse_document, read_source
from generator.build.pools import run_cached
from generator.build.source_record import changed_while_read
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.models import Document


def source_key(source: SourceFile, config: SiteConfig) -> str:
    """The hash of everything a source's Document (and its rendered text) is made from."""
    settings = repr((config.timezone, config.permalink, config.front_matter_keys))
    return cache_key(settings, source.kind.value, source.path, source.relative, source.digest)


def _parse(pair: tuple[SourceFile, SiteConfig]) -> Document | tuple[Problem, ...]:
    source, config = pair
    try:
        if source.text is None:  # read_inputs keeps hashes only: the text is read here
            source = _read_again(source, config)
        return parse_document(source, config)
    except SiteError as exc:
        return exc.problems


def _read_again(source: SourceFile, config: SiteConfig) -> SourceFile:
    """The text of a source known by its hash; it must still be what it hashed to."""
    suffix = os.path.splitext(source.path)[1]
    read = read_source(config, source.kind, source.relative + suffix)
    if read.digest != source.digest:
        raise changed_while_read(source.path)
    return read


def parse_sources(
    cache: BuildCache, sources: Sequence[SourceFile], config: SiteConfig, jobs: int | None
) -> tuple[list[Document], dict[str, str]]:
    """Every document, parsed or from the cache; all files' problems reported at once.

    Also returns each source's hash, which identifies everything parsed from it.
    """
    keys = [source_key(source, config) for source in sources]
    inputs = {key: (source, config) for key, source in zip(keys, sources, strict=True)}
    # Only successes are kept: a broken file is parsed again until it is fixed.
    parsed = run_cached(
        cache, "documents", inputs, _parse, jobs, keep=lambda result: isinstance(result, Document)
    )
    documents: list[Document] = []
    problems: list[Problem] = []
    for key in keys:
        result = parsed[key]
        if isinstance(result, Document):
            documents.append(result)
        else:
            problems.extend(result)
    if problems:
        raise SiteError(problems)
    cache.prune("documents", keys)
    return documents, {source.path: key for source, key in zip(sources, keys, strict=True)}
