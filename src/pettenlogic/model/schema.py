"""JSON Schema of the flow input, generated from the attrs definition."""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any

import attrs

from .fields import LEEFTIJD_MAX, LEEFTIJD_MIN, _kind, _unwrap_optional, is_nested, resolved_types
from .flow import Context, Flow
from .peildatum import ISO_DATUM
from .vocabulary import TAKEN_MET_WET

SCHEMA_ID = "https://pettenlogic.example/schema/flow.json"

WET_MESSAGE = "'wet' is only allowed with taak " + ", ".join(sorted(t.value for t in TAKEN_MET_WET))


def _leaf_schema(tp: Any, optional: bool, name: str) -> dict[str, Any]:
    kind, enum = _kind(tp, optional)
    schema: dict[str, Any]
    if kind == "enum":
        assert enum is not None
        schema = {"type": "string", "enum": [m.value for m in enum]}
        descriptions = {m.value: getattr(m, "description", "") for m in enum}
        schema["x-descriptions"] = descriptions
    elif kind in ("bool", "tribool"):
        schema = {"type": "boolean"}
    elif kind == "date":
        # the pattern admits 2021-02-30; conversion checks the calendar (convert.py)
        schema = {"type": "string", "format": "date", "pattern": ISO_DATUM.pattern}
    else:
        schema = {"type": "integer"}
        if name == "leeftijd":
            schema.update(minimum=LEEFTIJD_MIN, maximum=LEEFTIJD_MAX)
    if optional:
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        schema["type"] = [schema["type"], "null"]
    return schema


def _object_schema(cls: type) -> dict[str, Any]:
    hints = resolved_types(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        tp, optional = _unwrap_optional(hints[field.name])
        sub = _object_schema(tp) if is_nested(tp) else _leaf_schema(tp, optional, field.name)
        sub["description"] = str(field.metadata.get("doc", ""))
        default = field.default
        # attrs' stubs declare Factory as a function, but at runtime it is a class
        if default is not attrs.NOTHING and not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            sub["default"] = default.value if isinstance(default, Enum) else default
        props[field.name] = sub
        if field.metadata.get("required"):
            required.append(field.name)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    if cls is Context:
        schema["if"] = {
            "properties": {"taak": {"not": {"enum": sorted(t.value for t in TAKEN_MET_WET)}}},
            "required": ["taak"],
        }
        schema["then"] = {
            "properties": {"wet": {"not": {"type": "string"}, "x-bericht": WET_MESSAGE}}
        }
    return schema


@cache
def flow_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one flow, the flow JSON of docs/contract.md."""
    schema = _object_schema(Flow)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "pettenlogic flow (verstrekking)",
        "description": "One proposed transfer of personal data from one task (pet) to another.",
        **schema,
    }
