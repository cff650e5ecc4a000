"""The ``gemeente.yaml`` format, read off the typed model: field kinds and JSON Schema.

One walk over the attrs classes of :mod:`.inrichting` tells the loader what each key
may hold and gives the JSON Schema; nothing about the format is written twice.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from functools import cache
from typing import Any

import attrs

from ..model.fields import resolved_types
from .inrichting import Inrichting

SCHEMA_ID = "https://pettenlogic.example/schema/gemeente.json"

#: longest text value (names, descriptions), in characters
MAX_TEXT = 2000
#: most items in one list (dossiers, read rights, tasks, ...)
MAX_ITEMS = 500


@attrs.frozen
class Veld:
    """What one key of the format holds."""

    naam: str
    soort: str  # enum | bool | str | obj | any
    optional: bool
    lijst: bool
    enum: type[Enum] | None
    cls: type | None
    required: bool
    doc: str


def _unwrap(tp: Any) -> tuple[Any, bool]:
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


@cache
def velden(cls: type) -> tuple[Veld, ...]:
    """The keys of one class of the model, in declaration order."""
    hints = resolved_types(cls)
    out = []
    for field in attrs.fields(cls):
        tp, optional = _unwrap(hints[field.name])
        lijst = typing.get_origin(tp) is tuple
        if lijst:
            tp = typing.get_args(tp)[0]
        if tp is Any:
            soort, enum, sub = "any", None, None
        elif isinstance(tp, type) and issubclass(tp, Enum):
            soort, enum, sub = "enum", tp, None
        elif isinstance(tp, type) and attrs.has(tp):
            soort, enum, sub = "obj", None, tp
        elif tp in (bool, str):
            soort, enum, sub = tp.__name__, None, None
        else:  # pragma: no cover - a model change the format does not know
            raise TypeError(f"unsupported field type {tp!r} in {cls.__name__}")
        out.append(
            Veld(
                field.name,
                soort,
                optional,
                lijst,
                enum,
                sub,
                bool(field.metadata.get("required")),
                str(field.metadata.get("doc", "")),
            )
        )
    return tuple(out)


def _leaf(v: Veld) -> dict[str, Any]:
    if v.soort == "enum":
        assert v.enum is not None
        return {
            "type": "string",
            "enum": [m.value for m in v.enum],
            "x-descriptions": {m.value: getattr(m, "description", "") for m in v.enum},
        }
    if v.soort == "obj":
        assert v.cls is not None
        return _object(v.cls)
    if v.soort == "any":
        return {"type": "object"}
    if v.soort == "str":
        return {"type": "string", "maxLength": MAX_TEXT}
    return {"type": "boolean"}


def _object(cls: type) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for v in velden(cls):
        sub = _leaf(v)
        if v.lijst:
            sub = {"type": "array", "items": sub, "maxItems": MAX_ITEMS}
            if v.soort in ("enum", "str"):
                sub["uniqueItems"] = True
        if v.optional:
            sub = {"anyOf": [sub, {"type": "null"}]}
        sub["description"] = v.doc
        props[v.naam] = sub
        if v.required:
            required.append(v.naam)
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


@cache
def gemeente_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ``gemeente.yaml``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "pettenlogic gemeente (inrichting van het wijkteam)",
        "description": "The choices of handreiking ch. 2 and the gemeente's local policies.",
        **_object(Inrichting),
    }
