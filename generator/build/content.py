"""Content files: reading them (load_*) is separate from parsing their text (parse_*)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import unquote

from generator.build.image_refs import find_images
from generator.build.related import top_terms, words_digest
from generator.build.series import series_url
from generator.build.third_party import third_party_requests
from generator.core.config import SiteConfig
from generator.core.errors import Problem, SiteError, describe
from generator.core.models import CommentsMode, Document, Kind, document_without, meta_digest_of
from generator.core.urls import (
    NAME_MAX_BYTES,
    UnsafePath,
    is_safe_segment,
    long_segment,
    name_bytes,
    normalise_url,
    permalink,
    shortened,
    slug_from_filename,
    taxonomy_url,
)
from generator.core.validate import Fields, near_miss
from generator.core.yamltext import YamlDocument, parse_yaml

MARKDOWN_SUFFIXES = (".md", ".markdown")
KNOWN_KEYS = (
    "title", "date", "updated", "slug", "id", "tags", "category", "categories", "summary",
    "description", "draft", "author", "comments", "aliases", "template", "toc", "extra",
    "image", "image_alt", "series", "series_order", "related", "likes", "share", "pinned",
)  # fmt: skip
# Keys Salon itself writes but the build does not read yet (the WordPress import's featured
# image): never a warning, kept for templates in entry.extra.
QUIET_KEYS = ("image", "image_alt")
_FENCE = re.compile(r"^---[ \t]*$")


@dataclass(frozen=True)
class SourceFile:
    """A content file as read from disk, not yet parsed."""

    kind: Kind
    path: str  # relative to the site root, with forward slashes
    relative: str  # relative to content/posts or content/pages, without the suffix
    text: str | None  # None: known by its hash only, read where it is parsed (source_record.py)
    digest: str  # SHA-1 of the file's bytes: what its parsed document is cached by


def source_from_text(kind: Kind, path: str, relative: str, text: str) -> SourceFile:
    """A source made in memory (an importer's, a test's): its digest is of its UTF-8 bytes,
    as a file's would be."""
    return SourceFile(kind, path, relative, text, hashlib.sha1(text.encode()).hexdigest())


def split_front_matter(text: str, path: str) -> tuple[str | None, str, int]:
    """Return (front matter, body, line where the body starts).

    Front matter is YAML between a first line of `---` and the next `---` line.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0].rstrip("\r\n")):
        return None, text, 1
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index].rstrip("\r\n")):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise SiteError.at("front matter starts with --- but never ends; add a closing ---", path, 1)


def _to_datetime(value: Any, config: SiteConfig) -> datetime | None:
    """A YAML date, datetime or ISO text; naive values take the site's timezone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=config.tz)
    return moment


def _date_field(fields: Fields, key: str, config: SiteConfig) -> datetime | None:
    if not fields.has(key):
        return None
    moment = _to_datetime(fields.raw(key), config)
    if moment is None:
        fields.expected(key, "a date such as 2024-05-01 or 2024-05-01 09:30", fields.raw(key))
    return moment


def is_bundle(relative: str) -> bool:
    """Whether a source (its path under posts/ or pages/, no suffix) is a bundle's index.md:
    one in a folder of its own, whose other files are published beside its page."""
    return relative.endswith("/index")


def _check_name_lengths(
    fields: Fields, url: str, tags: Sequence[str], categories: Sequence[str], series: str,
    aliases: Sequence[str],
) -> None:  # fmt: skip
    """Each part of the addresses this document makes (its own, its aliases', those of
    its tags', categories' and series' pages) must fit a file's name in output/."""
    made = [("slug", url), *(("aliases", alias) for alias in aliases)]
    made += [("tags", taxonomy_url("tags", tag)) for tag in tags]
    made += [("categories" if fields.has("categories") else "category",
              taxonomy_url("categories", name)) for name in categories]  # fmt: skip
    if series:
        made.append(("series", series_url(series)))
    for key, address in made:
        if long := long_segment(address):
            fields.fail(key, f'"{shortened(long, 40)}" is {name_bytes(long)} bytes in an '
                             f"address, longer than a file name can be ({NAME_MAX_BYTES}); "
                             "shorten it")  # fmt: skip


def parse_document(source: SourceFile, config: SiteConfig) -> Document:
    """Turn a content file's text into a Document; pure, so tests need no disk."""
    if source.text is None:
        raise ValueError(f"{source.path} was not read")  # the content stage reads it first
    front, body, body_line = split_front_matter(source.text, source.path)
    if front is None:
        raise SiteError.at(_no_front_matter(source.text), source.path, 1)
    doc = parse_yaml(front, source.path, line_offset=1) if front else YamlDocument({}, {})
    if doc.data is None:
        doc = YamlDocument({}, {})
    if not isinstance(doc.data, dict):
        raise SiteError.at(
            f"front matter: expected a mapping of keys, got {describe(doc.data)}", source.path, 2
        )
    fields = Fields(doc, source.path, default_line=1)
    is_post = source.kind is Kind.POST

    title = fields.string("title", required=True)
    moment = _date_field(fields, "date", config)
    date_from_name = False
    if is_post and not fields.has("date"):
        moment, why_not = _date_from_name(source.relative, config)
        date_from_name = moment is not None
        if moment is None:
            fields.problems.append(
                Problem(f"date: required for posts, but missing{why_not}", source.path, 1)
            )
    updated = _date_field(fields, "updated", config)

    default_slug = slug_from_filename(source.relative.rsplit("/", 1)[-1])
    if is_bundle(source.relative):  # the folder names the document
        default_slug = slug_from_filename(source.relative.rsplit("/", 2)[-2])
    slug = fields.string("slug", default_slug)
    if not is_safe_segment(slug):
        fields.expected("slug", "a single URL segment such as my-essay", slug)
        slug = default_slug or "untitled"

    categories = fields.string_list("categories") + fields.string_list("category")
    comments = CommentsMode(fields.choice("comments", ("open", "closed"), "open"))
    toc_value = fields.raw("toc")
    toc = fields.boolean("toc", False) if toc_value is not None else None

    aliases: list[str] = []
    for alias in fields.string_list("aliases"):
        try:
            aliases.append(parse_alias(alias))
        except UnsafePath:
            fields.expected("aliases", "URLs of this site such as /2019/old-name/", alias)

    url = "/"
    try:
        if is_post and moment is not None:
            url = permalink(config.permalink, slug, moment, categories[0] if categories else "")
        elif not is_post:
            folder = source.relative.rsplit("/", 1)[0] if "/" in source.relative else ""
            if is_bundle(source.relative):
                folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
            url = normalise_url(f"/{folder}/{slug}/")
    except UnsafePath:
        fields.expected("slug", "a single URL segment such as my-essay", slug)

    series_order = (
        fields.integer("series_order", 0, minimum=1) if fields.has("series_order") else None
    )
    if series_order is not None and not fields.has("series"):
        fields.fail("series_order", "needs `series:`, the name of the series")
    tags = fields.string_list("tags")
    series = fields.string("series")
    _check_name_lengths(fields, url, tags, categories, series, aliases)
    extra = {key: value for key, value in doc.data.items() if key not in KNOWN_KEYS}
    warnings = _check_extra_keys(fields, extra, config.front_matter_keys) + _lone_lists(fields)
    words = top_terms(f"{title}\n{fields.string('summary')}\n{body}") if is_post else {}
    body_images = find_images(body, body_line)
    if config.third_party != "allow":
        requests = third_party_requests(body, body_line, body_images, fields.path)
        if config.third_party == "error":
            fields.problems.extend(requests)
        else:
            warnings = (*warnings, *requests)
    document = Document(
        kind=source.kind,
        source=source.path,
        key=fields.string("id", slug),
        title=title,
        slug=slug,
        url=url,
        body=body,
        body_line=body_line,
        date=moment,
        updated=updated,
        tags=tags,
        categories=categories,
        summary=fields.string("summary"),
        description=fields.string("description"),
        draft=fields.boolean("draft", False),
        author=fields.string("author"),
        comments=comments,
        aliases=tuple(aliases),
        template=fields.string("template"),
        toc=toc,
        image=fields.string("image").strip(),
        image_alt=fields.string("image_alt").strip(),
        image_line=fields.line("image"),
        series=series,
        series_order=series_order or None,
        related=fields.string_list("related"),
        likes=fields.boolean("likes", True),
        share=fields.boolean("share", True),
        pinned=_pinned(fields, is_post),
        extra=extra,
        warnings=warnings,
        date_from_name=date_from_name,
        words=words,
        words_digest=words_digest(words),
        body_images=body_images,
    )
    if fields.problems:
        raise SiteError(sorted(fields.problems, key=lambda p: p.line or 0))
    document = document_without(document, meta_digest=meta_digest_of(document))
    return document


_NAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")


def _date_from_name(relative: str, config: SiteConfig) -> tuple[datetime | None, str]:
    """A Jekyll-style file name (`2026-11-15-name.md`, or a bundle's folder named so) dates a
    post without `date:`; else why not, to add to the error."""
    parts = relative.split("/")
    name = parts[-2] if is_bundle(relative) and len(parts) > 1 else parts[-1]
    match = _NAME_DATE.match(name)
    if match is None:
        return None, ""
    try:
        day = date(*(int(group) for group in match.groups()))
    except ValueError:
        return None, f" (the file name's {match.group(0)[:-1]} is not a date)"
    return datetime.combine(day, time(), tzinfo=config.tz), ""


def _no_front_matter(text: str) -> str:
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    hint = (
        f"; add a line --- above `{first}` and another below the last setting"
        if re.match(r"^[\w-]+:\s", first)
        else ""
    )
    return (
        "no front matter: the file must start with a line ---, then its settings "
        f"(title:, and date: for a post), then another ---{hint}"
    )


def _pinned(fields: Fields, is_post: bool) -> bool:
    pinned = fields.boolean("pinned", False)
    if pinned and not is_post:
        fields.fail("pinned", "only a post can be pinned to the home page; remove it")
    return pinned


def _lone_lists(fields: Fields) -> tuple[Problem, ...]:
    """`tags: therapy, grief` is one tag named "therapy, grief" (YAML's text), though a
    Pelican or WordPress author means two: said, at its line."""
    found: list[Problem] = []
    for key in ("tags", "categories", "category"):
        value = fields.data.get(key)
        if isinstance(value, str) and "," in value:
            names = ", ".join(name.strip() for name in value.split(",") if name.strip())
            message = f'{key}: "{value}" is one name; for several, write a list: [{names}]'
            found.append(Problem(message, fields.path, fields.line(key)))
    return tuple(found)


def _check_extra_keys(
    fields: Fields, extra: dict[str, Any], declared: tuple[str, ...]
) -> tuple[Problem, ...]:
    """A key one slip away from one Salon knows (`drafts`, `titel`) is an error: kept as an
    extra, `drafts: true` would publish a draft. Any other key nobody declared is a warning;
    keys the site or its theme declare (`front_matter_keys`), and those under `extra:`, are
    the author's own."""
    warnings: list[Problem] = []
    for key in extra:
        name = str(key)
        if key == "extra" or name in declared or name in QUIET_KEYS:
            continue
        close = near_miss(name, KNOWN_KEYS)
        if close is not None:
            fields.fail(name, f'unknown key; did you mean "{close}"?')
            continue
        warnings.append(
            Problem(
                f"{name}: unknown front-matter key, kept for templates as entry.extra.{name}; "
                "declare it in site.yaml's front_matter_keys, or put it under extra:",
                fields.path,
                fields.line(name),
            )
        )
    return tuple(warnings)


def parse_alias(alias: str) -> str:
    """An old URL of a document, as a site-relative path (one with a query is kept as is).

    Percent-escapes are decoded because a static host looks up the decoded path.
    """
    if alias.startswith("//") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", alias):
        raise UnsafePath(alias)  # another site: a redirect page here cannot stand for it
    if "?" in alias:  # served by a host's redirect rules (_redirects), not by a file
        normalise_url(alias.split("?", 1)[0])  # still refuse `..`
        return alias
    return normalise_url(unquote(alias.split("#", 1)[0]))
