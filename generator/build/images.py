"""The images step: every image the site publishes, made responsive and private.

Between the content and the templates: it finds the images each document uses (with the
line of the Markdown that uses it), reads each file's facts once (cached by content
hash), plans its renditions (pure), makes the missing ones in the worker pool (cached
under .salon/images/), and hands the render step what pages need: each image's
<picture>, each document's link-preview image, and the files to publish. Nothing here
writes into output/: the files go into the OutputSet like every other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.build.image_cache import ImageCache, rendition_key
from generator.build.image_plan import (
    MIME,
    PILLOW_VERSION,
    ImagePlan,
    ImageProblem,
    Rendition,
    plan_image,
    preview_rendition,
)
from generator.build.image_refs import document_images, image_kind, is_remote, site_path
from generator.build.image_strip import strip_metadata
from generator.build.pictures import picture_of
from generator.build.pools import forked_workers, worker_count
from generator.contract.page_images import PageImages, Picture, Preview
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.models import Document, ImageRef

THEME_ASSETS = "/assets/"  # the theme's own static files, published as they are


@dataclass
class ImageResult:
    outputs: list[tuple[str, Path, str, str]] = field(default_factory=list)  # path, file, by, key
    taken: set[str] = field(default_factory=set)  # content files published here, not copied
    pages: dict[str, PageImages] = field(default_factory=dict)  # by document source
    logo: Preview | None = None
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Use:
    doc: Document
    ref: ImageRef
    target: str  # the file's path in output/ (and among the content files)


@dataclass(frozen=True)
class _Job:
    path: str  # the source file
    content_hash: str
    renditions: tuple[tuple[Path, Rendition], ...]  # (its file in the cache, what to make)
    kept: bool = False  # one file in the source's own encoding, only its metadata removed


def _make(job: _Job) -> str | None:
    """Make the renditions of one source (in a worker): None, or what is wrong with it."""
    try:
        with open(job.path, "rb") as handle:
            data = handle.read()
        if job.kept:
            ((_, kept),) = job.renditions
            made = {kept.spec: strip_metadata(data)}
        else:
            from generator.build.image_process import make_renditions

            made = make_renditions(data, [rendition for _, rendition in job.renditions])
    except ImageProblem as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    for file, rendition in job.renditions:
        ImageCache.store(file, made[rendition.spec])
    return None


def _alt_problem(use: _Use) -> str:
    if use.ref.featured:
        return f'image "{use.ref.src}": no image_alt: in the front matter; describe the picture'
    if use.ref.alt is None:
        return f'image "{use.ref.src}": no alt text; add alt="…" describing it (or alt="")'
    return f'image "{use.ref.src}": no alt text; write it between the brackets: ![…]({use.ref.src})'


def find_uses(
    documents: Sequence[Document], targets: Mapping[str, Path]
) -> tuple[list[_Use], dict[str, str], list[Problem], list[Problem]]:
    """Each local image a document uses, each URL preview image, and the problems."""
    uses: list[_Use] = []
    remote: dict[str, str] = {}  # document source: URL of its preview image
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for doc in documents:
        for ref in document_images(doc):
            if is_remote(ref.src):
                if ref.featured:
                    if not ref.src.startswith(("https://", "http://")):
                        problems.append(Problem(
                            f'image: expected a path or an http(s) URL, got "{ref.src}"',
                            doc.source, ref.line))  # fmt: skip
                    else:  # only named in the page's metadata: no reader sees it there
                        remote[doc.source] = ref.src
                continue
            path = site_path(ref.src, doc.url)
            if path is None or path.startswith(THEME_ASSETS):
                continue
            target = path.lstrip("/")
            if target not in targets:
                problems.append(Problem(
                    f'image "{ref.src}": no such file (it would be output/{target}; '
                    "put the file beside the essay in its folder, or under content/)",
                    doc.source, ref.line))  # fmt: skip
                continue
            use = _Use(doc, ref, target)
            if _lacks_alt(ref):
                warnings.append(Problem(_alt_problem(use), doc.source, ref.line))
            uses.append(use)
    return uses, remote, problems, warnings


def _lacks_alt(ref: ImageRef) -> bool:
    """No description: `![](x.jpg)`, `<img>` without alt, `image:` without `image_alt:`.
    (`<img alt="">` in raw HTML says the picture is decorative, on purpose.)"""
    return ref.alt is None if ref.raw_html else not ref.alt


def process_images(
    config: SiteConfig,
    documents: Sequence[Document],
    assets: Iterable[tuple[str, Path]],
    jobs: int | None = None,
    sizes: str = "100vw",
) -> ImageResult:
    """Everything the pages need of the images, and the files to publish (see the module)."""
    settings = config.images
    targets = {target: path for target, path in assets if image_kind(target)}
    if targets and settings.process:
        # Pillow is loaded only for a site with image files: it was a twentieth of the
        # imports of a build with one essay edited.
        from generator.build.image_process import missing_encoders

        unable = missing_encoders(settings.formats)
        if unable:
            raise SiteError.at(
                f"images.formats: this Pillow ({PILLOW_VERSION}) cannot write "
                f"{', '.join(unable).upper()}; install Pillow's own wheels (`pip install -U "
                "pillow`) or leave the format out",
                "site.yaml",
            )
    uses, remote, problems, warnings = find_uses(documents, targets)
    if settings.missing_alt == "error":
        problems, warnings = problems + warnings, []
    used = {use.target for use in uses}
    featured: dict[str, _Use] = {}  # document source: the use link previews show
    for use in uses:  # the front matter's image comes first, when it names one
        if use.doc.source in featured or use.doc.source in remote:
            continue
        svg = use.target.lower().endswith(".svg")  # no link preview shows SVG
        if use.ref.featured or (settings.first_image_preview and not svg):
            featured[use.doc.source] = use
    previewed = {use.target for use in featured.values()}

    cache = ImageCache(config.private_dir / "images")
    result = ImageResult()
    plans: dict[str, ImagePlan] = {}
    hashes: dict[str, str] = {}
    broken: dict[str, str] = {}
    for target, path in sorted(targets.items()):
        kind = image_kind(target)
        svg = target.lower().endswith(".svg")
        if (svg or not settings.process) and target not in used:
            continue  # copied as it is; no page needs its size
        try:
            content_hash, data = cache.content_hash(path)
            info = cache.info(content_hash)
            if info is None:
                from generator.build.image_process import passthrough_info, read_info

                data = data if data is not None else path.read_bytes()
                info = read_info(data) if kind == "raster" else passthrough_info(data, target)
                cache.remember(content_hash, info)
        except ImageProblem as exc:
            broken[target] = str(exc)
            continue
        except OSError as exc:
            broken[target] = f"cannot be read: {exc.strerror or exc}"
            continue
        hashes[target] = content_hash
        plans[target] = plan_image(target, info, settings, target in used, target in previewed)

    todo: list[_Job] = []
    for target, plan in plans.items():
        if plan.renditions:
            result.taken.add(target)
        missing = tuple(
            (file, r)
            for r in plan.renditions
            if not (file := cache.file_of(hashes[target], r)).exists()
        )
        if missing:
            todo.append(_Job(str(targets[target]), hashes[target], missing))
        if (kept := kept_copy(plan, settings.process)) is not None:
            result.taken.add(target)
            file = cache.file_of(hashes[target], kept)
            if not file.exists():
                todo.append(_Job(str(targets[target]), hashes[target], ((file, kept),), True))
    for job, error in zip(todo, _run(todo, jobs), strict=True):
        if error is not None:
            target = next(t for t, p in targets.items() if str(p) == job.path)
            broken[target] = error
    for target in broken:
        plans.pop(target, None)
        result.taken.add(target)  # never copied as it is: it may hold what could not be stripped
    errors, unused = _broken_problems(broken, uses, targets, config)
    problems.extend(errors)
    warnings.extend(unused)
    if problems:
        raise SiteError(sorted(set(problems), key=lambda p: (p.path or "", p.line or 0)))

    shown = {target: path.relative_to(config.root).as_posix() for target, path in targets.items()}
    for target, plan in plans.items():
        kept = kept_copy(plan, settings.process)
        for rendition in plan.renditions + ((kept,) if kept else ()):
            key = rendition_key(hashes[target], rendition)
            made = cache.file_of(hashes[target], rendition)
            result.outputs.append((rendition.path, made, shown[target], key))
    result.pages = _pages(config, documents, uses, featured, remote, plans, sizes)
    result.logo = _logo(config, plans, targets)
    result.warnings = warnings
    cache.save({path.as_posix() for path in targets.values()})
    return result


def kept_copy(plan: ImagePlan, process: bool) -> Rendition | None:
    """The one file of a GIF or an animation: its own bytes at its own path, minus its
    metadata (image_strip). None for SVG, rendered images, or when processing is off."""
    info = plan.info
    if not process or not info.passthrough or info.format == "svg":
        return None
    return Rendition(plan.path, info.width, info.height, info.format, 0)


def _run(todo: list[_Job], jobs: int | None) -> list[str | None]:
    workers = min(worker_count(jobs), len(todo))
    if workers <= 1:
        return [_make(job) for job in todo]
    with forked_workers(workers) as pool:
        return list(pool.map(_make, todo, chunksize=1))


def _broken_problems(
    broken: Mapping[str, str], uses: Sequence[_Use], targets: Mapping[str, Path],
    config: SiteConfig,
) -> tuple[list[Problem], list[Problem]]:  # fmt: skip
    """Errors for broken images a page uses, at each use; warnings for those none uses
    (they are left out of output/: what could not be read could not be stripped)."""
    problems, warnings = [], []
    for target, message in broken.items():
        shown = targets[target].relative_to(config.root).as_posix()
        places = [use for use in uses if use.target == target]
        for use in places:
            problems.append(
                Problem(f'image "{use.ref.src}" ({shown}): {message}', use.doc.source, use.ref.line)
            )
        if not places:
            warnings.append(Problem(f"{message}; no page shows it, so it is not published", shown))
    return problems, warnings


def _pages(
    config: SiteConfig,
    documents: Sequence[Document],
    uses: Sequence[_Use],
    featured: Mapping[str, _Use],
    remote: Mapping[str, str],
    plans: Mapping[str, ImagePlan],
    sizes: str,
) -> dict[str, PageImages]:
    base_path, settings = config.base_path, config.images
    pictures = {t: picture_of(plan, base_path, settings.formats) for t, plan in plans.items()}
    by_doc: dict[str, dict[str, Picture]] = {}
    in_body: set[tuple[str, str]] = set()
    for use in uses:
        if use.target in pictures:
            by_doc.setdefault(use.doc.source, {})["/" + use.target] = pictures[use.target]
            if not use.ref.featured:
                in_body.add((use.doc.source, use.target))
    pages: dict[str, PageImages] = {}
    for doc in documents:
        preview: Preview | None = None
        if doc.source in remote:
            preview = Preview(remote[doc.source], alt=doc.image_alt)
        elif doc.source in featured and featured[doc.source].target in plans:
            use = featured[doc.source]
            shown = (doc.source, use.target) in in_body
            preview = _local_preview(config, plans[use.target], pictures[use.target], use, shown)
        found = by_doc.get(doc.source, {})
        if found or preview is not None:
            pages[doc.source] = PageImages(found, preview, sizes)
    return pages


def _local_preview(
    config: SiteConfig, plan: ImagePlan, picture: Picture, use: _Use, in_body: bool
) -> Preview:
    alt = (use.doc.image_alt if use.ref.featured else use.ref.alt) or ""
    rendition = preview_rendition(plan, config.images)
    if rendition is None:  # shown as it is (a GIF, or processing turned off)
        return Preview(config.base_url + "/" + plan.path, alt, plan.info.width or None,
                       plan.info.height or None, MIME.get(plan.info.format, ""), picture,
                       "/" + plan.path, in_body)  # fmt: skip
    return Preview(
        config.base_url + "/" + rendition.path, alt, rendition.width, rendition.height,
        MIME[rendition.format], picture, "/" + plan.path, in_body,
    )  # fmt: skip


def _logo(
    config: SiteConfig, plans: Mapping[str, ImagePlan], targets: Mapping[str, Path]
) -> Preview | None:
    logo = config.images.logo
    if not logo:
        return None
    if logo.startswith("https://"):
        return Preview(logo)
    target = logo.lstrip("/")
    plan = plans.get(target)
    if plan is not None:
        return Preview(config.base_url + logo, width=plan.width, height=plan.height)
    if target not in targets:
        raise SiteError.at(
            f'images.logo: no such file "{logo}"; put it under content/ (content{logo})',
            "site.yaml",
        )
    return Preview(config.base_url + logo)
