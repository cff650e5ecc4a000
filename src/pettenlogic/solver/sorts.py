"""The vocabulary as Z3 sorts and a flow as Z3 variables.

Every enum of the flow becomes a Z3 enumeration sort (an optional enum gets an
extra ``__geen__`` value for "absent"), booleans stay booleans, the tri-state
``noodzakelijk`` is a three-valued sort, and ``leeftijd`` is a bounded integer
with a separate "known" flag. Well-formedness (which ``wet`` goes with which
task, the age bounds) is stated once here, from the same vocabulary constants
the JSON Schema uses.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any

import attrs
import z3

from ..model.fields import LEEFTIJD_MAX, LEEFTIJD_MIN, FieldSpec, flow_fields
from ..model.flow import Flow
from ..model.peildatum import EERSTE, LAATSTE, dag_van, dagnummer, uit_dagnummer
from ..model.vocabulary import TAKEN_MET_WET, Oordeel, Taak

ABSENT = "__geen__"
TRIBOOL = {True: "ja", False: "nee", None: "onbekend"}
TRIBOOL_BACK = {v: k for k, v in TRIBOOL.items()}


@attrs.frozen
class EnumSort:
    """A Z3 enumeration sort with its values by name."""

    sort: z3.SortRef
    values: dict[str, z3.ExprRef]

    def const(self, name: str) -> z3.ExprRef:
        return self.values[name]

    def name_of(self, value: z3.ExprRef) -> str:
        name = value.decl().name()  # an enumeration constant is named after its value
        if name in self.values and z3.eq(self.values[name], value):
            return name
        for name, v in self.values.items():
            if z3.eq(v, value):
                return name
        raise KeyError(str(value))


@cache
def enum_sort(name: str, values: tuple[str, ...]) -> EnumSort:
    """One Z3 sort per (name, values); cached because Z3 names are global."""
    sort, consts = z3.EnumSort(name, list(values))
    return EnumSort(sort, dict(zip(values, consts, strict=True)))


def sort_for(spec: FieldSpec) -> EnumSort | None:
    """The enumeration sort of a field (None for booleans and integers)."""
    if spec.kind == "tribool":
        return enum_sort("Tribool", tuple(TRIBOOL.values()))
    if spec.kind != "enum":
        return None
    assert spec.enum is not None
    values = spec.values + ((ABSENT,) if spec.optional else ())
    suffix = "Opt" if spec.optional else ""
    return enum_sort(spec.enum.__name__ + suffix, values)


def oordeel_sort() -> EnumSort:
    return enum_sort("Oordeel", tuple(o.value for o in Oordeel))


class FlowVars:
    """Z3 variables for one flow; ``prefix`` keeps two flows apart (2-safety)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.fields = flow_fields()
        self.vars: dict[str, z3.ExprRef] = {}
        self.known: dict[str, z3.BoolRef] = {}
        self.dates: list[str] = []
        for path, spec in self.fields.items():
            name = prefix + path
            es = sort_for(spec)
            if es is not None:
                self.vars[path] = z3.Const(name, es.sort)
            elif spec.kind == "bool":
                self.vars[path] = z3.Bool(name)
            elif spec.kind == "date":
                # a day number; always known: a flow without peildatum is decided on a
                # day too (today), so every day is a possible flow
                self.vars[path] = z3.Int(name)
                self.dates.append(path)
            else:
                self.vars[path] = z3.Int(name)
                self.known[path] = z3.Bool(name + "?")
        self._packed_term: z3.ArithRef | None = None
        self._codes_cached = self._codes()

    def __getitem__(self, path: str) -> z3.ExprRef:
        return self.vars[path]

    def well_formed(self) -> list[z3.BoolRef]:
        """Constraints every well-formed flow satisfies (the flow JSON of docs/contract.md)."""
        out: list[z3.BoolRef] = []
        taak_sort = sort_for(self.fields["van.taak"])
        assert taak_sort is not None
        for side in ("van", "naar"):
            wet_spec = self.fields[f"{side}.wet"]
            wet_sort = sort_for(wet_spec)
            assert wet_sort is not None
            allowed = z3.Or(
                [
                    self[f"{side}.taak"] == taak_sort.const(t.value)
                    for t in Taak
                    if t in TAKEN_MET_WET
                ]
            )
            out.append(z3.Implies(z3.Not(allowed), self[f"{side}.wet"] == wet_sort.const(ABSENT)))
        for path, known in self.known.items():
            v = self[path]
            out.append(z3.If(known, z3.And(v >= LEEFTIJD_MIN, v <= LEEFTIJD_MAX), v == 0))
        for path in self.dates:
            v = self[path]
            out.append(z3.And(v >= EERSTE.toordinal(), v <= LAATSTE.toordinal()))
        return out

    def assignment(self, flow: Flow) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        """(variable, value) pairs that pin these variables to a concrete flow."""
        pairs: list[tuple[z3.ExprRef, z3.ExprRef]] = []
        for path in self.fields:
            value: Any = flow
            for part in path.split("."):
                value = getattr(value, part)
            pairs.extend(self.pins(path, value))
        return pairs

    def pins(self, path: str, value: Any) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        """(variable, value) pairs that pin one field to ``value`` (a flow's value)."""
        spec = self.fields[path]
        if isinstance(value, Enum):
            value = value.value
        es = sort_for(spec)
        if spec.kind == "tribool":
            assert es is not None
            return [(self[path], es.const(TRIBOOL[value]))]
        if es is not None:
            return [(self[path], es.const(ABSENT if value is None else value))]
        if spec.kind == "bool":
            return [(self[path], z3.BoolVal(bool(value)))]
        if spec.kind == "date":
            dag = dag_van(None if value is None else value.isoformat())
            return [(self[path], z3.IntVal(dagnummer(dag)))]
        return [
            (self.known[path], z3.BoolVal(value is not None)),
            (self[path], z3.IntVal(0 if value is None else value)),
        ]

    def _codes(self) -> list[tuple[str, list[Any]]]:
        """Per field, the values its code stands for (code = position in the list)."""
        out: list[tuple[str, list[Any]]] = []
        for path, spec in self.fields.items():
            es = sort_for(spec)
            if spec.kind == "tribool":
                out.append((path, [TRIBOOL_BACK[n] for n in TRIBOOL.values()]))
            elif es is not None:
                out.append((path, [None if n == ABSENT else n for n in es.values]))
            elif spec.kind == "bool":
                out.append((path, [False, True]))
            elif spec.kind == "date":
                continue  # a day number is read on its own (its range is too wide to pack)
            else:
                out.append((path, [None, *range(LEEFTIJD_MIN, LEEFTIJD_MAX + 1)]))
        return out

    def _packed(self) -> z3.ArithRef:
        """One integer term that encodes every field's value (mixed radix, one digit per
        field), so that a model is read back with a single evaluation."""
        if self._packed_term is None:
            term: z3.ArithRef = z3.IntVal(0)
            for path, values in reversed(self._codes()):
                spec = self.fields[path]
                es = sort_for(spec)
                var = self[path]
                digit: z3.ArithRef
                if es is not None:
                    names = list(es.values)
                    digit = z3.IntVal(0)
                    for i in range(len(names) - 1, 0, -1):
                        digit = z3.If(var == es.const(names[i]), z3.IntVal(i), digit)
                elif spec.kind == "bool":
                    digit = z3.If(var, z3.IntVal(1), z3.IntVal(0))
                else:
                    digit = z3.If(self.known[path], var - LEEFTIJD_MIN + 1, z3.IntVal(0))
                term = digit + z3.IntVal(len(values)) * term
            self._packed_term = term
        return self._packed_term

    def flow_json(self, model: z3.ModelRef) -> dict[str, Any]:
        """Read a concrete contract flow (all fields) back from a Z3 model."""
        number = model.eval(self._packed(), model_completion=True)
        if not z3.is_int_value(number):
            raise RuntimeError(f"Z3 did not reduce the flow to a value: {number}")
        code = number.as_long()
        out: dict[str, Any] = {}
        for path, values in self._codes_cached:
            code, digit = divmod(code, len(values))
            value = values[digit]
            if value is None and self.fields[path].kind != "tribool":
                continue
            node = out
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        for path, spec in self.fields.items():
            if spec.kind == "date":  # not packed: read on its own
                out[path] = self.value_in(model, path)
        return out

    def value_in(self, model: z3.ModelRef, path: str) -> Any:
        """One field's flow JSON value in a Z3 model (None for absent or unknown)."""
        spec = self.fields[path]
        raw = model.eval(self[path], model_completion=True)
        es = sort_for(spec)
        if spec.kind == "tribool":
            assert es is not None
            return TRIBOOL_BACK[es.name_of(raw)]
        if es is not None:
            name = es.name_of(raw)
            return None if name == ABSENT else name
        if spec.kind == "bool":
            return z3.is_true(raw)
        if spec.kind == "date":
            n = raw.as_long()
            return uit_dagnummer(min(max(n, EERSTE.toordinal()), LAATSTE.toordinal()))
        known = z3.is_true(model.eval(self.known[path], model_completion=True))
        return raw.as_long() if known else None
