"""Benchmark of Rulebook.decide on 10,000 fixed random flows (not a test).

Run: ``python benchmarks/bench_decide.py [--count N] [--profile]``.

The flows are generated once with ``random.Random(20261128)`` over the flow fields
(enums uniformly, booleans, leeftijd 0..30 or absent, noodzakelijk true/false/null,
``wet`` only on the tasks that take one) and converted to Flow objects before timing.
After a warm-up pass it times, per flow, with ``time.perf_counter_ns``:

* ``decide``      - ``rb.decide(flow)`` (the public in-process call);
* ``trace``       - ``rb.evaluator.trace(flow)`` alone (the rule evaluation);
* ``json trip``   - ``flow_from_json`` + ``decide`` + ``to_json`` (the JSON service path).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from pettenlogic import Flow, flow_from_json, load_rulebook
from pettenlogic.model.fields import flow_fields
from pettenlogic.model.vocabulary import TAKEN_MET_WET

SEED = 20261128
COUNT = 10_000
TARGET_US = 50.0
WET_TASKS = frozenset(t.value for t in TAKEN_MET_WET)


def random_flow(rng: random.Random) -> dict[str, Any]:
    """One well-formed flow as JSON; optional fields are sometimes left out."""
    out: dict[str, Any] = {}
    for path, spec in flow_fields().items():
        if path.endswith(".wet"):
            continue
        if spec.kind == "enum":
            value: Any = rng.choice(spec.values)
        elif spec.kind == "bool":
            value = rng.random() < 0.5
        elif spec.kind == "tribool":
            value = rng.choice([True, False, None])
        elif spec.kind == "date":  # peildatum: mostly today, sometimes either law version
            value = rng.choice([None, None, "2020-07-01", "2026-07-01"])
            if value is None:
                continue
        else:  # leeftijd
            value = rng.randint(0, 30) if rng.random() < 0.8 else None
            if value is None:
                continue
        if not spec.required and spec.kind != "tribool" and rng.random() < 0.3:
            continue  # leave it to the default
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    for side in ("van", "naar"):
        if out[side]["taak"] in WET_TASKS and rng.random() < 0.8:
            out[side]["wet"] = rng.choice(flow_fields()[f"{side}.wet"].values)
    return out


def timed(items: list[Any], call: Callable[[Any], Any]) -> list[int]:
    """Nanoseconds per call, one call per item (after the caller's warm-up)."""
    clock = time.perf_counter_ns
    out = []
    for item in items:
        t0 = clock()
        call(item)
        out.append(clock() - t0)
    return out


def percentile(sorted_ns: list[int], p: float) -> float:
    k = (len(sorted_ns) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(sorted_ns) - 1)
    return sorted_ns[lo] + (sorted_ns[hi] - sorted_ns[lo]) * (k - lo)


def row(name: str, ns: list[int]) -> str:
    s = sorted(ns)
    total = sum(ns) / 1e9
    med = statistics.median(s) / 1e3
    return (
        f"{name:<10} {len(ns):>7} {med:>9.1f} {statistics.fmean(s) / 1e3:>9.1f} "
        f"{percentile(s, 0.95) / 1e3:>9.1f} {percentile(s, 0.99) / 1e3:>9.1f} "
        f"{total:>8.3f} {len(ns) / total:>10.0f} {med / TARGET_US:>8.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--profile", action="store_true", help="cProfile the decide pass")
    args = parser.parse_args()

    rng = random.Random(SEED)
    raw = [random_flow(rng) for _ in range(args.count)]
    flows: list[Flow] = [flow_from_json(d) for d in raw]
    rb = load_rulebook()

    for f in flows:  # warm-up: compile caches, lazy imports, branch predictors
        rb.decide(f)
        rb.evaluator.trace(f)

    decide_ns = timed(flows, rb.decide)
    trace_ns = timed(flows, rb.evaluator.trace)
    trip_ns = timed(raw, lambda d: rb.decide(flow_from_json(d)).to_dict())
    dict_ns = timed(raw, rb.decide)
    # the compiled path: a cold pass (plans built, every new signature decided by the
    # interpreter) and a warm pass (the same flows again: residues and lookups only)
    cold = load_rulebook()
    cold_ns = timed(raw, lambda d: cold.decide(d, engine="compiled"))
    warm_ns = timed(raw, lambda d: cold.decide(d, engine="compiled"))
    start = time.perf_counter()
    for _ in cold.decide_many(raw, engine="compiled"):
        pass
    many_s = time.perf_counter() - start

    verdicts: dict[str, int] = {}
    for f in flows:
        v = rb.decide(f).oordeel.value
        verdicts[v] = verdicts.get(v, 0) + 1

    print(f"pettenlogic decide benchmark - {args.count} flows, seed {SEED}, target {TARGET_US} µs")
    print("verdicts: " + ", ".join(f"{k} {n}" for k, n in sorted(verdicts.items())))
    print()
    print(
        f"{'what':<10} {'count':>7} {'median µs':>9} {'mean µs':>9} {'p95 µs':>9} "
        f"{'p99 µs':>9} {'total s':>8} {'per s':>10} {'med/tgt':>8}"
    )
    print(row("decide", decide_ns))
    print(row("trace", trace_ns))
    print(row("json trip", trip_ns))
    print(row("dict", dict_ns))
    print(row("cmp cold", cold_ns))
    print(row("cmp warm", warm_ns))
    print()
    shared = len(cold.fast.memo)
    print(
        f"compiled: {len(cold.fast.bits)} generated van.taak functions, "
        f"{len(cold.fast.relevant)} rule combinations, {shared} decisions kept "
        f"for {args.count} flows; decide_many (compiled, warm, from dicts) "
        f"{args.count / many_s:,.0f} flows/s; warm/evaluator median ratio "
        f"{statistics.median(warm_ns) / statistics.median(dict_ns):.2f}"
    )

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for f in flows:
            rb.decide(f)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
        print()
        print(buf.getvalue())


if __name__ == "__main__":
    main()
