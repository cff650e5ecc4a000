"""Deciding one concrete flow with the Z3 formulas (``--engine z3``).

All the Booleans the decision needs are packed into one integer term
(bit *i* set iff term *i* holds). For a flow we substitute its values and let
Z3 simplify that single term to a numeral: one call into Z3 per flow, and every
truth value comes from the compiled formulas, not from the Python evaluator.
"""

from __future__ import annotations

import datetime
from functools import cached_property

import attrs
import z3

from ..decision import Decision
from ..evaluate import Trace, flatten
from ..model.flow import Flow
from ..model.peildatum import dag_van
from ..model.vocabulary import Effect, Oordeel, Verwerkingsverantwoordelijke
from ..rules.spec import Specs
from .compiler import VERDICT_EFFECT, Compiled
from .guard import serialized
from .sorts import FlowVars


class Z3Engine:
    """Decides flows by evaluating the compiled rulebook under an assignment."""

    @serialized
    def __init__(self, specs: Specs) -> None:
        self.specs = specs
        self.fv = FlowVars()
        self.c = Compiled(specs, self.fv)
        self.names: list[tuple[str, ...]] = []
        terms: list[z3.BoolRef] = []

        def add(key: tuple[str, ...], term: z3.BoolRef) -> None:
            self.names.append(key)
            terms.append(term)

        c = self.c
        for r in specs.regels:
            add(("applies", r.id), c.applies[r.id])
            add(("effective", r.id), c.effective[r.id])
            add(("active", r.id), c.active[r.id])
        for o in Oordeel:
            add(("oordeel", o.value), c.is_verdict[o])
        for i, (_kind, _code, _src, term) in enumerate(c.gevolgen):
            add(("gevolg", str(i)), term)
        for aid, term in c.aanvulling_used.items():
            add(("aanvulling", aid), term)
        for tid, term in c.grondslag_used.items():
            add(("grondslag", tid), term)
        for tid, term in c.vvo_chosen.items():
            add(("vvo", tid), term)
        for v in Verwerkingsverantwoordelijke:
            add(("vvo_value", v.value), c.vvo == c.vvo_sort.const(v.value))
        for name, term in c.definitions.items():
            add(("definitie", name), term)
        for (rid, i), term in c.grens.items():
            add(("grens", rid, str(i)), term)
        self.packed = z3.Sum(
            [z3.If(t, z3.IntVal(1 << i), z3.IntVal(0)) for i, t in enumerate(terms)]
        )

    @cached_property
    def _evaluator(self):
        from ..evaluate import Evaluator

        return Evaluator(self.specs)

    def truth(self, flow: Flow) -> dict[tuple[str, ...], bool]:
        """Every compiled term's value for this flow."""
        bits = self._bits(flow)
        return {key: bool(bits >> i & 1) for i, key in enumerate(self.names)}

    @serialized
    def _bits(self, flow: Flow) -> int:
        # every Z3 object made here is freed on return, still under the lock
        value = z3.simplify(z3.substitute(self.packed, *self.fv.assignment(flow)))
        if not z3.is_int_value(value):
            raise RuntimeError(f"Z3 did not reduce the decision to a value: {value}")
        return int(value.as_long())

    def trace(self, flow: Flow) -> Trace:
        """The same :class:`Trace` the evaluator builds, with every truth value from Z3."""
        env = flatten(flow)
        # the same day the assignment pinned (FlowVars.assignment resolves it alike)
        dag = dag_van(env["peildatum"])
        t = self.truth(flow if flow.peildatum is not None else _op(flow, dag))
        rules = self.specs.regels
        oordeel = next(o for o in Oordeel if t[("oordeel", o.value)])
        want = VERDICT_EFFECT.get(oordeel)
        active = {r.id for r in rules if t[("active", r.id)]}
        effective = {r.id for r in rules if t[("effective", r.id)]}
        applies = {r.id for r in rules if t[("applies", r.id)]}
        defeated = []
        for r in self.c.order:
            if r.id in applies and r.id not in effective:
                beaten = next(
                    x.id for x in self.c.exceptors[r.id] if x.rang >= r.rang and x.id in effective
                )
                defeated.append((r.id, beaten))
        eff_rules = [r for r in rules if r.id in effective]
        overridden = []
        for r in eff_rules:
            if r.id not in active:
                over = next(
                    s.id for s in eff_rules if s.rang > r.rang and s.permissief != r.permissief
                )
                overridden.append((r.id, over))
        plichten: list[tuple[str, str]] = []  # (code, source id)
        voorwaarden: list[tuple[str, str]] = []
        for i, (kind, code, src, _term) in enumerate(self.c.gevolgen):
            if t[("gevolg", str(i))]:
                (plichten if kind == "plicht" else voorwaarden).append((code, src))
        toek = {x.id: x for x in self.specs.toekenningen}
        grondslag = tuple(
            (toek[tid].waarde.value, tid) for tid in self.c.grondslag_used if t[("grondslag", tid)]
        )
        chosen = [tid for tid in self.c.vvo_chosen if t[("vvo", tid)]]
        vvo_value = next(v.value for v in Verwerkingsverantwoordelijke if t[("vvo_value", v.value)])
        return Trace(
            env=env,
            applies=frozenset(applies),
            effective=frozenset(effective),
            active=frozenset(active),
            oordeel=oordeel,
            deciding=tuple(r for r in rules if r.id in active and r.effect is want),
            defeated=tuple(defeated),
            overridden=tuple(overridden),
            plichten=tuple(plichten),
            voorwaarden=tuple(voorwaarden),
            grondslag=grondslag,
            verwerkingsverantwoordelijke=(vvo_value, chosen[0] if chosen else ""),
            definitions={d.naam: t[("definitie", d.naam)] for d in self.specs.definities},
            grenzen=tuple(
                (rid, int(i))
                for (kind, *rest) in self.names
                if kind == "grens"
                for rid, i in [rest]
                if t[("grens", rid, i)]
            ),
            aanvullingen=tuple(a.id for a in self.specs.aanvullingen if t[("aanvulling", a.id)]),
            peildatum=dag,
        )

    def decide(self, flow: Flow, lang: str = "nl") -> Decision:
        return self._evaluator.decision(self.trace(flow), lang)


__all__ = ["Effect", "Z3Engine"]


def _op(flow: Flow, dag: str) -> Flow:
    """The flow with its day made explicit (so a decision made just after midnight
    still follows the day its assignment was pinned to)."""
    if flow.peildatum is not None:
        return flow
    return attrs.evolve(flow, peildatum=datetime.date.fromisoformat(dag))
