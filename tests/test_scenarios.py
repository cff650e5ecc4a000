"""Scenario tests: the handreiking, statement by statement, as data (tests/scenarios/*.yaml).

Each scenario names its handreiking section, a flow (contract JSON) and what the text says
the decision must be. One pytest test per scenario, with the scenario id as test id.
A scenario may carry ``xfail: "reason"`` where we believe the rule encoding departs
from the text; it then runs as a strict xfail (an unexpected pass fails the run, so a
fixed rule forces the marker to be removed).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from pettenlogic import Decision, InvalidInput, Rulebook, flow_from_json, load_rulebook
from pettenlogic.model.vocabulary import Oordeel

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
HANDREIKING = ROOT / "specs" / "handreiking.yaml"
MIN_SCENARIOS = 100
#: sections that hold context only (no normative statement to test)
CONTEXT_ONLY = frozenset({"2.1"})

SCENARIO_KEYS = {"id", "sectie", "beschrijving", "flow", "verwacht", "xfail"}
REQUIRED_KEYS = {"id", "sectie", "beschrijving", "flow", "verwacht"}
LIST_KEYS = {
    "regels",
    "plichten_bevat",
    "plichten_niet",
    "voorwaarden_bevat",
    "voorwaarden_niet",
    "bronnen_bevat",
    "grondslag",
    "uitleg_bevat",
}
VERWACHT_KEYS = {"oordeel", "beroepsgeheim", "verwerkingsverantwoordelijke"} | LIST_KEYS
OORDELEN = {o.value for o in Oordeel}


def load_scenarios() -> list[dict[str, Any]]:
    """Every scenario of tests/scenarios/*.yaml, in file order, with its file name."""
    out: list[dict[str, Any]] = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and isinstance(data.get("scenarios"), list), (
            f"{path.name}: expected a top-level 'scenarios' list"
        )
        for item in data["scenarios"]:
            assert isinstance(item, dict), f"{path.name}: every scenario must be a mapping"
            out.append({**item, "_file": path.name})
    return out


def load_secties() -> list[str]:
    data = yaml.safe_load(HANDREIKING.read_text(encoding="utf-8"))
    return [str(s["id"]) for s in data["secties"]]


def problems_of(s: dict[str, Any]) -> list[str]:
    """What is wrong with the shape of one scenario (empty when it is well-formed)."""
    sid = s.get("id", "<no id>")
    out: list[str] = []
    keys = set(s) - {"_file"}
    out += [f"{sid}: unknown key '{k}'" for k in sorted(keys - SCENARIO_KEYS)]
    out += [f"{sid}: missing key '{k}'" for k in sorted(REQUIRED_KEYS - keys)]
    if not isinstance(s.get("id"), str) or s.get("id") != str(s.get("id")).lower():
        out.append(f"{sid}: id must be a lower-case string")
    elif not s["id"].startswith(f"s-{s.get('sectie')}-"):
        out.append(f"{sid}: id must start with 's-{s.get('sectie')}-'")
    if not isinstance(s.get("sectie"), str):
        out.append(f'{sid}: sectie must be a string such as "3.2"')
    if not isinstance(s.get("beschrijving"), str) or not s.get("beschrijving", "").strip():
        out.append(f"{sid}: beschrijving must be a non-empty sentence")
    if not isinstance(s.get("flow"), dict):
        out.append(f"{sid}: flow must be a mapping")
    if "xfail" in s and (not isinstance(s["xfail"], str) or not s["xfail"].strip()):
        out.append(f"{sid}: xfail must be a non-empty reason")
    verwacht = s.get("verwacht")
    if not isinstance(verwacht, dict):
        return [*out, f"{sid}: verwacht must be a mapping"]
    out += [f"{sid}: unknown verwacht key '{k}'" for k in sorted(set(verwacht) - VERWACHT_KEYS)]
    if verwacht.get("oordeel") not in OORDELEN:
        out.append(f"{sid}: verwacht.oordeel must be one of {sorted(OORDELEN)}")
    for key in LIST_KEYS & set(verwacht):
        value = verwacht[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            out.append(f"{sid}: verwacht.{key} must be a list of strings")
    if "beroepsgeheim" in verwacht and not isinstance(verwacht["beroepsgeheim"], bool):
        out.append(f"{sid}: verwacht.beroepsgeheim must be true or false")
    if "verwerkingsverantwoordelijke" in verwacht and not isinstance(
        verwacht["verwerkingsverantwoordelijke"], str
    ):
        out.append(f"{sid}: verwacht.verwerkingsverantwoordelijke must be a string")
    return out


def bron_label(b: Any) -> str:
    """``regeling artikel[ lid N][ onder x]``, the form scenarios use in ``bronnen_bevat``."""
    return (
        f"{b.regeling.value} {b.artikel}"
        + (f" lid {b.lid}" if b.lid else "")
        + (f" onder {b.onderdeel}" if b.onderdeel else "")
    )


def mismatches(verwacht: dict[str, Any], d: Decision) -> list[str]:
    """Every way the decision differs from what the scenario expects."""
    out: list[str] = []

    def check(ok: bool, what: str, expected: Any, got: Any) -> None:
        if not ok:
            out.append(f"{what}: expected {expected!r}, got {got!r}")

    check(d.oordeel.value == verwacht["oordeel"], "oordeel", verwacht["oordeel"], d.oordeel.value)
    if "regels" in verwacht:
        check(set(d.regels) == set(verwacht["regels"]), "regels", verwacht["regels"], d.regels)
    plichten, voorwaarden = set(d.plicht_codes), set(d.voorwaarde_codes)
    for code in verwacht.get("plichten_bevat", []):
        check(code in plichten, f"plicht {code} present", True, sorted(plichten))
    for code in verwacht.get("plichten_niet", []):
        check(code not in plichten, f"plicht {code} absent", True, sorted(plichten))
    for code in verwacht.get("voorwaarden_bevat", []):
        check(code in voorwaarden, f"voorwaarde {code} present", True, sorted(voorwaarden))
    for code in verwacht.get("voorwaarden_niet", []):
        check(code not in voorwaarden, f"voorwaarde {code} absent", True, sorted(voorwaarden))
    labels = [bron_label(b) for b in d.bronnen]
    for label in verwacht.get("bronnen_bevat", []):
        check(label in labels, f"bron '{label}' cited", True, labels)
    if "beroepsgeheim" in verwacht:
        check(
            d.beroepsgeheim == verwacht["beroepsgeheim"],
            "beroepsgeheim",
            verwacht["beroepsgeheim"],
            d.beroepsgeheim,
        )
    if "verwerkingsverantwoordelijke" in verwacht:
        check(
            d.verwerkingsverantwoordelijke == verwacht["verwerkingsverantwoordelijke"],
            "verwerkingsverantwoordelijke",
            verwacht["verwerkingsverantwoordelijke"],
            d.verwerkingsverantwoordelijke,
        )
    if "grondslag" in verwacht:
        check(
            list(d.grondslag) == verwacht["grondslag"],
            "grondslag",
            verwacht["grondslag"],
            list(d.grondslag),
        )
    for text in verwacht.get("uitleg_bevat", []):
        check(text in d.uitleg, f"uitleg contains '{text}'", True, d.uitleg)
    return out


SCENARIOS = load_scenarios()


def _params() -> list[Any]:
    params = []
    for s in SCENARIOS:
        marks = []
        if isinstance(s.get("xfail"), str):
            marks.append(pytest.mark.xfail(strict=True, reason=s["xfail"]))
        params.append(pytest.param(s, id=str(s.get("id")), marks=marks))
    return params


@pytest.fixture(scope="module")
def rb() -> Rulebook:
    return load_rulebook()


@pytest.mark.parametrize("scenario", _params())
def test_scenario(scenario: dict[str, Any], rb: Rulebook) -> None:
    problems = problems_of(scenario)
    assert not problems, "malformed scenario:\n  " + "\n  ".join(problems)
    d = rb.decide(scenario["flow"], lang="nl")
    diffs = mismatches(scenario["verwacht"], d)
    assert not diffs, (
        f"{scenario['id']} (§{scenario['sectie']}): {scenario['beschrijving']}\n  "
        + "\n  ".join(diffs)
    )


def test_every_scenario_is_well_formed() -> None:
    problems = [p for s in SCENARIOS for p in problems_of(s)]
    assert not problems, "\n".join(problems)


def test_enough_scenarios() -> None:
    assert len(SCENARIOS) >= MIN_SCENARIOS, f"only {len(SCENARIOS)} scenarios"


def test_scenario_ids_unique() -> None:
    counts = Counter(str(s.get("id")) for s in SCENARIOS)
    dupes = sorted(i for i, n in counts.items() if n > 1)
    assert not dupes, f"duplicate scenario ids: {dupes}"


def test_every_sectie_exists() -> None:
    known = set(load_secties())
    unknown = sorted(
        f"{s.get('id')}: {s.get('sectie')!r}" for s in SCENARIOS if s.get("sectie") not in known
    )
    assert not unknown, "scenarios naming unknown sections:\n" + "\n".join(unknown)


def test_every_flow_is_valid_input() -> None:
    bad = []
    for s in SCENARIOS:
        try:
            flow_from_json(s.get("flow"))
        except InvalidInput as exc:
            bad.append(f"{s.get('id')}: {exc}")
    assert not bad, "invalid scenario flows:\n" + "\n".join(bad)


def test_every_normative_section_has_a_scenario() -> None:
    covered = {s.get("sectie") for s in SCENARIOS}
    missing = [sid for sid in load_secties() if sid not in CONTEXT_ONLY and sid not in covered]
    assert not missing, f"sections without a scenario: {missing}"
