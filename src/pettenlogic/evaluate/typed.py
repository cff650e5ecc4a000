"""A typed reader of flow JSON text, generated from the flow's JSON Schema (msgspec).

msgspec parses JSON text straight into closed structs and checks each member's
type, enum and range in C while it parses. For a stream of flow texts (JSON Lines)
that is several times faster than parsing to dicts and checking those in Python
(:mod:`.accept`): a line is read and checked in a few µs.

From the schema this module builds:

- one :class:`msgspec.Struct` per object: closed (an unknown member is refused),
  every member typed as the schema says (enums as ``Literal``, integer bounds as
  ``Meta(ge, le)``, ``null`` where allowed) and defaulting to ``UNSET``, so that
  an absent member can be told from a given one;
- ``values(struct)``, generated Python that fills in the defaults, refuses a missing
  required member, checks dates (:func:`~pettenlogic.model.peildatum.lees_datum`)
  and the conditional members (``if``/``then``), and counts the members given.

msgspec keeps the last of duplicate keys, where the strict reader refuses them.
Every key in JSON text is followed by one colon, and other colons stand only inside
strings; so a text whose members (counted over all its objects) are as many as its
colons names no key twice. A text with a colon inside a string is not taken.

Like the acceptor, the reader only ever accepts: on anything else (invalid JSON, a
type msgspec does not take, such as ``28.0`` for an integer, a key given twice) it
returns ``None`` and the strict reader decides and words the error. A schema keyword
it does not know stops the build. A test holds its values equal to the acceptor's on
valid and mutated flows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, Union

import attrs
import msgspec

from ..model.peildatum import lees_datum
from ..model.schema import flow_schema
from .accept import (
    UnsupportedSchema,
    Values,
    _check_leaf,
    _known,
    _Shape,
    _Source,
    _types,
    _value_tests,
    joined,
)

UNSET = msgspec.UNSET


def _leaf_type(schema: dict[str, Any], path: str) -> Any:
    """The msgspec type of a leaf (without ``UNSET``)."""
    _check_leaf(schema, path)
    kinds = _types(schema)
    if kinds & {"number"} or not kinds <= {"string", "boolean", "integer", "null"}:
        raise UnsupportedSchema(f"{path}: the typed reader takes no type {sorted(kinds)}")
    parts: list[Any] = []
    if "enum" in schema:
        members = schema["enum"]
        words = tuple(m for m in members if type(m) is str)
        if any(m is not None and type(m) is not str for m in members) or "string" not in kinds:
            raise UnsupportedSchema(f"{path}: only enums of strings (and null) are supported")
        parts.append(Literal[words])
        nullable = "null" in kinds and None in members
    else:
        if "string" in kinds:
            parts.append(str)
        if "boolean" in kinds:
            parts.append(bool)
        if "integer" in kinds:
            bounds = msgspec.Meta(ge=schema.get("minimum"), le=schema.get("maximum"))
            parts.append(Annotated[int, bounds])
        nullable = "null" in kinds
    if nullable:
        parts.append(None)
    return Union[tuple(parts)]  # noqa: UP007 (a type built at run time)


def _structs(shape: _Shape) -> dict[str, type[msgspec.Struct]]:
    """The struct of every object of the shape, by its local (``data``: the root)."""
    out: dict[str, type[msgspec.Struct]] = {}

    def build(local: str, name: str) -> type[msgspec.Struct]:
        fields: list[tuple[str, Any, Any]] = []
        for obj in shape.objects:
            if obj.parent == local:
                inner = build(obj.local, f"{name}_{obj.name}")
                fields.append((obj.name, inner | msgspec.UnsetType, UNSET))
        for leaf in shape.leaves:
            if leaf.holder == local:
                typ = _leaf_type(leaf.schema, leaf.path)
                fields.append((leaf.name, typ | msgspec.UnsetType, UNSET))
        made = msgspec.defstruct(name, fields, kw_only=True, forbid_unknown_fields=True)
        out[local] = made
        return made

    build("data", "Flow")
    return out


def _predicate(schema: dict[str, Any], where: str, var: str, out: _Source) -> str:
    """A condition schema (inside ``if``) on a struct member's value ``var``, as a
    Python expression; ``UNSET`` never reaches it (the caller tests presence)."""
    _known(schema, {"not", "enum", "type"}, where)
    return joined(_value_tests(schema, where, var, out, _predicate))


def _object_predicate(schema: dict[str, Any], where: str, var: str, out: _Source) -> str:
    """An object's ``if`` or ``then`` on its struct ``var``: ``required`` members are
    given, and each given member meets its ``properties`` condition."""
    _known(schema, {"properties", "required"}, where)
    tests = [f"{var}.{k} is not UNSET" for k in schema.get("required", ())]
    for k, sub in schema.get("properties", {}).items():
        if "properties" in sub:
            raise UnsupportedSchema(f"{where}.{k}: conditions on nested objects")
        value = f"{var}.{k}"
        tests.append(f"({value} is UNSET or {_predicate(sub, f'{where}.{k}', value, out)})")
    return joined(tests)


def _values_source(shape: _Shape, structs: dict[str, type[msgspec.Struct]], out: _Source) -> None:
    """``values(s)``: (the leaf values in the acceptor's order, members given), or None.

    Each given object is read at once as the tuple of its members (``astuple``, in
    C), whose ``UNSET`` entries count the members not given. An object is *sure*
    when it cannot be absent here: the root, and a required object of a sure one
    (its absence returned None already)."""
    out.emit(0, "def values(s):")
    sure = {"data"}
    # a member's place in the tuple of its struct
    place = {
        local: {name: i for i, name in enumerate(struct.__struct_fields__)}
        for local, struct in structs.items()
    }

    def member(holder: str, name: str) -> str:
        item = f"t_{holder}[{place[holder][name]}]"
        return item if holder in sure else f"(UNSET if {holder} is UNSET else {item})"

    def missing(holder: str, required: bool) -> list[str]:
        """A required member may only be missing with the object holding it."""
        if not required:
            return []
        return ["return None"] if holder in sure else [f"if {holder} is not UNSET: return None"]

    out.emit(1, "t_data = astuple(s)")
    for obj in shape.objects:
        if obj.parent is None:
            continue
        out.emit(1, f"{obj.local} = {member(obj.parent, obj.name)}")
        refuse = missing(obj.parent, obj.required)
        out.emit(1, f"if {obj.local} is UNSET:")
        for line in refuse or [f"t_{obj.local} = ()"]:
            out.emit(2, line)
        if refuse == ["return None"]:
            sure.add(obj.local)
        out.emit(1, "else:")
        out.emit(2, f"t_{obj.local} = astuple({obj.local})")
    names = []
    for i, leaf in enumerate(shape.leaves):
        var, local = f"x{i}", f"v{i}"
        names.append(local)
        out.emit(1, f"{var} = {member(leaf.holder, leaf.name)}")
        out.emit(1, f"if {var} is UNSET:")
        refuse = missing(leaf.holder, leaf.required)
        for line in refuse:
            out.emit(2, line)
        if refuse != ["return None"]:
            out.emit(2, f"{local} = {leaf.schema.get('default')!r}")
        out.emit(1, "else:")
        if "format" in leaf.schema:
            date = out.const(lees_datum)
            out.emit(2, f"if {var} is not None and {date}({var}) is None: return None")
        out.emit(2, f"{local} = {var}")
    for obj in shape.objects:
        if "if" in obj.schema:
            condition = _object_predicate(obj.schema["if"], obj.path, obj.local, out)
            consequence = _object_predicate(obj.schema["then"], obj.path, obj.local, out)
            out.emit(1, f"if {obj.local} is not UNSET and {condition} and not {consequence}:")
            out.emit(2, "return None")
    # the members given: per object given, those not UNSET (an absent object's tuple
    # is empty); a nested object counts as a member of the object holding it
    given = " + ".join(f"len(t_{o.local}) - t_{o.local}.count(UNSET)" for o in shape.objects)
    out.emit(1, f"return ({', '.join(names)},), {given}")


class _Envelope(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A JSON Lines envelope: the caller's id (a string or an integer) and the flow."""

    flow: msgspec.Raw
    id: str | int | msgspec.UnsetType = UNSET


@attrs.frozen
class TypedReader:
    """The decoder and ``values`` of one schema."""

    decode: Callable[[Any], Any]  # bytes, or a msgspec.Raw
    values: Callable[[Any], tuple[Values, int] | None]
    envelope: Callable[[bytes], _Envelope]
    source: str

    def read(self, text: Any, colons: int | None = None) -> Values | None:
        """The checked leaf values of a flow's JSON text, or ``None`` to send it the
        strict way. ``colons``: the colons of the text (counted here if not given)."""
        try:
            found = self.values(self.decode(text))
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        if found is None:
            return None
        vals, members = found
        if members != (bytes(text).count(b":") if colons is None else colons):
            return None  # a key given twice, or a colon inside a string
        return vals

    def read_envelope(self, text: bytes) -> tuple[str | int | None, Values] | None:
        """(the id or None, the flow's values) of an envelope line ``{"id", "flow"}``,
        or ``None`` to send it the strict way."""
        try:
            env = self.envelope(text)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        ident = None if env.id is UNSET else env.id
        outer = 1 if ident is None else 2
        vals = self.read(env.flow, text.count(b":") - outer)
        return None if vals is None else (ident, vals)


def compile_typed(schema: dict[str, Any]) -> TypedReader:
    """The typed reader of an object schema (raises :class:`UnsupportedSchema` on a
    keyword or type it does not implement)."""
    shape = _Shape(schema)
    structs = _structs(shape)
    out = _Source()
    _values_source(shape, structs, out)
    source = "\n".join(out.lines)
    namespace: dict[str, Any] = {**out.consts, "UNSET": UNSET}
    namespace["astuple"] = msgspec.structs.astuple
    exec(compile(source, "<typed flow reader>", "exec"), namespace)
    decoder = msgspec.json.Decoder(structs["data"])
    envelope = msgspec.json.Decoder(_Envelope)
    return TypedReader(decoder.decode, namespace["values"], envelope.decode, source)


@cache
def typed_reader() -> TypedReader:
    """The typed reader of the current flow schema (built once)."""
    return compile_typed(flow_schema())
