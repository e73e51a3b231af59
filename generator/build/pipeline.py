"""The build pipeline, written once, as a short list of named and timed steps:

config → inputs → content → related → images → comments (while Markdown renders)
→ templates → write → links → search (the static and the private search index, timed
apart; skipped when no essay or page changed; run by build_site once _build has returned
and let the site model go, from records _build made; left to the caller by `salon
serve`, which runs it in the background).

The modules of the later steps (Markdown, Jinja rendering, Pygments, the cache) are
imported only once the inputs step has found work to do: a build that finds nothing
changed, the most common one, never needs them.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build.freshness import (
    LastBuild,
    deadline,
    forget_last_build,
    inputs_digest,
    load_last_build,
    save_last_build,
    stat_digest,
    still_fresh,
)
from generator.build.gc_pace import fewer_collections
from generator.build.manifest import MANIFEST, Manifest
from generator.build.outcome import BuildMemory as BuildMemory
from generator.build.outcome import BuildOptions as BuildOptions
from generator.build.outcome import BuildResult as BuildResult
from generator.build.outcome import count_of
from generator.build.output_set import WriteReport
from generator.build.selection import asset_targets, check_unique_urls, select_published
from generator.build.service_manifest import manifest_posts, next_scheduled
from generator.build.sitelock import build_lock
from generator.build.source_record import load_record, read_inputs, save_record
from generator.build.timing import Timer
from generator.build.writer import Staging, write_outputs, write_private
from generator.contract.posts_manifest import SiteLook, serialise_manifest
from generator.contract.search_index import search_index_path
from generator.core.config import PREVIEW_OUTPUT, SiteConfig, load_config, with_overrides
from generator.core.errors import Problem, SiteError
from generator.core.files import Stats
from generator.core.models import Kind, document_without
from generator.core.themes import (
    make_environment,
    reserved_ids,
    theme_chain,
    theme_images,
    with_theme_keys,
)

if TYPE_CHECKING:
    pass


def search_missing(config: SiteConfig) -> bool:
    """An index the settings ask for is not there (deleted, or its last run failed)."""
    search = config.engagement.search
    if not search.enabled:
        return False
    index = search_index_path(config)
    bundle = config.output_dir / "pagefind" / "pagefind.js"
    return not index.is_file() or (search.pagefind and not bundle.is_file())


def _name_dated_note(sources: list[str]) -> tuple[str, ...]:
    if not sources:
        return ()
    others = f" and {count_of(len(sources) - 1, 'other post')}" if len(sources) > 1 else ""
    return (
        f"{sources[0]}{others}: no date: in the front matter; dated by the file name "
        "(as Jekyll does), at midnight in the site's timezone",
    )


CACHE_FILE = "cache.sqlite3"


def build_site(
    root: Path, options: BuildOptions | None = None, memory: BuildMemory | None = None
) -> BuildResult:
    """Build the site in ``root`` into ``root/output``, one build at a time."""
    with build_lock(root / ".salon"), fewer_collections():
        try:
            return _search(_build(root, options, memory))
        except Exception as exc:
            import sqlite3

            # The build opens one database, its cache: SQLite's "corrupt" and "not a
            # database" mean it is damaged, and it holds only what can be computed again.
            name = str(getattr(exc, "sqlite_errorname", ""))
            if not isinstance(exc, sqlite3.DatabaseError):
                raise
            if name.startswith(("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY")):
                raise SiteError.at(
                    f"cannot write the build cache ({exc}); free some space, or make .salon/ "
                    "writable, and build again. output/ was left as it was",
                    f".salon/{CACHE_FILE}",
                ) from None
            if not name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
                raise
            cache = root / ".salon" / CACHE_FILE
            for path in (cache, cache.with_name(CACHE_FILE + "-wal"),
                         cache.with_name(CACHE_FILE + "-shm")):  # fmt: skip
                path.unlink(missing_ok=True)
            result = _search(_build(root, options, memory))
            warning = Problem(
                f"the build cache was damaged ({exc}); it was deleted and rebuilt",
                f".salon/{CACHE_FILE}",
            )
            return replace(result, warnings=(warning, *result.warnings))


def _search(result: BuildResult) -> BuildResult:
    """The search step, when the build left it to be run here (not `search_later`)."""
    search = result.search
    if search is None or search.after is None:
        return result
    import gc

    # Timed with the step: it is made for it (Pagefind beside what the model left in
    # reference cycles, the Jinja environment's, was memory it did not need).
    started = time.perf_counter()
    gc.collect()
    try:
        search.run()
    except SiteError as exc:
        # The site is built and written; only its search index is old. Not recorded
        # as a good build, so the next build tries the index again.
        return replace(result, warnings=(*result.warnings, *exc.problems))
    finally:
        result.timings["search"] = result.timings.get("search", 0.0) + (
            time.perf_counter() - started
        )
    search.after()
    return result


def _build(root: Path, options: BuildOptions | None, memory: BuildMemory | None) -> BuildResult:
    with contextlib.ExitStack() as beside:  # what runs beside the build ends with it
        return _build_beside(root, options, memory, beside)


def _build_beside(
    root: Path, options: BuildOptions | None, memory: BuildMemory | None,
    beside: contextlib.ExitStack,
) -> BuildResult:  # fmt: skip
    options = options or BuildOptions()
    now = options.now or datetime.now(UTC)
    started = time.perf_counter()
    timer = Timer()

    with timer.step("config"):
        config = with_overrides(load_config(root), options.output, options.base_url)
        themes = theme_chain(config)
        config = with_theme_keys(config, themes)
    with timer.step("inputs"):
        settings = repr((options.drafts, options.future))
        theme_dirs = [theme.path for theme in themes]
        manifest = Manifest(config.state_dir / MANIFEST)
        last = load_last_build(config)
        # `salon serve` needs the site in memory once, to preview edits: no shortcut then.
        wants_memory = memory is not None and memory.renderer is None
        stats: Stats = {}  # each input's status, taken once (core/files.py)
        by_stat = stat_digest(config, settings, theme_dirs, stats)  # before anything is read
        out = config.output_dir
        fresh = (
            not wants_memory
            and not search_missing(config)
            and still_fresh(last, by_stat, now, manifest, out, by_stat=True)
        )
        if not fresh:
            sources, feed_input, sources_seen = read_inputs(config, load_record(config), stats)
            save_record(config, sources_seen)
            digest = inputs_digest(config, sources, feed_input.digest, settings, theme_dirs, stats)
            fresh = (
                not wants_memory
                and not search_missing(config)
                and still_fresh(last, digest, now, manifest, out)
            )
            if fresh and last is not None and by_stat is not None:
                save_last_build(config, replace(last, stat_digest=by_stat))  # next time: stat
        if fresh:
            assert last is not None
            if options.strict and last.warnings:
                raise SiteError([Problem(w) for w in last.warnings])
            return BuildResult(
                report=WriteReport(0, len(manifest.entries), 0),
                posts=last.posts,
                pages=last.pages,
                drafts_held=last.drafts_held,
                future_held=last.future_held,
                warnings=tuple(Problem(w) for w in last.warnings),
                seconds=time.perf_counter() - started,
                timings=timer.timings,
            )
        forget_last_build(config)  # until this build succeeds
        keep = ("pagefind",) if config.engagement.search.pagefind else ()
        # output/ as the last build left it, looked at on the other core meanwhile.
        from generator.build.output_check import OutputCheck  # (a later step's module)

        check = beside.enter_context(OutputCheck(out, manifest, keep))
    from generator.build.anchors import ReservedIds
    from generator.build.cache import BuildCache
    from generator.build.comments_stage import (
        check_feed,
        comments_known,
        feed_checked,
        load_comments,
        prepare_comments,
    )
    from generator.build.content_stage import parse_sources
    from generator.build.context_keys import fingerprint_of
    from generator.build.engagement import check_series, plan_search, related_essays
    from generator.build.execute import PageRenderer, execute
    from generator.build.highlight import stylesheet
    from generator.build.images import process_images
    from generator.build.links import PageLinks, check_links
    from generator.build.markdown_stage import start_markdown
    from generator.build.partial_cache import install_partial_cache
    from generator.build.plan import Planner, plan_site
    from generator.build.plan_index import (
        PLAN_INDEX,
        KeptKeys,
        load_last_plan,
        model_entries,
        model_shape,
    )
    from generator.build.pools import ForkedCall, can_fork, parallel_workers, worker_count
    from generator.build.site import assemble
    from generator.build.site_view import make_site_view
    from generator.build.template_cache import template_cache
    from generator.build.theme_assets import CopyFile, read_theme_assets
    from generator.build.theme_hash import key_bases
    from generator.contract.theme_page import install_filters

    env = make_environment(config, themes, template_cache(config.state_dir))
    cache = BuildCache(config.private_dir / CACHE_FILE)
    feed_check = None
    if (
        feed_input.digest
        and parallel_workers(len(sources), options.jobs) > 1
        and can_fork()
        and not feed_checked(cache, feed_input.digest)
    ):
        # A feed never checked is checked in a process forked now, while the build is
        # small, beside the content step (comments_stage.check_feed).
        feed_check = ForkedCall(partial(check_feed, str(cache.path),
                                        partial(feed_input.read, config), feed_input.digest,
                                        config.comments.feed))  # fmt: skip
    try:
        with timer.step("content"):
            parsed = parse_sources(cache, sources, config, options.jobs)
            every_document, source_hashes = parsed.documents, parsed.source_hashes
            del sources, parsed
            key_warnings = [warning for doc in every_document for warning in doc.warnings]
            notes = _name_dated_note([doc.source for doc in every_document if doc.date_from_name])
            documents, drafts, future = select_published(
                every_document, options.drafts, options.future, now
            )
            shown = {doc.source for doc in documents}
            held = {doc.url: doc.source for doc in every_document if doc.source not in shown}
            valid_until = deadline(every_document, config, now)
            next_essay = next_scheduled(every_document, now)
            del every_document
            check_unique_urls(documents)
            check_series(documents)
        with timer.step("related"):
            related = related_essays(config, documents, source_hashes, options.jobs,
                                     partial(cache.get_many, "words"))  # fmt: skip
            # (Those from the cache came without their words: no copy made of them.)
            documents = [document_without(doc, words={}) if doc.words else doc for doc in documents]
        with timer.step("images"):  # made safe and responsive, from the cache where it can
            targets = asset_targets(config, documents)
            sizes = theme_images(themes).sizes
            images = process_images(config, documents, targets, options.jobs, sizes)
        # Markdown renders in worker processes while the comments are merged (below).
        reserved = ReservedIds.from_names(reserved_ids(themes))
        posts = [doc for doc in documents if doc.kind is Kind.POST]
        post_keys = [doc.key for doc in posts]
        read_feed, feed_hash = partial(feed_input.read, config), feed_input.digest
        depth, feed_path = config.comments.max_depth, config.comments.feed
        # A feed to parse is parsed by a Markdown worker, if there are any (see
        # prepare_comments); this process then reads what it kept.
        side = None
        if feed_hash and not comments_known(cache, feed_hash, post_keys, depth):
            side = partial(prepare_comments, str(cache.path), read_feed, feed_hash, post_keys,
                           depth, feed_path)  # fmt: skip
        if feed_check is not None and (problems := feed_check.result()):
            raise SiteError(list(problems))
        with start_markdown(cache, documents, source_hashes, options.jobs, reserved,
                            side) as pending:  # fmt: skip
            with timer.step("comments"):
                if pending.side is not None and (problems := pending.side.result()):
                    raise SiteError(list(problems))
                comments = load_comments(cache, read_feed, feed_hash, post_keys, depth, feed_path,
                                         options.jobs, pending.pool)  # fmt: skip
                del feed_input, read_feed, side  # the feed's text: tens of megabytes
                warnings = [*key_warnings, *comments.warnings]
            with timer.step("markdown"):
                progress = partial(options.progress, "Markdown") if options.progress else None
                rendered = pending.finish(progress)
            code_css = stylesheet(cache.db)  # Pygments' rules, kept in the cache
    finally:
        if feed_check is not None:
            feed_check.stop()
        cache.close()
    warnings = [*images.warnings, *warnings]
    if options.strict and warnings:
        raise SiteError(warnings)  # --strict: before anything is written
    with timer.step("templates"):
        model = assemble(
            documents, rendered, rendered.light, comments.threads, config, now, source_hashes,
            comments.likes, related, images.pages, images.logo,
        )  # fmt: skip
        assets = read_theme_assets(themes, code_css)
        site = make_site_view(config, model, assets.css_url, assets.js_url, assets.favicon_url)
        bases = key_bases(config, themes, fingerprint_of(site))
        files = [
            *assets.files,
            *(CopyFile(target, path, path.relative_to(config.root).as_posix())
              for target, path in targets if target not in images.taken),
            *(CopyFile(path, made, source, key=key) for path, made, source, key in images.outputs),
        ]  # fmt: skip
        # Keys of pages showing no changed entry, from the last build (plan_index.py).
        kept = KeptKeys(load_last_plan(config.state_dir / PLAN_INDEX), model_shape(bases, model),
                        model_entries(model))  # fmt: skip
        jobs = plan_site(config, bases, model, files, kept)
        install_filters(env, config, comments.html)
        install_partial_cache(env)
        renderer = PageRenderer(config, env, site, comments.html)
        staging = Staging(config.state_dir / "staging", config.output_dir, manifest)
        manifest.changed = check.changed()
        try:
            outputs = execute(
                jobs,
                renderer,
                manifest,
                staging,
                worker_count(options.jobs),
                options.progress,
                kept,
            )
        except BaseException:
            staging.abandon()  # nothing of a failed build stays behind, not even staged pages
            raise
        del jobs
    with timer.step("write"):
        try:
            report = write_outputs(config.output_dir, outputs, manifest, staging, keep,
                                   check.listing)  # fmt: skip
        except BaseException:
            staging.abandon()
            raise
        kept.save(config.state_dir / PLAN_INDEX)
        open_keys = {entry.key for entry in model.posts if entry.comments_open}
        nav = tuple((item.title, item.url) for item in site.nav)
        # The comment service serves the site's own build; `serve --drafts` tells it of
        # the published posts only (a draft takes no comments, even in a preview).
        preview = config.variant != ""
        if not preview or config.output_dir == config.root / PREVIEW_OUTPUT:
            public = [
                doc
                for doc in posts
                if not preview or not (doc.draft or (doc.date and doc.date > now))
            ]
            look = SiteLook(nav, site.css_url, site.js_url, site.favicon_url)
            write_private(config.private_dir / "posts.json", serialise_manifest(
                manifest_posts(config, public, model.posts, open_keys, site.likes),
                look, next_essay))  # fmt: skip
    with timer.step("links"):  # against what is now in output/
        warnings.extend(check_links(config, (
            PageLinks(doc.source, doc.url, doc.body_line, rendered.light[doc.source].links)
            for doc in documents), held))  # fmt: skip
        record = LastBuild(
            digest=digest,
            valid_until=valid_until,
            posts=len(model.posts),
            pages=len(model.pages),
            drafts_held=drafts,
            future_held=future,
            warnings=tuple(str(w) for w in warnings),
            stat_digest=by_stat,
        )
    if memory is not None:
        memory.renderer, memory.planner, memory.model = renderer, Planner(config, bases), model
        memory.rendered_at = now
        memory.reserved_ids = reserved
    seconds = time.perf_counter() - started
    search = plan_search(config, model.posts, model.pages, source_hashes,
                         config.private_dir / CACHE_FILE)  # fmt: skip
    if search is None or options.search_later:
        save_last_build(config, record)
    else:
        # Run by build_site once this frame, and the site model with it, is gone: the
        # search step needs only its records, not 50,000 comments beside Pagefind.
        with timer.step("search"):
            search.prepare()
        search.after = partial(save_last_build, config, record)

    return BuildResult(
        report=report,
        posts=len(model.posts),
        pages=len(model.pages),
        drafts_held=drafts,
        future_held=future,
        warnings=tuple(warnings),
        seconds=seconds,
        timings=timer.timings,
        search=search,
        notes=notes,
    )
