"""JSON from outside (the public feed, a reader's request body) decoded within limits.

``json.loads`` fails in ways its JSONDecodeError does not cover: nesting deeper than
its recursion bound (RecursionError), an integer longer than Python converts
(ValueError, over 4,300 digits); and it accepts NaN and Infinity, which are not JSON.
Each becomes a JsonProblem with the line, so callers report one kind of error.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

SHOWN_DEPTH = 100  # the line named for a too deep text: where it passes this depth
MAX_NUMBER_CHARS = 40  # an id, a count, a version: nothing real comes close


class JsonProblem(ValueError):
    def __init__(self, message: str, line: int, syntax: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.syntax = syntax  # a plain syntax error, as json.JSONDecodeError reports it


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, max(index, 0)) + 1


class _TooLong(Exception):
    def __init__(self, digits: str) -> None:
        self.digits = digits


def _int(digits: str) -> int:
    if len(digits) > MAX_NUMBER_CHARS:
        raise _TooLong(digits)
    return int(digits)


def _float(digits: str) -> float:
    value = float(digits)
    if len(digits) > MAX_NUMBER_CHARS or math.isinf(value):  # 1e999 reads as infinity
        raise _TooLong(digits)
    return value


def _constant(name: str) -> Any:
    raise _Constant(name)


class _Constant(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _too_deep_at(text: str) -> int:
    """Where nesting first passes SHOWN_DEPTH (brackets inside strings skipped)."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > SHOWN_DEPTH:
                return match.start()
        elif token in "]}":
            depth -= 1
    return 0


def load_json(text: str) -> Any:
    """The value of ``text``; JsonProblem (with the line) for anything that is not sane JSON."""
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise JsonProblem(exc.msg, exc.lineno, syntax=True) from None
    except _TooLong as exc:
        raise JsonProblem(
            f"the number {exc.digits[:12]}{'…' if len(exc.digits) > 12 else ''} is too "
            f"large ({len(exc.digits)} characters); numbers here are small",
            _line(text, text.find(exc.digits)),
        ) from None
    except _Constant as exc:
        raise JsonProblem(
            f"{exc.name} is not a JSON value", _line(text, text.find(exc.name))
        ) from None
    except RecursionError:  # the decoder's own bound (about 1,000 levels): found only then
        raise JsonProblem(
            "nested hundreds of levels deep; nothing Salon reads is more than a few",
            _line(text, _too_deep_at(text)),
            syntax=True,
        ) from None
