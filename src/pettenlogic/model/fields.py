"""Leaf fields of a flow, derived from the attrs classes in :mod:`.flow`.

Rule conditions, the JSON Schema, the Hypothesis strategies and the Z3 encoding
all address a flow through these dotted paths (``omstandigheden.toestemming``),
so the list is computed here once from the single definition.
"""

from __future__ import annotations

import datetime
import types
import typing
from enum import Enum
from functools import cache
from typing import Any, Literal

import attrs

from .flow import Flow

Kind = Literal["enum", "bool", "int", "tribool", "date"]

LEEFTIJD_MIN = 0
LEEFTIJD_MAX = 130


@attrs.frozen
class FieldSpec:
    """One leaf of the flow: its path, value kind and domain."""

    path: str
    kind: Kind
    enum: type[Enum] | None
    optional: bool
    default: Any
    doc: str
    required: bool

    @property
    def values(self) -> tuple[str, ...]:
        """Allowed string values of an enum field."""
        assert self.enum is not None
        return tuple(m.value for m in self.enum)


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def _kind(tp: Any, optional: bool) -> tuple[Kind, type[Enum] | None]:
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "enum", tp
    if tp is bool:
        return ("tribool" if optional else "bool"), None
    if tp is int:
        return "int", None
    if tp is datetime.date:
        return "date", None
    raise TypeError(f"unsupported field type {tp!r}")


def _default(field: attrs.Attribute) -> Any:
    if field.default is attrs.NOTHING:
        return None
    # attrs' stubs declare Factory as a function, but at runtime it is a class
    if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
        return None
    return field.default


@cache
def resolved_types(cls: type) -> dict[str, Any]:
    """Type hints of an attrs class, with forward references resolved."""
    return typing.get_type_hints(cls)


def is_nested(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _walk(cls: type, prefix: str) -> list[FieldSpec]:
    hints = resolved_types(cls)
    out: list[FieldSpec] = []
    for field in attrs.fields(cls):
        tp, optional = _unwrap_optional(hints[field.name])
        path = f"{prefix}{field.name}"
        if is_nested(tp):
            out.extend(_walk(tp, path + "."))
            continue
        kind, enum = _kind(tp, optional)
        out.append(
            FieldSpec(
                path=path,
                kind=kind,
                enum=enum,
                optional=optional,
                default=_default(field),
                doc=str(field.metadata.get("doc", "")),
                required=bool(field.metadata.get("required", False)),
            )
        )
    return out


@cache
def flow_fields() -> dict[str, FieldSpec]:
    """Every leaf field of a :class:`Flow`, keyed by dotted path, in declaration order."""
    return {f.path: f for f in _walk(Flow, "")}


def get_path(flow: Flow, path: str) -> Any:
    """Read a dotted path from a flow object."""
    obj: Any = flow
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj
