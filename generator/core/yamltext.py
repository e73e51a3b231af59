"""YAML parsing that remembers the line of every mapping key.

Error messages must point at the real line in the user's file, so we compose
the node tree (which carries marks) before constructing plain Python values.
The C loader is used when PyYAML was built with libyaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from generator.core.errors import Problem, SiteError

try:
    _Base: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader

KeyPath = tuple[str, ...]

# Limits for YAML a person writes (site.yaml, front matter, a theme's theme.yaml): far
# above any real file, low enough that a hostile or broken one fails fast and clearly.
MAX_YAML_CHARS = 1024 * 1024
MAX_DEPTH = 32
_CORE_TAG = "tag:yaml.org,2002:"


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, except that an impossible date stays text.

    PyYAML raises a bare ValueError, with no line, for `date: 2024-13-01`; kept as
    text, the value reaches the field's own check, which names the key and the line.
    """


def _lenient_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)


_KEY_VALUE = re.compile(r"^\s*(?:- )?([\w.-]+):[ \t]+(\S.*?)\s*$")
# A plain (unquoted) YAML value cannot hold ": " nor start with one of these.
_NEEDS_QUOTES = re.compile(r"^[\[\]{}\"'@`*&!|>%#]|: | #")


def _quote_hint(text: str, index: int) -> str:
    """On a `key: value` line whose value YAML cannot take unquoted, the quoted value to write
    (`title: Notes: a start` must be `title: "Notes: a start"`)."""
    lines = text.splitlines()
    if not 0 <= index < len(lines):
        return ""
    match = _KEY_VALUE.match(lines[index])
    if match is None:
        return ""
    key, value = match.groups()
    if not _NEEDS_QUOTES.search(value) or (
        value.startswith(("[", "{")) and value.endswith(("]", "}"))
    ):
        return ""
    if value[0] in "\"'" and value[-1] == value[0] and value.count(value[0]) == 2:
        return ""
    if '"' in value and "'" not in value:
        quoted = f"'{value}'"
    else:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"; put the value in quotes: {key}: {quoted}"


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    lines: dict[KeyPath, int]  # 1-based line of each key, relative to the text given

    def line(self, *path: str, default: int | None = None) -> int | None:
        """Line of the deepest key of ``path`` that exists."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return default


class _Refused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 0-based, as in a YAML mark


def _refuse_aliases_and_tags(text: str) -> None:
    """Aliases and explicit tags have no use in an author's settings, and both are traps.

    An alias can refer to itself (endless recursion) or be nested into a few hundred
    bytes that expand to gigabytes; an explicit tag (``!!timestamp 2026-1``) reaches
    constructors that fail without a line. Plain YAML needs neither.
    """
    if "*" not in text and "!" not in text:  # neither can occur without its sign
        return
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                f"*{event.anchor} is a YAML alias (a reference to another value), which "
                "Salon does not allow; quote the value if you meant the text, or write it "
                "out in full",
                line,
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag[len(_CORE_TAG) :] if tag.startswith(_CORE_TAG) else tag
            raise _Refused(
                f"the explicit tag {shown} is not allowed (Salon reads plain YAML); "
                "remove it, or quote the value to keep it as text",
                line,
            )


def _collect_lines(
    node: yaml.Node,
    prefix: KeyPath,
    lines: dict[KeyPath, int],
    twice: list[tuple[KeyPath, int]],
) -> None:
    if len(prefix) > MAX_DEPTH:
        raise _Refused(
            f"nested more than {MAX_DEPTH} levels deep; settings need only a few levels",
            node.start_mark.line,
        )
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                path = (*prefix, str(key_node.value))
                line = key_node.start_mark.line + 1
                if path in lines:  # YAML would silently keep the last value
                    twice.append((path, line))
                else:
                    lines[path] = line
                _collect_lines(value_node, path, lines, twice)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, str(index))
            lines[path] = item.start_mark.line + 1
            _collect_lines(item, path, lines, twice)


def parse_yaml(text: str, path: str, line_offset: int = 0) -> YamlDocument:
    """Parse ``text``; a syntax error becomes a SiteError at the right line.

    ``line_offset`` is added to every line number, for YAML embedded in a
    larger file (front matter starts on the second line of a post).
    """
    if len(text) > MAX_YAML_CHARS:
        raise SiteError.at(
            f"invalid YAML: longer than {MAX_YAML_CHARS // 1024} KiB; settings and front "
            "matter are a few lines (put long text in the body)",
            path,
            1 + line_offset,
        )
    loader = _Loader(text)
    lines: dict[KeyPath, int] = {}
    twice: list[tuple[KeyPath, int]] = []
    try:
        _refuse_aliases_and_tags(text)
        node = loader.get_single_node()
        if node is not None:  # before constructing: it bounds the depth
            _collect_lines(node, (), lines, twice)
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        raise SiteError.at(
            f"invalid YAML: {exc.message}", path, exc.line + 1 + line_offset
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if problem.startswith("but ") and exc.context:  # "but found another document"
            problem = f"{exc.context}, {problem}"
        hint = _quote_hint(text, mark.line) if mark is not None else ""
        raise SiteError.at(f"invalid YAML: {problem}{hint}", path, line) from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
        line = text.count("\n", 0, exc.position) + 1 + line_offset
        code = exc.character if isinstance(exc.character, int) else 0
        raise SiteError.at(
            f"invalid YAML: the control character U+{code:04X} is not allowed here; remove it",
            path,
            line,
        ) from None
    except yaml.YAMLError as exc:
        raise SiteError.at(f"invalid YAML: {exc}", path) from None
    finally:
        loader.dispose()
    if twice:
        raise SiteError(
            Problem(
                f"{'.'.join(key)}: given twice (first on line {lines[key] + line_offset}); "
                "keep one",
                path,
                line + line_offset,
            )
            for key, line in twice
        )
    if line_offset:
        lines = {key: value + line_offset for key, value in lines.items()}
    return YamlDocument(data, lines)
