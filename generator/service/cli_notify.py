"""The commands of notifications: `salon comments outbox`, `salon comments forget EMAIL`,
`salon followers list|export|remove`."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.service import outbox
from generator.service import subscribers as subs
from generator.service.cli_site import actor, open_existing
from generator.service.erasure import forget_address
from generator.service.terminal import one_line
from generator.service.validation import check_email

Handler = Callable[[SiteConfig, argparse.Namespace], int]


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def cmd_outbox(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store:
        if args.retry:
            count = outbox.retry_failed(store.db, time.time())
            print(f"{count} failed message(s) queued again; the service sends them next.")
            return 0
        messages = outbox.waiting(store.db, include_sent=args.all, limit=args.limit)
        counts = outbox.counts(store.db)
    print(", ".join(f"{n} {state.value}" for state, n in counts.items()))
    if not config.email.enabled:
        print("email is not set up in site.yaml (email.from and email.smtp): nothing is sent")
    for m in messages:
        what = str(m.payload.get("template", m.kind.value)) if m.payload else m.kind.value
        line = (f"{m.seq:>6}  {m.state.value:<8} {what:<17} due {_when(m.due)}  "
                f"attempts {m.attempts}")  # fmt: skip
        if args.addresses:
            line += f"  to {m.recipient or '(forgotten)'}"
        print(line)
        if m.last_error:
            print(f"        last error: {one_line(m.last_error)}")
    return 0


def cmd_forget(config: SiteConfig, args: argparse.Namespace) -> int:
    email = args.email.strip()
    problem = check_email(email.lower())
    if problem or not email:
        raise CommentError(f"{args.email!r} is not an email address")
    with open_existing(config) as store:
        comments, dropped = forget_address(store, email, actor())
    print(f"Forgot the address: removed from {comments} comment(s), every subscription and "
          f"following, and {dropped} queued message(s).")  # fmt: skip
    return 0


def cmd_followers_list(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store:
        rows = subs.followers(store.db)
        confirmed, pending = subs.follower_counts(store.db)
    for email, asked, since in rows:
        state = f"since {_when(since)}" if since is not None else f"asked {_when(asked)}, pending"
        print(f"{email}  {state}")
    print(f"{confirmed} follower(s), {pending} confirmation(s) pending")
    return 0


def cmd_followers_export(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store:
        rows = subs.followers(store.db)
    writer = csv.writer(sys.stdout)
    writer.writerow(["email", "asked", "confirmed"])
    for email, asked, since in rows:
        if since is not None or args.unconfirmed:
            writer.writerow([email, _when(asked), _when(since) if since else ""])
    return 0


def cmd_followers_remove(config: SiteConfig, args: argparse.Namespace) -> int:
    with open_existing(config) as store, store.transaction() as db:
        removed = [email for email in args.emails if subs.unfollow(db, email)]
        for email in removed:
            outbox.forget_recipient(db, email)
    unknown = len(args.emails) - len(removed)
    print(f"Removed {len(removed)} follower(s)" + (f"; {unknown} not found" if unknown else ""))
    return 0 if not unknown else 1


def register_comments(action: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    box = action("outbox", cmd_outbox, "list the mail and webhook posts waiting or failed, and why")
    box.add_argument("--all", action="store_true", help="sent messages too")
    box.add_argument("--retry", action="store_true", help="queue every failed message again")
    box.add_argument("--addresses", action="store_true", help="show each recipient")
    box.add_argument("--limit", type=int, default=200, metavar="N",
                     help="show at most N messages (default: 200)")  # fmt: skip
    forget = action("forget", cmd_forget, "erase an email address: comments keep their words, "
                    "subscriptions, following and queued mail go")  # fmt: skip
    forget.add_argument("email", metavar="EMAIL", help="the address to erase everywhere")


def register_followers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    site_option: Callable[[argparse.ArgumentParser], None],
    with_config: Callable[[Handler], Callable[[argparse.Namespace], int]],
) -> None:
    group = sub.add_parser(
        "followers",
        help="the readers who follow the site by email",
        description="The readers who follow new essays by email.",
    )
    actions = group.add_subparsers(dest="followers_command", required=True, metavar="ACTION")
    for name, handler, text in (
        ("list", cmd_followers_list, "list followers and pending confirmations"),
        ("export", cmd_followers_export, "print confirmed followers as CSV"),
        ("remove", cmd_followers_remove, "stop sending essays to these addresses"),
    ):
        parser = actions.add_parser(name, help=text, description=text[:1].upper() + text[1:] + ".")
        site_option(parser)
        parser.set_defaults(func=with_config(handler))
        if name == "export":
            parser.add_argument("--unconfirmed", action="store_true",
                                help="include addresses that never confirmed")  # fmt: skip
        if name == "remove":
            parser.add_argument("emails", nargs="+", metavar="EMAIL",
                                help="the followers' addresses")  # fmt: skip
