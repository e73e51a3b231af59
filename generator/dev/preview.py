"""Previewing an edit in `salon serve`: the edited essay's page planned with the last
build's model and written at once, before the incremental build that follows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator.build.anchors import NO_RESERVED_IDS
from generator.build.cache import light_record
from generator.build.content import parse_document
from generator.build.content_files import read_source
from generator.build.content_stage import source_key
from generator.build.markdown import render
from generator.build.pipeline import BuildMemory
from generator.build.plan import plan_entry
from generator.build.writer import write_one
from generator.core.errors import SiteError
from generator.core.models import Kind


def preview_edit(root: Path, paths: list[Path], memory: BuildMemory) -> list[str]:
    """Write the pages of edited posts and pages at once, before the full rebuild.

    Only an edit that keeps a document's URL is previewed, with the neighbours,
    comments and settings of the last build; the full incremental build that follows
    makes everything else right (and this page too, if anything else changed).
    Returns the output paths written.
    """
    renderer, planner, model = memory.renderer, memory.planner, memory.model
    if renderer is None or planner is None or model is None:
        return []
    config = renderer.config
    by_source = {e.doc.source: e for e in (*model.posts, *model.pages)}
    written: list[str] = []
    for path in paths:
        try:
            shown = path.relative_to(config.root).as_posix()
        except ValueError:
            continue
        old = by_source.get(shown)
        if old is None or not path.is_file():
            continue
        base = config.content_dir / ("posts" if old.doc.kind is Kind.POST else "pages")
        try:
            source = read_source(config, old.doc.kind, path.relative_to(base).as_posix())
            doc = parse_document(source, config)
        except (SiteError, OSError):
            continue  # the full build reports it
        if doc.url != old.doc.url or doc.draft:
            continue
        rendered = render(doc.body, doc.summary, memory.reserved_ids or NO_RESERVED_IDS)
        entry = replace(
            old, doc=doc, _texts={doc.source: rendered}, _light=light_record(rendered),
            source_hash=source_key(source, config),
        )  # fmt: skip
        job = plan_entry(planner, entry, model)
        if job.custom:
            renderer.check_template(job)
        write_one(config.output_dir, job.path, renderer.render(job))
        written.append(job.path)
    return written
