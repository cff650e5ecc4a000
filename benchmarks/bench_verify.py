"""Benchmark of the verification commands on the bundled rulebook (not a test).

Run: ``python benchmarks/bench_verify.py [--runs N] [--flows N]``.

Each figure is the median of ``--runs`` (default 3) fresh runs, everything rebuilt
from the loaded specs each time (no caches kept between runs):

* ``compile``  - the rulebook compiled to Z3 (``Compiled`` over one flow's variables,
  plus the packed decision term of the ``--engine z3`` path);
* ``prove``    - every property of specs/properties/ (``prove_all``);
* ``check``    - every consistency check (``check``);
* ``diff X``   - the semantic diff of the bundled rules against each what-if folder
  in specs/whatif/.

Targets on a 2-core machine (issue 3): prove + check <= 10 s together, each diff
<= 10 s; the ratio column is time / target (below 1.00 is within target). Last, the
cost of one decision with ``engine="z3"`` on ``--flows`` seeded random flows, next to
the evaluator on the same flows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pettenlogic import Flow, flow_from_json, load_rulebook
from pettenlogic.model.fields import flow_fields
from pettenlogic.model.vocabulary import TAKEN_MET_WET
from pettenlogic.rules.loader import load_specs
from pettenlogic.rules.spec import Specs
from pettenlogic.solver.check import check
from pettenlogic.solver.compiler import Compiled
from pettenlogic.solver.diff import semantic_diff
from pettenlogic.solver.engine import Z3Engine
from pettenlogic.solver.properties import load_properties
from pettenlogic.solver.prove import prove_all
from pettenlogic.solver.sorts import FlowVars

ROOT = Path(__file__).resolve().parents[1]
WHATIF = ROOT / "specs" / "whatif"
SEED = 20261128
TARGET_PROVE_CHECK_S = 10.0
TARGET_DIFF_S = 10.0
WET_TASKS = frozenset(t.value for t in TAKEN_MET_WET)


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def random_flow(rng: random.Random) -> dict[str, Any]:
    """One well-formed flow as JSON, every field drawn uniformly (wet where allowed)."""
    out: dict[str, Any] = {}
    for path, spec in flow_fields().items():
        side = path.split(".")[0]
        if path.endswith(".wet"):
            if out[side]["taak"] not in WET_TASKS or rng.random() < 0.2:
                continue
            value: Any = rng.choice(spec.values)
        elif spec.kind == "enum":
            value = rng.choice(spec.values)
        elif spec.kind == "bool":
            value = rng.random() < 0.5
        elif spec.kind == "tribool":
            value = rng.choice([True, False, None])
        else:
            if rng.random() < 0.25:
                continue
            value = rng.randint(0, 30)
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def compile_once(specs: Specs) -> Z3Engine:
    Compiled(specs, FlowVars("bench."))
    return Z3Engine(specs)


def per_decision_us(decide: Callable[[Flow], Any], flows: list[Flow], runs: int) -> float:
    for f in flows[:100]:
        decide(f)  # warm-up
    per_run = []
    for _ in range(runs):
        start = time.perf_counter()
        for f in flows:
            decide(f)
        per_run.append((time.perf_counter() - start) / len(flows) * 1e6)
    return statistics.median(per_run)


def main() -> None:
    ap = argparse.ArgumentParser(description="Benchmark compile, prove, check and diff.")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    ap.add_argument("--flows", type=int, default=2_000, help="flows for the z3 decision timing")
    args = ap.parse_args()

    specs = load_specs(None)
    props = load_properties(specs)
    runs = args.runs
    rows: list[tuple[str, float, float | None]] = []

    t_compile, _ = median_time(lambda: compile_once(specs), runs)
    rows.append(("compile to Z3", t_compile, None))
    t_prove, outcomes = median_time(lambda: prove_all(specs, props), runs)
    rows.append((f"prove ({len(outcomes)} properties)", t_prove, None))
    t_check, findings = median_time(lambda: check(specs), runs)
    rows.append((f"check ({len(findings)} findings)", t_check, None))
    rows.append(("prove + check", t_prove + t_check, TARGET_PROVE_CHECK_S))
    for folder in sorted(p for p in WHATIF.iterdir() if (p / "whatif.yaml").is_file()):
        other = load_specs(folder)
        t_diff, result = median_time(lambda other=other: semantic_diff(specs, other), runs)
        rows.append((f"diff {folder.name} ({len(result.groups)} groups)", t_diff, TARGET_DIFF_S))

    print(
        f"bundled rulebook: {len(specs.regels)} rules, {len(props)} properties; "
        f"median of {runs} runs"
    )
    print(f"{'step':44} {'seconds':>9} {'target':>8} {'ratio':>7}")
    for name, seconds, target in rows:
        if target is None:
            print(f"{name:44} {seconds:9.3f}")
        else:
            print(f"{name:44} {seconds:9.3f} {target:8.1f} {seconds / target:7.2f}")
    bad = [o.naam for o in outcomes if not o.as_expected]
    if bad:
        print("NOTE: properties not as expected: " + ", ".join(bad))

    rng = random.Random(SEED)
    flows = [flow_from_json(random_flow(rng)) for _ in range(args.flows)]
    rb = load_rulebook()
    z3_us = per_decision_us(lambda f: rb.decide(f, engine="z3"), flows, runs)
    ev_us = per_decision_us(rb.decide, flows, runs)
    print()
    print(f"decide, {len(flows)} seeded random flows (median of {runs} passes, per decision):")
    print(f"  engine=z3         {z3_us:9.1f} us")
    print(f"  engine=evaluator  {ev_us:9.1f} us   (z3 / evaluator = {z3_us / ev_us:.1f}x)")


if __name__ == "__main__":
    main()
