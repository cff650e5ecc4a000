#!/usr/bin/env python3
"""Mutation score of the rulebook: do the scenarios and properties notice a broken rule?

Every *single-rule mutant* of the rule set is built in memory (``attrs.evolve`` on the
loaded :class:`~pettenlogic.rules.spec.Specs`, no files written):

* ``drop``: the rule is removed (and struck from other rules' ``uitzondering_op``);
* ``effect A->B``: every other effect (grond, plicht, verbod) in turn;
* ``negate leaf i``: one leaf atom of the condition (a comparison, membership, flag or
  definition name) is negated, each leaf in turn;
* ``noodzaak a->b``: the rule gains or loses its reliance on necessity;
* ``drop exception X``: one entry of ``uitzondering_op`` is removed.

A mutant is *killed* when a scenario of tests/scenarios/*.yaml fails on it (checked the
way tests/test_scenarios.py checks them, strict xfails included) or a property of the
rule set gets an outcome other than its ``verwacht``. Survivors are then compared with
the original rule set by Z3 over every well-formed flow: a survivor that decides no
flow differently (verdict, deciding rules, duties, conditions, grounds, citations,
controller, secrecy) is *equivalent* and cannot be killed; for the others a witness
flow is printed — each one marks a missing test.

Usage::

    python tools/mutation.py [--rules DIR] [--json FILE] [--quiet] [--both]

Exit status 0 when the score reaches ``--target`` (default 90 %), else 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import z3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pettenlogic.evaluate import Evaluator  # noqa: E402
from pettenlogic.model.convert import flow_from_json, flow_to_json  # noqa: E402
from pettenlogic.model.vocabulary import Effect, Plicht, Voorwaarde  # noqa: E402
from pettenlogic.rules.expr import And, Const, Expr, Not, Or, unparse  # noqa: E402
from pettenlogic.rules.loader import load_specs  # noqa: E402
from pettenlogic.rules.spec import Regel, Specs  # noqa: E402
from pettenlogic.solver.compiler import Compiled  # noqa: E402
from pettenlogic.solver.properties import Atom, Eigenschap, OnSide, load_properties  # noqa: E402
from pettenlogic.solver.prove import InternalMismatch, Prover  # noqa: E402
from pettenlogic.solver.sorts import FlowVars  # noqa: E402

#: grond<->verbod and plicht<->verbod, plus grond<->plicht (a right is not a duty: the
#: distinction the handreiking keeps returning to)
FLIPS = {
    Effect.GROND: (Effect.VERBOD, Effect.PLICHT),
    Effect.PLICHT: (Effect.VERBOD, Effect.GROND),
    Effect.VERBOD: (Effect.GROND, Effect.PLICHT),
}


@attrs.frozen
class Mutant:
    rule: str
    mutation: str
    specs: Specs
    dropped: str | None = None  # id of a removed rule (properties naming it are rewritten)

    @property
    def label(self) -> str:
        return f"{self.rule}: {self.mutation}"


# -- building mutants ------------------------------------------------------------------------


def _leaves(e: Expr) -> int:
    if isinstance(e, Not):
        return _leaves(e.operand)
    if isinstance(e, And | Or):
        return sum(_leaves(o) for o in e.operands)
    return 1


def _negate_leaf(e: Expr, index: int) -> tuple[Expr, Expr | None, int]:
    """(expression with leaf ``index`` negated, that leaf, leaves left to skip)."""
    if isinstance(e, Not):
        inner, leaf, left = _negate_leaf(e.operand, index)
        return Not(inner), leaf, left
    if isinstance(e, And | Or):
        out: list[Expr] = []
        found: Expr | None = None
        for o in e.operands:
            if found is None:
                o2, leaf, index = _negate_leaf(o, index)
                if leaf is not None:
                    found = leaf
                out.append(o2)
            else:
                out.append(o)
        return type(e)(tuple(out)), found, index
    if index == 0:
        return Not(e), e, -1
    return e, None, index - 1


def _replace(specs: Specs, rule: Regel, new: Regel | None) -> Specs:
    regels: list[Regel] = []
    for r in specs.regels:
        if r.id == rule.id:
            if new is not None:
                regels.append(new)
        elif new is None and rule.id in r.uitzondering_op:
            kept = tuple(x for x in r.uitzondering_op if x != rule.id)
            regels.append(attrs.evolve(r, uitzondering_op=kept))
        else:
            regels.append(r)
    return attrs.evolve(specs, regels=tuple(regels))


def mutants(specs: Specs) -> Iterator[Mutant]:
    for r in specs.regels:
        yield Mutant(r.id, "drop", _replace(specs, r, None), dropped=r.id)
        for to in FLIPS[r.effect]:
            yield Mutant(
                r.id,
                f"effect {r.effect.value}->{to.value}",
                _replace(specs, r, attrs.evolve(r, effect=to)),
            )
        for i in range(_leaves(r.als)):
            als, leaf, _ = _negate_leaf(r.als, i)
            assert leaf is not None
            yield Mutant(
                r.id,
                f"negate leaf {i + 1}: {unparse(leaf)}",
                _replace(specs, r, attrs.evolve(r, als=als)),
            )
        yield Mutant(
            r.id,
            f"noodzaak {str(r.noodzaak).lower()}->{str(not r.noodzaak).lower()}",
            _replace(specs, r, attrs.evolve(r, noodzaak=not r.noodzaak)),
        )
        for target in r.uitzondering_op:
            kept = tuple(x for x in r.uitzondering_op if x != target)
            yield Mutant(
                r.id,
                f"drop exception {target}",
                _replace(specs, r, attrs.evolve(r, uitzondering_op=kept)),
            )


# -- killing them ------------------------------------------------------------------------------


def _scenario_checker() -> tuple[list[dict[str, Any]], Callable[[dict[str, Any], Any], list[str]]]:
    """The scenarios and the comparison tests/test_scenarios.py uses."""
    try:
        import test_scenarios  # type: ignore[import-not-found]

        return test_scenarios.load_scenarios(), test_scenarios.mismatches
    except ImportError:  # a minimal stand-in: verdict and deciding rules only
        import yaml

        out: list[dict[str, Any]] = []
        for path in sorted((ROOT / "tests" / "scenarios").glob("*.yaml")):
            out += yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]

        def mismatches(verwacht: dict[str, Any], d: Any) -> list[str]:
            bad = []
            if d.oordeel.value != verwacht["oordeel"]:
                bad.append("oordeel")
            if "regels" in verwacht and set(d.regels) != set(verwacht["regels"]):
                bad.append("regels")
            return bad

        return out, mismatches


def _without_rule(e: Any, rule: str) -> Any:
    """A property expression with ``regel(rule)`` read as false (the rule is gone)."""
    if isinstance(e, Atom):
        return Const(False) if e.kind == "regel" and e.args == (rule,) else e
    if isinstance(e, OnSide):
        return OnSide(e.side, _without_rule(e.operand, rule))
    if isinstance(e, Not):
        return Not(_without_rule(e.operand, rule))
    if isinstance(e, And | Or):
        return type(e)(tuple(_without_rule(o, rule) for o in e.operands))
    return e


class Judge:
    """Runs the scenarios and the properties against a mutant."""

    def __init__(self, specs: Specs, rules_dir: str | None) -> None:
        self.scenarios, self.mismatches = _scenario_checker()
        self.flows = [flow_from_json(s["flow"]) for s in self.scenarios]
        self.props = load_properties(specs, rules_dir)
        self.internal_errors: list[str] = []

    def scenario_kill(self, m: Mutant) -> str | None:
        ev = Evaluator(m.specs)
        for s, flow in zip(self.scenarios, self.flows, strict=True):
            bad = self.mismatches(s["verwacht"], ev.decide(flow))
            if bool(bad) != ("xfail" in s):  # a strict xfail that passes fails too
                return f"scenario {s['id']}"
        return None

    def property_kill(self, m: Mutant) -> str | None:
        prover = Prover(m.specs, timeout_ms=20_000)
        for p in self.props:
            prop: Eigenschap = p
            if m.dropped is not None:
                prop = attrs.evolve(
                    p,
                    voor=_without_rule(p.voor, m.dropped),
                    geldt=_without_rule(p.geldt, m.dropped),
                )
            try:
                outcome = prover.prove(prop)
            except InternalMismatch as exc:
                self.internal_errors.append(f"{m.label}: {exc}")
                return f"INTERNAL MISMATCH on property {p.naam}"
            if outcome.uitkomst != p.verwacht:
                return f"property {p.naam}"
        return None


# -- equivalence of a survivor ---------------------------------------------------------------


def difference(a: Specs, b: Specs) -> dict[str, Any] | None:
    """A well-formed flow on which the two rule sets decide differently, or None."""
    fv = FlowVars("")
    ca, cb = Compiled(a, fv), Compiled(b, fv)
    diffs: list[z3.BoolRef] = [ca.verdict != cb.verdict, ca.vvo != cb.vvo]
    ids = set(ca.deciding) | set(cb.deciding)
    for rid in sorted(ids):
        da = ca.deciding.get(rid, z3.BoolVal(False))
        db = cb.deciding.get(rid, z3.BoolVal(False))
        diffs.append(da != db)
    diffs += [ca.has_plicht(p.value) != cb.has_plicht(p.value) for p in Plicht]
    diffs += [ca.has_voorwaarde(v.value) != cb.has_voorwaarde(v.value) for v in Voorwaarde]
    values = {t.waarde.value for t in a.toekenningen if t.kenmerk == "grondslag"}
    diffs += [ca.has_grondslag(v) != cb.has_grondslag(v) for v in sorted(values)]
    sources = {s for r in (*a.regels, *b.regels) for s in r.bronnen}
    diffs += [
        ca.cites(lambda x, s=s: x == s) != cb.cites(lambda x, s=s: x == s)
        for s in sorted(sources, key=lambda s: (s.regeling.value, s.artikel, s.lid or ""))
    ]
    solver = z3.Solver()
    solver.add(*fv.well_formed(), z3.Or(diffs))
    if solver.check() != z3.sat:
        return None
    return flow_to_json(flow_from_json(fv.flow_json(solver.model())))


def _summary(d: Any) -> dict[str, Any]:
    return {
        "oordeel": d.oordeel.value,
        "regels": list(d.regels),
        "plichten": list(d.plicht_codes),
        "voorwaarden": list(d.voorwaarde_codes),
    }


def _show(s: dict[str, Any]) -> str:
    extra = "".join(f"; {k}: {', '.join(s[k])}" for k in ("plichten", "voorwaarden") if s[k])
    return f"{s['oordeel']} via {', '.join(s['regels']) or '-'}{extra}"


# -- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules", default=None, help="spec folder (default: the bundled one)")
    ap.add_argument("--json", dest="json_out", default=None, help="write the results to FILE")
    ap.add_argument("--target", type=float, default=90.0, help="score to reach, in %%")
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    ap.add_argument(
        "--both",
        action="store_true",
        help="run the properties on every mutant too (slower), to score each kind alone",
    )
    args = ap.parse_args(argv)

    start = time.perf_counter()
    specs = load_specs(args.rules)
    judge = Judge(specs, args.rules)
    all_mutants = list(mutants(specs))
    results: list[dict[str, Any]] = []
    for m in all_mutants:
        by_scenario = judge.scenario_kill(m)
        by_property = judge.property_kill(m) if args.both or not by_scenario else None
        killer = by_scenario or by_property
        results.append(
            {
                "regel": m.rule,
                "mutatie": m.mutation,
                "gedood_door": killer,
                "scenario": by_scenario,
                "eigenschap": by_property,
            }
        )
        if not args.quiet:
            mark = "killed " if killer else "SURVIVED"
            print(f"{mark} {m.label}" + (f"  <- {killer}" if killer else ""), flush=True)
    survivors = [(m, r) for m, r in zip(all_mutants, results, strict=True) if not r["gedood_door"]]
    original = Evaluator(specs)
    for m, r in survivors:
        witness = difference(specs, m.specs)
        r["equivalent"] = witness is None
        if witness is not None:
            flow = flow_from_json(witness)
            da, db = original.decide(flow), Evaluator(m.specs).decide(flow)
            r["getuige"] = witness
            r["origineel"] = _summary(da)
            r["mutant"] = _summary(db)
    seconds = time.perf_counter() - start

    total, killed = len(results), sum(1 for r in results if r["gedood_door"])
    equivalent = [r for r in results if r.get("equivalent")]
    score = 100.0 * killed / total if total else 100.0
    killable = total - len(equivalent)
    n_scen = sum(1 for r in results if r["scenario"])
    print()
    print(f"mutants:   {total}  ({len({m.rule for m in all_mutants})} rules)")
    print(
        f"killed:    {killed}  (by scenarios {n_scen}, by properties on the rest {killed - n_scen})"
    )
    if args.both:
        n_prop = sum(1 for r in results if r["eigenschap"])
        print(
            f"           alone: scenarios {n_scen} ({100.0 * n_scen / total:.1f} %),"
            f" properties {n_prop} ({100.0 * n_prop / total:.1f} %)"
        )
    print(f"score:     {score:.1f} %  (target {args.target:.0f} %)")
    if killable:
        print(
            f"           {100.0 * killed / killable:.1f} % of the {killable} non-equivalent mutants"
        )
    print(f"time:      {seconds:.1f} s")
    print(
        f"survivors: {total - killed}  ({len(equivalent)} equivalent: no flow decides differently)"
    )
    for m, r in survivors:
        kind = "equivalent" if r.get("equivalent") else "MISSING TEST"
        print(f"  - [{kind}] {m.label}")
        if not r.get("equivalent"):
            o, n = r["origineel"], r["mutant"]
            print(f"      original: {_show(o)}")
            print(f"      mutant:   {_show(n)}")
            print("      flow: " + json.dumps(r["getuige"], ensure_ascii=False))
    if judge.internal_errors:
        print("INTERNAL MISMATCHES (Z3 and the evaluator disagree):")
        for line in judge.internal_errors:
            print("  " + line)
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps(
                {
                    "mutanten": total,
                    "gedood": killed,
                    "score": round(score, 2),
                    "seconden": round(seconds, 1),
                    "resultaten": results,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if score >= args.target and not judge.internal_errors else 1


if __name__ == "__main__":
    sys.exit(main())
