"""A fast acceptor of well-formed flow dicts, compiled from the flow's JSON Schema.

It reads the generated schema (the one authority on what a flow is) and writes two
Python functions, in two passes over a dict:

``key(data)``
    checks the structure (every object a closed ``dict``, its required members
    there) and returns the *raw key*: every leaf as given (``MISSING`` when absent)
    and, per optional object, whether it was absent. Cheap: one ``get`` per leaf.
``normal(key, data)``
    checks every leaf value of a raw key against its schema, fills in defaults and
    returns the leaf values in :attr:`Reader.fields` order (the *values*), or ``None``.

Two dicts with equal raw keys are the same JSON document up to member order (the
leaves are written so that ``==`` does not take ``1`` for ``true``; see
:func:`_encoded`), so a raw key may stand for a checked flow (:mod:`.fast` keeps
decided flows by their ``marshal`` bytes instead, which C writes faster). The acceptor only
ever *accepts*: on anything else it returns ``None`` and the full validator decides
and words the error. A schema keyword it does not know stops the build, so a change
to the schema can never be silently ignored here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import attrs

from ..model.peildatum import lees_datum
from ..model.schema import flow_schema

Env = dict[str, Any]
Values = tuple[Any, ...]

_DOC_KEYS = frozenset({"description", "x-descriptions", "x-bericht", "default", "title", "$id"})
_DOC_KEYS |= {"$schema"}

_OBJECT_KEYS = {"type", "properties", "additionalProperties", "required", "if", "then"}
# Markers in a raw key, equal to nothing but themselves. Bare ``object()`` instances,
# which the garbage collector does not track: a kept raw key holding only them, str,
# int, bool and None is left alone by every collection.
#: an absent leaf
MISSING: Any = object()
#: JSON ``true`` and ``false``
TRUE: Any = object()
FALSE: Any = object()
#: stands in for an absent object: empty, so its leaves read as MISSING
ABSENT: dict[str, Any] = {}  # a plain dict: its ``get`` is the fast one; never written to


Predicate = Callable[[dict[str, Any], str, str, "_Source"], str]
"""a condition schema (at a place, on a variable) to a Python expression"""


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
    """Python source for the acceptor, with the values it needs as named constants.

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


def _type_expr(kinds: frozenset[str], var: str) -> str:
    """A Python expression: ``var`` has one of the JSON types."""
    parts = []
    if "null" in kinds:
        parts.append(f"{var} is None")
    if "boolean" in kinds:
        parts.append(f"{var} is True or {var} is False")
    if "string" in kinds:
        parts.append(f"type({var}) is str")
    if kinds & {"integer", "number"}:
        parts.append(f"type({var}) is int")
        integral = "" if "number" in kinds else f" and {var}.is_integer()"
        parts.append(f"type({var}) is float{integral}")
    return "(" + " or ".join(parts) + ")" if parts else "False"


def _value_tests(
    schema: dict[str, Any], where: str, var: str, out: _Source, predicate: Predicate
) -> list[str]:
    """The tests of ``type``, ``enum`` and ``not`` (through ``predicate``) on ``var``."""
    tests: list[str] = []
    if "type" in schema:
        tests.append(_type_expr(_types(schema), var))
    if "enum" in schema:
        members = schema["enum"]
        if not all(type(m) is str for m in members):
            raise UnsupportedSchema(f"{where}: only string enums are supported in conditions")
        tests.append(f"(type({var}) is str and {var} in {out.const(frozenset(members))})")
    if "not" in schema:
        tests.append(f"not {predicate(schema['not'], where, var, out)}")
    return tests


def joined(tests: list[str]) -> str:
    """Tests as one Python expression (``True`` for none)."""
    return "(" + " and ".join(tests) + ")" if tests else "True"


def _predicate(schema: dict[str, Any], where: str, var: str, out: _Source) -> str:
    """A schema used as a condition (inside ``if`` or ``not``), as a Python expression."""
    _known(schema, {"properties", "required", "not", "enum", "type"}, where)
    tests = _value_tests(schema, where, var, out, _predicate)
    if "required" in schema or "properties" in schema:
        # object keywords do not constrain other types
        inner = [f"{k!r} in {var}" for k in schema.get("required", ())]
        for k, sub in schema.get("properties", {}).items():
            test = _predicate(sub, f"{where}.{k}", f"{var}[{k!r}]", out)
            inner.append(f"({k!r} not in {var} or {test})")
        tests.append(f"(type({var}) is not dict or ({' and '.join(inner) or 'True'}))")
    return joined(tests)


@attrs.frozen
class _Leaf:
    path: str
    schema: dict[str, Any]
    holder: str  # the local holding the object it belongs to (in ``key``)
    name: str  # its member name
    required: bool


@attrs.frozen
class _Object:
    path: str
    schema: dict[str, Any]
    local: str  # the local holding it, in ``key`` and ``normal`` alike
    parent: str | None  # the local of the object it belongs to (None: the root)
    name: str
    required: bool


class _Shape:
    """The schema's objects and leaves in document order, with the checks of ``key``."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.leaves: list[_Leaf] = []
        self.objects: list[_Object] = []
        self._walk(schema, "", "data", None, "", True)

    def _walk(
        self,
        schema: dict[str, Any],
        path: str,
        local: str,
        parent: str | None,
        name: str,
        required: bool,
    ) -> None:
        where = path or "<root>"
        _known(schema, _OBJECT_KEYS, path)
        if schema.get("additionalProperties", True) is not False or _types(schema) != {"object"}:
            raise UnsupportedSchema(f"{where}: only closed objects are supported")
        if ("if" in schema) != ("then" in schema):
            raise UnsupportedSchema(f"{where}: 'if' and 'then' come together here")
        self.objects.append(_Object(path, schema, local, parent, name, required))
        needed = set(schema.get("required", ()))
        if not needed <= set(schema["properties"]):
            raise UnsupportedSchema(f"{where}: a required member is not a property")
        for key, sub in schema["properties"].items():
            child = f"{path}.{key}" if path else key
            if "properties" in sub:
                self._walk(sub, child, f"o{len(self.objects)}", local, key, key in needed)
            else:
                _check_leaf(sub, child)
                self.leaves.append(_Leaf(child, sub, local, key, key in needed))


def _check_leaf(schema: dict[str, Any], path: str) -> None:
    _known(schema, {"type", "enum", "minimum", "maximum", "format", "pattern"}, path)
    if schema.get("format", "date") != "date" or ("pattern" in schema) != ("format" in schema):
        raise UnsupportedSchema(f"{path}: only the date format (with its pattern) is supported")


def _key_source(shape: _Shape, out: _Source) -> None:
    """``key(data)``: the objects' types and the raw key.

    The raw key ends with, per nested object, whether it is absent, and the number
    of members of all objects together. Closedness is checked in ``normal``, by
    counting: the members add up exactly when every one is a known leaf (so not
    ``MISSING``) or a known object. A flow with an unknown member therefore has a
    raw key no checked flow has, and a table of checked raw keys needs no check.
    """
    out.emit(0, "def key(data):")
    out.emit(1, "if type(data) is not dict:")
    out.emit(2, "return None")
    nested = [obj for obj in shape.objects if obj.parent is not None]
    for obj in nested:
        out.emit(1, f"{obj.local} = {obj.parent}.get({obj.name!r}, ABSENT)")
        out.emit(1, f"if {obj.local} is not ABSENT and type({obj.local}) is not dict:")
        out.emit(2, "return None")
    parts = [_raw(leaf) for leaf in shape.leaves]
    parts += [f"{obj.local} is ABSENT" for obj in nested]
    parts.append(" + ".join(f"len({obj.local})" for obj in shape.objects))
    out.emit(1, "return (" + ", ".join(parts) + ",)")


def _encoded(schema: dict[str, Any]) -> str:
    """How a leaf is written into the raw key, so that raw keys compare by JSON value.

    Python's ``==`` takes ``1`` and ``1.0`` for ``True``; so booleans are written as
    the markers ``TRUE``/``FALSE`` (equal to nothing else), and a number that is not a
    plain int with its type. Strings stay as they are: only a ``str`` subclass equals
    one, and the validator takes that for its text.
    """
    kinds = _types(schema)
    if "boolean" in kinds and not kinds & {"string", "integer", "number"}:
        return "boolean"
    if kinds & {"integer", "number"} and not kinds & {"string", "boolean"}:
        return "number"
    if kinds <= {"string", "null"}:
        return "string"
    raise UnsupportedSchema(f"a leaf of types {sorted(kinds)} has no raw key encoding")


def _raw(leaf: _Leaf) -> str:
    """The raw key expression of a leaf (see :func:`_encoded`)."""
    get = f"{leaf.holder}.get({leaf.name!r}, MISSING)"
    kind = _encoded(leaf.schema)
    if kind == "boolean":
        return f"(TRUE if (x := {get}) is True else FALSE if x is False else x)"
    if kind == "number":
        return f"(x if type(x := {get}) is int or x is None or x is MISSING else (x, type(x)))"
    return get


def _leaf_source(leaf: _Leaf, index: int, absent: str | None, out: _Source) -> str:
    """Check raw key item ``index`` against its leaf schema; store the value in a local.
    ``absent`` is the raw key item that says its object is absent (None: the root).
    The branches for a given value come first: most leaves are given."""
    schema, var, local = leaf.schema, f"v{index}", f"n{index}"
    kinds = _types(schema)
    has_enum = "enum" in schema
    branches: list[tuple[str, list[str]]] = []
    if "boolean" in kinds and not has_enum:
        branches.append((f"{var} is TRUE", [f"{local} = True"]))
        branches.append((f"{var} is FALSE", [f"{local} = False"]))
    if "string" in kinds:
        test = [f"type({var}) is str"]
        if has_enum:
            members = frozenset(m for m in schema["enum"] if type(m) is str)
            test.append(f"{var} in {out.const(members)}")
        if "format" in schema:
            test.append(f"{out.const(lees_datum)}({var}) is not None")
        branches.append((" and ".join(test), [f"{local} = {var}"]))
    if kinds & {"integer", "number"} and not has_enum:
        low, high = schema.get("minimum"), schema.get("maximum")
        bounds = []
        if low is not None:
            bounds.append(f"{low!r} <= {var}")
        if high is not None:
            bounds.append(f"{var} <= {high!r}")
        in_range = " and ".join(bounds) or "True"
        branches.append((f"type({var}) is int and {in_range}", [f"{local} = {var}"]))
        # a float is written (value, float) in the raw key; an integral float is an
        # integer to JSON Schema
        whole = "True" if "number" in kinds else f"{var}.is_integer()"
        number = var if "number" in kinds else f"int({var})"
        body = [f"{var} = {var}[0]", f"if not ({whole} and {in_range}):", "    return None"]
        branches.append(
            (f"type({var}) is tuple and {var}[1] is float", [*body, f"{local} = {number}"])
        )
    missing = []
    if leaf.required:  # a required member may only be missing with its whole object
        missing.append("return None" if absent is None else f"if not {absent}: return None")
    branches.append((f"{var} is MISSING", [*missing, f"{local} = {schema.get('default')!r}"]))
    branches.append((f"{var} is None", [f"{local} = None" if "null" in kinds else "return None"]))
    out.emit(1, f"{var} = k[{index}]")
    for i, (condition, lines) in enumerate(branches):
        out.emit(1, f"{'if' if i == 0 else 'elif'} {condition}:")
        for line in lines:
            out.emit(2, line)
    out.emit(1, "else:")
    out.emit(2, "return None")
    return local


def _normal_source(shape: _Shape, out: _Source) -> None:
    """``normal(k, data)``: the leaf checks, defaults and conditional members."""
    out.emit(0, "def normal(k, data):")
    nested = [obj for obj in shape.objects if obj.parent is not None]
    present = [f"{len(shape.leaves)} - k.count(MISSING)"]
    present += [f"(not k[{len(shape.leaves) + i}])" for i in range(len(nested))]
    out.emit(1, f"if k[-1] != {' + '.join(present)}:  # a member that is not in the schema")
    out.emit(2, "return None")
    absent = {obj.local: f"k[{len(shape.leaves) + i}]" for i, obj in enumerate(nested)}
    for obj in nested:  # a required object may only be missing with the object holding it
        if obj.required:
            holder = absent.get(obj.parent or "")
            out.emit(1, f"if {absent[obj.local]}{'' if holder is None else f' and not {holder}'}:")
            out.emit(2, "return None")
    values = [
        _leaf_source(leaf, i, absent.get(leaf.holder), out) for i, leaf in enumerate(shape.leaves)
    ]
    # the objects with a conditional member, and the objects that hold them
    needed = {obj.local for obj in shape.objects if "if" in obj.schema}
    for obj in reversed(shape.objects):
        if obj.local in needed and obj.parent is not None:
            needed.add(obj.parent)
    for obj in shape.objects:
        if obj.local not in needed:
            continue
        if obj.parent is not None:
            out.emit(1, f"{obj.local} = {obj.parent}.get({obj.name!r}, ABSENT)")
        if "if" in obj.schema:
            condition = _predicate(obj.schema["if"], obj.path, obj.local, out)
            consequence = _predicate(obj.schema["then"], obj.path, obj.local, out)
            out.emit(1, f"if {obj.local} is not ABSENT and {condition} and not {consequence}:")
            out.emit(2, "return None")
    out.emit(1, "return (" + ", ".join(values) + ",)")


@attrs.frozen
class Reader:
    """The two generated functions of one schema, and the leaf paths of the values."""

    fields: tuple[str, ...]
    key: Callable[[Any], Values | None]
    normal: Callable[[Values, Any], Values | None]
    source: str

    def values(self, data: Any) -> Values | None:
        """The checked leaf values of a flow dict, or ``None`` to send it the slow way."""
        try:
            k = self.key(data)
            return None if k is None else self.normal(k, data)
        except Exception:  # odd input (unhashable keys, hostile objects): the slow path decides
            return None


def compile_reader(schema: dict[str, Any]) -> Reader:
    """The reader of an object schema (raises :class:`UnsupportedSchema` on a keyword
    it does not implement)."""
    shape = _Shape(schema)
    out = _Source()
    _key_source(shape, out)
    _normal_source(shape, out)
    source = "\n".join(out.lines)
    namespace: dict[str, Any] = {**out.consts, "MISSING": MISSING, "ABSENT": ABSENT}
    namespace |= {"TRUE": TRUE, "FALSE": FALSE}
    exec(compile(source, "<flow acceptor>", "exec"), namespace)
    fields = tuple(leaf.path for leaf in shape.leaves)
    return Reader(fields, namespace["key"], namespace["normal"], source)


@cache
def flow_reader() -> Reader:
    """The reader of the current flow schema (generated and compiled once)."""
    return compile_reader(flow_schema())


def accept_flow(data: Any) -> Env | None:
    """The environment of a well-formed flow dict, or ``None`` to send it the slow way."""
    reader = flow_reader()
    values = reader.values(data)
    return None if values is None else dict(zip(reader.fields, values, strict=True))
