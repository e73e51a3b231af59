"""Which documents a build publishes, and where: drafts and future posts held back, every
URL and post key claimed once, each file under content/ given its place in output/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from generator.build.content import is_bundle
from generator.build.content_files import iter_assets
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.models import Document, Kind


def select_published(
    documents: list[Document], drafts_too: bool, future_too: bool, now: datetime
) -> tuple[list[Document], int, int]:
    """Leave out drafts and future posts unless asked for; count what was held back."""
    kept: list[Document] = []
    drafts = future = 0
    for doc in documents:
        if doc.draft and not drafts_too:
            drafts += 1
        elif doc.kind is Kind.POST and doc.date and doc.date > now and not future_too:
            future += 1
        else:
            kept.append(doc)
    return kept, drafts, future


def check_unique_urls(documents: list[Document]) -> None:
    claimed: dict[str, str] = {}
    clashed: set[frozenset[str]] = set()  # one message per pair of files is enough
    problems: list[Problem] = []
    for doc in documents:
        for url in (doc.url, *doc.aliases):
            if url in claimed and claimed[url] != doc.source:
                clashed.add(frozenset((claimed[url], doc.source)))
                problems.append(
                    Problem(f"URL {url} is claimed by both {claimed[url]} and {doc.source}",
                            doc.source)
                )  # fmt: skip
            claimed.setdefault(url, doc.source)
    keys: dict[str, str] = {}
    for doc in documents:
        if doc.kind is Kind.POST:
            if doc.key in keys and frozenset((keys[doc.key], doc.source)) not in clashed:
                problems.append(
                    Problem(f'post key "{doc.key}" is used by both {keys[doc.key]} and '
                            f"{doc.source}; set a distinct `id:`", doc.source)
                )  # fmt: skip
            keys.setdefault(doc.key, doc.source)
    if problems:
        raise SiteError(problems)


def asset_targets(config: SiteConfig, documents: list[Document]) -> list[tuple[str, Path]]:
    """Where each non-Markdown file under content/ is published.

    A file in a bundle (a folder whose index.md is a post or page) goes beside the
    document's page; any other file keeps its path, minus a posts/ or pages/ prefix.
    """
    bundles = {
        str(Path(doc.source).parent.relative_to("content").as_posix()): doc.url
        for doc in documents
        # "content/posts/walks/index.md": its path under posts/, without the suffix
        if is_bundle(doc.source.split("/", 2)[2].rsplit(".", 1)[0])
    }
    targets: list[tuple[str, Path]] = []
    for path, relative in iter_assets(config):
        folder = relative.rsplit("/", 1)[0] if "/" in relative else ""
        name = relative.rsplit("/", 1)[-1]
        if folder in bundles:
            target = bundles[folder].lstrip("/") + name
        else:
            parts = relative.split("/")
            target = "/".join(parts[1:] if parts[0] in ("posts", "pages") else parts)
        targets.append((target, path))
    return targets
