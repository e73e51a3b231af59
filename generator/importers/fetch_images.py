"""`salon import wordpress --fetch-images`: the old site's images, brought into the bundles.

Planning is pure: which URLs a post's Markdown shows as images (and its front matter's
`image:`), the file name each gets in the post's bundle, and the text with the links
rewritten to those names. Downloading is bounded: a few at a time, a timeout per
request and a budget for the whole run, a size limit per file; each file is written
whole (a `.part` file renamed when complete) and checked to be an image, so a run that
is interrupted, or out of time, is simply run again and fetches only what is missing.
"""

from __future__ import annotations

import dataclasses
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from generator.build.image_refs import IMAGE_SUFFIXES, find_images
from generator.core.config import SiteConfig
from generator.importers.report import ImportReport
from generator.importers.sitefiles import PlannedFile, check_document

_SIZED = re.compile(r"^(?P<stem>.+)-\d{2,5}x\d{2,5}(?P<suffix>\.[A-Za-z0-9]+)$")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_FRONT_IMAGE = re.compile(r"^image:[ \t]*[\"']?(?P<url>https?://[^\s\"']+)[\"']?[ \t]*$", re.M)
CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    concurrency: int = 4  # downloads at the same time: polite to an old, slow host
    timeout: float = 30.0  # seconds a request may be silent
    budget: float = 900.0  # seconds for the whole run; what is left waits for the next run
    max_bytes: int = 40 * 1024 * 1024  # a bigger file is not a photograph for a web page


@dataclass(frozen=True)
class Wanted:
    url: str
    target: Path  # the file in the post's bundle
    fallback: str = ""  # the URL as the post wrote it, when `url` is the original it was cut from


@dataclass
class FetchReport:
    fetched: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (URL, why)
    not_tried: list[str] = field(default_factory=list)  # the time budget ran out
    bytes: int = 0
    done: set[Path] = field(default_factory=set)  # files in place, fetched now or before

    def lines(self) -> list[str]:
        out = [
            f"Images: {len(self.fetched)} fetched ({self.bytes / 1e6:.1f} MB), "
            f"{len(self.present)} already here, {len(self.failed)} failed"
            + (f", {len(self.not_tried)} not tried (out of time)" if self.not_tried else "")
        ]
        out += [f"  failed: {url}: {why}" for url, why in self.failed]
        if self.not_tried:
            out.append("  run the same import again to fetch the rest; nothing is fetched twice")
        if self.failed:
            out.append("  the posts still link to the old addresses of the images that failed")
        return out


def image_urls(markdown: str) -> list[str]:
    """The remote images a Markdown text shows (and its front matter's `image:`), in order."""
    found: list[str] = []
    match = (
        _FRONT_IMAGE.search(markdown.split("\n---", 1)[0]) if markdown.startswith("---") else None
    )
    if match:
        found.append(match.group("url"))
    body = markdown.split("\n---\n", 1)[1] if match or markdown.startswith("---\n") else markdown
    for ref in find_images(body, 1):
        if ref.src.startswith(("http://", "https://")) and ref.src not in found:
            found.append(ref.src)
    return found


def local_name(url: str, taken: set[str]) -> str:
    """A safe file name for ``url`` in a bundle, not one of ``taken`` (which it joins)."""
    name = unquote(PurePosixPath(urlsplit(url).path).name).lower()
    name = _UNSAFE.sub("-", name).strip(".-") or "image"
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix}" not in IMAGE_SUFFIXES:
        stem, suffix = name, "jpg"
    stem = stem[:80] or "image"
    candidate, number = f"{stem}.{suffix}", 2
    while candidate in taken or candidate == "index.md":
        candidate, number = f"{stem}-{number}.{suffix}", number + 1
    taken.add(candidate)
    return candidate


def original_of(url: str) -> str:
    """WordPress serves resized copies as `photo-1024x768.jpg`; the original is `photo.jpg`,
    better for Salon, which makes its own sizes. The URL itself when it names no size."""
    parts = urlsplit(url)
    folder, _, name = parts.path.rpartition("/")
    match = _SIZED.match(name)
    if not match:
        return url
    return parts._replace(path=f"{folder}/{match['stem']}{match['suffix']}", query="").geturl()


def plan_bundle(markdown: str, bundle: Path) -> list[Wanted]:
    """The files a post's bundle needs: one for each remote image its text shows."""
    taken: set[str] = set()
    wanted: list[Wanted] = []
    for url in image_urls(markdown):
        original = original_of(url)
        fallback = url if original != url else ""
        wanted.append(Wanted(original, bundle / local_name(original, taken), fallback))
    return wanted


def rewrite_links(markdown: str, wanted: Iterable[Wanted], done: set[Path]) -> str:
    """The text with each image whose file is in ``done`` pointing at it by name."""
    names = {(w.fallback or w.url): w.target.name for w in wanted if w.target in done}
    if not names:
        return markdown
    # Longest first, and only whole URLs: one URL may begin another.
    pattern = re.compile(
        "|".join(re.escape(url) for url in sorted(names, key=len, reverse=True))
        + r"""(?=[)\s"'>]|$)""",
        re.M,
    )
    return pattern.sub(lambda m: names[m.group(0)], markdown)


def _open(url: str, timeout: float) -> urllib.response.addinfourl:
    request = urllib.request.Request(url, headers={"User-Agent": "Salon image import"})
    response: urllib.response.addinfourl = urllib.request.urlopen(request, timeout=timeout)
    return response


def _looks_like_image(head: bytes) -> bool:
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[4:12] in (b"ftypavif", b"ftypavis")
        or b"<svg" in head[:1024].lower()
    )


def _fetch_one(wanted: Wanted, limits: Limits, deadline: float) -> tuple[str, int]:
    """Download one file: ("fetched", bytes), ("present", 0) or (why it failed, 0)."""
    if wanted.target.is_file() and wanted.target.stat().st_size > 0:
        return "present", 0
    last = "not tried"
    for url in (wanted.url, wanted.fallback):
        if not url:
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "out of time", 0
        try:
            return "fetched", _download(url, wanted.target, limits, min(limits.timeout, remaining))
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code} {exc.reason}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            last = f"cannot connect: {reason}"
        except _NotAnImage as exc:
            last = str(exc)
    return last, 0


class _NotAnImage(Exception):
    pass


def _download(url: str, target: Path, limits: Limits, timeout: float) -> int:
    if urlsplit(url).scheme not in ("http", "https"):
        raise _NotAnImage("not an http(s) URL")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    size = 0
    try:
        with _open(url, timeout) as response, part.open("wb") as out:
            head = b""
            while block := response.read(CHUNK):
                if not head:
                    head = block[:2048]
                    if not _looks_like_image(head):
                        raise _NotAnImage("the server sent something that is not an image")
                size += len(block)
                if size > limits.max_bytes:
                    raise _NotAnImage(f"larger than {limits.max_bytes // 1_000_000} MB")
                out.write(block)
        if size == 0:
            raise _NotAnImage("the server sent an empty file")
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
    return size


def fetch_all(wanted: Sequence[Wanted], limits: Limits | None = None) -> FetchReport:
    """Download every wanted file not already in place, a few at a time, within the budget."""
    limits = limits or Limits()
    report = FetchReport()
    deadline = time.monotonic() + limits.budget
    unique = list({w.target: w for w in wanted}.values())
    if not unique:
        return report
    with ThreadPoolExecutor(max_workers=max(1, limits.concurrency)) as pool:
        results = pool.map(lambda w: _fetch_one(w, limits, deadline), unique)
        for item, (outcome, size) in zip(unique, results, strict=True):
            if outcome == "fetched":
                report.fetched.append(item.url)
                report.bytes += size
                report.done.add(item.target)
            elif outcome == "present":
                report.present.append(item.url)
                report.done.add(item.target)
            elif outcome == "out of time":
                report.not_tried.append(item.url)
            else:
                report.failed.append((item.fallback or item.url, outcome))
    return report


def bring_images(
    config: SiteConfig, files: Sequence[PlannedFile], limits: Limits, report: ImportReport
) -> tuple[PlannedFile, ...]:
    """Download the images each planned bundle's text shows, then point the text at them.

    An image that could not be fetched keeps its old address, so the post still shows it
    (from the old site) and the next run tries again.
    """
    wanted = {
        planned.path: plan_bundle(planned.text, config.root / planned.path.rsplit("/", 1)[0])
        for planned in files
        if planned.path.endswith("/index.md")
    }
    fetched = fetch_all([item for items in wanted.values() for item in items], limits)
    brought = [w for items in wanted.values() for w in items if w.target in fetched.done]
    done_urls = {w.url for w in brought} | {w.fallback for w in brought if w.fallback}
    report.media = [url for url in report.media if url not in done_urls]
    report.image_lines = fetched.lines()
    out = []
    for planned in files:
        text = rewrite_links(planned.text, wanted.get(planned.path, ()), fetched.done)
        if text != planned.text:
            check_document(planned.path, text, config)  # as the build will read it
            planned = dataclasses.replace(planned, text=text)
        out.append(planned)
    return tuple(out)


def absolute_images(markdown: str, old_root: str) -> str:
    """Images the old site showed from its own root (`/wp-content/…`) as its full URLs:
    no such file exists in the new site, so they would be missing files (an error), and
    as URLs `--fetch-images` can bring them over."""
    if not old_root:
        return markdown
    for src in dict.fromkeys(ref.src for ref in find_images(markdown, 1)):
        if src.startswith("/") and not src.startswith("//"):
            for before in ("](", 'src="', "src='"):
                markdown = markdown.replace(before + src, before + old_root + src)
    return markdown
