"""Where data can sit, and what stays fixed while it travels (for reachability).

A *place* is one assignment of the context fields of a flow (``van.taak``,
``van.wet``, and whatever the vocabulary adds under ``van.``) that a well-formed
flow allows: ``jeugdhulp``, ``toeleiding`` under the Jeugdwet, and so on. The
places are enumerated from the Z3 well-formedness constraints, so a task or law
added to the vocabulary is a new place without a change here.

The *data* fields (everything under ``gegevens.``) stay the same along a chain:
the same data about the same person travels (treatment data stays treatment data,
D65). Integer data fields (the age) are split into the classes the conditions can
tell apart, so a finite set of data classes covers every possible value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from itertools import product
from typing import Any

import attrs
import z3

from ..model.fields import LEEFTIJD_MAX, LEEFTIJD_MIN, FieldSpec, flow_fields
from ..rules.expr import And, Cmp, Expr, In, Not, Or
from ..rules.spec import Specs
from .sorts import FlowVars

DATA = "gegevens."
#: the two sides of a flow whose context fields make a place
SIDES = ("van", "naar")


@cache
def context_fields() -> tuple[str, ...]:
    """The field names of a context (``taak``, ``wet``, ...), in declaration order."""
    return tuple(p.split(".", 1)[1] for p in flow_fields() if p.startswith("van."))


@cache
def data_fields() -> tuple[str, ...]:
    return tuple(p for p in flow_fields() if p.startswith(DATA))


@cache
def step_fields() -> tuple[str, ...]:
    """The fields each step chooses afresh: the professional and the circumstances."""
    return tuple(
        p for p in flow_fields() if not p.startswith(DATA) and p.split(".")[0] not in SIDES
    )


Plaats = tuple[Any, ...]  # values of context_fields(), in order


def label(place: Plaats) -> str:
    """``jeugdhulp`` or ``toeleiding (jeugdwet)``: the first field, others in brackets."""
    head, *rest = place
    extra = ", ".join(str(v) for v in rest if v is not None)
    return f"{head} ({extra})" if extra else str(head)


def as_context(place: Plaats) -> dict[str, Any]:
    """The place as a flow context (JSON), leaving out absent values."""
    return {k: v for k, v in zip(context_fields(), place, strict=True) if v is not None}


def env_of(place: Plaats, side: str) -> dict[str, Any]:
    return {f"{side}.{k}": v for k, v in zip(context_fields(), place, strict=True)}


@cache
def places() -> tuple[Plaats, ...]:
    """Every place a well-formed flow allows (enumerated by Z3 on the ``van`` side)."""
    fv = FlowVars("plaats.")
    solver = z3.Solver()
    solver.add(*fv.well_formed())
    names = [f"van.{k}" for k in context_fields()]
    found: list[Plaats] = []
    while solver.check() == z3.sat:
        model = solver.model()
        flow = fv.flow_json(model)
        ctx = flow["van"]
        place = tuple(ctx.get(k) for k in context_fields())
        found.append(place)
        solver.add(z3.Not(z3.And([fv[n] == model.eval(fv[n], True) for n in names])))
    return tuple(sorted(found, key=lambda p: tuple("" if v is None else str(v) for v in p)))


# -- data classes ---------------------------------------------------------------------


@attrs.frozen
class Interval:
    """Whole numbers ``lo``..``hi`` that every condition treats alike."""

    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


Klasse = Any  # an enum value, a bool, None (unknown) or an Interval


def _cuts(exprs: Iterable[Any], path: str) -> set[int]:
    """Numbers at which a comparison of ``path`` can change its truth."""
    cuts: set[int] = set()
    todo = list(exprs)
    while todo:
        e = todo.pop()
        if isinstance(e, Cmp) and e.field == path and isinstance(e.value, int):
            v = e.value
            cuts.update({"<": {v}, ">=": {v}, "<=": {v + 1}, ">": {v + 1}}.get(e.op, {v, v + 1}))
        elif isinstance(e, In) and e.field == path:
            for v in e.values:
                if isinstance(v, int) and not isinstance(v, bool):
                    cuts.update({v, v + 1})
        elif isinstance(e, Not):
            todo.append(e.operand)
        elif isinstance(e, And | Or):
            todo.extend(e.operands)
    return cuts


def every_condition(specs: Specs) -> Iterator[Expr]:
    """Every condition of a rule set (definitions inlined where they are referenced)."""
    yield from (d.als for d in specs.definities)
    for r in specs.regels:
        yield r.als
        yield from (g.als for g in (*r.plichten, *r.voorwaarden))
        yield from (g.als for g in r.grenzen)
    for a in specs.aanvullingen:
        yield a.als
        yield from (g.als for g in (*a.plichten, *a.voorwaarden))
    yield from (t.als for t in specs.toekenningen)


def _classes(spec: FieldSpec, cuts: set[int]) -> list[Klasse]:
    if spec.kind == "enum":
        return list(spec.values)
    if spec.kind == "bool":
        return [False, True]
    if spec.kind == "tribool":
        return [None, False, True]
    bounds = sorted(c for c in cuts if LEEFTIJD_MIN < c <= LEEFTIJD_MAX)
    starts = [LEEFTIJD_MIN, *bounds]
    ends = [b - 1 for b in bounds] + [LEEFTIJD_MAX]
    out: list[Klasse] = [Interval(lo, hi) for lo, hi in zip(starts, ends, strict=True)]
    return [None, *out] if spec.optional else out


Vast = tuple[Klasse, ...]  # one class per data_fields(), in order


def data_classes(specs: Specs, extra: Iterable[Any] = ()) -> list[Vast]:
    """Every combination of data classes the conditions (and ``extra``) can tell apart."""
    conditions = [*every_condition(specs), *extra]
    fields = flow_fields()
    per_field = [
        _classes(fields[p], _cuts(conditions, p) if fields[p].kind == "int" else set())
        for p in data_fields()
    ]
    return [tuple(c) for c in product(*per_field)]


def representative(k: Klasse) -> Any:
    """A concrete value of a class (the lower bound of an interval)."""
    return k.lo if isinstance(k, Interval) else k


def data_env(vast: Vast) -> dict[str, Any]:
    return {p: representative(k) for p, k in zip(data_fields(), vast, strict=True)}


def data_json(vast: Vast) -> dict[str, Any]:
    """The data of a class as the flow's ``gegevens`` object."""
    out: dict[str, Any] = {}
    for path, value in data_env(vast).items():
        if value is None:
            continue
        node = out
        parts = path.split(".")[1:]
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def show_data(vast: Vast) -> str:
    """``behandelgegevens, leeftijd 12-17`` (unknown values left out)."""
    parts = []
    for path, k in zip(data_fields(), vast, strict=True):
        if k is None:
            continue
        name = path.rsplit(".", 1)[1]
        parts.append(str(k) if path == "gegevens.categorie" else f"{name} {k}")
    return ", ".join(parts)
