"""What would change the verdict (solver/nearest.py): every proposed change really gives
its verdict per the evaluator, and no smaller change exists (checked by brute force)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pettenlogic import InvalidInput, Rulebook, load_rulebook
from pettenlogic.model.fields import FieldSpec, flow_fields, get_path
from pettenlogic.model.flow import Flow
from pettenlogic.model.vocabulary import Oordeel
from pettenlogic.solver.engine import Z3Engine
from pettenlogic.solver.nearest import (
    MAX_PER_OORDEEL,
    Alternatieven,
    NearestError,
    Wijziging,
    apply_changes,
    controlled_fields,
    nearest,
)
from strategies import flow_dicts

SMALL = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def domain(spec: FieldSpec) -> tuple[Any, ...]:
    """Every value a controlled field can take."""
    if spec.kind == "enum":
        return spec.values + ((None,) if spec.optional else ())
    if spec.kind == "tribool":
        return (True, False, None)
    assert spec.kind == "bool", spec
    return (True, False)


def raw(flow: Flow, path: str) -> Any:
    value = get_path(flow, path)
    return getattr(value, "value", value)


def brute_force(
    rulebook: Rulebook, flow: Flow, fields: tuple[str, ...], max_size: int
) -> dict[Oordeel, tuple[int, set[frozenset[str]]]]:
    """Per verdict: the fewest changed fields that give it, and every field set of that size.

    Every assignment of up to ``max_size`` of ``fields`` to other values is decided by
    the evaluator (no solver involved).
    """
    specs = flow_fields()
    best: dict[Oordeel, tuple[int, set[frozenset[str]]]] = {}
    for size in range(1, max_size + 1):
        for subset in itertools.combinations(fields, size):
            others = [[v for v in domain(specs[p]) if v != raw(flow, p)] for p in subset]
            for values in itertools.product(*others):
                changes = [
                    Wijziging(p, raw(flow, p), v) for p, v in zip(subset, values, strict=True)
                ]
                verdict = rulebook.decide(apply_changes(flow, changes)).oordeel
                if verdict not in best or best[verdict][0] == size:
                    best.setdefault(verdict, (size, set()))[1].add(frozenset(subset))
    return best


def violations(
    rulebook: Rulebook,
    flow: Flow,
    answer: Alternatieven,
    fields: tuple[str, ...],
    max_size: int,
    per_oordeel: int = 1,
) -> list[str]:
    """Everything wrong with ``answer`` (asked for ``per_oordeel`` changes per verdict)
    compared with the brute force over changes of up to ``max_size`` fields (exhaustive
    when ``max_size == len(fields)``)."""
    out: list[str] = []
    own = rulebook.decide(flow).oordeel
    if answer.oordeel is not own:
        out.append(f"own verdict {answer.oordeel} but the evaluator says {own}")
    truth = brute_force(rulebook, flow, fields, max_size)
    truth.pop(own, None)
    shown: dict[Oordeel, set[frozenset[str]]] = {}
    for alt in answer.alternatieven:
        changed = frozenset(w.veld for w in alt.wijzigingen)
        shown.setdefault(alt.oordeel, set()).add(changed)
        if not changed <= set(fields):
            out.append(f"{alt.oordeel}: changes {changed - set(fields)} outside the fields")
        if any(w.was == w.wordt or w.was != raw(flow, w.veld) for w in alt.wijzigingen):
            out.append(f"{alt.oordeel}: a change that changes nothing: {alt.wijzigingen}")
        replayed = rulebook.decide(apply_changes(flow, alt.wijzigingen)).oordeel
        if replayed is not alt.oordeel:
            out.append(f"{alt.wijzigingen} gives {replayed}, not {alt.oordeel}")
        if alt.oordeel in truth and len(changed) > truth[alt.oordeel][0]:
            out.append(
                f"{alt.oordeel}: {len(changed)} changes, but {truth[alt.oordeel][0]} suffice: "
                f"{sorted(map(sorted, truth[alt.oordeel][1]))}"
            )
    for verdict, (_size, sets) in truth.items():
        if verdict not in shown:
            out.append(f"{verdict} is reachable ({sorted(map(sorted, sets))}) but not shown")
        elif not shown[verdict] <= sets or len(shown[verdict]) != min(len(sets), per_oordeel):
            out.append(f"{verdict}: shown {shown[verdict]}, the smallest are {sets}")
    if max_size == len(fields):
        for verdict in answer.onbereikbaar:
            if verdict in truth:
                out.append(f"{verdict} said out of reach, but brute force reaches it")
        for verdict in Oordeel:
            if verdict is not own and verdict not in truth and verdict not in answer.onbereikbaar:
                out.append(f"{verdict} is out of reach but not listed as such")
    return out


@st.composite
def flows_and_fields(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A flow and a few controlled fields to vary (few enough to search exhaustively)."""
    flow = draw(flow_dicts())
    fields = draw(
        st.lists(st.sampled_from(controlled_fields()), min_size=1, max_size=4, unique=True)
    )
    return flow, tuple(fields)


@SMALL
@given(flows_and_fields())
def test_small_cases_match_brute_force(
    rulebook: Rulebook, case: tuple[dict[str, Any], tuple[str, ...]]
) -> None:
    """On a few fields the answer is exactly the brute force: every reachable verdict with
    all its smallest change sets, the unreachable ones listed, each change replayed."""
    data, fields = case
    flow = rulebook.as_flow(data)
    answer = nearest(rulebook, flow, velden=fields, per_oordeel=MAX_PER_OORDEEL)
    assert violations(rulebook, flow, answer, fields, len(fields), MAX_PER_OORDEEL) == []


@settings(max_examples=8, deadline=None, derandomize=True)
@given(flow_dicts())
def test_default_fields_no_smaller_change(rulebook: Rulebook, data: dict[str, Any]) -> None:
    """Over all controlled fields: each change replays to its verdict, and no change of
    fewer fields (brute force up to two fields) gives that verdict."""
    flow = rulebook.as_flow(data)
    answer = nearest(rulebook, flow)
    assert answer.velden == controlled_fields()
    assert violations(rulebook, flow, answer, controlled_fields(), 2) == []


def test_design_example(rulebook: Rulebook, design_example: dict[str, Any]) -> None:
    answer = nearest(rulebook, design_example, lang="en")
    assert answer.oordeel is Oordeel.VERPLICHT
    by_verdict = {a.oordeel: a for a in answer.alternatieven}
    # judging the transfer unnecessary is one change, and forbids it
    assert [w.to_dict() for w in by_verdict[Oordeel.VERBODEN].wijzigingen] == [
        {"veld": "omstandigheden.noodzakelijk", "was": True, "wordt": False}
    ]
    assert by_verdict[Oordeel.VERBODEN].beslissing.lang == "en"
    data = answer.to_dict()
    assert data["oordeel"] == "verplicht"
    assert data["rulebook"] == rulebook.digest
    for alt in data["alternatieven"]:
        assert rulebook.decide(alt["flow"]).oordeel.value == alt["oordeel"]
        assert alt["beslissing"]["oordeel"] == alt["oordeel"]
    assert answer.to_json().startswith('{"oordeel": "verplicht"')


def test_unknown_fields_fail_closed(rulebook: Rulebook, design_example: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        nearest(rulebook, design_example, velden=["omstandigheden.toestemming", "omstandigheid", 3])
    problems = [p.to_dict() for p in err.value.problems]
    assert [p["path"] for p in problems] == ["velden[1]", "velden[2]"]
    assert problems[0]["value"] == "omstandigheid"
    assert "omstandigheden.toestemming" in problems[0]["allowed"]
    with pytest.raises(InvalidInput, match="velden"):
        nearest(rulebook, design_example, velden=[])
    with pytest.raises(InvalidInput, match="gegevens"):
        nearest(rulebook, {"van": {"taak": "jeugdhulp"}})
    with pytest.raises(ValueError, match="per_oordeel"):
        nearest(rulebook, design_example, per_oordeel=0)


def test_task_fields_keep_the_flow_well_formed(
    rulebook: Rulebook, design_example: dict[str, Any]
) -> None:
    """Named explicitly, the tasks may change too; a wet never lands on a task without one."""
    answer = nearest(rulebook, design_example, velden=["naar.taak", "naar.wet"], per_oordeel=3)
    assert answer.alternatieven
    for alt in answer.alternatieven:
        assert rulebook.decide(alt.flow).oordeel is alt.oordeel


# -- the checks catch what they claim to catch ----------------------------------------------


def test_a_disagreeing_solver_is_an_internal_error(
    design_example: dict[str, Any],
) -> None:
    """Z3 compiled from other rules (the what-if without Jeugdwet 7.4.0) than the evaluator
    uses: its proposals do not replay, and that is an error, never an answer."""
    from pathlib import Path

    rulebook = load_rulebook()
    whatif = Path(__file__).resolve().parents[1] / "specs" / "whatif" / "zonder-7.4.0"
    rulebook._z3 = Z3Engine(load_rulebook(whatif).specs)
    with pytest.raises(NearestError, match="disagree"):
        nearest(rulebook, design_example)


def test_brute_force_catches_a_search_that_does_not_minimise(
    rulebook: Rulebook, design_example: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the soft constraints Z3 returns any flow with the verdict; the brute-force
    comparison must reject that answer."""
    monkeypatch.setattr(z3.Optimize, "add_soft", lambda self, *a, **k: None)
    flow = rulebook.as_flow(design_example)
    answer = nearest(rulebook, flow)
    assert violations(rulebook, flow, answer, controlled_fields(), 2) != []
