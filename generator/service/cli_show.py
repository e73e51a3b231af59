"""`salon comments list` and `salon comments show`: reading the store, changing nothing."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.core.models import CommentStatus, StoredComment
from generator.service.actions import parse_status
from generator.service.cli_site import last_build_posts, open_existing, resolve_ids
from generator.service.terminal import clip, one_line, printable, table, when

TABLE_WIDTHS = {"post": 24, "author": 30, "text": 44}


def comment_json(c: StoredComment) -> dict[str, Any]:
    return {
        "id": c.id,
        "status": c.status.value,
        "post": c.post,
        "parent": c.parent,
        "author": c.author,
        "email": c.email,
        "website": c.website,
        "body": c.body,
        "created": c.created.astimezone(UTC).isoformat(timespec="seconds"),
        "by_author": c.by_author,
        "removed": c.removed,
        "ip": c.ip,
        "user_agent": c.user_agent,
        "moderated_by": c.moderated_by,
        "moderated_at": c.moderated_at.astimezone(UTC).isoformat(timespec="seconds")
        if c.moderated_at
        else None,
        "held_because": c.held_because,
    }


def author_label(c: StoredComment) -> str:
    if c.removed:
        return "(removed)"
    return one_line(c.author) + (" [author]" if c.by_author else "")


def cmd_list(config: SiteConfig, args: argparse.Namespace) -> int:
    status = parse_status(args.status) if args.status else None
    if args.format not in ("table", "json"):
        raise CommentError(f'unknown format "{args.format}"; use table or json')
    with open_existing(config, read_only=True) as store:
        comments = store.list_comments(status=status, post=args.post)
    # What waits for the moderator first, then the rest, each oldest first.
    comments.sort(key=lambda c: c.status is not CommentStatus.PENDING)
    if args.format == "json":
        print(json.dumps([comment_json(c) for c in comments], indent=2, ensure_ascii=True))
        return 0
    if not comments:
        print("No comments match.")
        return 0
    rows = [
        [
            c.id,
            c.status.value,
            clip(one_line(c.post), TABLE_WIDTHS["post"]),
            clip(author_label(c), TABLE_WIDTHS["author"]),
            when(c.created),
            clip(one_line(c.body) if not c.removed else "", TABLE_WIDTHS["text"]),
        ]
        for c in comments
    ]
    print(table(rows, ["ID", "STATUS", "POST", "AUTHOR", "CREATED (UTC)", "TEXT"]))
    print(f"{len(comments)} comment{'s' if len(comments) != 1 else ''}")
    return 0


def cmd_show(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config, read_only=True) as store:
        c = store.get(resolve_ids(store, [args.id])[0])
        parent = store.find(c.parent) if c.parent else None
        replies = [r for r in store.list_comments(post=c.post) if r.parent == c.id]
        history = store.audit_log(c.id)
    posts = last_build_posts(config)
    info = posts.get(c.post) if posts is not None else None
    post = one_line(c.post)
    if info is not None:
        post = f"{one_line(info.title)} [{post}]"
    elif posts is not None:
        post = f"{post} (no such post in the last build)"
    lines = [f"Comment {c.id} ({c.status.value}{', removed' if c.removed else ''})"]

    def field(label: str, value: str) -> None:
        if value:
            lines.append(f"  {label + ':':<13} {value}")

    field("Post", post)
    if info is not None:
        field("Link", f"{config.base_url}{info.url}#comment-{c.id}")
    if c.removed:
        field("Author", "(removed)")
    else:
        field(
            "Author", one_line(c.author) + (" (marked as the site's author)" if c.by_author else "")
        )
        field("Email", one_line(c.email) or "(none)")
        field("Website", one_line(c.website))
    field("Written", f"{when(c.created)} UTC")
    field("From", ", ".join(one_line(x) for x in (c.ip, c.user_agent) if x))
    if c.moderated_by:
        field("Moderated", f"by {one_line(c.moderated_by)} at {when(c.moderated_at)} UTC")
    field("Held because", one_line(c.held_because))
    if c.parent:
        if parent is None:
            field("In reply to", f"{c.parent} (no longer in the store)")
        elif parent.removed:
            field("In reply to", f"{parent.id} (removed)")
        else:
            field(
                "In reply to",
                f"{parent.id} by {one_line(parent.author)} ({parent.status.value}): "
                f"“{clip(one_line(parent.body), 60)}”",
            )
    if replies:
        field("Replies", ", ".join(f"{r.id} ({r.status.value})" for r in replies))
    if not c.removed:
        lines.append("")
        lines.extend(f"  | {printable(line)}".rstrip() for line in c.body.splitlines() or [""])
    lines.append("")
    lines.append("History:")
    for at, who, action, _cid, detail in history:
        moment = when(datetime.fromisoformat(at))
        lines.append(
            f"  {moment} UTC  {one_line(who)}  {action}"
            + (f" ({one_line(detail)})" if detail else "")
        )
    print("\n".join(lines))
    return 0
