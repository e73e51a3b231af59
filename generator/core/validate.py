"""Small typed readers for YAML mappings that collect problems instead of raising.

Used by site.yaml and front matter alike, so both say the same thing the same way:
``key: expected …, got …``, with the key's line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.core.errors import Problem, describe
from generator.core.yamltext import YamlDocument


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps
    of two neighbours (`titel` for `title`) each count one."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[len(b)]


def near_miss(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` is most likely a slip of the finger for: one edit away (two for
    long words), or the same but for case, dashes and underscores; None when none is that near."""
    folded = word.lower().replace("-", "_")
    best: tuple[int, str] | None = None
    for candidate in candidates:
        if candidate == word:
            return None
        distance = 0 if folded == candidate else _edit_distance(folded, candidate)
        allowed = 2 if len(candidate) >= 8 else 1
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


class Fields:
    """Reads keys of one mapping from a parsed YAML document, collecting problems."""

    def __init__(
        self,
        doc: YamlDocument,
        path: str,
        prefix: tuple[str, ...] = (),
        problems: list[Problem] | None = None,
        default_line: int | None = None,
    ) -> None:
        self.doc = doc
        self.path = path
        self.prefix = prefix
        self.problems: list[Problem] = problems if problems is not None else []
        self.default_line = default_line
        data: Any = doc.data
        for key in prefix:
            data = data.get(key) if isinstance(data, dict) else None
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    def name(self, key: str) -> str:
        return ".".join((*self.prefix, key))

    def line(self, key: str) -> int | None:
        return self.doc.line(*self.prefix, key, default=self.default_line)

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(f"{self.name(key)}: {message}", self.path, self.line(key)))

    def expected(self, key: str, what: str, got: object) -> None:
        self.fail(key, f"expected {what}, got {describe(got)}")

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def string(self, key: str, default: str = "", required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            if required and key in self.data:  # `title:` with nothing after it
                self.fail(key, "required, but empty")
            elif required:
                self.problems.append(
                    Problem(
                        f"{self.name(key)}: required, but missing", self.path, self.default_line
                    )
                )
            return default
        if isinstance(value, (bool, list, dict)):
            self.expected(key, "text", value)
            return default
        text = str(value)
        if required and not text.strip():
            self.fail(key, "required, but empty")
        return text

    def integer(self, key: str, default: int, minimum: int | None = None) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.expected(key, "a whole number", value)
            return default
        if minimum is not None and value < minimum:
            self.expected(key, f"a whole number of at least {minimum}", value)
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.expected(key, "true or false", value)
            return default
        return value

    def choice(self, key: str, choices: Iterable[str], default: str) -> str:
        options = list(choices)
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or value not in options:
            self.expected(key, "one of " + ", ".join(options), value)
            return default
        return value

    def string_list(self, key: str) -> tuple[str, ...]:
        """A list of strings; a single string is accepted as a list of one.

        An empty item is refused, not kept: it names nothing (a tag of no name was a
        link without text on every page showing it)."""
        value = self.data.get(key)
        if value is None:
            return ()
        single = isinstance(value, str)
        if single:
            value = [value]
        elif not isinstance(value, list) or not all(
            isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value
        ):
            self.expected(key, "a list of text", value)
            return ()
        items = tuple(str(item) for item in value)
        for index, item in enumerate(items):
            if not item.strip():
                line = self.doc.line(*self.prefix, key, str(index), default=self.default_line)
                where = "the text" if single else f"item {index + 1}"
                self.problems.append(Problem(
                    f"{self.name(key)}: {where} is empty; remove it or write a name",
                    self.path, line,
                ))  # fmt: skip
        return tuple(item for item in items if item.strip())

    def check_unknown(self, known: Iterable[str]) -> None:
        known_keys = list(known)
        for key in self.data:
            if key in known_keys:
                continue
            import difflib  # here: only a mistake needs it

            close = difflib.get_close_matches(str(key), known_keys, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            self.fail(str(key), f"unknown key{hint}")

    def section(self, key: str) -> Fields:
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            self.expected(key, "a mapping", value)
        return Fields(self.doc, self.path, (*self.prefix, key), self.problems, self.default_line)
