"""`salon comments …`: moderation from the command line.

The commands that change comments, and the parser. Every change goes through
service/actions.py, so the CLI and the /moderate page check, record, export and run
the hook the same way; list and show are in cli_show.py, readers' text on the
terminal (escaped, never sent raw) in terminal.py, what the moderator types (a body
file, the editor, a new password) in cli_input.py.
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable
from pathlib import Path

from generator.core.config import SiteConfig, load_config
from generator.core.errors import CommentError
from generator.core.models import CommentStatus
from generator.service import actions as moderation
from generator.service.cli_input import (
    edit_in_editor,
    read_body_file,
    read_new_password,
    reply_in_editor,
    text_option,
)
from generator.service.cli_likes import cmd_likes
from generator.service.cli_notify import register_comments as register_notify
from generator.service.cli_notify import register_followers as register_followers_group
from generator.service.cli_show import cmd_list, cmd_show
from generator.service.cli_site import (
    actor,
    feed_name,
    open_existing,
    require_terminal,
    resolve_ids,
)
from generator.service.passwords import PASSWORD_SETTING, hash_password
from generator.service.store_files import explain
from generator.service.terminal import one_line

SiteOption = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[SiteConfig, argparse.Namespace], int]

# -- changes -----------------------------------------------------------------------------

VERBS = {
    CommentStatus.APPROVED: "Approved",
    CommentStatus.REJECTED: "Rejected",
    CommentStatus.SPAM: "Marked as spam",
    CommentStatus.PENDING: "Returned to pending",
}


def status_command(status: CommentStatus) -> Handler:
    def run(config: SiteConfig, args: argparse.Namespace) -> int:
        every_pending = getattr(args, "all_pending", False)
        if every_pending and args.ids:
            raise CommentError("give the ids of the comments, or --all-pending, not both")
        if not every_pending and not args.ids:
            raise CommentError("give the ids of the comments to approve, or --all-pending")
        with open_existing(config) as store:
            if every_pending:
                ids = [c.id for c in store.list_comments(status=CommentStatus.PENDING)]
                if not ids:
                    print("No comments are waiting.")
                    return 0
                if not confirmed(f"Publish {count(len(ids), 'pending comment')}?", args.yes):
                    print("Nothing was changed.")
                    return 0
            else:
                ids = resolve_ids(store, args.ids)
            moderation.set_status(config, store, ids, status, actor())
        if every_pending:
            print(f"{VERBS[status]} {count(len(ids), 'comment')}; {feed_name(config)} rewritten.")
        else:
            print(f"{VERBS[status]} {', '.join(ids)}; {feed_name(config)} rewritten.")
        return 0

    return run


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def confirmed(question: str, yes: bool) -> bool:
    """Yes from --yes, or from the moderator at the terminal; no terminal is an error."""
    if yes:
        return True
    require_terminal("confirming", "add --yes to go ahead without asking")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


OPTION_OF_FIELD = {"name": "--name", "website": "--website", "body": "--body"}


def refused(error: moderation.InvalidChanges, deletable: str | None = None) -> CommentError:
    """The form's messages, each after the option it is about; an edit that would empty
    a comment is told how to remove it instead."""
    lines = [f"{OPTION_OF_FIELD[name]}: {message}" for name, message in error.errors.items()]
    too_short = "body" in error.errors and "at least" in error.errors["body"]
    if deletable is not None and too_short:
        lines[-1] += f" To remove the comment, run `salon comments delete {deletable}`."
    return CommentError("\n".join(lines))


def cmd_edit(config: SiteConfig, args: argparse.Namespace) -> int:
    if args.body is not None and args.body_file is not None:
        raise CommentError("give the new text with --body or --body-file, not both")
    body: str | None = None
    if args.body is not None:
        body = text_option(args.body, "--body")
    elif args.body_file is not None:
        body = read_body_file(args.body_file)
    changes = moderation.Changes(
        body=body,
        author=None if args.name is None else text_option(args.name, "--name"),
        website=None if args.website is None else text_option(args.website, "--website"),
        by_author=args.author_mark,
    )
    with open_existing(config) as store:
        comment = store.get(resolve_ids(store, [args.id])[0])
        if comment.removed:
            raise CommentError(f"comment {comment.id} was deleted; there is nothing to edit")
        if changes == moderation.Changes():
            instead = "give the change as --body TEXT, --body-file FILE, --name or --website"
            changes = moderation.Changes(body=edit_in_editor(comment.body, comment.id, instead))
        try:
            done = moderation.edit(config, store, comment.id, changes, actor())
        except moderation.InvalidChanges as exc:
            raise refused(exc, comment.id) from None
    if not done.changed:
        print(f"Nothing to change in {comment.id}.")
        return 0
    labels = {"body": "text", "author": "name", "website": "website", "by_author": "author mark"}
    print(
        f"Edited {comment.id} ({', '.join(labels[key] for key in done.changed)}); "
        f"{feed_name(config)} rewritten."
    )
    return 0


def cmd_mark_author(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store:
        args.id = resolve_ids(store, [args.id])[0]
        moderation.edit(config, store, args.id, moderation.Changes(by_author=True), actor())
    print(f"Marked {args.id} as written by the site's author; {feed_name(config)} rewritten.")
    return 0


def cmd_delete(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store:
        ids = resolve_ids(store, args.ids)
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
    if args.body is not None and args.body_file is not None:
        raise CommentError("give the reply with --body or --body-file, not both")
    with open_existing(config) as store:
        args.id = resolve_ids(store, [args.id])[0]
        if args.body is not None:
            body = text_option(args.body, "--body")
        elif args.body_file is not None:
            body = read_body_file(args.body_file)
        else:
            body = reply_in_editor(store.get(args.id))
        try:
            (comment,) = moderation.reply(config, store, args.id, body, actor()).comments
        except moderation.InvalidChanges as exc:
            raise refused(exc) from None
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


def cmd_set_password(config: SiteConfig, args: argparse.Namespace) -> int:
    password = read_new_password(args.password_stdin)
    with moderation.open_store(config) as store:
        store.set_setting(PASSWORD_SETTING, hash_password(password))
    print("Moderator password set.")
    return 0


def cmd_move_store(config: SiteConfig, args: argparse.Namespace) -> int:
    from generator.service.move_store import move_store
    from generator.service.store_backend import is_store_url, shown_url

    target: Path | str = args.to if is_store_url(args.to) else (config.root / args.to)
    with open_existing(config) as store:
        moved = move_store(store, target)
    shown = shown_url(args.to) if isinstance(target, str) else args.to
    print(
        f"Copied the store to {shown}: "
        + ", ".join(f"{table} {n}" for table, n in moved.counts.items() if n)
        + ". Counts verified. Set comments.store to it in site.yaml and restart the service."
    )
    return 0


def cmd_serve(config: SiteConfig, args: argparse.Namespace) -> int:
    from generator.service.server import serve_forever

    return serve_forever(config, args.host, args.port)


# -- the parser --------------------------------------------------------------------------

ID_HELP = "a comment id, or its first characters (at least 4)"
IDS_HELP = "comment ids, or their first characters (at least 4)"


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

    listing = action("list", cmd_list, "list comments: pending first, then the rest, oldest first")
    listing.add_argument("--status", metavar="S", help="pending, approved, rejected or spam")
    listing.add_argument("--post", metavar="P", help="only the comments of the post with key P")
    listing.add_argument("--format", default="table", metavar="F", help="table (default) or json")

    show = action("show", cmd_show, "show one comment with its post, parent and history")
    show.add_argument("id", metavar="ID", help=ID_HELP)

    for name, status, text in (
        ("approve", CommentStatus.APPROVED, "publish comments"),
        ("reject", CommentStatus.REJECTED, "reject comments (kept in the store, not published)"),
        ("spam", CommentStatus.SPAM, "mark comments as spam (not published)"),
    ):
        parser = action(name, status_command(status), text)
        parser.add_argument("ids", nargs="*" if status is CommentStatus.APPROVED else "+",
                            metavar="ID", help=IDS_HELP)  # fmt: skip
        if status is CommentStatus.APPROVED:
            parser.add_argument("--all-pending", action="store_true",
                                help="every comment waiting (asks first; see --yes)")  # fmt: skip
            parser.add_argument("--yes", action="store_true",
                                help="with --all-pending: do not ask (for scripts)")  # fmt: skip

    edit = action("edit", cmd_edit, "change a comment's text, name, website or author mark")
    edit.epilog = (
        "With none of --body, --body-file, --name, --website and --author-mark, the text "
        "opens in $VISUAL or $EDITOR (default vi). Every edit is recorded in the audit log."
    )
    edit.add_argument("id", metavar="ID", help=ID_HELP)
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
    delete.add_argument("ids", nargs="+", metavar="ID", help=IDS_HELP)

    action("export", cmd_export, "rewrite the public feed from the store")

    password = action("set-password", cmd_set_password, "set the password of the /moderate page")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password once from stdin"
    )

    reply = action("reply", cmd_reply, "reply to a comment as the site's author")
    reply.epilog = "Without --body or --body-file, the reply is written in $VISUAL or $EDITOR."
    reply.add_argument("id", metavar="ID", help=ID_HELP)
    reply.add_argument("--body", metavar="TEXT", help="the reply (Markdown)")
    reply.add_argument("--body-file", metavar="FILE", help="read the reply from FILE (- for stdin)")

    mark = action("mark-author", cmd_mark_author, "mark a comment as written by the site's author")
    mark.add_argument("id", metavar="ID", help=ID_HELP)

    likes = action("likes", cmd_likes, "show each essay's like count, or reset one")
    likes.add_argument("--reset", metavar="KEY", help="set the count of the post KEY to zero")
    likes.add_argument(
        "--format", default="table", choices=("table", "json"),
        help="a table (count, key, title), or JSON {KEY: count}",
    )  # fmt: skip

    move = action(
        "move-store", cmd_move_store, "copy everything in the store to another and verify it"
    )
    move.add_argument("--to", required=True, metavar="URL",
                      help="postgresql://user@host/db (password from PGPASSWORD or pgpass), "
                      "or a SQLite file in the site")  # fmt: skip

    register_notify(action)

    serve = action("serve", cmd_serve, "run the comment service (intake and /moderate)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1)")  # fmt: skip
    serve.add_argument("--port", type=int, default=8001, help="the port (default: 8001)")


def register_followers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], site_option: SiteOption
) -> None:
    """Add `salon followers …` to the main parser."""
    register_followers_group(sub, site_option, with_config)
