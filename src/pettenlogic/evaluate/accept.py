"""A fast acceptor of well-formed flow dicts, compiled from the flow's JSON Schema.

It reads the generated schema (the one authority on what a flow is) and writes one
Python function, ``read(data)``, that walks a dict once: every object a closed
``dict`` (its keys a subset of the schema's properties) with its required members
there, every leaf checked against its schema, defaults filled in, the conditional
members checked. It returns the leaf values in :attr:`Reader.fields` order (the
*values*), or ``None``.

The acceptor only ever *accepts*: on anything else it returns ``None`` and the full
validator decides and words the error. It reads plain data only
(:meth:`Reader.values`). A schema keyword it does not know stops the build, so a
change to the schema can never be silently ignored here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import attrs

from ..model.intake import marshalled
from ..model.peildatum import lees_datum
from ..model.schema import flow_schema

Env = dict[str, Any]
Values = tuple[Any, ...]

_DOC_KEYS = frozenset({"description", "x-descriptions", "x-bericht", "default", "title", "$id"})
_DOC_KEYS |= {"$schema"}

_OBJECT_KEYS = {"type", "properties", "additionalProperties", "required", "if", "then"}
#: an absent leaf (a bare ``object()``, equal to nothing but itself)
MISSING: Any = object()
#: stands in for an absent object: empty, so its leaves read as absent
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


def _passes(schema: dict[str, Any], value: Any) -> bool:
    """Whether a leaf's default passes the leaf's own checks (booleans and strings only:
    then an absent member can be read as its default in the one ``get``)."""
    kinds = _types(schema)
    if value is None:
        return "null" in kinds
    if type(value) is bool:
        return "boolean" in kinds and "enum" not in schema
    if type(value) is str and "string" in kinds and "format" not in schema:
        return value in schema.get("enum", (value,))
    return False


def _leaf_source(leaf: _Leaf, index: int, holder_absent: str | None, out: _Source) -> str:
    """Read and check a leaf into a local, and return that local's name.

    ``holder_absent`` is the test that its object is absent (None: the root). The
    branches for a given value come first: most leaves are given."""
    schema, var = leaf.schema, f"n{index}"
    kinds = _types(schema)
    has_enum = "enum" in schema
    default = schema.get("default")
    # an optional member whose default passes its checks: absent reads as the default
    by_default = not leaf.required and _passes(schema, default)
    fallback = repr(default) if by_default else "MISSING"
    out.emit(1, f"{var} = {leaf.holder}.get({leaf.name!r}, {fallback})")
    tests: list[tuple[str, list[str]]] = []  # (condition, what to do when it holds)
    if "boolean" in kinds and not has_enum:
        tests.append((f"{var} is True or {var} is False", []))
    if "string" in kinds:
        test = [f"type({var}) is str"]
        if has_enum:
            members = frozenset(m for m in schema["enum"] if type(m) is str)
            test.append(f"{var} in {out.const(members)}")
        if "format" in schema:
            test.append(f"{out.const(lees_datum)}({var}) is not None")
        tests.append((" and ".join(test), []))
    if kinds & {"integer", "number"} and not has_enum:
        low, high = schema.get("minimum"), schema.get("maximum")
        bounds = []
        if low is not None:
            bounds.append(f"{low!r} <= {var}")
        if high is not None:
            bounds.append(f"{var} <= {high!r}")
        in_range = " and ".join(bounds) or "True"
        tests.append((f"type({var}) is int and {in_range}", []))
        # an integral float is an integer to JSON Schema (and read as one)
        whole = "" if "number" in kinds else f" and {var}.is_integer()"
        convert = [] if "number" in kinds else [f"{var} = int({var})"]
        tests.append((f"type({var}) is float{whole} and {in_range}", convert))
    if "null" in kinds:
        tests.append((f"{var} is None", []))
    # absent: the default; a required member only with its whole object (never at the
    # root, where the final ``else`` refuses it)
    if not by_default and not (leaf.required and holder_absent is None):
        refuse = [f"if not {holder_absent}: return None"] if leaf.required else []
        tests.append((f"{var} is MISSING", [*refuse, f"{var} = {default!r}"]))
    for i, (condition, lines) in enumerate(tests):
        out.emit(1, f"{'if' if i == 0 else 'elif'} {condition}:")
        for line in lines or ["pass"]:
            out.emit(2, line)
    out.emit(1, "else:")
    out.emit(2, "return None")
    return var


def _read_source(shape: _Shape, out: _Source) -> None:
    """``read(data)``: the checked leaf values of a flow dict in one pass, or None.

    Every object must be a ``dict`` whose members are all known (its keys a subset of
    the schema's properties: a subset test in C); an absent object reads as
    :data:`ABSENT`, so its leaves read as absent. Then every leaf is checked against
    its schema and defaults are filled in, and last the conditional members."""
    out.emit(0, "def read(data):")
    root = shape.objects[0]
    names = out.const(frozenset(root.schema["properties"]))
    out.emit(1, f"if type(data) is not dict or not data.keys() <= {names}:")
    out.emit(2, "return None")
    for obj in shape.objects[1:]:
        names = out.const(frozenset(obj.schema["properties"]))
        out.emit(1, f"{obj.local} = {obj.parent}.get({obj.name!r}, ABSENT)")
        # ABSENT is an empty dict, so an absent object passes this test
        out.emit(1, f"if type({obj.local}) is not dict or not {obj.local}.keys() <= {names}:")
        out.emit(2, "return None")
        if obj.required:  # a required object may only be missing with the object holding it
            holder = "" if obj.parent == root.local else f" and {obj.parent} is not ABSENT"
            out.emit(1, f"if {obj.local} is ABSENT{holder}:")
            out.emit(2, "return None")
    values = []
    for i, leaf in enumerate(shape.leaves):
        absent = None if leaf.holder == root.local else f"{leaf.holder} is ABSENT"
        values.append(_leaf_source(leaf, i, absent, out))
    for obj in shape.objects:
        if "if" in obj.schema:
            condition = _predicate(obj.schema["if"], obj.path, obj.local, out)
            consequence = _predicate(obj.schema["then"], obj.path, obj.local, out)
            out.emit(1, f"if {obj.local} is not ABSENT and {condition} and not {consequence}:")
            out.emit(2, "return None")
    out.emit(1, "return (" + ", ".join(values) + ",)")


@attrs.frozen
class Reader:
    """The generated reader of one schema, and the leaf paths of its values."""

    fields: tuple[str, ...]
    #: the checked values of *plain* data (see :meth:`values`), or None
    read: Callable[[Any], Values | None]
    source: str

    def values(self, data: Any) -> Values | None:
        """The checked leaf values of a flow dict, or ``None`` to send it the slow way.

        Only plain data (exact built-in types, see
        :func:`~pettenlogic.model.intake.marshalled`) is read here: a subclass of
        ``str`` or ``dict`` may say anything to ``==``, ``in`` or ``get``, and the slow
        way reads what it stores."""
        if marshalled(data) is None:
            return None
        try:
            return self.read(data)
        except Exception:  # not expected on plain data; the slow path decides
            return None


def compile_reader(schema: dict[str, Any]) -> Reader:
    """The reader of an object schema (raises :class:`UnsupportedSchema` on a keyword
    it does not implement)."""
    shape = _Shape(schema)
    out = _Source()
    _read_source(shape, out)
    source = "\n".join(out.lines)
    namespace: dict[str, Any] = {**out.consts, "MISSING": MISSING, "ABSENT": ABSENT}
    exec(compile(source, "<flow acceptor>", "exec"), namespace)
    fields = tuple(leaf.path for leaf in shape.leaves)
    return Reader(fields, namespace["read"], source)


@cache
def flow_reader() -> Reader:
    """The reader of the current flow schema (generated and compiled once)."""
    return compile_reader(flow_schema())


def accept_flow(data: Any) -> Env | None:
    """The environment of a well-formed flow dict, or ``None`` to send it the slow way."""
    reader = flow_reader()
    values = reader.values(data)
    return None if values is None else dict(zip(reader.fields, values, strict=True))
