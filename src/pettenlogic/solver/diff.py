"""Semantic diff of two rule sets: every flow whose verdict or duties differ.

Both rule sets are compiled over the *same* flow variables. The solver is asked
for a flow on which they differ; the flow's group (van.taak × naar.taak ×
categorie × verdict A → verdict B) is recorded with that flow as witness and
then blocked, until no differing flow is left. The groups therefore cover every
differing flow, and each group is a real, replayable example.
"""

from __future__ import annotations

import time
from typing import Any

import attrs
import z3

from ..evaluate import Evaluator
from ..model.convert import flow_from_json, flow_to_json
from ..model.vocabulary import Plicht
from ..rules.expr import Expr
from ..rules.spec import Specs
from .compiler import Compiled
from .guard import serialized
from .prove import InternalMismatch
from .sorts import FlowVars

GROUP_FIELDS = ("van.taak", "naar.taak", "gegevens.categorie")


@attrs.frozen
class Group:
    van: str
    naar: str
    categorie: str
    oordeel_a: str
    oordeel_b: str
    plichten_erbij: tuple[str, ...]
    plichten_eraf: tuple[str, ...]
    getuige: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class DiffResult:
    groups: tuple[Group, ...]
    seconden: float
    complete: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "aantal_groepen": len(self.groups),
            "volledig": self.complete,
            "seconden": round(self.seconden, 3),
            "groepen": [g.to_dict() for g in self.groups],
        }


@serialized
def semantic_diff(
    a: Specs,
    b: Specs,
    max_groups: int = 5000,
    timeout_ms: int = 60_000,
    kaders: tuple[Expr, ...] = (),
) -> DiffResult:
    """Groups of flows whose verdict or duties differ (flows within ``kaders`` only)."""
    start = time.perf_counter()
    fv = FlowVars("")
    ca, cb = Compiled(a, fv), Compiled(b, fv)
    duty_diff = {p.value: ca.has_plicht(p.value) != cb.has_plicht(p.value) for p in Plicht}
    differs = z3.Or(ca.verdict != cb.verdict, *duty_diff.values())
    s = z3.Solver()
    deadline = time.monotonic() + timeout_ms / 1000
    s.add(*fv.well_formed(), differs, *(ca.ec.compile(k) for k in kaders))
    ev_a, ev_b = Evaluator(a), Evaluator(b)
    groups: list[Group] = []
    complete = True
    while True:
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            complete = False
            break
        s.set("timeout", left_ms)  # the limit holds for the whole diff, not per query
        result = s.check()
        if result == z3.unsat:
            break
        if result == z3.unknown or len(groups) >= max_groups:
            complete = False
            break
        model = s.model()
        flow = flow_from_json(fv.flow_json(model))
        da, db = ev_a.decide(flow), ev_b.decide(flow)
        va = str(model.eval(ca.verdict, model_completion=True))
        vb = str(model.eval(cb.verdict, model_completion=True))
        if (va, vb) != (da.oordeel.value, db.oordeel.value):
            raise InternalMismatch(
                f"diff: Z3 says {va}->{vb}, the evaluator "
                f"{da.oordeel.value}->{db.oordeel.value} on "
                f"{flow_to_json(flow)}"
            )
        keys = [model.eval(fv[f], model_completion=True) for f in GROUP_FIELDS]
        groups.append(
            Group(
                van=str(keys[0]),
                naar=str(keys[1]),
                categorie=str(keys[2]),
                oordeel_a=va,
                oordeel_b=vb,
                plichten_erbij=tuple(sorted(set(db.plicht_codes) - set(da.plicht_codes))),
                plichten_eraf=tuple(sorted(set(da.plicht_codes) - set(db.plicht_codes))),
                getuige=flow_to_json(flow),
            )
        )
        same_group = z3.And(
            [fv[f] == k for f, k in zip(GROUP_FIELDS, keys, strict=True)]
            + [ca.verdict == ca.oordeel_sort.const(va), cb.verdict == cb.oordeel_sort.const(vb)]
        )
        s.add(z3.Not(same_group))
    groups.sort(key=lambda g: (g.van, g.naar, g.categorie, g.oordeel_a, g.oordeel_b))
    return DiffResult(tuple(groups), time.perf_counter() - start, complete)
