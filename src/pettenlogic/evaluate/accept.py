"""A fast acceptor of well-formed flow dicts, compiled from the flow's JSON Schema.

It reads the generated schema (the one authority on what a flow is) and builds
closures that, in one pass over a dict, check it and write its leaves into the
evaluator's environment (dotted path → plain value, defaults filled in). It only
ever *accepts*: on anything it does not accept it returns ``None`` and the full
validator decides and words the error. A schema keyword it does not know stops
the build, so a change to the schema can never be silently ignored here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from ..model.peildatum import lees_datum
from ..model.schema import flow_schema

Env = dict[str, Any]
Accept = Callable[[Any, Env], bool]
Test = Callable[[Any], bool]

_DOC_KEYS = frozenset({"description", "x-descriptions", "x-bericht", "default", "title", "$id"})
_DOC_KEYS |= {"$schema"}


class UnsupportedSchema(ValueError):
    """The schema uses a keyword the fast acceptor does not implement."""


def _known(schema: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(schema) - allowed - _DOC_KEYS
    if unknown:
        raise UnsupportedSchema(f"{where or '<root>'}: unsupported keywords {sorted(unknown)}")


def _types(schema: dict[str, Any]) -> frozenset[str]:
    kind = schema.get("type")
    if kind is None:
        return frozenset()
    return frozenset(kind if isinstance(kind, list) else [kind])


def _type_test(types: frozenset[str]) -> Test:
    def test(value: Any) -> bool:
        if value is None:
            return "null" in types
        if value is True or value is False:
            return "boolean" in types
        if type(value) is str:
            return "string" in types
        if type(value) is int:
            return "integer" in types or "number" in types
        if type(value) is float:
            return "number" in types or ("integer" in types and value.is_integer())
        return False

    return test


def _predicate(schema: dict[str, Any], where: str) -> Test:
    """A schema used as a condition (inside ``if`` or ``not``)."""
    _known(schema, {"properties", "required", "not", "enum", "type"}, where)
    tests: list[Test] = []
    if "type" in schema:
        tests.append(_type_test(_types(schema)))
    if "enum" in schema:
        members = schema["enum"]
        tests.append(lambda v: any(v == m and type(v) is type(m) for m in members))
    if "not" in schema:
        inner = _predicate(schema["not"], where)
        tests.append(lambda v: not inner(v))
    if "required" in schema or "properties" in schema:
        required = tuple(schema.get("required", ()))
        props = {k: _predicate(s, f"{where}.{k}") for k, s in schema.get("properties", {}).items()}

        def object_test(v: Any) -> bool:
            if type(v) is not dict:
                return True  # object keywords do not constrain other types
            if any(k not in v for k in required):
                return False
            return all(test(v[k]) for k, test in props.items() if k in v)

        tests.append(object_test)
    return lambda v: all(t(v) for t in tests)


def _defaults(schema: dict[str, Any], path: str) -> Env:
    """Leaf defaults of an object schema, by dotted path (for absent members)."""
    out: Env = {}
    for key, sub in schema.get("properties", {}).items():
        child = f"{path}.{key}" if path else key
        if "properties" in sub:
            out.update(_defaults(sub, child))
        else:
            out[child] = sub.get("default")
    return out


def _leaf(schema: dict[str, Any], path: str) -> Accept:
    _known(schema, {"type", "enum", "minimum", "maximum", "format", "pattern"}, path)
    if schema.get("format", "date") != "date" or ("pattern" in schema) != ("format" in schema):
        raise UnsupportedSchema(f"{path}: only the date format (with its pattern) is supported")
    is_date = "format" in schema
    types = _types(schema)
    type_ok = _type_test(types)
    members = frozenset(m for m in schema.get("enum", ()) if m is not None)
    has_enum = "enum" in schema
    low, high = schema.get("minimum"), schema.get("maximum")

    def accept(value: Any, env: Env) -> bool:
        if not type_ok(value):
            return False
        if value is None:
            env[path] = None
            return True
        if has_enum and not (type(value) is str and value in members):
            return False
        if is_date and lees_datum(value) is None:
            return False
        if type(value) is float:
            value = int(value)  # an integral float is an integer to JSON Schema
        if low is not None and value < low:
            return False
        if high is not None and value > high:
            return False
        env[path] = value
        return True

    return accept


def _object(schema: dict[str, Any], path: str) -> Accept:
    _known(schema, {"type", "properties", "additionalProperties", "required", "if", "then"}, path)
    if schema.get("additionalProperties", True) is not False or _types(schema) != {"object"}:
        raise UnsupportedSchema(f"{path or '<root>'}: only closed objects are supported")
    members: dict[str, Accept] = {}
    absent: dict[str, Env] = {}
    for key, sub in schema["properties"].items():
        child = f"{path}.{key}" if path else key
        members[key] = _object(sub, child) if "properties" in sub else _leaf(sub, child)
        absent[key] = _defaults(sub, child) if "properties" in sub else {child: sub.get("default")}
    allowed = frozenset(members)
    required = frozenset(schema.get("required", ()))
    condition = _predicate(schema["if"], path) if "if" in schema else None
    consequence = _predicate(schema["then"], path) if "then" in schema else None
    if (condition is None) != (consequence is None):
        raise UnsupportedSchema(f"{path or '<root>'}: 'if' and 'then' come together here")

    def accept(value: Any, env: Env) -> bool:
        if type(value) is not dict:
            return False
        keys = value.keys()
        if not keys <= allowed or not required <= keys:
            return False
        for key, member in members.items():
            if key in value:
                if not member(value[key], env):
                    return False
            else:
                env.update(absent[key])
        if condition is not None and condition(value):
            assert consequence is not None
            return consequence(value)
        return True

    return accept


@cache
def flow_acceptor() -> Accept:
    """The acceptor of the current flow schema (built once)."""
    return _object(flow_schema(), "")


def accept_flow(data: Any) -> Env | None:
    """The environment of a well-formed flow dict, or ``None`` to send it the slow way."""
    env: Env = {}
    try:
        return env if flow_acceptor()(data, env) else None
    except Exception:  # odd input (unhashable keys, hostile objects): the slow path decides
        return None
