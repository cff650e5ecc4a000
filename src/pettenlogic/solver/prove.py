"""Proving properties: ``unsat`` of the negation over every well-formed flow.

A refutation yields a concrete counterexample flow (or pair of flows) read from
the Z3 model. It is replayed through the Python evaluator: the evaluator must
also violate the property and give the verdict Z3 computed, otherwise one of
the two interpreters is wrong and :class:`InternalMismatch` is raised.
"""

from __future__ import annotations

import time
from typing import Any

import attrs
import z3

from ..evaluate import Evaluator
from ..model.convert import flow_from_json, flow_to_json
from ..model.peildatum import dagnummer
from ..model.vocabulary import Oordeel, Plicht, Voorwaarde
from ..rules.expr import And, Const, Expr, Not, Or
from ..rules.spec import Bron, Specs
from .compiler import Compiled
from .guard import can_fork, fork_map, serialized
from .properties import Atom, Eigenschap, OnSide, Side, holds, part
from .sorts import FlowVars


class InternalMismatch(RuntimeError):
    """Z3 and the evaluator disagree on a counterexample (a bug in one of them)."""


@attrs.frozen
class Outcome:
    """The result of proving one property."""

    naam: str
    verwacht: str
    uitkomst: str  # geldt | tegenvoorbeeld | onbekend
    tegenvoorbeeld: dict[str, Any] | None
    beslissing: dict[str, Any] | None
    seconden: float

    @property
    def as_expected(self) -> bool:
        return self.uitkomst == self.verwacht

    def to_dict(self) -> dict[str, Any]:
        return {
            "naam": self.naam,
            "verwacht": self.verwacht,
            "uitkomst": self.uitkomst,
            "tegenvoorbeeld": self.tegenvoorbeeld,
            "beslissing": self.beslissing,
            "seconden": round(self.seconden, 4),
        }


class PropertyCompiler:
    """Property expressions → Z3 over one or two compiled flows."""

    def __init__(self, sides: dict[str, Compiled]) -> None:
        self.sides = sides

    def compile(self, e: Any, side: str = "a") -> z3.BoolRef:
        c = self.sides[side]
        if isinstance(e, OnSide):
            return self.compile(e.operand, e.side)
        if isinstance(e, Atom):
            return self.atom(e, c)
        if isinstance(e, Not):
            return z3.Not(self.compile(e.operand, side))
        if isinstance(e, And):
            return z3.And([self.compile(o, side) for o in e.operands])
        if isinstance(e, Or):
            return z3.Or([self.compile(o, side) for o in e.operands])
        if isinstance(e, Const):
            return z3.BoolVal(e.value)
        return c.ec.compile(e)

    @staticmethod
    def atom(a: Atom, c: Compiled) -> z3.BoolRef:
        kind, args = a.kind, a.args
        if kind == "oordeel":
            return c.is_verdict[Oordeel(args[0])]
        if kind == "vvo":
            return c.vvo == c.vvo_sort.const(args[0])
        if kind == "plicht":
            return c.has_plicht(args[0])
        if kind == "voorwaarde":
            return c.has_voorwaarde(args[0])
        if kind == "grondslag":
            return c.has_grondslag(args[0])
        if kind == "regel":
            return c.deciding[args[0]]
        if kind == "effectief":
            return z3.Or(
                [
                    c.effective[r.id]
                    for r in c.rules
                    if r.effect.value == args[0] and r.laag.value == args[1]
                ]
            )
        if kind == "noodzaak_beslist":
            return z3.Or([c.deciding[r.id] for r in c.rules if r.noodzaak])
        return c.cites(
            lambda b: (
                b.regeling.value == args[0]
                and b.artikel == args[1]
                and (len(args) < 3 or b.lid == args[2])
            )
        )

    def equal_part(self, name: str) -> z3.BoolRef:
        a, b = self.sides["a"], self.sides["b"]
        if name == "oordeel":
            return a.verdict == b.verdict
        if name == "verwerkingsverantwoordelijke":
            return a.vvo == b.vvo
        if name == "beroepsgeheim":
            return a.definitions["beroepsgeheim"] == b.definitions["beroepsgeheim"]
        if name == "regels":
            return z3.And([a.deciding[r] == b.deciding[r] for r in a.deciding])
        if name == "plichten":
            return z3.And([a.has_plicht(p.value) == b.has_plicht(p.value) for p in Plicht])
        if name == "voorwaarden":
            return z3.And(
                [a.has_voorwaarde(v.value) == b.has_voorwaarde(v.value) for v in Voorwaarde]
            )
        if name == "grondslag":
            values = {t.waarde.value for t in a.specs.toekenningen if t.kenmerk == "grondslag"}
            return z3.And([a.has_grondslag(v) == b.has_grondslag(v) for v in sorted(values)])
        assert name == "bronnen"
        every = {src for r in a.specs.regels for src in r.bronnen}
        every |= {src for x in a.specs.aanvullingen for src in x.bronnen}
        every |= {src for x in a.specs.toekenningen for src in x.bronnen}
        terms = []
        for src in sorted(every, key=lambda s: (s.regeling.value, s.artikel, s.lid or "")):

            def same(x: Bron, s: Bron = src) -> bool:
                return x == s

            terms.append(a.cites(same) == b.cites(same))
        return z3.And(terms)


class Prover:
    """Compiles a rule set once per side and proves properties against it."""

    def __init__(
        self,
        specs: Specs,
        timeout_ms: int = 20_000,
        kaders: tuple[Expr, ...] = (),
        lang: str = "nl",
        peildatum: str | None = None,
    ) -> None:
        self.specs = specs
        self.timeout_ms = timeout_ms
        #: conditions every flow meets (a gemeente's inrichting narrows the flows)
        self.kaders = kaders
        self.lang = lang
        #: prove for flows on this day only (ISO date); None: on every day
        self.peildatum = peildatum
        self.evaluator = Evaluator(specs)
        self._single: tuple[FlowVars, Compiled] | None = None
        self._pair: tuple[dict[str, FlowVars], dict[str, Compiled]] | None = None
        self._chains: Any = None
        self._solvers: dict[bool, z3.Solver] = {}

    def chains(self) -> Any:
        """The multi-step prover (:class:`~.reach.ChainProver`), built on first use."""
        if self._chains is None:
            from .reach import ChainProver

            self._chains = ChainProver(self.specs, self.timeout_ms, self.single())
        return self._chains

    def single(self) -> tuple[FlowVars, Compiled]:
        if self._single is None:
            fv = FlowVars("a.")
            self._single = (fv, Compiled(self.specs, fv))
        return self._single

    def pair(self) -> tuple[dict[str, FlowVars], dict[str, Compiled]]:
        if self._pair is None:
            # side a is the single flow's compilation (the same variables, ``a.``)
            fv_a, c_a = self.single()
            fv_b = FlowVars("b.")
            self._pair = ({"a": fv_a, "b": fv_b}, {"a": c_a, "b": Compiled(self.specs, fv_b)})
        return self._pair

    def _common(self, paar: bool) -> list[z3.BoolRef]:
        """What every flow of a property meets: well-formed, within the kaders, and on
        ``peildatum`` when one is given (for one flow, or for both of a pair)."""
        fvs, comp = self.pair() if paar else ({"a": self.single()[0]}, {"a": self.single()[1]})
        out = [f for fv in fvs.values() for f in fv.well_formed()]
        out += [c.ec.compile(k) for c in comp.values() for k in self.kaders]
        if self.peildatum is not None:
            day = dagnummer(self.peildatum)
            out += [fv[path] == day for fv in fvs.values() for path in fv.dates]
        return out

    def _negation(self, prop: Eigenschap) -> list[z3.BoolRef]:
        """The property's own assertions, besides :meth:`_common`: satisfiable together
        exactly when the property is refuted."""
        if prop.paar:
            fvs, comp = self.pair()
            pc = PropertyCompiler(comp)
            asserts = []
            for path in fvs["a"].fields:
                if path not in prop.verschil:
                    asserts.append(fvs["a"][path] == fvs["b"][path])
                    if path in fvs["a"].known:
                        asserts.append(fvs["a"].known[path] == fvs["b"].known[path])
            goal = z3.And([pc.compile(prop.geldt)] + [pc.equal_part(p) for p in prop.gelijk])
            return [*asserts, pc.compile(prop.voor), z3.Not(goal)]
        pc = PropertyCompiler({"a": self.single()[1]})
        return [pc.compile(prop.voor), z3.Not(pc.compile(prop.geldt))]

    def solver(self, paar: bool) -> z3.Solver:
        """The solver for single or pair properties, holding :meth:`_common`. Each
        property adds its own assertions behind a literal and is checked assuming it,
        so what the solver learns about the rules serves every property."""
        found = self._solvers.get(paar)
        if found is None:
            found = self._solvers[paar] = z3.Solver()
            found.set("timeout", self.timeout_ms)
            found.add(*self._common(paar))
        return found

    def prove(self, prop: Eigenschap) -> Outcome:
        if prop.keten is not None:
            return self.chains().prove(prop)
        start = time.perf_counter()
        fvs = self.pair()[0] if prop.paar else {"a": self.single()[0]}
        solver = self.solver(prop.paar)
        refutes = z3.FreshBool("weerlegt")  # fresh: a property asked again gets its own
        solver.add(z3.Implies(refutes, z3.And(self._negation(prop))))
        result = solver.check(refutes)
        if result == z3.unsat:
            return Outcome(
                prop.naam, prop.verwacht, "geldt", None, None, time.perf_counter() - start
            )
        if result == z3.unknown:
            return Outcome(
                prop.naam, prop.verwacht, "onbekend", None, None, time.perf_counter() - start
            )
        model = solver.model()
        flows = {s: flow_from_json(fv.flow_json(model)) for s, fv in fvs.items()}
        decisions = self.replay(prop, flows, model)
        if prop.paar:
            example: dict[str, Any] = {s: flow_to_json(f) for s, f in flows.items()}
            beslissing: dict[str, Any] = {s: d.to_dict() for s, d in decisions.items()}
        else:
            example = flow_to_json(flows["a"])
            beslissing = decisions["a"].to_dict()
        return Outcome(
            prop.naam,
            prop.verwacht,
            "tegenvoorbeeld",
            example,
            beslissing,
            time.perf_counter() - start,
        )

    def replay(self, prop: Eigenschap, flows: dict[str, Any], model: z3.ModelRef) -> dict:
        """Check the counterexample with the evaluator; raise on any disagreement."""
        sides = {}
        _, comp = self.pair() if prop.paar else (None, {"a": self.single()[1]})
        for s, flow in flows.items():
            trace = self.evaluator.trace(flow)
            decision = self.evaluator.decision(trace, self.lang)
            sides[s] = Side(trace.env, trace, decision, self.specs.regels)
            z3_verdict = model.eval(comp[s].verdict, model_completion=True)
            if str(z3_verdict) != decision.oordeel.value:
                raise InternalMismatch(
                    f"property {prop.naam}: Z3 says {z3_verdict} but the evaluator says "
                    f"{decision.oordeel.value} for flow {s}: {flow_to_json(flow)}"
                )
        violated = holds(prop.voor, sides, self.evaluator) and not (
            holds(prop.geldt, sides, self.evaluator)
            and all(
                part(sides["a"].decision, p) == part(sides["b"].decision, p) for p in prop.gelijk
            )
        )
        if not violated:
            raise InternalMismatch(
                f"property {prop.naam}: Z3 found a counterexample the evaluator does not "
                f"confirm: {[flow_to_json(f) for f in flows.values()]}"
            )
        return {s: side.decision for s, side in sides.items()}


@serialized
def prove_all(
    specs: Specs,
    props: list[Eigenschap],
    names: list[str] | None = None,
    timeout_ms: int = 20_000,
    kaders: tuple[Expr, ...] = (),
    lang: str = "nl",
    peildatum: str | None = None,
    workers: int = 1,
) -> list[Outcome]:
    """Prove the properties (all, or those named) for flows on every day, or on
    ``peildatum`` only; counterexample decisions in ``lang``.

    ``workers`` > 1 proves in that many forked processes (the outcomes are the same,
    in the same order): the chain properties together in one, since they share their
    step search, and every other property on its own in whichever is free.
    """
    prover = Prover(specs, timeout_ms, kaders, lang, peildatum)
    chosen = [p for p in props if not names or p.naam in names]
    chains = [i for i, p in enumerate(chosen) if p.keten is not None]
    tasks = ([chains] if chains else []) + [[i] for i, p in enumerate(chosen) if p.keten is None]
    if workers > 1 and len(tasks) > 1 and can_fork():
        return _prove_parallel(prover, chosen, tasks, min(workers, len(tasks)))
    return [prover.prove(p) for p in chosen]


def _prove_parallel(
    prover: Prover, chosen: list[Eigenschap], tasks: list[list[int]], workers: int
) -> list[Outcome]:
    prover.single()  # compiled once before the fork: every worker needs it

    def prove_some(indexes: list[int]) -> list[tuple[int, Outcome]]:
        return [(i, prover.prove(chosen[i])) for i in indexes]

    # the largest task (the chain properties) first
    done = fork_map(prove_some, tasks, workers)
    by_index = dict(pair for part in done for pair in part)
    return [by_index[i] for i in range(len(chosen))]
