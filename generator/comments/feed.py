"""The public comments feed: the contract between the comment service and the build.

Version 1 is a JSON object ``{"version": 1, "generated": …, "comments": [...]}``
holding approved comments only, public fields only. docs/comments-feed.md and
docs/comments-feed.schema.json describe it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..errors import Problem, SiteError, describe
from ..models import PublicComment

FEED_VERSION = 1
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FIELDS = ("id", "post", "parent", "author", "website", "body", "created", "by_author",
           "avatar", "removed")  # fmt: skip


def _line_of(text: str, comment_id: object) -> int | None:
    if isinstance(comment_id, str):
        needle = '"id": ' + json.dumps(comment_id)
        index = text.find(needle)
        if index < 0:
            index = text.find('"id":' + json.dumps(comment_id))
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_feed(text: str, path: str) -> tuple[PublicComment, ...]:
    """Validate and decode a feed; a broken one is a SiteError naming file, line and field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SiteError.at(f"not valid JSON: {exc.msg}", path, exc.lineno) from None
    if not isinstance(data, dict):
        raise SiteError.at("expected a JSON object with version and comments", path, 1)
    if data.get("version") != FEED_VERSION:
        raise SiteError.at(
            f"version: expected {FEED_VERSION}, got {describe(data.get('version'))}", path, 1
        )
    items = data.get("comments")
    if not isinstance(items, list):
        raise SiteError.at("comments: expected a list", path, 1)

    problems: list[Problem] = []
    comments: list[PublicComment] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"comments[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(f"{where}: expected an object", path))
            continue
        # Finding the line scans the text, so it is done only for items with a problem.
        messages: list[str] = []

        def bad(field: str, expected: str, item: dict[str, Any] = item, where: str = where) -> None:
            messages.append(f"{where}.{field}: expected {expected}, got {describe(item.get(field))}")

        unknown = sorted(set(item) - set(_FIELDS))
        if unknown:
            messages.append(f"{where}.{unknown[0]}: unknown field")
        comment_id = item.get("id")
        if not isinstance(comment_id, str) or not ID_PATTERN.match(comment_id):
            bad("id", "letters, digits, - or _ (at most 64)")
            problems.extend(Problem(m, path) for m in messages)
            continue
        if comment_id in seen:
            messages.append(f"{where}.id: duplicate id {comment_id}")
        seen.add(comment_id)
        post = item.get("post")
        if not isinstance(post, str) or not post:
            bad("post", "the key of a post")
        parent = item.get("parent")
        if parent is not None and (not isinstance(parent, str) or not ID_PATTERN.match(parent)):
            bad("parent", "null or a comment id")
        created = _parse_time(item.get("created"))
        if created is None:
            bad("created", "an ISO 8601 time with a UTC offset")
        removed = item.get("removed", False)
        strings = {}
        for field in ("author", "website", "body", "avatar"):
            value = item.get(field, "")
            if not isinstance(value, str):
                bad(field, "text")
                value = ""
            strings[field] = value
        if not removed and not strings["body"].strip():
            bad("body", "the comment's text")
        for flag in ("by_author", "removed"):
            if not isinstance(item.get(flag, False), bool):
                bad(flag, "true or false")
        if messages:
            line = _line_of(text, comment_id)
            problems.extend(Problem(message, path, line) for message in messages)
        if problems:
            continue
        assert isinstance(post, str) and created is not None
        comments.append(
            PublicComment(
                id=comment_id,
                post=post,
                parent=parent,
                author=strings["author"],
                website=strings["website"],
                body=strings["body"],
                created=created.astimezone(UTC),
                by_author=bool(item.get("by_author", False)),
                avatar=strings["avatar"],
                removed=bool(removed),
            )
        )
    if problems:
        raise SiteError(problems)
    return tuple(comments)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def comment_to_json(comment: PublicComment) -> dict[str, Any]:
    if comment.removed:
        return {"id": comment.id, "post": comment.post, "parent": comment.parent,
                "created": _time(comment.created), "removed": True}  # fmt: skip
    return {
        "id": comment.id,
        "post": comment.post,
        "parent": comment.parent,
        "author": comment.author,
        "website": comment.website,
        "body": comment.body,
        "created": _time(comment.created),
        "by_author": comment.by_author,
        "avatar": comment.avatar,
    }


def serialise_feed(comments: Iterable[PublicComment], generated: datetime | None = None) -> str:
    """The feed's text: stable order (post, time, id) so equal inputs give equal bytes."""
    ordered = sorted(comments, key=lambda c: (c.post, c.created, c.id))
    document: dict[str, Any] = {"version": FEED_VERSION}
    if generated is not None:
        document["generated"] = _time(generated)
    document["comments"] = [comment_to_json(c) for c in ordered]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
