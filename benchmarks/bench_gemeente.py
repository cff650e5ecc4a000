"""Speed of the gemeente inrichting work: the audit of each bundled example gemeente and
the synthesis (count and smallest repair). Target on 2 cores: each under 10 s.

Run: PYTHONPATH=src python benchmarks/bench_gemeente.py
"""

from __future__ import annotations

import time

from pettenlogic.gemeente.audit import audit
from pettenlogic.gemeente.loader import bundled_gemeenten, load_with_rules
from pettenlogic.gemeente.synthesis import synthesise


def main() -> None:
    for name in bundled_gemeenten():
        start = time.perf_counter()
        gemeente, specs = load_with_rules(name)
        loaded = time.perf_counter()
        found = audit(gemeente, specs)
        audited = time.perf_counter()
        result = synthesise(gemeente, specs)
        done = time.perf_counter()
        print(
            f"{name:28s} load {loaded - start:5.2f} s  check {audited - loaded:5.2f} s "
            f"({len(found)} findings)  synthesis {done - audited:5.2f} s "
            f"({result.aantal} consistent, {len(result.wijzigingen)} changes)"
        )


if __name__ == "__main__":
    main()
