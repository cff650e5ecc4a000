#!/usr/bin/env python3
"""A fuzzing campaign against the flow entry points, with figures (not a test).

Runs the mutators of ``tests/fuzzing.py`` at a larger scale than CI does: mutated
dict flows and mutated :class:`~pettenlogic.Flow` objects through
``Rulebook.decide`` (the evaluator, compiled and Z3 engines in turn), and valid
random flows that must all decide. Prints, per kind: tried / refused / crashes / accepted invalid /
permitting on invalid, and the first few offenders.

Usage::

    python tools/fuzz.py [--json-flows N] [--objects N] [--valid N] [--seed S]

Exit status 0 when every invalid input was refused and every valid one decided.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzzing import Tally, fuzz_json, fuzz_objects
from pettenlogic import load_rulebook
from strategies import random_flow, random_flows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json-flows", type=int, default=120_000)
    parser.add_argument("--objects", type=int, default=30_000)
    parser.add_argument("--valid", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    rb = load_rulebook()
    ok = True

    def report(name: str, tally: Tally, seconds: float) -> None:
        nonlocal ok
        print(f"{name:18} {tally.summary()}  ({seconds:.1f} s)")
        for line in (tally.crashes + tally.accepted_invalid)[:5]:
            print(f"    {line}")
        ok = ok and tally.clean

    start = time.perf_counter()
    base = [random_flow(random.Random(args.seed + i)) for i in range(500)]
    report(
        "mutated dicts",
        fuzz_json(rb, base, args.seed, args.json_flows),
        time.perf_counter() - start,
    )
    start = time.perf_counter()
    objects = random_flows(500, args.seed)
    report(
        "mutated Flows",
        fuzz_objects(rb, objects, args.seed, args.objects),
        time.perf_counter() - start,
    )
    start = time.perf_counter()
    rng = random.Random(args.seed)
    failures = 0
    for _ in range(args.valid):
        try:
            rb.decide(random_flow(rng))
        except Exception as exc:  # a valid flow must always decide
            failures += 1
            if failures <= 5:
                print(f"    valid flow failed: {type(exc).__name__}: {exc}")
    took = time.perf_counter() - start
    print(f"{'valid flows':18} tried {args.valid}, failed {failures}  ({took:.1f} s)")
    ok = ok and failures == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
