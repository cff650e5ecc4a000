"""Key boxes prune ``check`` and the interpreter; ``check`` may run in processes.

The key box of a condition (per van.taak, naar.taak and gegevens.categorie the values
on which it may hold, :mod:`pettenlogic.evaluate.keys`) must over-approximate: a flow a
rule applies to always has its key in the box. The pruned check (and the pruned Z3
terms) must report exactly what the unpruned one reports, on the bundled rules and on
a broken copy with local rules; with worker processes the findings are the same
as without (a witness may be another flow that shows the same). The interpreter
asks only the rules and limits whose boxes hold a flow's key: none that holds may
be left out.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest

from pettenlogic import Rulebook, load_rulebook
from pettenlogic.evaluate.interpreter import Env, flatten
from pettenlogic.evaluate.keys import (
    KEY_FIELDS,
    Box,
    BoxIndex,
    Candidates,
    KeyBoxes,
    meets,
    positions,
)
from pettenlogic.rules.expr import Expr, Not
from pettenlogic.rules.loader import load_specs
from pettenlogic.rules.spec import Specs
from pettenlogic.solver import check as check_module
from pettenlogic.solver.check import Checker, Finding
from strategies import random_flow
from test_differential import broken_copy

SEED = 20261130


@pytest.fixture(scope="module")
def broken_specs(tmp_path_factory: pytest.TempPathFactory) -> Specs:
    return load_specs(broken_copy(tmp_path_factory.mktemp("broken")))


def holding(rb: Rulebook, flow: dict[str, Any]) -> tuple[Env, list[str]]:
    """The flow's environment and the rules whose condition holds on it, every rule's
    closure asked (not the trace, which itself asks only the rules its key may meet)."""
    env = flatten(rb.as_flow(flow))
    ev = rb.evaluator
    return env, [r.id for r in ev.rules if ev.cond[r.id](env, {})]


def outside_box(rb: Rulebook, boxes: KeyBoxes, flows: list[dict[str, Any]]) -> list[str]:
    """(rule, flow key) where a rule's condition holds on a flow whose key is not in its box."""
    out = []
    for flow in flows:
        env, held_rules = holding(rb, flow)
        key = tuple(env[f] for f in KEY_FIELDS)
        for rid in held_rules:
            box = boxes.box(rb.evaluator.by_id[rid].als)
            held = zip(box, boxes.values, key, strict=True)
            inside = all(m >> values.index(v) & 1 for m, values, v in held)
            if not inside:
                out.append(f"{rid} applies to {key} outside its box")
    return out


def test_boxes_hold_every_flow_a_rule_applies_to(broken_specs: Specs) -> None:
    rng = random.Random(SEED)
    flows = [random_flow(rng) for _ in range(3_000)]
    for rb in (load_rulebook(), Rulebook(broken_specs)):
        bad = outside_box(rb, KeyBoxes(rb.specs), flows)
        assert not bad, bad[:5]


class _NotIgnored(KeyBoxes):
    """A deliberately wrong analysis: ``not x`` treated as ``x``."""

    def _eval(self, e: Expr) -> tuple[Box, Box]:
        if isinstance(e, Not):
            return self._eval(e.operand)
        return super()._eval(e)


def test_the_box_property_catches_an_unsound_analysis() -> None:
    rb = load_rulebook()
    rng = random.Random(SEED)
    assert outside_box(rb, _NotIgnored(rb.specs), [random_flow(rng) for _ in range(1_000)])


def missed_candidates(rb: Rulebook, boxes: KeyBoxes, flows: list[dict[str, Any]]) -> list[str]:
    """Rules and limits that hold on a flow but are not among the candidates of its key
    (:class:`Candidates`, which the interpreter asks instead of every rule)."""
    ev = rb.evaluator
    limits = [((r.id, i), g.als) for r in ev.rules for i, g in enumerate(r.grenzen)]
    rules = Candidates(boxes, [(r.id, r.als) for r in ev.rules])
    limit_candidates = Candidates(boxes, limits)
    out = []
    for flow in flows:
        env, held_rules = holding(rb, flow)
        key = tuple(env[f] for f in KEY_FIELDS)
        asked = set(rules.of(key))
        out += [f"rule {rid} holds on {key}, not asked" for rid in held_rules if rid not in asked]
        asked_limits = set(limit_candidates.of(key))
        for limit, _als in limits:
            if limit not in asked_limits and ev.grens[limit](env, {}):
                out.append(f"limit {limit} holds on {key}, not asked")
    return out


def test_the_interpreter_asks_every_rule_and_limit_that_can_hold(broken_specs: Specs) -> None:
    rng = random.Random(SEED)
    flows = [random_flow(rng) for _ in range(2_000)]
    for rb in (load_rulebook(), Rulebook(broken_specs)):
        assert not (bad := missed_candidates(rb, KeyBoxes(rb.specs), flows)), bad[:5]
        # and the candidates really leave rules out (else the index would be pointless)
        ev = rb.evaluator
        asked = [len(ev.rules_for(holding(rb, f)[0])) for f in flows[:200]]
        assert sum(asked) < len(ev.rules) * len(asked) / 4


def test_the_candidate_property_catches_an_unsound_analysis() -> None:
    rb = load_rulebook()
    rng = random.Random(SEED)
    flows = [random_flow(rng) for _ in range(1_000)]
    assert missed_candidates(rb, _NotIgnored(rb.specs), flows)


def test_box_index_finds_exactly_the_meeting_boxes() -> None:
    rb = load_rulebook()
    kb = KeyBoxes(rb.specs)
    boxes = [kb.box(r.als) for r in rb.specs.regels]
    index = BoxIndex(boxes, tuple(len(v) for v in kb.values))
    for box in boxes:
        want = [i for i, other in enumerate(boxes) if meets(box, other)]
        assert positions(index.meeting(box)) == want
    pairs = sum(len(positions(index.meeting(b))) for b in boxes)
    assert pairs < len(boxes) ** 2 / 2  # the bundled rules really are pruned


def plain(findings: list[Finding]) -> list[tuple[Any, ...]]:
    """A finding without its witness (any flow that shows it will do)."""
    return [(f.soort, f.ernst, f.regels, f.bericht, f.kern, f.getuige is None) for f in findings]


@pytest.mark.parametrize("which", ["bundled", "broken"])
def test_pruned_check_reports_what_the_unpruned_one_does(which: str, broken_specs: Specs) -> None:
    specs = load_specs(None) if which == "bundled" else broken_specs
    pruned = Checker(specs).run()
    unpruned = Checker(specs, prune=False).run()
    assert plain(pruned) == plain(unpruned)
    if which == "broken":  # the broken copy has findings of every kind that pairs rules
        kinds = {f.soort for f in pruned}
        assert {"conflict", "lokaal_opzij", "overlap"} <= kinds, kinds


def test_worker_processes_give_the_same_findings(
    broken_specs: Specs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_module, "PARALLEL_MIN_GROUPS", 0)
    alone = Checker(broken_specs).run(workers=1)
    shared = Checker(broken_specs).run(workers=2)
    assert plain(shared) == plain(alone)
    # a worker's Z3 context has another history, so it may find another witness; each
    # must still show what its finding says
    rb = Rulebook(broken_specs)
    for f in shared:
        if f.soort in ("conflict", "overlap", "lokaal_opzij"):
            assert f.getuige is not None
            assert set(f.regels) <= rb.trace(f.getuige).effective, f


def test_rules_with_equal_terms_share_their_queries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule set with every rule twice (the second round under new ids, as the scaling
    benchmark builds it): the shared witnesses give the same findings as asking Z3 every
    pair, with far fewer queries, and every witness shows what its finding says."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from synthetic import synthetic_specs

    bundled = len(load_specs(None).regels)
    specs = load_specs(synthetic_specs(tmp_path / "twice", 2 * bundled))
    calls = {"n": 0}
    solve = Checker._solve

    def counted(self: Checker, *conds: Any) -> Any:
        calls["n"] += 1
        return solve(self, *conds)

    monkeypatch.setattr(Checker, "_solve", counted)
    shared = Checker(specs).run()
    with_sharing, calls["n"] = calls["n"], 0
    alone = Checker(specs, share_witnesses=False).run()
    assert plain(shared) == plain(alone)
    assert with_sharing < calls["n"] * 0.7, (with_sharing, calls["n"])
    rb = Rulebook(specs)
    for f in shared:
        if f.soort in ("conflict", "overlap", "lokaal_opzij"):
            assert f.getuige is not None
            assert set(f.regels) <= rb.trace(f.getuige).effective, f
