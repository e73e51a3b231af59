"""Merge approved comments into posts: threads by parent, oldest first, depth capped."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from operator import attrgetter

from generator.contract.theme_page import Thread, ThreadNode
from generator.core.errors import Problem
from generator.core.models import PublicComment


def _in_order(nodes: Iterable[ThreadNode]) -> tuple[ThreadNode, ...]:
    out: list[ThreadNode] = []
    stack = list(nodes)[::-1]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return tuple(out)


# Every field of a comment is part of the thread's fingerprint, whatever fields it grows.
COMMENT_FIELDS = tuple(item.name for item in dataclasses.fields(PublicComment))
_FIELDS_OF = attrgetter(*COMMENT_FIELDS)
_IN_TIME = attrgetter("created", "id")


def _digest(flat: Iterable[ThreadNode]) -> str:
    """A hash of every field of every comment and of the shape of the thread (nodes in order).

    One repr of all the fields as a tuple (as unambiguous as one per field, and done in C)."""
    digest = hashlib.sha1()
    for node in flat:
        values = repr(_FIELDS_OF(node.comment))
        digest.update(f"{values}\x1f{node.depth}\x1f{len(node.children)}\x1e".encode())
    return digest.hexdigest()


def _flatten(
    nodes: Iterable[PublicComment], children: Mapping[str, list[PublicComment]]
) -> list[PublicComment]:
    """Every reply under ``nodes``, depth first (a stack: a chain may be thousands deep)."""
    out: list[PublicComment] = []
    stack = list(nodes)[::-1]
    while stack:
        comment = stack.pop()
        out.append(comment)
        stack.extend(reversed(children.get(comment.id, [])))
    return out


def _build(
    comment: PublicComment, depth: int, max_depth: int, children: Mapping[str, list[PublicComment]]
) -> ThreadNode:
    replies = children.get(comment.id, [])
    if depth >= max_depth:
        # At the cap, every deeper reply is shown at this level, in time order.
        flat = sorted(_flatten(replies, children), key=_IN_TIME)
        return ThreadNode(comment, depth, tuple(ThreadNode(c, depth, ()) for c in flat))
    return ThreadNode(
        comment, depth, tuple(_build(c, depth + 1, max_depth, children) for c in replies)
    )


def _has_visible(node: ThreadNode) -> bool:
    return not node.comment.removed or any(_has_visible(c) for c in node.children)


def _prune(nodes: tuple[ThreadNode, ...]) -> tuple[ThreadNode, ...]:
    """Drop removed comments that have no visible reply under them."""
    return tuple(
        ThreadNode(n.comment, n.depth, _prune(n.children)) for n in nodes if _has_visible(n)
    )


def merge_comments(
    comments: Iterable[PublicComment],
    post_keys: Iterable[str],
    max_depth: int,
    feed_path: str,
    digests: Mapping[str, str] | None = None,
) -> tuple[dict[str, Thread], list[Problem]]:
    """Threads by post key, and a warning for every comment that cannot be shown.

    ``digests``: the fingerprints of these threads as an earlier merge of the very same
    comments, posts and depth gave them (comments_stage keeps them), used instead of
    hashing every comment again; a post they do not name is hashed."""
    known_digests = digests or {}
    known_posts = set(post_keys)
    warnings: list[Problem] = []
    by_id: dict[str, PublicComment] = {}
    for comment in sorted(comments, key=_IN_TIME):
        if comment.post not in known_posts:
            warnings.append(
                Problem(f'comment {comment.id}: no post with key "{comment.post}"; not shown',
                        feed_path)
            )  # fmt: skip
            continue
        by_id[comment.id] = comment

    # A reply is shown only when its whole chain of parents is shown.
    shown: dict[str, PublicComment] = {}

    # Walked up without recursion, and remembered for every comment on the way: a chain
    # of replies may be thousands long, and its comments share their answer.
    known: dict[str, bool] = {}

    def reachable(comment: PublicComment) -> bool:
        chain: list[str] = []
        on_chain: set[str] = set()
        current = comment
        while True:
            if current.id in known:
                answer = known[current.id]
                break
            if current.parent is None:
                answer = True
                chain.append(current.id)
                break
            parent = by_id.get(current.parent)
            chain.append(current.id)
            on_chain.add(current.id)
            if parent is None or parent.post != current.post or parent.id in on_chain:
                answer = False  # no parent, another post's, or a loop
                break
            current = parent
        for comment_id in chain:
            known[comment_id] = answer
        return answer

    for comment in by_id.values():
        if reachable(comment):
            shown[comment.id] = comment
        else:
            warnings.append(
                Problem(f"comment {comment.id}: parent {comment.parent} is not an approved "
                        "comment of the same post; not shown", feed_path)
            )  # fmt: skip

    roots: dict[str, list[PublicComment]] = defaultdict(list)
    children: dict[str, list[PublicComment]] = defaultdict(list)
    for comment in shown.values():  # already in time order
        if comment.parent is None:
            roots[comment.post].append(comment)
        else:
            children[comment.parent].append(comment)

    with_removed = {c.post for c in shown.values() if c.removed}
    threads: dict[str, Thread] = {}
    for post, top in roots.items():
        nodes = tuple(_build(c, 1, max_depth, children) for c in top)
        if post in with_removed:
            nodes = _prune(nodes)
        flat = _in_order(nodes)
        count = sum(1 for node in flat if not node.comment.removed)
        digest = known_digests.get(post)
        threads[post] = Thread(nodes, count, digest or _digest(flat), flat)
    return threads, warnings
