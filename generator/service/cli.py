"""`salon comments …`: moderation from the command line.

Every change goes through service/moderation.py, so the CLI and the /moderate page
record, export and run the hook the same way. Readers' text reaches the moderator's
terminal here, so control and direction characters are shown escaped, never sent raw.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generator.contract.comment_html import safe_website
from generator.contract.posts_manifest import ManifestError, PostInfo, parse_manifest
from generator.core.config import SiteConfig, load_config
from generator.core.errors import CommentError
from generator.core.models import CommentStatus, StoredComment
from generator.service import actions as moderation
from generator.service.passwords import MIN_LENGTH, PASSWORD_SETTING, hash_password
from generator.service.store import CommentStore
from generator.service.store_files import explain
from generator.service.validation import NAME_MAX

SiteOption = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[SiteConfig, argparse.Namespace], int]

TABLE_WIDTHS = {"post": 24, "author": 30, "text": 44}


# -- showing hostile text on a terminal --------------------------------------------------


def printable(text: str) -> str:
    """Text with every control, format and separator character escaped (\\x1b, \\u202e).

    A commenter's name could otherwise move the cursor, recolour or retitle the
    moderator's terminal, or reverse the text after it.
    """
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def one_line(text: str) -> str:
    return printable(" ".join(text.split()))


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


# -- opening the site and its store ------------------------------------------------------


def actor() -> str:
    """Who is moderating, as recorded in the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"


def open_existing(config: SiteConfig, read_only: bool = False) -> CommentStore:
    """The store; a missing one is made only when a local feed can seed it (a fresh clone)."""
    has_feed = not config.feed_is_remote and config.feed_path.is_file()
    if not config.store_path.exists() and not has_feed:
        raise CommentError(
            f"{config.comments.store}: no comment store here yet; it is created by the first "
            "comment, an import, or `salon comments export`"
        )
    return moderation.open_store(config, read_only=read_only)


def last_build_posts(config: SiteConfig) -> dict[str, PostInfo] | None:
    """The posts of the last build's manifest, or None when there is no usable one."""
    try:
        return parse_manifest((config.private_dir / "posts.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ManifestError):
        return None


def unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def feed_name(config: SiteConfig) -> str:
    return config.comments.feed


# -- list and show -----------------------------------------------------------------------


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


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def author_label(c: StoredComment) -> str:
    if c.removed:
        return "(removed)"
    return one_line(c.author) + (" [author]" if c.by_author else "")


def cmd_list(config: SiteConfig, args: argparse.Namespace) -> int:
    status = moderation.parse_status(args.status) if args.status else None
    if args.format not in ("table", "json"):
        raise CommentError(f'unknown format "{args.format}"; use table or json')
    with open_existing(config, read_only=True) as store:
        comments = store.list_comments(status=status, post=args.post)
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
        c = store.get(args.id)
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


# -- changes -----------------------------------------------------------------------------

VERBS = {
    CommentStatus.APPROVED: "Approved",
    CommentStatus.REJECTED: "Rejected",
    CommentStatus.SPAM: "Marked as spam",
    CommentStatus.PENDING: "Returned to pending",
}


def status_command(status: CommentStatus) -> Handler:
    def run(config: SiteConfig, args: argparse.Namespace) -> int:
        ids = unique(args.ids)
        with open_existing(config) as store:
            moderation.set_status(config, store, ids, status, actor())
        print(f"{VERBS[status]} {', '.join(ids)}; {feed_name(config)} rewritten.")
        return 0

    return run


def text_option(value: str, option: str) -> str:
    """A command-line value; bytes that are not UTF-8 arrive as lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CommentError(f"{option}: not valid UTF-8 text") from None
    return value


def read_body_file(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommentError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommentError(f"{name}: cannot read it ({exc})") from None


def edit_in_editor(body: str, comment_id: str) -> str:
    """Open $VISUAL or $EDITOR on the body; returns the text as saved."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="salon-edit-") as folder:
        path = Path(folder) / f"comment-{comment_id}.md"
        path.write_text(body + "\n", encoding="utf-8")
        try:
            status = subprocess.call([*shlex.split(editor), str(path)])
        except (OSError, ValueError) as exc:
            raise CommentError(f"cannot start the editor {editor!r}: {exc}") from None
        if status != 0:
            raise CommentError(f"the editor exited with status {status}; nothing was changed")
        return path.read_text(encoding="utf-8")


def cmd_edit(config: SiteConfig, args: argparse.Namespace) -> int:
    if args.body is not None and args.body_file is not None:
        raise CommentError("give the new text with --body or --body-file, not both")
    changes: dict[str, Any] = {}
    if args.body is not None:
        changes["body"] = text_option(args.body, "--body")
    elif args.body_file is not None:
        changes["body"] = read_body_file(args.body_file)
    if args.name is not None:
        name = text_option(args.name, "--name").strip()
        if not name or len(name) > NAME_MAX:
            raise CommentError(f"--name: expected 1 to {NAME_MAX} characters")
        changes["author"] = name
    if args.website is not None:
        website = text_option(args.website, "--website").strip()
        if website and not safe_website(website):
            raise CommentError(
                f'--website: expected an http(s) URL such as https://example.org, got "{website}"'
            )
        changes["website"] = website
    if args.author_mark is not None:
        changes["by_author"] = args.author_mark

    with open_existing(config) as store:
        comment = store.get(args.id)
        if comment.removed:
            raise CommentError(f"comment {comment.id} was deleted; there is nothing to edit")
        if not changes:
            changes["body"] = edit_in_editor(comment.body, comment.id)
        if "body" in changes:
            changes["body"] = changes["body"].strip("\n").rstrip()
            if not changes["body"].strip():
                raise CommentError(
                    f"the new text is empty; to remove the comment, run "
                    f"`salon comments delete {comment.id}`"
                )
        changed = [key for key, value in changes.items() if getattr(comment, key) != value]
        if not changed:
            print(f"Nothing to change in {comment.id}.")
            return 0
        moderation.edit(
            config, store, comment.id, actor(), **{key: changes[key] for key in changed}
        )
    labels = {"body": "text", "author": "name", "website": "website", "by_author": "author mark"}
    print(
        f"Edited {comment.id} ({', '.join(labels[key] for key in changed)}); "
        f"{feed_name(config)} rewritten."
    )
    return 0


def cmd_mark_author(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store:
        moderation.edit(config, store, args.id, actor(), by_author=True)
    print(f"Marked {args.id} as written by the site's author; {feed_name(config)} rewritten.")
    return 0


def cmd_delete(config: SiteConfig, args: argparse.Namespace) -> int:
    ids = unique(args.ids)
    with open_existing(config) as store:
        parents = {c.parent for c in store.list_comments() if c.parent}
        moderation.delete(config, store, ids, actor())
    print(
        f"Deleted {', '.join(ids)}: text and personal data erased; {feed_name(config)} rewritten."
    )
    kept = [cid for cid in ids if cid in parents]
    if kept:
        print(
            f"Replies to {', '.join(kept)} stay, under a “This comment was removed.” placeholder."
        )
    return 0


def cmd_reply(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store:
        body = text_option(args.body, "--body")
        comment = moderation.reply(config, store, args.id, body, actor())
    print(
        f"Replied to {args.id} as {one_line(comment.author)} (comment {comment.id}, approved); "
        f"{feed_name(config)} rewritten."
    )
    return 0


def cmd_export(config: SiteConfig, args: argparse.Namespace) -> int:
    with moderation.open_store(config) as store:
        path = moderation.export_feed(config, store)
        shown = sum(1 for c in store.public_comments() if not c.removed)
    print(
        f"Wrote {path.relative_to(config.root).as_posix()}: "
        f"{shown} approved comment{'s' if shown != 1 else ''}."
    )
    return 0


def read_new_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        try:
            with warnings.catch_warnings():
                # Without a terminal getpass warns, then reads (and echoes) stdin: refuse.
                warnings.simplefilter("error", getpass.GetPassWarning)
                password = getpass.getpass("New moderator password: ")
                if len(password) >= MIN_LENGTH and getpass.getpass("Again: ") != password:
                    raise CommentError("the two passwords differ; nothing was changed")
        except (EOFError, getpass.GetPassWarning):  # no terminal to ask on
            raise CommentError(
                "no terminal to ask for the password on; give it on standard input with "
                "--password-stdin (e.g. printf '%s\\n' \"$PASSWORD\" | salon comments "
                "set-password --password-stdin); nothing was changed"
            ) from None
    if len(password) < MIN_LENGTH:
        raise CommentError(
            f"the password is too short: use at least {MIN_LENGTH} characters; nothing was changed"
        )
    return password


def cmd_set_password(config: SiteConfig, args: argparse.Namespace) -> int:
    password = read_new_password(args.password_stdin)
    with moderation.open_store(config) as store:
        store.set_setting(PASSWORD_SETTING, hash_password(password))
    print("Moderator password set.")
    return 0


def cmd_serve(config: SiteConfig, args: argparse.Namespace) -> int:
    from generator.service.server import serve_forever

    return serve_forever(config, args.host, args.port)


# -- the parser --------------------------------------------------------------------------


def with_config(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        config = load_config(Path(args.site).resolve())
        try:
            return handler(config, args)
        except (sqlite3.Error, OSError) as exc:  # the store's disk or file failed
            problem = explain(exc, config.comments.store, config.comments.feed, config.store_path)
            if problem is None:
                raise
            raise problem from None

    return run


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], site_option: SiteOption
) -> None:
    """Add `salon comments …` to the main parser."""
    group = sub.add_parser(
        "comments",
        help="moderate readers' comments and rewrite the public feed",
        description="Moderate readers' comments. Every change is recorded in the store's "
        "audit log, rewrites the public feed and runs comments.on_change.",
    )
    actions = group.add_subparsers(dest="comments_command", required=True, metavar="ACTION")

    def action(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".")
        site_option(parser)
        parser.set_defaults(func=with_config(handler))
        return parser

    listing = action("list", cmd_list, "list comments, oldest first")
    listing.add_argument("--status", metavar="S", help="pending, approved, rejected or spam")
    listing.add_argument("--post", metavar="P", help="only the comments of the post with key P")
    listing.add_argument("--format", default="table", metavar="F", help="table (default) or json")

    show = action("show", cmd_show, "show one comment with its post, parent and history")
    show.add_argument("id", metavar="ID")

    for name, status, text in (
        ("approve", CommentStatus.APPROVED, "publish comments"),
        ("reject", CommentStatus.REJECTED, "reject comments (kept in the store, not published)"),
        ("spam", CommentStatus.SPAM, "mark comments as spam (not published)"),
    ):
        parser = action(name, status_command(status), text)
        parser.add_argument("ids", nargs="+", metavar="ID")

    edit = action("edit", cmd_edit, "change a comment's text, name, website or author mark")
    edit.epilog = (
        "With none of --body, --body-file, --name, --website and --author-mark, the text "
        "opens in $VISUAL or $EDITOR (default vi). Every edit is recorded in the audit log."
    )
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--body", metavar="TEXT", help="the new text (Markdown)")
    edit.add_argument(
        "--body-file", metavar="FILE", help="read the new text from FILE (- for stdin)"
    )
    edit.add_argument("--name", metavar="NAME", help="the commenter's name as shown")
    edit.add_argument("--website", metavar="URL", help="the commenter's website ('' to remove)")
    edit.add_argument(
        "--author-mark",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show (or, with --no-author-mark, stop showing) the site author's mark",
    )

    delete = action("delete", cmd_delete, "erase comments and their personal data for good")
    delete.add_argument("ids", nargs="+", metavar="ID")

    action("export", cmd_export, "rewrite the public feed from the store")

    password = action("set-password", cmd_set_password, "set the password of the /moderate page")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password once from stdin"
    )

    reply = action("reply", cmd_reply, "reply to a comment as the site's author")
    reply.add_argument("id", metavar="ID")
    reply.add_argument("--body", required=True, metavar="TEXT", help="the reply (Markdown)")

    mark = action("mark-author", cmd_mark_author, "mark a comment as written by the site's author")
    mark.add_argument("id", metavar="ID")

    serve = action("serve", cmd_serve, "run the comment service (intake and /moderate)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
