"""A WordPress export → posts, pages, aliases for every old address, and stored comments.

Planning is pure (export + config + the documents already in the site → files to
write, comments to store, a report); applying writes the files and the store.
Everything is keyed so that a second import of the same file changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Set
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from generator.core.config import SiteConfig, load_config
from generator.core.models import Document, Kind
from generator.core.urls import slugify, split_url
from generator.importers.featured import featured_images, image_fields
from generator.importers.fetch_images import Limits, absolute_images, bring_images
from generator.importers.html_inline import Options
from generator.importers.html_to_markdown import Conversion, html_to_markdown
from generator.importers.report import ImportReport
from generator.importers.sitefiles import (
    FlowList,
    PlannedFile,
    check_document,
    existing_documents,
    front_matter,
    write_files,
)
from generator.importers.storing import require_local_feed, store_comments
from generator.importers.wordpress_comments import CommentPlanner
from generator.importers.wordpress_items import (
    DRAFT_STATUSES,
    SKIPPED_STATUSES,
    SKIPPED_TYPES,
    Entry,
    item_time,
    plain_title,
    site_time,
)
from generator.importers.wordpress_links import LinkRewriter, old_address
from generator.importers.wxr import WxrExport, WxrItem, parse_wxr
from generator.importers.xmlsafe import read_export
from generator.scaffold import untouched_scaffold
from generator.service.actions import Imported

SOURCE = "wordpress"
_KINDS = {"post": Kind.POST, "page": Kind.PAGE}
# Addresses the build makes for listings and feeds: no imported page or alias may take them.
_BUILT = re.compile(
    r"^/(?:archives/|404\.html|sitemap\.xml|robots\.txt|feed\.xml|rss\.xml|comments\.xml|"
    r"_redirects/?|assets/.*|page/\d+/|tags/.*|categories/.*|\d{4}/(?:\d{2}/)?|"
    r".*/comments\.xml)$"
)


@dataclass(frozen=True)
class ImportPlan:
    files: tuple[PlannedFile, ...]
    comments: tuple[Imported, ...]
    report: ImportReport


class _Planner:
    def __init__(
        self,
        export: WxrExport,
        config: SiteConfig,
        existing: dict[str, Document],
        shown: str,
        bundles: bool = False,
    ) -> None:
        self.bundles = bundles  # each post and page in a folder of its own, for its images
        self.export = export
        self.config = config
        self.report = ImportReport(f"{shown} (WordPress, WXR {export.version})")
        self.authors = {a.login: a for a in export.authors}
        self.featured = featured_images(export)
        site = split_url(export.site_url)
        self.old_root = export.site_url.rstrip("/") if site and site.netloc else ""
        self.old_hosts = {site.netloc.lower()} - {""} if site else set()
        for item in export.items:
            parts = split_url(item.link)
            if parts and parts.netloc:
                self.old_hosts.add(parts.netloc.lower())
        # What documents already in the site claim, by the path of the file claiming it.
        self.url_owner: dict[str, str] = {}
        self.key_owner: dict[str, str] = {}
        for path, doc in existing.items():
            for url in (doc.url, *doc.aliases):
                self.url_owner.setdefault(url, path)
            if doc.kind is Kind.POST:
                self.key_owner.setdefault(doc.key, path)
        self.planned_paths: set[str] = set()
        self.targets: dict[str, str] = {}  # old address (as an alias) -> new URL
        self.by_slug: dict[str, str] = {}  # WordPress slug -> new URL, where unambiguous

    # -- which items, and who they become ----------------------------------------------

    def choose(self) -> list[tuple[WxrItem, Kind, datetime, str, bool]]:
        chosen = []
        for item in self.export.items:
            post_type = item.post_type or "post"
            kind = _KINDS.get(post_type)
            if kind is None:
                why = SKIPPED_TYPES.get(post_type, "not a post or page")
                self.report.skip(post_type, why)
                self._skip_comments(item, "on an item that was not imported")
                continue
            status = item.status or "publish"
            if status in SKIPPED_STATUSES:
                self.report.skip(post_type, SKIPPED_STATUSES[status])
                self._skip_comments(item, "on an item that was not imported")
                continue
            if status not in ("publish", "future", *DRAFT_STATUSES):
                self.report.skip(post_type, f'status "{status}" is not one Salon knows')
                self._skip_comments(item, "on an item that was not imported")
                continue
            moment = item_time(item, self.config)
            if moment is None:
                self.report.skip(post_type, "no date at all (no wp:post_date or pubDate)")
                self.report.note(f"{self._where(item)}: skipped, it has no date")
                self._skip_comments(item, "on an item that was not imported")
                continue
            draft_reason = DRAFT_STATUSES.get(status, "")
            if item.password and not draft_reason:
                draft_reason = "password-protected in WordPress; publishing would reveal it"
            if status == "future" and kind is Kind.PAGE:
                draft_reason = "a scheduled page (pages are not held back by date)"
            scheduled = status == "future" and kind is Kind.POST and not draft_reason
            chosen.append((item, kind, moment, draft_reason, scheduled))
        return chosen

    def _skip_comments(self, item: WxrItem, why: str) -> None:
        if item.comments:
            self.report.skip("comment", why, len(item.comments))

    def _where(self, item: WxrItem) -> str:
        line = f" (line {item.line})" if item.line else ""
        return f"{item.describe()}{line}"

    def _base_slug(self, item: WxrItem, kind: Kind) -> str:
        slug = slugify(unquote(item.post_name)) or slugify(plain_title(item.title))
        return slug or f"{kind.value}-{item.post_id or 'untitled'}"

    def _claimable(self, url: str, path: str) -> bool:
        if "?" not in url and _BUILT.match(url):
            return False
        owner = self.url_owner.get(url)
        return owner is None or owner == path

    def identify(self, chosen: list[tuple[WxrItem, Kind, datetime, str, bool]]) -> list[Entry]:
        pages = {item.post_id: item for item, kind, *_ in chosen if kind is Kind.PAGE}
        page_slugs = {pid: self._base_slug(item, Kind.PAGE) for pid, item in pages.items()}
        entries: list[Entry] = []
        for item, kind, moment, draft_reason, scheduled in chosen:
            title = plain_title(item.title)
            if not title:
                title = "Untitled"
                self.report.note(f'{self._where(item)}: has no title; titled "Untitled"')
            elif title != item.title.strip():
                self.report.note(f'{self._where(item)}: title kept as plain text: "{title}"')
            if kind is Kind.PAGE:
                folder = self._page_folder(item, pages, page_slugs)
                entry = self._identify_page(item, title, moment, folder, page_slugs[item.post_id])
            else:
                entry = self._identify_post(item, title, moment)
            entry = replace(entry, draft_reason=draft_reason, scheduled=scheduled)
            self.planned_paths.add(entry.path)
            self.url_owner[entry.url] = entry.path
            if kind is Kind.POST:
                self.key_owner[entry.key] = entry.path
            entries.append(entry)
        return entries

    def _page_folder(
        self, item: WxrItem, pages: dict[str, WxrItem], slugs: dict[str, str]
    ) -> list[str]:
        folder: list[str] = []
        seen = {item.post_id}
        parent = item.parent
        while parent not in ("", "0"):
            if parent not in pages:
                self.report.note(
                    f"{self._where(item)}: its parent page {parent} was not imported; "
                    "placed at the top level"
                )
                break
            if parent in seen:
                break
            seen.add(parent)
            folder.insert(0, slugs[parent])
            parent = pages[parent].parent
        return folder

    def _identify_page(
        self, item: WxrItem, title: str, moment: datetime, folder: list[str], base: str
    ) -> Entry:
        for number in range(1, 1000):
            slug = base if number == 1 else f"{base}-{number}"
            name = f"{slug}/index.md" if self.bundles else f"{slug}.md"
            path = "/".join(["content", "pages", *folder, name])
            if path in self.planned_paths:
                continue
            url = check_document(path, front_matter([("title", title)]), self.config).url
            if self._claimable(url, path):
                break
        if slug != base:
            self.report.note(f"{self._where(item)}: its address was taken; slug is now {slug}")
        return Entry(item, Kind.PAGE, title, moment, slug, path, url, "", False)

    def _identify_post(self, item: WxrItem, title: str, moment: datetime) -> Entry:
        base = self._base_slug(item, Kind.POST)
        for number in range(1, 1000):
            slug = base if number == 1 else f"{base}-{number}"
            name = f"{moment:%Y-%m-%d}-{slug}"
            path = f"content/posts/{name}/index.md" if self.bundles else f"content/posts/{name}.md"
            if path in self.planned_paths or self.key_owner.get(slug, path) != path:
                continue
            fields = [("title", title), ("date", moment), ("slug", slug)]
            if item.categories:
                fields.append(("categories", FlowList(item.categories)))
            url = check_document(path, front_matter(fields), self.config).url
            if self._claimable(url, path):
                break
        if slug != base:
            self.report.note(f"{self._where(item)}: its slug was taken; slug is now {slug}")
        return Entry(item, Kind.POST, title, moment, slug, path, url, "", False)

    # -- old addresses -----------------------------------------------------------------

    def old_address(self, link: str) -> str | None:
        return old_address(link, self.old_hosts, self.config.base_path)

    def aliases(self, entries: list[Entry]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for entry in entries:
            item = entry.item
            candidates = [item.link]
            if item.post_id:
                query = "page_id" if entry.kind is Kind.PAGE else "p"
                candidates.append(f"{self.old_root}/?{query}={item.post_id}")
            addresses = [self.old_address(candidate) for candidate in candidates]
            mine: list[str] = []
            for address in addresses:
                if address is None or address == entry.url or address in mine:
                    continue
                if not self._claimable(address, entry.path):
                    owner = self.url_owner.get(address, "the site's own listings")
                    self.report.note(
                        f"{entry.path}: old address {address} is already used by {owner}; "
                        "no redirect made for it"
                    )
                    continue
                self.url_owner[address] = entry.path
                mine.append(address)
            for address in (*mine, entry.url):
                self.targets.setdefault(address, entry.url)
            for address in addresses:  # old links in posts may use any of these forms
                if address is not None:
                    self.targets.setdefault(address, entry.url)
            found[entry.path] = mine
        named = [(unquote(e.item.post_name), e.url) for e in entries if e.item.post_name]
        counts = Counter(slug for slug, _ in named)
        self.by_slug = {slug: url for slug, url in named if counts[slug] == 1}
        return found

    def rewriter(self) -> Callable[[str], str]:
        rewrite = LinkRewriter(self.targets, self.by_slug, self.old_hosts, self.config.base_path)
        return lambda href: rewrite(href, self.report)

    # -- files ---------------------------------------------------------------------------

    def convert(self, html_text: str, where: str) -> Conversion:
        conversion = html_to_markdown(html_text, Options(rewrite_url=self.rewriter()))
        for name in conversion.shortcodes_left:
            self.report.shortcode(name, where)
        for name in conversion.blocks_dropped:
            self.report.block_dropped(name, where)
        for url in conversion.media:
            self.report.medium(url)
        for note in conversion.notes:
            self.report.note(f"{where}: {note}")
        return conversion

    def file_for(self, entry: Entry, aliases: list[str]) -> PlannedFile:
        item = entry.item
        where = entry.path
        body = absolute_images(self.convert(item.content, where).markdown, self.old_root)
        summary = self.convert(item.excerpt, where).markdown.strip() if item.excerpt else ""
        fields: list[tuple[str, Any]] = [("title", entry.title)]
        if entry.kind is Kind.POST:
            fields += [("date", entry.date)]
            updated = site_time(item.modified, item.modified_gmt, self.config)
            if updated is not None and updated.replace(microsecond=0) > entry.date:
                fields.append(("updated", updated.replace(microsecond=0)))
            fields += [("slug", entry.slug), ("id", entry.key)]
            author = self.authors.get(item.creator)
            name = (author.display_name if author else "") or item.creator
            if name:
                fields.append(("author", name))
            if item.categories:
                fields.append(("categories", FlowList(item.categories)))
            if item.tags:
                fields.append(("tags", FlowList(item.tags)))
        fields += image_fields(self.featured, item, entry.title, self.report)
        if summary:
            fields.append(("summary", summary))
        if entry.draft_reason:
            fields.append(("draft", True))
        if entry.kind is Kind.POST and item.sticky:
            fields.append(("pinned", True))  # WordPress's "stick to the front page"
        if entry.kind is Kind.POST and item.comment_status == "closed":
            fields.append(("comments", "closed"))
        if aliases:
            fields.append(("aliases", aliases))
        text = front_matter(fields) + ("\n" + body if body else "")
        check_document(entry.path, text, self.config)
        return PlannedFile(entry.path, text, entry.kind, entry.title)

    def count(self, entry: Entry) -> None:
        label = f'"{entry.title}" ({entry.path})'
        if entry.kind is Kind.PAGE:
            self.report.pages += 1
            if entry.draft_reason:
                self.report.page_drafts += 1
        elif entry.draft_reason:
            self.report.drafts.append(f"{label}: {entry.draft_reason}")
        elif entry.scheduled:
            self.report.scheduled.append(f"{label}: {entry.date:%Y-%m-%d %H:%M}")
        else:
            self.report.posts_published += 1

    # -- the whole plan ----------------------------------------------------------------

    def plan(self) -> ImportPlan:
        entries = self.identify(self.choose())
        aliases = self.aliases(entries)
        files = []
        for entry in entries:
            self.count(entry)
            files.append(self.file_for(entry, aliases[entry.path]))
            self.report.aliases += len(aliases[entry.path])
        comments = CommentPlanner(self.export, self.config, self.report).comments(entries)
        return ImportPlan(tuple(files), tuple(comments), self.report)


def plan_wordpress(
    export: WxrExport,
    config: SiteConfig,
    existing: dict[str, Document],
    shown: str,
    bundles: bool = False,
) -> ImportPlan:
    """Decide every file and comment an import makes; writes nothing.

    ``bundles``: every post and page goes in a folder of its own (`…/slug/index.md`),
    where its images can live beside it (`--fetch-images`).
    """
    return _Planner(export, config, existing, shown, bundles).plan()


def apply_plan(
    config: SiteConfig, plan: ImportPlan, force: bool, placeholders: Set[str] = frozenset(),
    dry_run: bool = False,
) -> ImportReport:  # fmt: skip
    """Write the planned files and store the planned comments (``dry_run``: only report)."""
    if plan.comments:
        require_local_feed(config)  # before any file is written
    plan.report.dry_run = dry_run
    write_files(config, plan.files, force, plan.report, placeholders, dry_run)
    if dry_run:
        plan.report.comments_planned = len(plan.comments)
    else:
        store_comments(config, SOURCE, plan.comments, plan.report)
    return plan.report


def import_wordpress(
    root: Path,
    export_path: Path,
    shown: str,
    force: bool = False,
    lenient: bool = False,
    dry_run: bool = False,
    fetch: Limits | None = None,
) -> ImportReport:
    """`salon import wordpress`: read, plan, write; returns the report.

    Files `salon new` wrote that are still as it wrote them are placeholders: the import
    takes their place, as if they were not there. ``fetch``: also download the images the
    posts show into their bundles, within these limits, before the files are written
    (`--fetch-images`; not with ``dry_run``, which writes and downloads nothing)."""
    config = load_config(root)
    export = parse_wxr(read_export(export_path, shown), shown, lenient)
    placeholders = untouched_scaffold(root)
    plan = plan_wordpress(
        export, config, existing_documents(config, placeholders), shown, fetch is not None
    )
    plan.report.repaired(export.repairs)
    if fetch is not None and not dry_run:
        files = bring_images(config, plan.files, fetch, plan.report)
        plan = replace(plan, files=files)
    return apply_plan(config, plan, force, placeholders, dry_run)
