"""The benchmarks' flow generator makes valid flows: a benchmark that cannot start measures nothing.

Not a timing test: it only checks that what the benchmarks feed the library is contract input,
so a new vocabulary field cannot silently break them again (peildatum did).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from pettenlogic import flow_from_json

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_decide import SEED, random_flow


def test_generated_benchmark_flows_are_valid() -> None:
    rng = random.Random(SEED)
    days = set()
    for _ in range(500):
        flow = flow_from_json(random_flow(rng))  # raises on anything malformed
        days.add(flow.peildatum)
    assert len(days) >= 2  # both today and a fixed law version are exercised
