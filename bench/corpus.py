"""A deterministic corpus of essays and comments for benchmarks.

`python -m bench.corpus DIR --essays N` writes a Salon site (site.yaml, content/posts,
comments.json) whose essays are 600–900 words with headings, lists, quotes, links,
footnotes and code, 1–4 of 50 tags, one of 8 categories, dated over ten years, and
about ten comments each, some threaded. The same N always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [
    "listening",
    "trust",
    "change",
    "patience",
    "session",
    "client",
    "therapist",
    "silence",
    "story",
    "memory",
    "grief",
    "anger",
    "repair",
    "attention",
    "boundary",
    "practice",
    "supervision",
    "feeling",
    "thought",
    "habit",
    "courage",
    "relationship",
    "presence",
    "question",
    "answer",
    "moment",
    "morning",
    "evening",
    "room",
    "door",
    "window",
    "letter",
    "river",
    "garden",
    "season",
    "winter",
    "summer",
    "quiet",
    "voice",
    "hand",
    "breath",
    "pause",
    "return",
    "beginning",
    "ending",
    "work",
    "care",
    "doubt",
    "hope",
    "fear",
    "shame",
    "pride",
    "kindness",
    "honesty",
    "curiosity",
    "meaning",
    "pattern",
]
TAGS = [f"topic-{i:02d}" for i in range(50)]
CATEGORIES = ["Psychology", "Practice", "Supervision", "Research", "Teaching", "Notes",
              "Letters", "Reviews"]  # fmt: skip
NAMES = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kai",
         "Lea", "Mo", "Nia", "Oskar", "Pia"]  # fmt: skip
START = datetime(2015, 1, 1, 8, 0, tzinfo=UTC)


def sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "…"])


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def essay(rng: random.Random, index: int) -> tuple[str, str]:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).title()
    slug = f"essay-{index:05d}"
    date = START + timedelta(minutes=index * 1051 % (10 * 365 * 24 * 60))
    tags = rng.sample(TAGS, rng.randint(1, 4))
    parts = [paragraph(rng), "<!-- more -->"]
    words = 0
    section = 0
    while words < rng.randint(600, 900):
        section += 1
        block = [f"## Part {section}: {rng.choice(WORDS)} and {rng.choice(WORDS)}", paragraph(rng)]
        kind = section % 4
        if kind == 0:
            block.append("\n".join(f"- {sentence(rng, 4, 8)}" for _ in range(4)))
        elif kind == 1:
            block.append(f"> {sentence(rng)} {sentence(rng)}")
        elif kind == 2:
            link = f"https://example.org/{rng.choice(WORDS)}"
            note = f"[^{section}]"
            block.append(
                f"See [the notes]({link}) and a footnote{note}.\n\n{note}: {sentence(rng)}"
            )
        else:
            block.append("```python\ndef reflect(x):\n    return sorted(x, key=len)\n```")
        block.append(paragraph(rng))
        text = "\n\n".join(block)
        words += len(text.split())
        parts.append(text)
    front = (
        f'---\ntitle: "{title}"\ndate: {date:%Y-%m-%d %H:%M}\nid: {slug}\n'
        f"category: {rng.choice(CATEGORIES)}\n"
        f"tags: [{', '.join(tags)}]\n---\n"
    )
    return slug, front + "\n\n".join(parts) + "\n"


def comments_for(rng: random.Random, slug: str, index: int) -> list[dict[str, object]]:
    base = START + timedelta(minutes=index * 1051 % (10 * 365 * 24 * 60))
    out: list[dict[str, object]] = []
    for n in range(rng.randint(7, 13)):
        cid = f"c{index:05d}x{n:02d}"
        parent = out[rng.randrange(len(out))]["id"] if out and rng.random() < 0.3 else None
        out.append({
            "id": cid, "post": slug, "parent": parent, "author": rng.choice(NAMES),
            "website": "", "body": paragraph(rng),
            "created": (base + timedelta(hours=n + 1)).isoformat().replace("+00:00", "Z"),
            "by_author": False, "avatar": f"{index:05d}{n:02d}",
        })  # fmt: skip
    return out


def write_corpus(target: Path, essays: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    posts = target / "content" / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    (target / "site.yaml").write_text(
        "title: Benchmark\nbase_url: https://bench.example\ntimezone: UTC\nposts_per_page: 10\n"
        "author:\n  name: Bench\n",
        encoding="utf-8",
    )
    comments: list[dict[str, object]] = []
    for index in range(essays):
        slug, text = essay(rng, index)
        (posts / f"{slug}.md").write_text(text, encoding="utf-8")
        comments.extend(comments_for(rng, slug, index))
    feed = {"version": 1, "comments": comments}
    (target / "comments.json").write_text(json.dumps(feed, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--essays", type=int, default=1000)
    args = parser.parse_args()
    write_corpus(args.directory, args.essays)


if __name__ == "__main__":
    main()
