"""A Disqus export → comments in the private store, on the posts their threads belong to.

A Disqus export lists <thread> elements (id, link, identifier, title), then
<post> elements (the comments) that point at their thread and parent by
`dsq:id`. A thread is matched to a post by its identifier (the post's key, or a
WordPress `?p=ID`) or by its link's path (the post's URL or one of its aliases).
A thread that matches nothing is reported, never guessed. A thread deleted in
Disqus (`isDeleted`) takes its comments with it: they are skipped and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from generator.core.config import SiteConfig, load_config
from generator.core.errors import SiteError
from generator.core.models import CommentStatus, Document, Kind, StoredComment
from generator.core.urls import UnsafePath, normalise_url, split_url
from generator.importers.html_inline import Options
from generator.importers.html_to_markdown import html_to_markdown
from generator.importers.report import ImportReport
from generator.importers.sitefiles import existing_documents
from generator.importers.storing import store_comments
from generator.importers.xmlsafe import parse_xml, read_export
from generator.service.actions import Imported
from generator.service.addresses import truncate_ip

SOURCE = "disqus"


@dataclass(frozen=True)
class DisqusThread:
    dsq_id: str
    identifier: str
    link: str
    title: str
    created: str
    line: int | None
    deleted: bool = False


@dataclass(frozen=True)
class DisqusPost:
    dsq_id: str
    thread: str
    parent: str
    message: str
    created: str
    deleted: bool
    spam: bool
    approved: bool
    author: str
    email: str
    ip: str
    line: int | None


@dataclass(frozen=True)
class DisqusExport:
    threads: tuple[DisqusThread, ...]
    posts: tuple[DisqusPost, ...]
    repairs: tuple[str, ...] = ()  # what --lenient mended in the file


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _dsq_id(element: Element | None) -> str:
    if element is None:
        return ""
    for name, value in element.attrib.items():
        if _local(name) == "id":
            return value.strip()
    return ""


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) == name:
            return child
    return None


def _text(element: Element, *path: str) -> str:
    current: Element | None = element
    for name in path:
        current = _child(current, name) if current is not None else None
    return (current.text or "").strip() if current is not None else ""


def _flag(element: Element, name: str, default: bool) -> bool:
    value = _text(element, name).lower()
    return default if not value else value == "true"


def parse_disqus(data: bytes, path: str, lenient: bool = False) -> DisqusExport:
    """Read a Disqus export; a file that is not one is a SiteError saying so.

    ``lenient`` mends a stray byte before the XML declaration and unquoted attribute
    values first (see xmlrepair.py), listing each mend in ``repairs``.
    """
    document = parse_xml(data, path, line_of=frozenset({"thread", "post"}), lenient=lenient)
    root = document.root
    if _local(root.tag) != "disqus":
        raise SiteError.at(
            f"not a Disqus export: expected <disqus> at the top, found <{_local(root.tag)}>",
            path,
            1,
        )
    threads: list[DisqusThread] = []
    posts: list[DisqusPost] = []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        name = _local(element.tag)
        if name == "thread":
            threads.append(
                DisqusThread(
                    dsq_id=_dsq_id(element),
                    identifier=_text(element, "id"),
                    link=_text(element, "link"),
                    title=_text(element, "title"),
                    created=_text(element, "createdAt"),
                    line=document.line(element),
                    deleted=_flag(element, "isDeleted", False),
                )
            )
        elif name == "post":
            posts.append(
                DisqusPost(
                    dsq_id=_dsq_id(element),
                    thread=_dsq_id(_child(element, "thread")),
                    parent=_dsq_id(_child(element, "parent")),
                    message=_text(element, "message"),
                    created=_text(element, "createdAt"),
                    deleted=_flag(element, "isDeleted", False),
                    spam=_flag(element, "isSpam", False),
                    approved=_flag(element, "isApproved", True),
                    author=_text(element, "author", "name"),
                    email=_text(element, "author", "email"),
                    ip=_text(element, "ipAddress"),
                    line=document.line(element),
                )
            )
    return DisqusExport(tuple(threads), tuple(posts), document.repairs)


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Matcher:
    """Finds the document a Disqus thread belongs to."""

    def __init__(self, documents: dict[str, Document], config: SiteConfig) -> None:
        self.base_path = config.base_path
        self.by_key = {d.key: d for d in documents.values() if d.kind is Kind.POST}
        self.by_address: dict[str, Document] = {}
        for doc in documents.values():
            for address in (doc.url, *doc.aliases):
                self.by_address.setdefault(address, doc)

    def address(self, link: str) -> str | None:
        parts = split_url(link.strip())
        if parts is None:
            return None
        query = re.match(r"^(p|page_id)=(\d+)$", parts.query)
        if query:
            return f"/?{query.group(1)}={query.group(2)}"
        path = unquote(parts.path)
        if not path.startswith("/"):
            return None
        if self.base_path and path.startswith(self.base_path + "/"):
            path = path[len(self.base_path) :]
        path = re.sub(r"/index\.html?$", "/", path)
        try:
            return normalise_url(path)
        except UnsafePath:
            return None

    def match(self, thread: DisqusThread) -> Document | None:
        identifier = thread.identifier
        if identifier in self.by_key:
            return self.by_key[identifier]
        for token in identifier.split():  # WordPress's Disqus plugin: "123 https://…/?p=123"
            found = self.by_key.get(token)
            if found is None and token.isdigit():
                found = self.by_address.get(f"/?p={token}")
            if found is None and "/" in token:
                address = self.address(token)
                found = self.by_address.get(address) if address else None
            if found is not None:
                return found
        address = self.address(thread.link) if thread.link else None
        return self.by_address.get(address) if address and address != "/" else None


def plan_disqus(
    export: DisqusExport, config: SiteConfig, documents: dict[str, Document], shown: str
) -> tuple[tuple[Imported, ...], ImportReport]:
    """Decide which comments go where; writes nothing."""
    report = ImportReport(f"{shown} (Disqus)")
    report.repaired(export.repairs)
    matcher = _Matcher(documents, config)
    threads = {t.dsq_id: t for t in export.threads if t.dsq_id}
    posts = {p.dsq_id: p for p in export.posts if p.dsq_id}
    for post in export.posts:
        if not post.dsq_id:
            report.skip("comment", "no dsq:id, so it cannot be imported once")

    matched: dict[str, Document] = {}
    pages: set[str] = set()
    deleted_threads = {thread_id for thread_id, thread in threads.items() if thread.deleted}
    for thread_id, thread in threads.items():
        if thread.deleted:
            continue
        doc = matcher.match(thread)
        if doc is not None and doc.kind is Kind.PAGE:
            pages.add(thread_id)
        elif doc is not None:
            matched[thread_id] = doc

    children: dict[str, list[str]] = {}
    for post in posts.values():
        if post.parent:
            children.setdefault(post.parent, []).append(post.dsq_id)

    def kept(post_id: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a comment is imported: a deleted one only as the placeholder of replies."""
        post = posts[post_id]
        if post.thread not in matched or post_id in seen:
            return False
        if not post.deleted:
            return bool(post.message.strip())
        return any(kept(child, seen | {post_id}) for child in children.get(post_id, []))

    planned: list[Imported] = []
    unmatched: dict[str, int] = {}
    used_threads: set[str] = set()
    for post in posts.values():
        where = f"comment {post.dsq_id}" + (f" (line {post.line})" if post.line else "")
        if post.thread not in threads:
            report.skip("comment", "its thread is not in the export")
            report.note(f"{where}: thread {post.thread or '(none)'} is not in the export; skipped")
            continue
        if post.thread in deleted_threads:
            report.skip("comment", "its thread was deleted in Disqus")
            continue
        if post.thread in pages:
            report.skip("comment", "on a page (Salon shows comments under posts only)")
            continue
        if post.thread not in matched:
            unmatched[post.thread] = unmatched.get(post.thread, 0) + 1
            report.skip("comment", "its thread matches no post")
            continue
        if not kept(post.dsq_id):
            report.skip("comment", "deleted in Disqus" if post.deleted else "empty")
            continue
        doc = matched[post.thread]
        used_threads.add(post.thread)
        parent = None
        if post.parent:
            if (
                post.parent in posts
                and posts[post.parent].thread == post.thread
                and kept(post.parent)
            ):
                parent = post.parent
            else:
                report.note(
                    f"{where}: replies to comment {post.parent}, which is not in the export; "
                    "shown as a top-level comment"
                )
        planned.append(Imported(post.dsq_id, parent, _comment(post, doc, threads, config, report)))

    report.threads_matched = len(used_threads)
    for thread_id, count in unmatched.items():
        thread = threads[thread_id]
        label = thread.link or thread.identifier or "no link or identifier"
        title = f' "{thread.title}"' if thread.title else ""
        report.unmatched.append(
            f"thread {thread_id}{title} ({label}): {count} comment{'s' if count != 1 else ''}"
        )
    return tuple(planned), report


def _comment(
    post: DisqusPost,
    doc: Document,
    threads: dict[str, DisqusThread],
    config: SiteConfig,
    report: ImportReport,
) -> StoredComment:
    created = _parse_time(post.created)
    if created is None:
        created = _parse_time(threads[post.thread].created)
        given = "its thread's date"
        if created is None:
            created, given = doc.date or datetime(1970, 1, 1, tzinfo=UTC), "its post's date"
        line = f" (line {post.line})" if post.line else ""
        report.note(f"comment {post.dsq_id}{line}: no date; given {given}")
    if post.deleted:  # a placeholder that keeps its replies in place; nothing personal kept
        return StoredComment(
            id="", post=doc.key, parent=None, author="", email="", website="", body="",
            created=created.astimezone(UTC), status=CommentStatus.APPROVED, removed=True,
        )  # fmt: skip
    status = CommentStatus.APPROVED
    if post.spam:
        status = CommentStatus.SPAM
    elif not post.approved:
        status = CommentStatus.PENDING
    email = post.email.strip()
    own = config.author.email.strip().lower()
    return StoredComment(
        id="",
        post=doc.key,
        parent=None,
        author=" ".join(post.author.split()) or "Anonymous",
        email=email,
        website="",
        body=html_to_markdown(post.message, Options(for_comment=True)).markdown.strip(),
        created=created.astimezone(UTC),
        status=status,
        by_author=bool(own) and email.lower() == own,
        ip=truncate_ip(post.ip),
    )


def import_disqus(root: Path, export_path: Path, shown: str, lenient: bool = False) -> ImportReport:
    """`salon import disqus`: read, match, store; returns the report."""
    config = load_config(root)
    export = parse_disqus(read_export(export_path, shown), shown, lenient)
    comments, report = plan_disqus(export, config, existing_documents(config), shown)
    store_comments(config, SOURCE, comments, report)
    return report
