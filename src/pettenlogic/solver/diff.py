"""Semantic diff of two rule sets: every flow whose verdict or duties differ.

The two sides are two rule sets, or one rule set on two days (``peildatum_a`` and
``peildatum_b``: what changed in the law between them). Both are compiled over the
*same* flow variables. The solver is asked for a flow on which they differ; the
flow's group (van.taak × naar.taak × categorie × verdict A → verdict B) is recorded
with that flow as witness and
then blocked, until no differing flow is left. The groups therefore cover every
differing flow, and each group is a real, replayable example.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

import attrs
import z3

from ..evaluate import Evaluator
from ..model.convert import flow_from_json, flow_to_json
from ..model.flow import Flow
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
class Versiewijziging:
    """A rule (or one of its limits) that holds on one day of a date diff and not the other."""

    regel: str
    grens: int | None  # the index of the limit, or None for the rule itself
    geldig_van: str | None
    geldig_tot: str | None
    bronnen: tuple[str, ...]  # the rule's law citations with their versions

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class DiffResult:
    groups: tuple[Group, ...]
    seconden: float
    complete: bool
    #: on a date diff: the two days, and the rules and limits that hold on one only
    peildatum_a: str | None = None
    peildatum_b: str | None = None
    alleen_a: tuple[Versiewijziging, ...] = ()
    alleen_b: tuple[Versiewijziging, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "aantal_groepen": len(self.groups),
            "volledig": self.complete,
            "seconden": round(self.seconden, 3),
            "groepen": [g.to_dict() for g in self.groups],
        }
        if self.peildatum_a is not None:
            out["peildatum"] = self.peildatum_a
            out["tegen"] = self.peildatum_b
            out["regels_alleen_peildatum"] = [v.to_dict() for v in self.alleen_a]
            out["regels_alleen_tegen"] = [v.to_dict() for v in self.alleen_b]
        return out


def versiewijzigingen(specs: Specs, a: str, b: str) -> tuple[Versiewijziging, ...]:
    """The rules and limits of ``specs`` that hold on day ``a`` but not on day ``b``."""
    out: list[Versiewijziging] = []
    for r in specs.regels:
        cites = tuple(f"{x.label()} (versie {x.versie})" for x in r.bronnen if x.versie is not None)
        if r.geldt_op(a) and not r.geldt_op(b):
            out.append(Versiewijziging(r.id, None, r.geldig_van, r.geldig_tot, cites))
        for i, g in enumerate(r.grenzen):
            if r.geldt_op(a) and g.geldt_op(a) and not g.geldt_op(b):
                out.append(Versiewijziging(r.id, i, g.geldig_van, g.geldig_tot, ()))
    return tuple(out)


@serialized
def semantic_diff(
    a: Specs,
    b: Specs,
    max_groups: int = 5000,
    timeout_ms: int = 60_000,
    kaders: tuple[Expr, ...] = (),
    peildatum_a: str | None = None,
    peildatum_b: str | None = None,
) -> DiffResult:
    """Every group of flows whose verdict or duties differ between side A and side B
    (flows within ``kaders`` only).

    With ``peildatum_a`` / ``peildatum_b`` each side is compiled as it stands on that
    day (the flow's own peildatum is then not read); the witnesses are replayed on
    those days. Without them, both sides see the flow's peildatum.
    """
    start = time.perf_counter()
    fv = FlowVars("")
    ca, cb = Compiled(a, fv, peildatum_a), Compiled(b, fv, peildatum_b)
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
        if peildatum_a is not None or peildatum_b is not None:
            flow = attrs.evolve(flow, peildatum=None)  # the days are the diff's, not the flow's
        da, db = ev_a.decide(_op(flow, peildatum_a)), ev_b.decide(_op(flow, peildatum_b))
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
    if peildatum_a is None or peildatum_b is None:
        return DiffResult(tuple(groups), time.perf_counter() - start, complete)
    return DiffResult(
        tuple(groups),
        time.perf_counter() - start,
        complete,
        peildatum_a,
        peildatum_b,
        versiewijzigingen(a, peildatum_a, peildatum_b),
        versiewijzigingen(b, peildatum_b, peildatum_a),
    )


def _op(flow: Flow, dag: str | None) -> Flow:
    if dag is None:
        return flow
    return attrs.evolve(flow, peildatum=datetime.date.fromisoformat(dag))
