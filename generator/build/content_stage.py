"""The content stage: every source parsed into a Document, from the cache where the
same text was parsed before, in worker processes when many are new."""

from __future__ import annotations

from collections.abc import Sequence

from generator.build.cache import BuildCache, cache_key
from generator.build.content import SourceFile, parse_document
from generator.build.pools import run_cached
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.models import Document


def source_key(source: SourceFile, config: SiteConfig) -> str:
    """The hash of everything a source's Document (and its rendered text) is made from."""
    settings = repr((config.timezone, config.permalink, config.front_matter_keys))
    return cache_key(settings, source.kind.value, source.path, source.relative, source.text)


def _parse(pair: tuple[SourceFile, SiteConfig]) -> Document | tuple[Problem, ...]:
    try:
        return parse_document(*pair)
    except SiteError as exc:
        return exc.problems


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
