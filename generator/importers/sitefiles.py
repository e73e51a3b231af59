"""The site an import writes into: the documents already there, and writing new ones.

Written files are checked the way the build will read them (parse_document), so
an import never leaves a file that breaks the next build.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.build.content import SourceFile, parse_document, source_from_text
from generator.build.content_files import iter_sources
from generator.core.config import SiteConfig
from generator.core.errors import SiteError
from generator.core.files import atomic_write
from generator.core.models import Document, Kind
from generator.importers.report import ImportReport


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the site root, with forward slashes
    text: str
    kind: Kind
    title: str


class _FrontMatterDumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, short lists on one line, aliases one per line."""


class FlowList(list[str]):
    """A list written on one line: `tags: [a, b]`."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_FrontMatterDumper.add_representer(str, _represent_str)
_FrontMatterDumper.add_representer(FlowList, _represent_flow)


def front_matter(fields: Iterable[tuple[str, Any]]) -> str:
    """YAML front matter from (key, value) pairs, in that order."""
    text = yaml.dump(
        dict(fields),
        Dumper=_FrontMatterDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100_000,
        default_flow_style=False,
    )
    return f"---\n{text}---\n"


def source_for(path: str, text: str) -> SourceFile:
    """A SourceFile as iter_sources would make it, for a path like content/posts/x.md."""
    parts = path.split("/")
    kind = Kind.POST if parts[1] == "posts" else Kind.PAGE
    relative = "/".join(parts[2:]).rsplit(".", 1)[0]
    return source_from_text(kind, path, relative, text)


def check_document(path: str, text: str, config: SiteConfig) -> Document:
    """Parse planned text as the build will; a failure here is a bug in the importer."""
    return parse_document(source_for(path, text), config)


def existing_documents(
    config: SiteConfig, leave_out: Set[str] = frozenset()
) -> dict[str, Document]:
    """Documents already in the site, by path; files that do not parse are left out, and so
    are those in ``leave_out`` (placeholders an import may take the place of)."""
    documents: dict[str, Document] = {}
    try:
        sources = list(iter_sources(config))
    except SiteError:
        return documents
    for source in sources:
        if source.path in leave_out:
            continue
        try:
            documents[source.path] = parse_document(source, config)
        except SiteError:
            continue
    return documents


def write_files(
    config: SiteConfig,
    files: Iterable[PlannedFile],
    force: bool,
    report: ImportReport,
    replaceable: Set[str] = frozenset(),
    dry_run: bool = False,
) -> None:
    """Write each planned file; an existing file that differs is kept unless ``force``, or
    unless it is in ``replaceable`` (a placeholder `salon new` wrote and nobody changed).
    With ``dry_run``, only the report is filled in."""
    planned_paths: set[str] = set()
    for planned in files:
        planned_paths.add(planned.path)
        target: Path = config.root / planned.path
        data = planned.text.encode("utf-8")
        if target.exists():
            if target.read_bytes() == data:
                report.files_unchanged.append(planned.path)
                continue
            if planned.path in replaceable:
                report.files_replaced.append(planned.path)
            elif not force:
                report.files_kept.append(planned.path)
                continue
            else:
                report.files_overwritten.append(planned.path)
            if not dry_run:
                atomic_write(target, data)
            continue
        if not dry_run:
            atomic_write(target, data)
        report.files_written.append(planned.path)
    if not planned_paths:
        return
    # The scaffold's first essay has no imported file to replace it: it goes, untouched; so
    # do its placeholder pages when the import brings pages (an imported About page may sit
    # at another path, as a bundle with its images, and would collide with the placeholder).
    brings_pages = any(path.startswith("content/pages/") for path in planned_paths)
    for path in sorted(replaceable - planned_paths):
        if path.startswith("content/posts/") or (
            brings_pages and path.startswith("content/pages/")
        ):
            if not dry_run:
                (config.root / path).unlink(missing_ok=True)
            report.files_removed.append(path)
