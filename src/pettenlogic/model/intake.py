"""Bounds on untrusted input, and a safe copy of it as plain JSON values.

A flow is a handful of enums, booleans and one small integer, so anything deep,
long or exotic is malformed. The fast validator rejects most such input without
looking at it; what it rejects is copied here into plain ``dict``/``list``/``str``
/``int``/``float``/``bool``/``None`` values, within the limits below, before the
full validator words its messages. Every limit breach is a :class:`Problem`, so
Python callers, the command line and other front ends fail in the same clean way
(no ``RecursionError``, ``TypeError`` or memory blow-up from a hostile value).
"""

from __future__ import annotations

import json
import marshal
import math
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

import attrs

#: deepest nesting of objects and arrays in one flow (a valid flow is 4 deep)
MAX_DEPTH = 32
#: longest string value or key, in characters (every valid string is a short name)
MAX_STRING = 1_000
#: most values (objects, arrays, leaves) in one flow (a valid flow has about 40)
MAX_NODES = 10_000
#: largest magnitude of an integer (larger ones cannot be a leeftijd anyway)
MAX_INT = 10**15
#: most problems reported for one flow; the rest is counted
MAX_PROBLEMS = 20
#: how much of an offending key or value an error message shows
SHOWN_CHARS = 60


def _as_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    # a named converter: with the bare ``tuple`` type checkers cannot infer the argument
    return tuple(values)


@attrs.frozen
class Problem:
    """One reason an input was rejected, as text and as data.

    ``value`` is the offending value (a JSON scalar; a long string is cut, other
    values are given in their shown form) and ``allowed`` the values or keys that
    would have been accepted, where there is such a list.
    """

    path: str
    message: str
    value: Any = attrs.field(default=None, converter=lambda v: as_data(v))
    allowed: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)

    def __str__(self) -> str:
        return f"{self.path or '<root>'}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as data: path, message, the offending value and what is allowed."""
        return {
            "path": self.path,
            "message": self.message,
            "value": self.value,
            "allowed": list(self.allowed),
        }


def as_data(value: Any) -> Any:
    """A bounded, JSON-safe copy of an offending value for :attr:`Problem.value`."""
    if value is None or (isinstance(value, bool | int | float) and not isinstance(value, Enum)):
        if isinstance(value, float) and not math.isfinite(value):
            return repr(value)
        if isinstance(value, int) and abs(value) > MAX_INT:
            return show(value)
        return value
    if type(value) is str:
        return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"
    return show(value)


def show(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value for a message: JSON-escaped (no raw newlines or control characters)
    and cut to ``limit`` characters, saying how long it really was."""
    if isinstance(value, str) and len(value) > limit:
        return json.dumps(value[:limit], ensure_ascii=False)[:-1] + f'…" ({len(value)} chars)'
    try:
        text = json.dumps(value, ensure_ascii=False, default=_type_name)
    except (ValueError, TypeError, RecursionError):
        text = _type_name(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text)} chars)"
    return text


def _type_name(value: Any) -> str:
    return f"<{type(value).__name__}>"


def key_text(key: Any) -> str:
    """A key as it may appear in a path: escaped and cut when it is odd."""
    if isinstance(key, str) and key.isprintable() and len(key) <= SHOWN_CHARS:
        return key
    return show(key)


def quoted_key(key: Any) -> str:
    """A key in single quotes, or JSON-escaped (with its own quotes) when it is odd."""
    shown = key_text(key)
    return f"'{shown}'" if shown is key else shown


def join_path(parent: str, key: Any) -> str:
    part = f"[{key}]" if isinstance(key, int) else key_text(key)
    if not parent:
        return part
    return f"{parent}{part}" if isinstance(key, int) else f"{parent}.{part}"


def cap(problems: list[Problem]) -> list[Problem]:
    """At most :data:`MAX_PROBLEMS`, with a last line counting the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS + 1
    return [*problems[: MAX_PROBLEMS - 1], Problem("", f"…and {rest} more problems")]


def marshalled(data: Any) -> bytes | None:
    """``data``'s marshal bytes, or None when it is not plain data.

    marshal (in C) takes only the exact built-in types: a subclass of ``str``,
    ``int`` or ``dict`` (whose ``==`` or ``get`` may say anything) and any other
    object make it raise, as does nesting too deep. It writes ``true``, ``1`` and
    ``1.0`` differently and reads back exactly what it wrote, so equal bytes are the
    same JSON value. The fast checks take only data it accepts; the compiled path
    also keeps decided flows by these bytes."""
    try:
        return marshal.dumps(data)
    except Exception:
        return None


def plain_copy(data: Any) -> tuple[Any, list[Problem]]:
    """``data`` as plain JSON values, and every limit it breaks.

    Walks iteratively (no recursion), so depth is bounded by :data:`MAX_DEPTH`
    rather than by Python's stack; a value that breaks a limit is left out of
    the copy and reported instead.
    """
    problems: list[Problem] = []
    nodes = 0
    root: list[Any] = [None]
    # (value, container to write into, key in it, path, depth, ids of the ancestors)
    todo: list[tuple[Any, Any, Any, str, int, frozenset[int]]] = [
        (data, root, 0, "", 0, frozenset())
    ]
    while todo:
        value, into, slot, path, depth, ancestors = todo.pop()
        nodes += 1
        if nodes > MAX_NODES:
            problems.append(Problem("", f"more than {MAX_NODES} values in one flow"))
            break
        if value is None or isinstance(value, bool):
            into[slot] = value
        # a subclass of int, float or str is read by the base type's own method, so
        # the copy holds the value it stores (an IntEnum's number, a str Enum's text),
        # whatever its __int__, __str__, __eq__ or __len__ would say
        elif isinstance(value, int):
            number = int.__int__(value)
            if abs(number) > MAX_INT:
                problems.append(Problem(path, f"integer out of range (more than {MAX_INT})"))
            else:
                into[slot] = number
        elif isinstance(value, float):
            real = float.__float__(value)
            if not math.isfinite(real):
                problems.append(Problem(path, f"{real!r} is not a JSON number"))
            else:
                into[slot] = real
        elif isinstance(value, str):
            text = str.__str__(value)
            if len(text) > MAX_STRING:
                problems.append(
                    Problem(path, f"string of {len(text)} characters (at most {MAX_STRING})")
                )
            else:
                into[slot] = text
        elif isinstance(value, Mapping | list | tuple):
            if id(value) in ancestors:
                problems.append(Problem(path, "the value contains itself (a cycle)"))
                continue
            if depth >= MAX_DEPTH:
                problems.append(Problem(path, f"nested more than {MAX_DEPTH} levels deep"))
                continue
            inner = ancestors | {id(value)}
            if isinstance(value, Mapping):
                copy: dict[str, Any] | list[Any] = {}
                items: list[tuple[Any, Any]] = list(value.items())
            else:
                items = list(enumerate(value))
                copy = [None] * len(items)  # not len(value): a subclass may say otherwise
            into[slot] = copy
            for key, item in reversed(items):
                if isinstance(copy, dict):
                    if not isinstance(key, str):
                        problems.append(
                            Problem(path, f"key {show(key)} is not a string; keys must be strings")
                        )
                        continue
                    key = str.__str__(key)
                    if len(key) > MAX_STRING:
                        problems.append(
                            Problem(path, f"key of {len(key)} characters (at most {MAX_STRING})")
                        )
                        continue
                todo.append((item, copy, key, join_path(path, key), depth + 1, inner))
        else:
            problems.append(Problem(path, f"a Python {type(value).__name__} is not a JSON value"))
    return root[0], problems


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # in C; a duplicate shows as fewer keys than pairs
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {quoted_key(key)} in a JSON object")
            seen.add(key)
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_STRICT = json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def parse_json(text: str) -> Any:
    """Strict JSON: no duplicate keys, no NaN or Infinity. Raises ``ValueError``
    (``RecursionError`` for nesting deeper than the parser allows)."""
    return _STRICT.decode(text)
