"""Running the plan: each job is kept (its key and file unchanged), or rendered into
the staging folder, in forked workers when there are many (a cold build), in this
process otherwise (an edit). The result is an OutputSet for the writer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import jinja2

from generator.build import body_reads
from generator.build.cache import CommentHtmlStore
from generator.build.feed_map import FeedMaker
from generator.build.jobs import FileJob, Job, KeptJob, PageJob
from generator.build.manifest import Manifest
from generator.build.output_set import Keep, OutputSet, Staged
from generator.build.partial_cache import clear_partials
from generator.build.plan_index import KeptKeys, Reread
from generator.build.pools import map_inherited
from generator.build.theme_assets import CopyFile
from generator.build.writer import Staging
from generator.contract.theme_page import SiteView
from generator.core.config import SiteConfig
from generator.core.errors import SiteError
from generator.core.themes import render_template

Progress = Callable[[str, int, int], None]  # (stage, done, total)
PARALLEL_PAGES = 400  # below this, forking workers costs more than it saves


@dataclass(frozen=True)
class PageRenderer:
    """Turns one job into bytes: a page through the theme, or a file by the feed maker."""

    config: SiteConfig
    env: jinja2.Environment
    site: SiteView
    comment_html: Mapping[str, str]

    def render(self, job: PageJob | FileJob) -> bytes:
        if isinstance(job, FileJob):
            return FeedMaker(self.config, self.comment_html).make(job.context)
        variables = {"site": self.site, "page": job.meta, **job.context.variables()}
        return render_template(self.env, job.template, variables, self.config.root).encode()

    def check_template(self, job: PageJob) -> None:
        """A template named by front matter must exist: its absence is that source's mistake."""
        try:
            self.env.get_template(job.template)
        except jinja2.TemplateNotFound:
            raise SiteError.at(
                f'template: no template named "{job.template}" in templates/ or the theme',
                job.source,
            ) from None
        except jinja2.TemplateError:
            pass  # a broken template: rendering reports it with its line


def execute(
    jobs: Sequence[Job],
    renderer: PageRenderer,
    manifest: Manifest,
    staging: Staging,
    workers: int,
    progress: Progress | None = None,
    kept: KeptKeys | None = None,
) -> OutputSet:
    """Every job's file, kept or rendered; ``kept``: the plan index, told which bodies
    each page read as it was made (a key made with other bodies is made again)."""
    outputs = OutputSet()
    out_dir = renderer.config.output_dir
    clear_partials(renderer.env)
    checked: set[str] = set()
    todo: list[PageJob | FileJob] = []
    for job in jobs:
        if isinstance(job, CopyFile):
            if job.override and job.path in outputs:  # a child theme's file over its parent's
                outputs.replace(job.path, job.content)
            elif job.key and manifest.can_keep(out_dir, job.path, job.key):
                outputs.add(job.path, Keep(job.key), job.source, job.key)  # an image rendition
            elif job.key:
                outputs.add(job.path, job.content, job.source, job.key)
            else:
                outputs.add(job.path, job.content, job.source)
            continue
        if isinstance(job, KeptJob):
            if manifest.can_keep(out_dir, job.path, job.key):
                outputs.add(job.path, Keep(job.key), job.source, job.key)
                continue
            job = job.make(job.path)  # its file was changed or removed since: made again
        if isinstance(job, PageJob) and job.custom and job.template not in checked:
            renderer.check_template(job)
            checked.add(job.template)
        if manifest.can_keep(out_dir, job.path, job.key):
            outputs.add(job.path, Keep(job.key), job.source, job.key)
        else:
            outputs.add(
                job.path, b"", job.source, job.key
            )  # claims the path: duplicates fail early
            todo.append(job)
    for job, (staged, reread) in zip(
        todo, _render_all(todo, renderer, staging, workers, progress, kept), strict=True
    ):
        outputs.files[job.path] = staged
        if kept is not None and reread is not None:
            outputs.keys[job.path] = kept.take(job.path, reread)
    return outputs


def _render_all(
    todo: Sequence[PageJob | FileJob],
    renderer: PageRenderer,
    staging: Staging,
    workers: int,
    progress: Progress | None,
    kept: KeptKeys | None = None,
) -> list[tuple[Staged, Reread | None]]:
    """Each job's file staged, with its key made again if its rendering read other
    aspects of its entries' rendering than its key was made with (body_reads.py)."""
    total = len(todo)

    def stage(index: int) -> tuple[Staged, Reread | None]:
        job = todo[index]
        body_reads.start()
        data = renderer.render(job)
        reads = body_reads.taken()
        reread = kept.reread(job.path, reads) if kept is not None else None
        return staging.put(job.path, data), reread

    if total >= PARALLEL_PAGES and workers > 1 and os.name == "posix":
        # Forked workers inherit the jobs, the Jinja environment and the site model; only
        # an index goes to each, and only a small Staged record comes back.
        if isinstance(renderer.comment_html, CommentHtmlStore):
            renderer.comment_html.load()  # read once here, shared by the workers
        results = map_inherited(stage, range(total), workers, chunksize=64)
    else:
        results = map(stage, range(total))
    staged: list[tuple[Staged, Reread | None]] = []
    for count, result in enumerate(results, 1):
        staged.append(result)
        if progress is not None and (count % 200 == 0 or count == total):
            progress("Pages", count, total)
    return staged
