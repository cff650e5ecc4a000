"""Benchmark of reachability and case timelines on the bundled rulebook (not a test).

Run: ``python benchmarks/bench_reach.py [--runs N] [--steps N]``.

Each figure is the median of ``--runs`` (default 3) fresh runs (nothing cached
between runs):

* ``reach all triples``   - for every (categorie, van, naar) triple, whether data
  can get there in one or more permitted steps (``Reachability.all_triples``);
* ``reach keten props``   - proving the chain properties of specs/properties/keten.yaml;
* ``casus N steps``       - a generated casus of ``--steps`` events (default 50) checked
  step by step, half of them sharings decided by the rulebook.

Targets on a 2-core machine (issue 8): each under 10 s; the ratio column is
time / target (below 1.00 is within target).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pettenlogic import load_rulebook
from pettenlogic.gemeente.casus import run_casus
from pettenlogic.rules.loader import load_specs
from pettenlogic.solver.properties import load_properties
from pettenlogic.solver.prove import Prover
from pettenlogic.solver.reach import Reachability

TARGET_S = 10.0
#: the recipients a generated casus shares with, in turn
RECIPIENTS = ("toeleiding", "regie_hulpverlening", "veilig_thuis", "medebehandeling")


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def casus_text(steps: int) -> str:
    """A casus of ``steps`` events: a route, then recording, consent and sharing in turn."""
    lines = [
        "casus: lang",
        "titel: {nl: lang, en: long}",
        "thema: '2.13'",
        "betrokkene: {leeftijd: 14}",
        "professional: {registratie: skj, beroepscode: true, meldingsbevoegd: true}",
        "gebeurtenissen:",
        "  - route: {route: c, taak: jeugdhulp, benoemd: true}",
    ]
    i = 1
    while i < steps:
        naar = RECIPIENTS[(i // 4) % len(RECIPIENTS)]
        wet = ", wet: jeugdwet" if naar in ("toeleiding", "regie_hulpverlening") else ""
        block = [
            f"  - vastleggen: {{gegevens: g{i}, categorie: voortgang}}",
            f"  - toestemming: {{naar: {naar}, stand: gegeven}}",
            f"  - informeren: {{over: {naar}, wie: inwoner}}",
            f"  - delen: {{gegevens: g{i}, naar: {{taak: {naar}{wet}}},"
            " omstandigheden: {noodzakelijk: true, vermoeden_huiselijk_geweld: true}}",
        ]
        lines += block[: steps - i]
        i += len(block)
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description="Benchmark reachability and casus checking.")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    specs = load_specs(None)
    props = [p for p in load_properties(specs) if p.keten is not None]
    rb = load_rulebook()

    rows: list[tuple[str, float, str]] = []
    seconds, answers = median_time(lambda: Reachability(specs).all_triples(), args.runs)
    reachable = sum(answers.values())
    rows.append((f"reach all triples ({len(answers)}, {reachable} reachable)", seconds, ""))

    def prove_chains() -> list[Any]:
        prover = Prover(specs)  # one prover for all, as ``pettenlogic prove`` does
        return [prover.prove(p) for p in props]

    seconds, outcomes = median_time(prove_chains, args.runs)
    bad = [o.naam for o in outcomes if not o.as_expected]
    rows.append((f"reach keten props ({len(props)})", seconds, ", ".join(bad)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lang.yaml"
        path.write_text(casus_text(args.steps), encoding="utf-8")
        seconds, report = median_time(lambda: run_casus(path, rb), args.runs)
    rows.append((f"casus {len(report.stappen)} steps", seconds, ""))

    print(f"reachability and casus, median of {args.runs} runs (target {TARGET_S:.0f} s each)")
    print(f"{'step':44} {'seconds':>9} {'target':>8} {'ratio':>7}")
    for name, secs, note in rows:
        print(f"{name:44} {secs:9.3f} {TARGET_S:8.1f} {secs / TARGET_S:7.2f}")
        if note:
            print(f"NOTE: not as expected: {note}")


if __name__ == "__main__":
    main()
