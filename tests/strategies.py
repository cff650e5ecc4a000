"""Hypothesis strategies for well-formed flows, built from the single flow definition.

``flow_dicts()`` gives contract flow JSON objects (optional keys sometimes left out,
sometimes given explicitly, ``wet`` only on tasks that allow it); ``flows()`` gives
the corresponding :class:`pettenlogic.Flow` objects. Import them from tests as
``from strategies import flow_dicts, flows``.
"""

from __future__ import annotations

import datetime
import random
from functools import cache
from typing import Any

from hypothesis import strategies as st

from pettenlogic import Flow, flow_from_json
from pettenlogic.model.fields import LEEFTIJD_MAX, LEEFTIJD_MIN, FieldSpec, flow_fields
from pettenlogic.model.vocabulary import TAKEN_MET_WET
from pettenlogic.rules.loader import load_specs
from pettenlogic.rules.spec import versiegrenzen

WET_TASKS = frozenset(t.value for t in TAKEN_MET_WET)


@cache
def peildata() -> tuple[str, ...]:
    """Days around every date at which a bundled rule starts or stops holding (the day
    before, the day itself, the day after), and the two versions the texts give."""
    days = {"2020-07-01", "2026-07-01"}
    for d in versiegrenzen(load_specs()):
        day = datetime.date.fromisoformat(d)
        for delta in (-1, 0, 1):
            days.add((day + datetime.timedelta(days=delta)).isoformat())
    return tuple(sorted(days))


def dates() -> st.SearchStrategy[str]:
    """ISO dates: mostly near the rule set's version dates, sometimes any day at all."""
    return st.one_of(
        st.sampled_from(peildata()),
        st.dates().map(datetime.date.isoformat),
    )


def values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Every value the schema allows for one leaf field."""
    if spec.kind == "enum":
        base: st.SearchStrategy[Any] = st.sampled_from(spec.values)
    elif spec.kind in ("bool", "tribool"):
        base = st.booleans()
    elif spec.kind == "date":
        base = dates()
    else:
        base = st.integers(LEEFTIJD_MIN, LEEFTIJD_MAX)
    return st.one_of(base, st.none()) if spec.optional or spec.kind == "tribool" else base


def _containers(paths: list[str]) -> list[str]:
    """Dotted paths of the nested objects, parents before children."""
    seen: list[str] = []
    for path in paths:
        parts = path.split(".")[:-1]
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix not in seen:
                seen.append(prefix)
    return seen


def _put(out: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = out
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


@st.composite
def flow_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed flow as JSON (a dict)."""
    fields = flow_fields()
    out: dict[str, Any] = {}
    for path, spec in fields.items():
        if path.endswith(".wet"):
            continue  # after its taak, below
        if spec.required or draw(st.booleans()):
            _put(out, path, draw(values(spec)))
    for side in ("van", "naar"):
        spec = fields[f"{side}.wet"]
        if out[side]["taak"] in WET_TASKS:
            if draw(st.booleans()):
                out[side]["wet"] = draw(values(spec))
        elif draw(st.integers(0, 3)) == 0:
            out[side]["wet"] = None  # explicit null is allowed on every task
    for container in _containers(list(fields)):
        parent, _, name = container.rpartition(".")
        node = out
        for part in parent.split(".") if parent else []:
            node = node.setdefault(part, {})
        if name not in node and draw(st.integers(0, 3)) == 0:
            node[name] = {}  # an empty object means "all defaults"
    return out


def flows() -> st.SearchStrategy[Flow]:
    """A well-formed :class:`Flow`."""
    return flow_dicts().map(flow_from_json)


# -- plain random flows (cheap to draw, seeded) --------------------------------------------

#: ages around the thresholds the rules use (18, 23), the bounds, and anything in between
AGES = (LEEFTIJD_MIN, 11, 12, 15, 16, 17, 18, 19, 22, 23, 24, 65, LEEFTIJD_MAX)


def _value(rng: random.Random, spec: FieldSpec) -> Any:
    if spec.kind == "enum":
        # an optional enum (toestemming_door, relatie) is often absent: "as before"
        if spec.optional and rng.random() < 0.4:
            return None
        return rng.choice(spec.values)
    if spec.kind == "bool":
        return rng.random() < 0.5
    if spec.kind == "tribool":
        return rng.choice((True, False, None))
    if spec.kind == "date":
        if rng.random() < 0.25:
            return None  # today
        if rng.random() < 0.9:
            return rng.choice(peildata())
        return datetime.date.fromordinal(rng.randint(1, datetime.date.max.toordinal())).isoformat()
    if rng.random() < 0.25:
        return None
    return rng.choice(AGES) if rng.random() < 0.7 else rng.randint(LEEFTIJD_MIN, LEEFTIJD_MAX)


def random_flow(rng: random.Random) -> dict[str, Any]:
    """A well-formed flow with every field drawn uniformly (wet only where allowed).

    The six criteria of a conflict van plichten are all true in a quarter of the flows
    (uniform draws would make that case rare); ``noodzakelijk`` is often null.
    """
    out: dict[str, Any] = {}
    cvp_all = rng.random() < 0.25
    for path, spec in flow_fields().items():
        if path.endswith(".wet"):
            side = path.split(".")[0]
            taak = out[side]["taak"]
            if taak in WET_TASKS and rng.random() < 0.8:
                _put(out, path, rng.choice(spec.values))
            continue
        value = _value(rng, spec)
        if cvp_all and ".conflict_van_plichten." in path and not path.endswith("geraadpleegd"):
            value = True
        if value is not None or spec.kind == "tribool":
            _put(out, path, value)
    return out


def random_flows(n: int, seed: int) -> list[Flow]:
    rng = random.Random(seed)
    return [flow_from_json(random_flow(rng)) for _ in range(n)]
