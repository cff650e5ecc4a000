"""Synthetic large rulebooks for the scaling benchmark (not shipped, not a test).

A rulebook of N rules is the bundled one plus copies of its rules under new ids
(``<id>--k2``, ``--k3``, ...), written as extra theme files so that loading is
measured too. A copy's exceptions point at the copies of the same round, so every
round is a faithful replica of the bundled rule structure; the last round is cut
short to reach exactly N rules (dropping exceptions aimed at rules it left out).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from pettenlogic.rules.loader import bundled_specs

#: copy rounds written into one theme file (the loader takes at most 100 files)
ROUNDS_PER_FILE = 5


def _bundled_rules(folder: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted((folder / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.extend(data.get("regels") or [])
    return out


def synthetic_specs(target: Path, n_rules: int) -> Path:
    """A spec folder at ``target`` holding ``n_rules`` rules (at least the bundled ones)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(bundled_specs(), target)
    base = _bundled_rules(target)
    left = n_rules - len(base)
    k = 2
    rounds: list[dict[str, Any]] = []
    while left > 0:
        chosen = base[:left]
        ids = {r["id"] for r in chosen}
        copies = []
        for r in chosen:
            c = copy.deepcopy(r)  # no shared objects: the loader refuses YAML aliases
            c["id"] = f"{r['id']}--k{k}"
            if "uitzondering_op" in r:
                kept = [f"{t}--k{k}" for t in r["uitzondering_op"] if t in ids]
                if kept:
                    c["uitzondering_op"] = kept
                else:
                    del c["uitzondering_op"]
            copies.append(c)
        rounds.extend(copies)
        left -= len(chosen)
        k += 1
    per_file = ROUNDS_PER_FILE * len(base)
    for start in range(0, len(rounds), per_file):
        text = yaml.safe_dump(
            {
                "thema": f"Kopieën {start // per_file + 1} (synthetisch)",
                "regels": rounds[start : start + per_file],
            },
            allow_unicode=True,
            sort_keys=False,
            width=1000,
        )
        name = f"99_kopie_{start // per_file:04d}.yaml"
        (target / "rules" / name).write_text(text, encoding="utf-8")
    return target
