"""The peildatum: which version of the law decides, in every interpreter and command.

Checked here: a malformed date is refused everywhere with the field, the value and
the format (never a decision); rule files state validity correctly or fail with
file:line; the evaluator, the compiled path and Z3 agree on flows drawn around
every version date; unchanged rules hold at every date, so a date diff between
2020-07-01 and 2026-07-01 reports exactly the encoded changes (and that check
fails on a broken copy that versions an unchanged rule); and the CLI flags of
``decide``, ``prove`` and ``diff``.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broken_rules import copy_specs, edit_rule
from pettenlogic import InvalidInput, Rulebook, flow_from_json, load_rulebook
from pettenlogic.cli import main
from pettenlogic.model.peildatum import vandaag
from pettenlogic.rules.loader import SpecError, load_specs
from pettenlogic.rules.spec import Specs, versiegrenzen
from pettenlogic.solver.diff import DiffResult, semantic_diff
from strategies import dates, flow_dicts

OUD, NIEUW = "2020-07-01", "2026-07-01"
SCHULDEISER: dict[str, Any] = {
    "gegevens": {"categorie": "financieel"},
    "van": {"taak": "schuldeiser"},
    "naar": {"taak": "vroegsignalering"},
    "omstandigheden": {"noodzakelijk": True},
}
#: the rules and limits this rule set encodes in a later version (the encoded changes)
ONLY_OLD = {("fraude-geen-meldplicht-handhaving-2020", None)}
ONLY_NEW = {
    ("college-eigen-taak", 0),
    ("wgs-3-lid1b-vroegsignaal", None),
    ("wgs-8d-hergebruik-sociaal-domein", None),
    ("reintegratie-verstrekking-college-onder-27", None),
    ("reintegratie-verstrekking-college-eigen-beweging-onder-27", None),
    ("reintegratie-verstrekking-derden-onder-27", None),
    ("fraude-geen-meldplicht-handhaving", None),
}
#: where the verdict or the duties change between the two dates: creditor signals
#: (Wgs 3 lid 1 b) and reuse of college data for debt counselling (Wgs 8d)
CHANGED_PAIRS = {("schuldeiser", "vroegsignalering")} | {
    (a, b) for a in ("toeleiding", "regie_toeleiding") for b in ("toeleiding", "regie_toeleiding")
}


@pytest.fixture(scope="module")
def rb() -> Rulebook:
    return load_rulebook()


def at(flow: dict[str, Any], day: str | None) -> dict[str, Any]:
    return {**flow, "peildatum": day} if day is not None else dict(flow)


# -- fail closed ---------------------------------------------------------------------------

BAD_DATES = ["2021-02-30", "2020-7-1", "20200701", "2020-07-01T00:00", "2020-W27-3", "", 20200701]


@pytest.mark.parametrize("engine", ["evaluator", "compiled", "z3"])
@pytest.mark.parametrize("value", [*BAD_DATES, True, [], {"jaar": 2020}])
def test_a_malformed_peildatum_is_refused_naming_field_value_and_format(
    rb: Rulebook, engine: str, value: Any
) -> None:
    with pytest.raises(InvalidInput) as exc:
        rb.decide(at(SCHULDEISER, value), engine=engine)
    (problem,) = exc.value.problems
    assert problem.path == "peildatum"
    assert "YYYY-MM-DD" in problem.message
    assert json.dumps(value) in problem.message


@pytest.mark.parametrize(
    "value", ["2020-07-01", datetime.datetime(2020, 7, 1, 12, 0), 20200701, None.__class__]
)
def test_a_flow_object_needs_a_date_not_a_moment_or_text(rb: Rulebook, value: Any) -> None:
    flow = attrs.evolve(flow_from_json(SCHULDEISER), peildatum=value)
    with pytest.raises(InvalidInput) as exc:
        rb.decide(flow)
    assert exc.value.problems[0].path == "peildatum"


@pytest.mark.parametrize("value", ["2020-13-01", "gisteren"])
def test_the_peildatum_option_of_the_api_fails_closed(rb: Rulebook, value: str) -> None:
    with pytest.raises(InvalidInput, match=f"peildatum.*{value}.*YYYY-MM-DD"):
        rb.decide(SCHULDEISER, peildatum=value)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        rb.decide_many([SCHULDEISER], peildatum=value)


def test_a_rule_condition_cannot_read_the_peildatum(tmp_path: Path) -> None:
    specs = copy_specs(tmp_path)
    edit_rule(
        specs, "wgs-3-lid1b-vroegsignaal", "van.taak == 'schuldeiser'", "peildatum == '2026-07-01'"
    )
    with pytest.raises(SpecError, match=r"80_wetsversies.yaml:\d+: .*'peildatum' cannot be used"):
        load_specs(specs)


WGS, AWB = "wgs-3-lid1b-vroegsignaal", "fraude-geen-meldplicht-handhaving"


@pytest.mark.parametrize(
    ("rule", "old", "new", "message"),
    [
        (
            WGS,
            'geldig_van: "2026-07-01"',
            'geldig_van: "2026-13-01"',
            "'geldig_van' must be a date",
        ),
        (
            WGS,
            'geldig_van: "2026-07-01"',
            'geldig_van: "2026-07-01"\n    geldig_tot: "2026-07-01"',
            "geldig_tot 2026-07-01 is not after geldig_van",
        ),
        (
            AWB,
            'geldig_van: "2021-07-01"',
            'geldig_tot: "2026-07-01"',
            r"Awb 5:20 lid 2 in the version of 2026-07-01, which is not in force",
        ),
        (
            WGS,
            'geldig_van: "2026-07-01"',
            'geldig_van: "2025-01-01"',
            r"wgs 3 lid 1 \(version of 2017-04-01\) has no onderdelen",
        ),
    ],
)
def test_bad_validity_in_a_rule_file_fails_with_file_and_line(
    tmp_path: Path, rule: str, old: str, new: str, message: str
) -> None:
    specs = copy_specs(tmp_path)
    edit_rule(specs, rule, old, new)
    with pytest.raises(SpecError, match=r"80_wetsversies.yaml:\d+: .*" + message):
        load_specs(specs)


# -- the interpreters agree over the peildatum ---------------------------------------------


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow_dicts(), dates())
def test_engines_agree_on_every_day(rb: Rulebook, data: dict[str, Any], day: str) -> None:
    flow = at(data, day)
    d = rb.decide(flow)
    assert d.peildatum == day
    assert rb.decide(flow, engine="compiled") == d
    assert rb.decide(flow, engine="z3") == d


def test_without_peildatum_the_law_of_today_decides(rb: Rulebook) -> None:
    today = rb.decide(SCHULDEISER)
    assert today.peildatum == vandaag()
    assert today == rb.decide(at(SCHULDEISER, vandaag()))
    for engine in ("compiled", "z3"):
        assert rb.decide(SCHULDEISER, engine=engine) == today
    # a flow's own day wins over the option
    assert rb.decide(at(SCHULDEISER, OUD), peildatum=NIEUW).peildatum == OUD
    assert rb.decide(SCHULDEISER, peildatum=OUD).oordeel.value == "niet_toegestaan"


def test_the_decision_names_the_version_and_links_to_it(rb: Rulebook) -> None:
    d = rb.decide(at(SCHULDEISER, NIEUW)).to_dict()
    assert d["peildatum"] == NIEUW
    wgs = [b for b in d["bronnen"] if b["regeling"] == "wgs"]
    assert wgs and all(b["versie"] == NIEUW for b in wgs)
    assert all("BWBR0031331" in b["url"] and b["url"].endswith("&g=2026-07-01") for b in wgs)
    assert "Peildatum 2026-07-01" in d["uitleg"] and "geldt vanaf 2026-07-01" in d["uitleg"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow_dicts(), st.sampled_from(["1900-01-01", OUD, "2023-03-03", "9999-12-31"]))
def test_unversioned_rules_decide_alike_on_every_day(
    rb: Rulebook, data: dict[str, Any], day: str
) -> None:
    """Where no versioned rule applies on either day, the two days decide alike."""
    a, b = rb.trace(at(data, day)), rb.trace(at(data, NIEUW))
    versioned = {r.id for r in rb.specs.regels if r.versiegebonden}
    if not (a.applies | b.applies) & versioned:
        assert (a.oordeel, a.deciding, a.plichten) == (b.oordeel, b.deciding, b.plichten)


# -- the date diff reports exactly the encoded changes -------------------------------------


def changes(result: DiffResult) -> tuple[set[Any], set[Any], set[tuple[str, str]]]:
    return (
        {(v.regel, v.grens) for v in result.alleen_a},
        {(v.regel, v.grens) for v in result.alleen_b},
        {(g.van, g.naar) for g in result.groups},
    )


def only_encoded_changes(specs: Specs, result: DiffResult) -> list[str]:
    """What a date diff reports beyond the encoded changes (empty when exact)."""
    old, new, pairs = changes(result)
    problems = []
    if old != ONLY_OLD or new != ONLY_NEW:
        problems.append(f"rule changes {sorted(old)} / {sorted(new)}")
    if pairs != CHANGED_PAIRS:
        problems.append(f"changed flows {sorted(pairs ^ CHANGED_PAIRS)}")
    ev = Rulebook(specs)
    versioned = {r.id for r in specs.regels if r.versiegebonden}
    for g in result.groups:  # each differing flow is decided by a versioned rule on one day
        ta = ev.trace(at(g.getuige, OUD))
        tb = ev.trace(at(g.getuige, NIEUW))
        touched = ta.applies | tb.applies
        if not touched & versioned:
            problems.append(f"{g.van} -> {g.naar}: no versioned rule involved")
    return problems


@pytest.fixture(scope="module")
def date_diff(rb: Rulebook) -> DiffResult:
    return semantic_diff(rb.specs, rb.specs, peildatum_a=OUD, peildatum_b=NIEUW)


def test_the_date_diff_reports_exactly_the_encoded_changes(
    rb: Rulebook, date_diff: DiffResult
) -> None:
    assert date_diff.complete
    assert only_encoded_changes(rb.specs, date_diff) == []
    # and the verdicts move the way the law moved
    moves = {(g.van, g.naar, g.oordeel_a, g.oordeel_b) for g in date_diff.groups}
    assert ("schuldeiser", "vroegsignalering", "niet_toegestaan", "toegestaan") in moves
    assert ("toeleiding", "toeleiding", "verboden", "toegestaan") in moves


def test_the_exactness_check_fails_on_a_copy_that_versions_an_unchanged_rule(
    tmp_path: Path,
) -> None:
    specs = copy_specs(tmp_path)
    # a broken copy: Jeugdwet 7.4.0 (unchanged) is made to hold only from 2026
    edit_rule(
        specs,
        "jw-7.4.0-verstrekking-college",
        "laag: wet\n",
        'laag: wet\n    geldig_van: "2026-07-01"\n',
    )
    broken = load_specs(specs)
    result = semantic_diff(broken, broken, peildatum_a=OUD, peildatum_b=NIEUW)
    problems = only_encoded_changes(broken, result)
    assert any("rule changes" in p for p in problems)
    assert any("changed flows" in p for p in problems)


def test_every_version_date_splits_the_days(rb: Rulebook) -> None:
    assert versiegrenzen(rb.specs) == ("2021-07-01", NIEUW)


# -- the command line ----------------------------------------------------------------------


def run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=stdin)


def test_decide_peildatum(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(SCHULDEISER), encoding="utf-8")
    old = run("decide", "--json", "--peildatum", OUD, str(path))
    new = run("decide", "--json", "--peildatum", NIEUW, "--engine", "z3", str(path))
    assert old.exit_code == new.exit_code == 0, old.output + new.output
    assert json.loads(old.output)["oordeel"] == "niet_toegestaan"
    assert json.loads(new.output)["regels"] == ["wgs-3-lid1b-vroegsignaal"]
    lines = run("decide", "--jsonl", "--peildatum", OUD, "-", stdin=json.dumps(SCHULDEISER))
    assert lines.exit_code == 0
    assert json.loads(lines.output)["beslissing"]["peildatum"] == OUD


@pytest.mark.parametrize("command", [["decide", "-"], ["prove"], ["diff", "--tegen", OUD]])
def test_a_bad_peildatum_option_is_a_usage_error(command: list[str]) -> None:
    result = run(*command, "--peildatum", "2020-02-30", stdin="{}")
    assert result.exit_code == 2
    assert "'2020-02-30' is not a date; expected an ISO date YYYY-MM-DD" in result.output


def test_prove_peildatum() -> None:
    result = run("prove", "--json", "--peildatum", OUD, "werkgever-nooit-beslissend")
    assert result.exit_code == 0, result.output
    (outcome,) = json.loads(result.output)
    assert outcome["uitkomst"] == "geldt"


def test_prove_peildatum_shows_where_the_handreiking_reading_stopped_holding() -> None:
    """The handreiking's "another college task only after a test or consent" holds for
    the law of 2020-07-01 and is refuted from 2026-07-01 on (Wgs 8d, D55)."""
    name = "ander-collegedoel-volgens-de-handreiking"
    old = json.loads(run("prove", "--json", "--peildatum", OUD, name).output)
    new = json.loads(run("prove", "--json", "--peildatum", NIEUW, name).output)
    assert old[0]["uitkomst"] == "geldt"
    assert new[0]["uitkomst"] == "tegenvoorbeeld"
    assert new[0]["tegenvoorbeeld"]["peildatum"] == NIEUW
    assert "wgs-8d-hergebruik-sociaal-domein" in new[0]["beslissing"]["regels"]


def test_diff_peildatum_tegen() -> None:
    result = run("diff", "--json", "--peildatum", OUD, "--tegen", NIEUW)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["peildatum"], data["tegen"]) == (OUD, NIEUW)
    assert {(v["regel"], v["grens"]) for v in data["regels_alleen_tegen"]} == ONLY_NEW
    assert {(v["regel"], v["grens"]) for v in data["regels_alleen_peildatum"]} == ONLY_OLD
    assert {(g["van"], g["naar"]) for g in data["groepen"]} == CHANGED_PAIRS
    text = run("diff", "--peildatum", OUD, "--tegen", NIEUW)
    assert "wgs-3-lid1b-vroegsignaal [van 2026-07-01]" in text.output
    half = run("diff", "--peildatum", OUD)
    assert half.exit_code == 2 and "--peildatum and --tegen go together" in half.output
