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


class _Source:
    """Python source for an acceptor, with the values it needs as named constants.

    The source is generated from the schema only: field names and defaults enter it
    through ``repr`` of plain JSON values, and everything else (enum sets,
    predicates) is passed in as a constant, so no input data ever becomes code.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {}

    def const(self, value: Any) -> str:
        name = f"K{len(self.consts)}"
        self.consts[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _type_expr(types: frozenset[str], var: str) -> str:
    """A Python expression: ``var`` has one of the JSON types."""
    parts = []
    if "null" in types:
        parts.append(f"{var} is None")
    if "boolean" in types:
        parts.append(f"{var} is True or {var} is False")
    if "string" in types:
        parts.append(f"type({var}) is str")
    if types & {"integer", "number"}:
        parts.append(f"type({var}) is int")
        integral = "" if "number" in types else f" and {var}.is_integer()"
        parts.append(f"type({var}) is float{integral}")
    return "(" + " or ".join(parts) + ")" if parts else "False"


def _predicate(schema: dict[str, Any], where: str, var: str, out: _Source) -> str:
    """A schema used as a condition (inside ``if`` or ``not``), as a Python expression."""
    _known(schema, {"properties", "required", "not", "enum", "type"}, where)
    tests: list[str] = []
    if "type" in schema:
        tests.append(_type_expr(_types(schema), var))
    if "enum" in schema:
        members = schema["enum"]
        if not all(type(m) is str for m in members):
            raise UnsupportedSchema(f"{where}: only string enums are supported in conditions")
        tests.append(f"(type({var}) is str and {var} in {out.const(frozenset(members))})")
    if "not" in schema:
        tests.append(f"not {_predicate(schema['not'], where, var, out)}")
    if "required" in schema or "properties" in schema:
        # object keywords do not constrain other types
        inner = [f"{k!r} in {var}" for k in schema.get("required", ())]
        for k, sub in schema.get("properties", {}).items():
            test = _predicate(sub, f"{where}.{k}", f"{var}[{k!r}]", out)
            inner.append(f"({k!r} not in {var} or {test})")
        tests.append(f"(type({var}) is not dict or ({' and '.join(inner) or 'True'}))")
    return "(" + " and ".join(tests) + ")" if tests else "True"


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


def _leaf(schema: dict[str, Any], path: str, var: str, out: _Source, depth: int) -> None:
    """Check ``var`` against a leaf schema and store it at ``path`` (or return None), as
    ``elif`` branches that follow the caller's ``if var is MISSING``."""
    _known(schema, {"type", "enum", "minimum", "maximum", "format", "pattern"}, path)
    if schema.get("format", "date") != "date" or ("pattern" in schema) != ("format" in schema):
        raise UnsupportedSchema(f"{path}: only the date format (with its pattern) is supported")
    types = _types(schema)
    has_enum = "enum" in schema
    store = f"env[{path!r}] = {var}"
    out.emit(depth, f"elif {var} is None:")
    out.emit(depth + 1, store if "null" in types else "return None")
    if "boolean" in types and not has_enum:
        out.emit(depth, f"elif {var} is True or {var} is False:")
        out.emit(depth + 1, store)
    if "string" in types:
        test = [f"type({var}) is str"]
        if has_enum:
            members = frozenset(m for m in schema["enum"] if type(m) is str)
            test.append(f"{var} in {out.const(members)}")
        if "format" in schema:
            test.append(f"{out.const(lees_datum)}({var}) is not None")
        out.emit(depth, f"elif {' and '.join(test)}:")
        out.emit(depth + 1, store)
    numeric = types & {"integer", "number"}
    if numeric and not has_enum:
        low, high = schema.get("minimum"), schema.get("maximum")
        bounds = []
        if low is not None:
            bounds.append(f"{low!r} <= {var}")
        if high is not None:
            bounds.append(f"{var} <= {high!r}")
        in_range = " and ".join(bounds) or "True"
        integral = "" if "number" in types else f" and {var}.is_integer()"
        out.emit(depth, f"elif type({var}) is int and {in_range}:")
        out.emit(depth + 1, store)
        # an integral float is an integer to JSON Schema
        out.emit(depth, f"elif type({var}) is float{integral} and {in_range}:")
        out.emit(depth + 1, f"env[{path!r}] = int({var})")
    out.emit(depth, "else:")
    out.emit(depth + 1, "return None")


def _object_source(
    schema: dict[str, Any], path: str, var: str, out: _Source, depth: int, level: int = 0
) -> None:
    """Check the dict in ``var`` against a closed object schema, member by member."""
    _known(schema, {"type", "properties", "additionalProperties", "required", "if", "then"}, path)
    if schema.get("additionalProperties", True) is not False or _types(schema) != {"object"}:
        raise UnsupportedSchema(f"{path or '<root>'}: only closed objects are supported")
    if ("if" in schema) != ("then" in schema):
        raise UnsupportedSchema(f"{path or '<root>'}: 'if' and 'then' come together here")
    allowed = out.const(frozenset(schema["properties"]))
    required = out.const(frozenset(schema.get("required", ())))
    out.emit(depth, f"if type({var}) is not dict:")
    out.emit(depth + 1, "return None")
    out.emit(depth, f"if not {var}.keys() <= {allowed} or not {required} <= {var}.keys():")
    out.emit(depth + 1, "return None")
    for key, sub in schema["properties"].items():
        child = f"{path}.{key}" if path else key
        member = f"v{level}"  # one name per nesting level: a member is used before the next
        out.emit(depth, f"{member} = {var}.get({key!r}, MISSING)")
        out.emit(depth, f"if {member} is MISSING:")
        absent = _defaults(sub, child) if "properties" in sub else {child: sub.get("default")}
        out.emit(depth + 1, f"env.update({out.const(absent)})")
        if "properties" in sub:
            out.emit(depth, "else:")
            _object_source(sub, child, member, out, depth + 1, level + 1)
        else:
            _leaf(sub, child, member, out, depth)
    if "if" in schema:
        condition = _predicate(schema["if"], path, var, out)
        consequence = _predicate(schema["then"], path, var, out)
        out.emit(depth, f"if {condition} and not {consequence}:")
        out.emit(depth + 1, "return None")


def _compile(schema: dict[str, Any]) -> Callable[[Any], Env | None]:
    out = _Source()
    out.emit(0, "def accept(data):")
    out.emit(1, "env = {}")
    _object_source(schema, "", "data", out, 1)
    out.emit(1, "return env")
    namespace: dict[str, Any] = {**out.consts, "MISSING": _MISSING}
    exec(compile("\n".join(out.lines), "<flow acceptor>", "exec"), namespace)
    accept: Callable[[Any], Env | None] = namespace["accept"]
    accept.__doc__ = "\n".join(out.lines)  # the generated source, for reading and debugging
    return accept


_MISSING = object()


def _object(schema: dict[str, Any], path: str) -> Callable[[Any], Env | None]:
    """The acceptor of an object schema (raises :class:`UnsupportedSchema` on a
    keyword it does not implement)."""
    return _compile(schema)


@cache
def flow_acceptor() -> Callable[[Any], Env | None]:
    """The acceptor of the current flow schema (generated and compiled once)."""
    return _object(flow_schema(), "")


def accept_flow(data: Any) -> Env | None:
    """The environment of a well-formed flow dict, or ``None`` to send it the slow way."""
    try:
        return flow_acceptor()(data)
    except Exception:  # odd input (unhashable keys, hostile objects): the slow path decides
        return None
