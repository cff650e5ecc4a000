"""Every speed figure in one run, on the same generated flows (not a test).

Run: ``python benchmarks/bench_all.py [--flows N] [--jsonl-flows N] [--limit S]
[--sizes 100,1000,10000]`` (with the package importable, e.g. ``PYTHONPATH=src``).

Part 1, the bundled rulebook on ``--flows`` seeded random flows (bench_decide's
generator): µs per decision for ``decide`` from a dict and from a Flow (default
engine and ``engine="compiled"``, warm), ``decide_many``, the JSON text round trip
(text → decision JSON text), the dict-lookup floor (a dict keyed on van, naar,
categorie), and cedarpy ``is_authorized`` / ``is_authorized_batch`` on the Cedar
export (pre-parsed PolicySet, requests built beforehand), with the ratios.
``decide_many`` is measured twice: on the flows of the warm-up (asked again) and on
fresh flows of the same kind (never asked before).
Part 2, ``pettenlogic decide --jsonl`` on ``--jsonl-flows`` lines (1 and 2
workers), once with the 10,000 flows repeated and once with every line distinct:
flows/s and peak memory (max RSS of the largest process).
Part 3, ``prove``, ``check`` and ``diff`` on the bundled rules.
Part 4, synthetic rulebooks (benchmarks/synthetic.py: the bundled rules copied under
new ids) of ``--sizes`` rules: load, decide, prove and check, each in its own
process, each bounded by ``--limit`` seconds (reported as "> limit").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_decide import SEED, random_flow  # noqa: E402
from synthetic import synthetic_specs  # noqa: E402

import pettenlogic.rules.loader as loader  # noqa: E402
from pettenlogic import flow_from_json, load_rulebook  # noqa: E402

WHATIF = HERE.parent / "specs" / "whatif"


def per_item_us(items: list[Any], call: Callable[[Any], Any], passes: int = 5) -> float:
    """Best of ``passes`` passes, µs per item (warm: the caller has warmed up). Five
    passes: the machine's speed moves within a run, and the best pass is the figure
    least moved by other work on it."""
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for item in items:
            call(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1e6


def whole_us(items: list[Any], run: Callable[[list[Any]], Iterable[Any]], passes: int = 5) -> float:
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for _ in run(items):
            pass
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1e6


def part_decide(n: int) -> list[tuple[str, str]]:
    import random

    import cedarpy

    from pettenlogic.interop.cedar import export, to_request

    rng = random.Random(SEED)
    raw = [random_flow(rng) for _ in range(n)]
    texts = [json.dumps(d) for d in raw]
    flows = [flow_from_json(d) for d in raw]
    start = time.perf_counter()
    rb = load_rulebook()
    load_s = time.perf_counter() - start
    for d in raw:  # warm-up: compiled plans, shared decisions, lazy imports
        rb.decide(d)
        rb.decide(d, engine="compiled")

    rows: list[tuple[str, str]] = [("load bundled rulebook", f"{load_s:.3f} s")]
    fig: dict[str, float] = {}
    fig["decide(dict)"] = per_item_us(raw, rb.decide)
    fig["decide(Flow)"] = per_item_us(flows, rb.decide)
    fig["decide(dict, compiled)"] = per_item_us(raw, lambda d: rb.decide(d, engine="compiled"))
    fig["decide(Flow, compiled)"] = per_item_us(flows, lambda f: rb.decide(f, engine="compiled"))
    fig["decide_many(dicts)"] = whole_us(raw, rb.decide_many)
    fig["decide_many(dicts, compiled)"] = whole_us(
        raw, lambda items: rb.decide_many(items, engine="compiled")
    )
    # flows never asked before (raw keys unseen; the rule combinations mostly known):
    # three fresh sets of the same kind, each decided once, best of the three
    fig["decide_many(dicts, compiled), unseen flows"] = min(
        whole_us(fresh, lambda items: rb.decide_many(items, engine="compiled"), 1)
        for fresh in ([random_flow(rng) for _ in range(n)] for _ in range(3))
    )
    fig["JSON text round trip (compiled)"] = per_item_us(
        texts, lambda t: rb.decide(json.loads(t), engine="compiled").to_json()
    )
    fig["JSON text round trip"] = per_item_us(texts, lambda t: rb.decide(json.loads(t)).to_json())
    table = {(d["van"]["taak"], d["naar"]["taak"], d["gegevens"]["categorie"]): 1 for d in raw}
    fig["dict lookup floor"] = per_item_us(
        raw, lambda d: table[(d["van"]["taak"], d["naar"]["taak"], d["gegevens"]["categorie"])]
    )
    cedar = export(rb.specs)
    policies = cedarpy.PolicySet.from_str(cedar.policies)
    requests = [to_request(d) for d in raw]
    fig["to_request (not in the Cedar figures)"] = per_item_us(raw, to_request, 1)
    single = requests[: max(1, n // 10)]
    fig["cedarpy is_authorized"] = per_item_us(
        single, lambda q: cedarpy.is_authorized(q, policies, []), 1
    )
    start = time.perf_counter()
    results = cedarpy.is_authorized_batch(requests, policies, [])
    fig["cedarpy is_authorized_batch"] = (time.perf_counter() - start) / n * 1e6
    agree = sum(
        (r.decision == cedarpy.Decision.Allow)
        == (rb.decide(d).oordeel.value in ("toegestaan", "verplicht"))
        for r, d in zip(results, raw, strict=True)
    )
    for name, us in fig.items():
        rows.append((f"{name} µs/flow", f"{us:,.2f}  ({1e6 / us:,.0f}/s)"))
    batch = fig["cedarpy is_authorized_batch"]
    many = ("decide_many(dicts, compiled)", "decide_many(dicts, compiled), unseen flows")
    for name in (*many, "decide_many(dicts)"):
        rows.append((f"ratio {name} / cedarpy batch", f"{fig[name] / batch:.3f}"))
    rows.append(
        (
            "ratio decide(dict, compiled) / cedarpy is_authorized",
            f"{fig['decide(dict, compiled)'] / fig['cedarpy is_authorized']:.3f}",
        )
    )
    rows.append(("Cedar agrees with decide (allow/deny)", f"{agree:,} of {n:,}"))
    rows.append(("Cedar policies / characters", f"{len(cedar.rule_ids)} / {len(cedar.policies):,}"))
    return rows


def _peak_run(args: list[str], stdin: Path) -> tuple[float, float, int]:
    """(seconds, peak MiB of the largest process, exit code) of a command."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "with open(sys.argv[1], 'rb') as f:\n"
        "    rc = subprocess.run(sys.argv[2:], stdin=f, stdout=subprocess.DEVNULL).returncode\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(stdin), *args], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024, int(out[2])


def part_jsonl(n: int, tmp: Path) -> list[tuple[str, str]]:
    import random

    rng = random.Random(SEED)
    sample = [json.dumps(random_flow(rng)) for _ in range(10_000)]
    repeating = tmp / "repeating.jsonl"
    with repeating.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(sample[i % len(sample)] + "\n")
    distinct = tmp / "distinct.jsonl"  # every line a flow of its own
    with distinct.open("w", encoding="utf-8") as f:
        for _ in range(n):
            f.write(json.dumps(random_flow(rng)) + "\n")
    rows = []
    for what, path in (("10,000 flows repeated", repeating), ("all distinct", distinct)):
        for workers in (1, 2):
            args = [sys.executable, "-m", "pettenlogic", "decide", "--jsonl"]
            args += ["--engine", "compiled", "--workers", str(workers), "-"]
            seconds, mib, rc = _peak_run(args, path)
            rows.append(
                (
                    f"decide --jsonl, {n:,} lines ({what}), --workers {workers}",
                    f"{n / seconds:,.0f} flows/s, {seconds:.1f} s, peak {mib:,.0f} MiB, exit {rc}",
                )
            )
    return rows


def part_verify() -> list[tuple[str, str]]:
    from pettenlogic.rules.loader import load_specs
    from pettenlogic.solver.check import check
    from pettenlogic.solver.diff import semantic_diff
    from pettenlogic.solver.properties import load_properties
    from pettenlogic.solver.prove import prove_all

    specs = load_specs(None)
    rows = []
    for workers in (1, 2):
        start = time.perf_counter()
        outcomes = prove_all(specs, load_properties(specs), workers=workers)
        rows.append(
            (
                f"prove ({len(outcomes)} properties), {workers} worker{'s' if workers > 1 else ''}",
                f"{time.perf_counter() - start:.2f} s",
            )
        )
    start = time.perf_counter()
    findings = check(specs)
    rows.append((f"check ({len(findings)} findings)", f"{time.perf_counter() - start:.2f} s"))
    for folder in sorted(p for p in WHATIF.iterdir() if (p / "whatif.yaml").is_file()):
        other = load_specs(folder)
        start = time.perf_counter()
        result = semantic_diff(specs, other)
        rows.append(
            (
                f"diff {folder.name} ({len(result.groups)} groups)",
                f"{time.perf_counter() - start:.2f} s",
            )
        )
    return rows


def scale_one(folder: str, op: str, limit: float) -> str:
    """One scaling figure, in this (child) process."""

    from pettenlogic.rules.loader import load_specs

    # the synthetic sets exceed the limits a rule set from elsewhere is held to
    loader.MAX_ENTRIES = 1_000_000
    loader.MAX_TOTAL_BYTES = 1 << 30
    start = time.perf_counter()
    specs = load_specs(folder)
    if op == "load":
        took = time.perf_counter() - start
        return f"{took:.2f} s" if took <= limit else f"> {limit:g} s ({took:.0f} s)"
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(int(limit) + 1)  # decide and prove: stopped when the limit is reached
    try:
        return _step(specs, op, limit)
    except _OutOfTime:
        return f"> {limit:g} s"


class _OutOfTime(Exception):
    pass


def _out_of_time(signum: int, frame: Any) -> None:
    raise _OutOfTime


def _step(specs: Any, op: str, limit: float) -> str:
    import random

    if op == "decide":
        from pettenlogic import Rulebook

        rb = Rulebook(specs)
        rng = random.Random(SEED)
        raw = [random_flow(rng) for _ in range(1_000)]
        for d in raw[:100]:
            rb.decide(d)
        ev = per_item_us(raw, rb.decide, 1)
        cold = per_item_us(raw, lambda d: rb.decide(d, engine="compiled"), 1)
        warm = per_item_us(raw, lambda d: rb.decide(d, engine="compiled"), 1)
        return f"{ev:,.0f} µs (compiled cold {cold:,.0f}, warm {warm:,.1f})"
    if op == "prove":
        from pettenlogic.solver.properties import load_properties
        from pettenlogic.solver.prove import prove_all

        props = load_properties(specs)
        took = []
        for workers in (1, 2):
            start = time.perf_counter()
            prove_all(specs, props, workers=workers)
            took.append(time.perf_counter() - start)
        return f"{took[0]:.2f} s (2 workers {took[1]:.2f} s)"
    from pettenlogic.solver.check import CheckTimeout, check

    start = time.perf_counter()
    try:
        found = check(specs, timeout_s=limit)
    except CheckTimeout as exc:
        return f"> {limit:g} s ({len(exc.findings):,} findings so far)"
    return f"{time.perf_counter() - start:.2f} s ({len(found):,} findings)"


def part_scaling(sizes: list[int], limit: float, tmp: Path) -> list[list[str]]:
    table = []
    for n in sizes:
        folder = synthetic_specs(tmp / f"syn{n}", n)
        line = [f"{n:,}"]
        for op in ("load", "decide", "prove", "check"):
            if op != "load" and line[1].startswith(">"):
                line.append("not run (load > limit)")
                continue
            args = [sys.executable, __file__, "--scale-one", str(folder), op, str(limit)]
            # the child bounds its own step; this bound also covers its loading
            backstop = limit + 60 if op == "load" else limit * 2 + 60
            try:
                done = subprocess.run(
                    args, capture_output=True, text=True, timeout=backstop, env=os.environ
                )
                line.append(done.stdout.strip() or f"failed: {done.stderr.strip()[-200:]}")
            except subprocess.TimeoutExpired:
                line.append(f"> {limit:g} s")
        table.append(line)
        print("  scaling " + " | ".join(line), file=sys.stderr, flush=True)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description="All pettenlogic speed figures in one run.")
    ap.add_argument("--flows", type=int, default=10_000)
    ap.add_argument("--jsonl-flows", type=int, default=1_000_000)  # the target's size
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per scaling step")
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--scale-one", nargs=3, metavar=("FOLDER", "OP", "LIMIT"))
    args = ap.parse_args()
    if args.scale_one:
        folder, op, limit = args.scale_one
        print(scale_one(folder, op, float(limit)))
        return

    print(
        f"pettenlogic benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        sections = [
            (f"decisions, {args.flows:,} seeded flows", part_decide(args.flows)),
            ("streaming", part_jsonl(args.jsonl_flows, tmp)),
            ("verification, bundled rules", part_verify()),
        ]
        for title, rows in sections:
            print(f"\n{title}")
            width = max(len(k) for k, _ in rows)
            for key, value in rows:
                print(f"  {key:<{width}}  {value}")
        sizes = [int(s) for s in args.sizes.split(",") if s]
        table = part_scaling(sizes, args.limit, tmp)
    print(f"\nscaling (synthetic rulebooks, limit {args.limit:g} s per step)")
    head = ["rules", "load", "decide µs/flow", "prove", "check"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for line in table:
        print("| " + " | ".join(line) + " |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
