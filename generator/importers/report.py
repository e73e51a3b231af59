"""What an import did, and what the author still has to do, as one readable report.

The report is gathered while planning and applying an import (so it is a plain,
mutable record) and printed once at the end.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from generator.core.models import CommentStatus

_SHOWN = 12  # long lists (titles, URLs) show this many, then a count of the rest


@dataclass
class ImportReport:
    source: str  # what was imported, as the user named it
    posts_published: int = 0
    scheduled: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    pages: int = 0
    page_drafts: int = 0
    aliases: int = 0
    links_rewritten: int = 0
    files_written: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    files_kept: list[str] = field(default_factory=list)  # existed and differed; not --force
    files_overwritten: list[str] = field(default_factory=list)
    # Placeholders `salon new` wrote and nobody changed: replaced by the import, or removed.
    files_replaced: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    dry_run: bool = False  # nothing was written: the report says what would be
    comments_planned: int = 0  # in a dry run: the comments that would go to the store
    comments_new: Counter[CommentStatus] = field(default_factory=Counter)
    comments_seen: int = 0  # imported by an earlier run
    replies: int = 0
    threads_matched: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # "kind: why" -> count
    unmatched: list[str] = field(default_factory=list)  # Disqus threads no post matches
    shortcodes: dict[str, list[str]] = field(default_factory=dict)  # name -> where
    blocks_dropped: dict[str, list[str]] = field(default_factory=dict)
    media: list[str] = field(default_factory=list)
    image_lines: list[str] = field(default_factory=list)  # what --fetch-images did
    # '"Title": URL' of each featured image kept as front matter `image:`, and
    # '"Title": attachment N is not in the export…' for those that could not be.
    featured_images: list[str] = field(default_factory=list)
    featured_missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # -- gathering -------------------------------------------------------------------

    def skip(self, kind: str, why: str, count: int = 1) -> None:
        self.skipped[f"{kind}: {why}"] += count

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def repaired(self, mends: tuple[str, ...]) -> None:
        """What --lenient mended in the export file, each with its line."""
        for mend in mends:
            self.note(f"repaired (--lenient): {mend}")

    def medium(self, url: str) -> None:
        if url not in self.media:
            self.media.append(url)

    def shortcode(self, name: str, where: str) -> None:
        places = self.shortcodes.setdefault(name, [])
        if where not in places:
            places.append(where)

    def block_dropped(self, name: str, where: str) -> None:
        places = self.blocks_dropped.setdefault(name, [])
        if where not in places:
            places.append(where)

    @property
    def comments_imported(self) -> int:
        return sum(self.comments_new.values())

    # -- showing ---------------------------------------------------------------------

    def render(self) -> str:
        lines = [
            f"Dry run of importing {self.source}; nothing was written. An import would do this:"
            if self.dry_run
            else f"Imported {self.source}:"
        ]
        if self.posts_published or self.scheduled or self.drafts or self.pages:
            lines.append(
                f"  posts     {self.posts_published} published, {len(self.scheduled)} scheduled, "
                f"{len(self.drafts)} draft{_s(len(self.drafts))}"
            )
            lines.append(
                f"  pages     {self.pages}"
                + (f" ({self.page_drafts} of them drafts)" if self.page_drafts else "")
            )
            lines.append(
                f"  files     {len(self.files_written)} written, {len(self.files_overwritten)} "
                f"overwritten, {len(self.files_unchanged)} unchanged, {len(self.files_kept)} kept "
                "as they were"
            )
            lines.append(
                f"  links     {self.aliases} old address{'es' if self.aliases != 1 else ''} "
                f"redirect to the new pages; {self.links_rewritten} link"
                f"{_s(self.links_rewritten)} between posts rewritten to the new addresses"
            )
        if self.threads_matched or self.unmatched:
            lines.append(
                f"  threads   {self.threads_matched} matched to posts, {len(self.unmatched)} "
                "matched no post"
            )
        statuses = ", ".join(
            f"{self.comments_new[status]} {status.value}" for status in CommentStatus
        )
        if self.dry_run:
            lines.append(
                f"  comments  {self.comments_planned} in the export for the store (those "
                "imported before are skipped)"
            )
        else:
            lines.append(
                f"  comments  {self.comments_imported} new ({statuses}); {self.replies} of them "
                f"replies; {self.comments_seen} already imported before"
            )
        if self.files_replaced or self.files_removed:
            lines.append("Placeholders from `salon new`, unchanged since, replaced by the import:")
            lines.extend(_listed(self.files_replaced))
            lines.extend(_listed([f"{path} (removed)" for path in self.files_removed]))
        if self.files_kept:
            lines.append("Kept as they were (they exist and differ; --force overwrites them):")
            lines.extend(_listed(self.files_kept))
        if self.skipped:
            lines.append("Skipped:")
            for reason, count in sorted(self.skipped.items()):
                lines.append(f"  {count:>4}  {reason}")
        if self.scheduled:
            lines.append("Scheduled (published when a build runs on or after their date):")
            lines.extend(_listed(self.scheduled))
        if self.drafts:
            lines.append("Drafts (published once you remove `draft: true`):")
            lines.extend(_listed(self.drafts))
        if self.unmatched:
            lines.append("Threads that match no post (their comments were not imported):")
            lines.extend(_listed(self.unmatched))
        if self.shortcodes:
            lines.append("Shortcodes left as they were (edit these by hand):")
            for name, places in sorted(self.shortcodes.items()):
                lines.append(f"  [{name}] in {_places(places)}")
        if self.blocks_dropped:
            lines.append("Blocks that showed live WordPress data, dropped (nothing to keep):")
            by_place: dict[str, list[str]] = {}
            for name, places in sorted(self.blocks_dropped.items()):
                for place in places:
                    by_place.setdefault(place, []).append(name)
            for place, names in by_place.items():
                lines.append(f"  {place}: {', '.join(names)}")
        if self.featured_images or self.featured_missing:
            lines.append("Featured images (kept as `image:` in the front matter):")
            lines.extend(_listed(self.featured_images, limit=len(self.featured_images)))
            lines.extend(_listed(self.featured_missing, limit=len(self.featured_missing)))
        if self.notes:
            lines.append("Notes:")
            lines.extend(_listed(self.notes, limit=len(self.notes)))
        lines.extend(self.image_lines)
        if self.media:
            lines.append(
                f"Attachments referenced ({len(self.media)}; copy these files to the new site "
                "and update their addresses):"
            )
            lines.extend(_listed(self.media, limit=len(self.media)))
        return "\n".join(lines) + "\n"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _listed(items: list[str], limit: int = _SHOWN) -> list[str]:
    shown = [f"  {item}" for item in items[:limit]]
    if len(items) > limit:
        shown.append(f"  … and {len(items) - limit} more")
    return shown


def _places(places: list[str]) -> str:
    shown = ", ".join(places[:3])
    if len(places) > 3:
        shown += f" and {len(places) - 3} more"
    return shown
