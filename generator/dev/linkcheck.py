"""`salon check --external`: every link to another site, fetched, with bounded concurrency
and time, and the answers kept in .salon/links.json so a second run asks again only
about links it has not checked lately.

A build never does this: it must work offline and take the same time every run.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from generator.build.content import parse_document
from generator.build.content_files import iter_sources
from generator.build.links import collect_links
from generator.build.markdown import author_markdown
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError
from generator.core.files import atomic_write

USER_AGENT = "Salon-link-checker/1 (+https://pypi.org/project/salon/)"
CACHE_FILE = "links.json"
_NO_ANSWER = "no answer within"
PER_HOST = 2  # at most this many requests at once to one host: a checker, not a crawler


@dataclass(frozen=True)
class CheckOptions:
    concurrency: int = 8
    timeout: float = 10.0  # seconds for one request
    max_time: float = 120.0  # seconds for the whole check; what is left is reported unchecked
    max_age_hours: float = 24.0  # how long an answer is trusted
    drafts: bool = False


@dataclass(frozen=True)
class Found:
    url: str
    source: str
    line: int


def external_links(config: SiteConfig, drafts: bool = False) -> list[Found]:
    """Every http(s) link and image to another site, in every post and page, with its line."""
    md = author_markdown()
    found: list[Found] = []
    for source in iter_sources(config):
        try:
            doc = parse_document(source, config)
        except SiteError:
            continue  # the build reports it
        if doc.draft and not drafts:
            continue
        for href, line, _image in collect_links(md.parse(doc.body, {})):
            if urlsplit(href).scheme in ("http", "https"):
                found.append(Found(href.strip(), doc.source, doc.body_line + line))
    return found


def _ask(url: str, timeout: float) -> str | None:
    """None when the link works, else why not. HEAD first; GET when a server refuses HEAD."""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read(0)
                return None
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue
            return f"HTTP {exc.code} {exc.reason}".rstrip()
        except TimeoutError:
            return f"{_NO_ANSWER} {timeout:g} s"
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                return f"{_NO_ANSWER} {timeout:g} s"
            return f"cannot connect ({reason})"
        except (OSError, ValueError) as exc:
            return f"cannot connect ({exc})"
    return None  # pragma: no cover - the GET always returns


def _load_cache(path: Path) -> dict[str, float]:
    """URL → when it last answered well (a Unix time)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        url: float(when)
        for url, when in raw.items()
        if isinstance(when, (int, float)) and not isinstance(when, bool)
    }


def check_external(
    config: SiteConfig,
    options: CheckOptions,
    ask: Callable[[str, float], str | None] = _ask,
    now: Callable[[], float] = time.time,
) -> tuple[list[Problem], int, int]:
    """Warnings for broken external links; also how many URLs were asked, and how many the
    cache answered. URLs still unasked when ``max_time`` runs out are reported as unchecked."""
    found = external_links(config, options.drafts)
    cache_path = config.private_dir / CACHE_FILE
    cache = _load_cache(cache_path)
    started = now()
    fresh_after = started - options.max_age_hours * 3600
    urls = sorted({item.url for item in found})
    # Only working links are trusted from the cache: a broken one is asked again each run,
    # so that a site that was down for an hour is not reported for a day.
    answers: dict[str, str | None] = {
        url: None for url in urls if cache.get(url, -1.0) >= fresh_after
    }
    from_cache = len(answers)
    hosts: dict[str, threading.Semaphore] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + options.max_time

    def one(url: str) -> tuple[str, str | None, bool]:
        with lock:
            host = hosts.setdefault(urlsplit(url).netloc.lower(), threading.Semaphore(PER_HOST))
        with host:
            left = deadline - time.monotonic()
            if left <= 0:
                return url, None, False
            answer = ask(url, min(options.timeout, left))
            if left < options.timeout and answer is not None and answer.startswith(_NO_ANSWER):
                return url, None, False  # cut short by --max-time, not by the site
            return url, answer, True

    to_ask = [url for url in urls if url not in answers]
    unchecked: set[str] = set()
    with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
        for url, answer, asked in pool.map(one, to_ask):
            if asked:
                answers[url] = answer
                if answer is None:
                    cache[url] = now()
                else:
                    cache.pop(url, None)
            else:
                unchecked.add(url)
    _save_cache(cache_path, cache, fresh_after)
    problems: list[Problem] = []
    for item in found:
        if item.url in unchecked:
            why = f"not checked, out of time (--max-time {options.max_time:g})"
            problems.append(Problem(f"external link {item.url}: {why}", item.source, item.line))
        elif answers.get(item.url) is not None:
            problems.append(
                Problem(f"external link {item.url}: {answers[item.url]}", item.source, item.line)
            )
    return problems, len(to_ask) - len(unchecked), from_cache


def _save_cache(path: Path, cache: dict[str, float], keep_after: float) -> None:
    kept = {url: when for url, when in sorted(cache.items()) if when >= keep_after}
    atomic_write(path, (json.dumps(kept, indent=1) + "\n").encode())
