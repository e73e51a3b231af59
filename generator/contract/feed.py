"""The public comments feed: the contract between the comment service and the build.

Version 2 is a JSON object ``{"version": 2, "generated": …, "comments": [...],
"likes": {POST: N}}`` holding approved comments only, public fields only, and readers'
like counts by post. Version 1 (no "likes") is still read. docs/comments-feed.md and
docs/comments-feed.schema.json describe it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any

from generator.core.errors import Problem, SiteError, describe
from generator.core.jsontext import JsonProblem, load_json
from generator.core.models import PublicComment
from generator.core.times import utc_time

FEED_VERSION = 2  # the version written
READ_VERSIONS = (1, 2)  # the versions read
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FIELDS = ("id", "post", "parent", "author", "website", "body", "created", "by_author",
           "avatar", "removed")  # fmt: skip
_FIELD_SET = frozenset(_FIELDS)


# Characters that XML 1.0 forbids or that have no business in a comment: C0 and C1
# controls (tab and newline kept), lone surrogates (unencodable), non-characters.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Embedding, override, isolate and mark controls: in a name or URL they would reorder
# the text shown after them (the date, the reply link), so they are dropped there.
_DIRECTION_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Letters that draw nothing (Hangul fillers, the braille blank, the Mongolian vowel
# separator); with format characters, spaces and lone marks they make no visible name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})


def has_visible(text: str) -> bool:
    """Does ``text`` draw anything at all? (A name of zero-width spaces does not.)"""
    return any(
        ch not in _BLANK_LETTERS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
        for ch in text
    )


def clean_text(text: str, inline: bool = False) -> str:
    """Text safe to publish in HTML, JSON and XML alike; ``inline`` for names and URLs."""
    # Printable text (tabs and newlines aside) holds none of the characters dropped
    # below: str.isprintable() answers that far faster than the patterns.
    if text.replace("\n", " ").replace("\t", " ").isprintable():
        if not inline:
            return text
        text = " ".join(text.split())
        return text if has_visible(text) else ""  # (stops at the first visible character)
    text = _NOT_TEXT.sub("", text)
    if inline:
        text = " ".join(_DIRECTION_CONTROLS.sub("", text).split())
        if not has_visible(text):  # only invisible characters: no name at all
            return ""
    return text


def _line_of(text: str, comment_id: object, occurrence: int = 0) -> int | None:
    """The line of the ``occurrence``-th item with this id (0: the first)."""
    if not isinstance(comment_id, str):
        return None
    index = -1
    for _ in range(occurrence + 1):
        found = [
            text.find(needle, index + 1)
            for needle in ('"id": ' + json.dumps(comment_id), '"id":' + json.dumps(comment_id))
        ]
        index = min((i for i in found if i >= 0), default=-1)
        if index < 0:
            return None
    return text.count("\n", 0, index) + 1


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        # In UTC, as it is kept; year 1 or 9999 with an offset falls off the calendar.
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def _expected(
    messages: list[str], index: int, item: dict[str, Any], field: str, expected: str
) -> None:
    got = describe(item.get(field))
    messages.append(f"comments[{index}].{field}: expected {expected}, got {got}")


@dataclass(frozen=True)
class Feed:
    comments: tuple[PublicComment, ...]
    likes: Mapping[str, int] = dataclass_field(default_factory=dict)  # by post key; none below 1


def parse_feed(text: str, path: str) -> tuple[PublicComment, ...]:
    """The comments of a feed (see parse_feed_document)."""
    return parse_feed_document(text, path).comments


def _parse_likes(data: dict[str, Any], text: str, path: str) -> dict[str, int]:
    likes = data.get("likes", {})
    line = _line_of_key(text, "likes")
    if data.get("version") == 1 and "likes" in data:
        raise SiteError.at("likes: only in version 2 feeds; set version to 2", path, line)
    if not isinstance(likes, dict):
        raise SiteError.at(f"likes: expected an object, got {describe(likes)}", path, line)
    problems = []
    for post, count in likes.items():
        if not post:
            message = "likes: expected the key of a post, got an empty one"
        elif isinstance(count, bool) or not isinstance(count, int) or count < 1:
            message = f"likes.{post}: expected a whole number of at least 1, got {describe(count)}"
        else:
            continue
        problems.append(Problem(message, path, line))
    if problems:
        raise SiteError(problems)
    return dict(likes)


def _line_of_key(text: str, key: str) -> int | None:
    index = text.find(f'"{key}"')
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def parse_feed_document(text: str, path: str) -> Feed:
    """Validate and decode a feed of version 1 or 2; a broken one is a SiteError naming
    file, line and field."""
    try:
        data = load_json(text)
    except JsonProblem as exc:
        raise SiteError.at(f"not valid JSON: {exc.message}", path, exc.line) from None
    if not isinstance(data, dict):
        raise SiteError.at("expected a JSON object with version and comments", path, 1)
    version = data.get("version")
    if isinstance(version, bool) or version not in READ_VERSIONS:
        raise SiteError.at(f"version: expected 1 or 2, got {describe(version)}", path, 1)
    unknown = sorted(data.keys() - {"version", "generated", "comments", "likes"})
    if unknown:
        raise SiteError.at(f"{unknown[0]}: unknown field", path, _line_of_key(text, unknown[0]))
    likes = _parse_likes(data, text, path)
    items = data.get("comments")
    if not isinstance(items, list):
        raise SiteError.at("comments: expected a list", path, 1)

    problems: list[Problem] = []
    comments: list[PublicComment] = []
    seen: dict[str, int] = {}  # id: how many items had it so far
    for index in range(len(items)):
        # Each item is let go once read: the checked comments are copies of its texts,
        # and a big feed's parsed JSON beside them set the build's peak memory.
        item, items[index] = items[index], None
        if not isinstance(item, dict):
            problems.append(Problem(f"comments[{index}]: expected an object", path))
            continue
        # Finding the line scans the text, so it is done only for items with a problem.
        messages: list[str] = []
        unknown = sorted(item.keys() - _FIELD_SET)
        if unknown:
            messages.append(f"comments[{index}].{unknown[0]}: unknown field")
        comment_id = item.get("id")
        if not isinstance(comment_id, str) or not ID_PATTERN.match(comment_id):
            _expected(messages, index, item, "id", "letters, digits, - or _ (at most 64)")
            problems.extend(Problem(m, path) for m in messages)
            continue
        if comment_id in seen:
            messages.append(f"comments[{index}].id: duplicate id {comment_id}")
        seen[comment_id] = seen.get(comment_id, 0) + 1
        post = item.get("post")
        if not isinstance(post, str) or not post:
            _expected(messages, index, item, "post", "the key of a post")
        parent = item.get("parent")
        if parent is not None and (not isinstance(parent, str) or not ID_PATTERN.match(parent)):
            _expected(messages, index, item, "parent", "null or a comment id")
        created = _parse_time(item.get("created"))
        if created is None:
            _expected(messages, index, item, "created", "an ISO 8601 time with a UTC offset")
        removed = item.get("removed", False)
        strings = {}
        for field in ("author", "website", "body", "avatar"):
            value = item.get(field, "")
            if not isinstance(value, str):
                _expected(messages, index, item, field, "text")
                value = ""
            strings[field] = clean_text(value, inline=field != "body") if value else ""
        if not removed and not strings["body"].strip():
            _expected(messages, index, item, "body", "the comment's text")
        for flag in ("by_author", "removed"):
            if not isinstance(item.get(flag, False), bool):
                _expected(messages, index, item, flag, "true or false")
        if messages:
            line = _line_of(text, comment_id, seen[comment_id] - 1)
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
    return Feed(tuple(comments), likes)


def comment_to_json(comment: PublicComment) -> dict[str, Any]:
    if comment.removed:
        return {"id": comment.id, "post": comment.post, "parent": comment.parent,
                "created": utc_time(comment.created), "removed": True}  # fmt: skip
    return {
        "id": comment.id,
        "post": comment.post,
        "parent": comment.parent,
        "author": clean_text(comment.author, inline=True),
        "website": clean_text(comment.website, inline=True),
        "body": clean_text(comment.body),
        "created": utc_time(comment.created),
        "by_author": comment.by_author,
        "avatar": clean_text(comment.avatar, inline=True),
    }


def serialise_feed(
    comments: Iterable[PublicComment], generated: datetime | None = None,
    likes: Mapping[str, int] | None = None,
) -> str:  # fmt: skip
    """The feed's text: stable order (post, time, id; likes by post) so equal inputs give
    equal bytes. Counts below 1 are left out, and "likes" too when none is left."""
    ordered = sorted(comments, key=lambda c: (c.post, c.created, c.id))
    return join_feed_lines([feed_line(c) for c in ordered], generated, likes)


def feed_line(comment: PublicComment) -> str:
    """One comment's line of the feed's text. One comment a line: readable, diffable, and
    written by json's C encoder (an indented dump falls back to pure Python, seconds for a
    feed of 100,000 comments). The comment service keeps each published comment's line,
    so that writing the feed after a change joins lines instead of serialising them all."""
    return "    " + json.dumps(comment_to_json(comment), ensure_ascii=False)


def join_feed_lines(
    lines: Sequence[str], generated: datetime | None = None,
    likes: Mapping[str, int] | None = None,
) -> str:  # fmt: skip
    """The feed's text from its comments' lines, already in the feed's order (post, time,
    id), and the like counts by post (below 1 left out, "likes" too when none is left)."""
    head = f'{{\n  "version": {FEED_VERSION},\n'
    if generated is not None:
        head += f'  "generated": "{utc_time(generated)}",\n'
    joined = ",\n".join(lines)
    body = f'  "comments": [\n{joined}\n  ]' if lines else '  "comments": []'
    counts = {post: int(n) for post, n in sorted((likes or {}).items()) if n >= 1}
    if counts:
        body += ',\n  "likes": ' + json.dumps(counts, ensure_ascii=False)
    return head + body + "\n}\n"
