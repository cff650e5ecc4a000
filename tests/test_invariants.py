"""Global invariants of the bundled rule set, checked on random well-formed flows (Hypothesis).

(a) the employer never changes the decision (the task decides, handreiking ch. 1);
(b) with ``noodzakelijk: false`` no deciding rule rests on necessity;
(c) deciding is deterministic, also across freshly loaded rulebooks;
(d) the ``noodzakelijkheid`` condition appears iff necessity is unjudged and a deciding
    rule rests on it;
(e) the deciding rules match the verdict (verboden ⇒ verbod rules, verplicht ⇒ plicht rules,
    toegestaan ⇒ grond rules, niet_toegestaan ⇒ none);
(f) consent never makes a decision stricter;
(g) English decisions equal Dutch ones except for the texts.

Each check is a plain function returning the violations it finds, so the same check runs
on the bundled rules (must find nothing) and on deliberately broken rule sets (must find
something) - a property that cannot fail is not a property.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pettenlogic import Decision, Flow, Rulebook, flow_from_json, load_rulebook
from pettenlogic.evaluate import interpreter as evaluate_module
from pettenlogic.model.fields import flow_fields
from pettenlogic.model.vocabulary import TAKEN_MET_WET, Effect, Oordeel, Toestemming, Werkgever
from pettenlogic.rules.loader import bundled_specs

try:  # the shared strategy module (tests/strategies.py), if present
    from strategies import flow_dicts
except ImportError:  # pragma: no cover - fallback when it is not there yet
    WET_TASKS = frozenset(t.value for t in TAKEN_MET_WET)

    @st.composite
    def flow_dicts(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, spec in flow_fields().items():
            if path.endswith(".wet"):
                continue
            if not spec.required and not draw(st.booleans()):
                continue
            if spec.kind == "enum":
                value: Any = draw(st.sampled_from(spec.values))
            elif spec.kind == "bool":
                value = draw(st.booleans())
            elif spec.kind == "tribool":
                value = draw(st.sampled_from([True, False, None]))
            elif spec.kind == "date":
                value = draw(st.sampled_from([None, "2020-07-01", "2026-07-01"]))
            else:
                value = draw(st.one_of(st.none(), st.integers(0, 30)))
            node = out
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        for side in ("van", "naar"):
            if out[side]["taak"] in WET_TASKS and draw(st.booleans()):
                out[side]["wet"] = draw(st.sampled_from(flow_fields()[f"{side}.wet"].values))
        return out


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RB = load_rulebook()
FRESH = load_rulebook()  # a second, independently loaded copy (for determinism)
#: effect the deciding rules must have, per verdict (None: there are no deciding rules)
VERDICT_EFFECT: dict[Oordeel, Effect | None] = {
    Oordeel.VERBODEN: Effect.VERBOD,
    Oordeel.VERPLICHT: Effect.PLICHT,
    Oordeel.TOEGESTAAN: Effect.GROND,
    Oordeel.NIET_TOEGESTAAN: None,
}
STRICT = {Oordeel.VERBODEN, Oordeel.NIET_TOEGESTAAN}
PERMISSIVE = {Oordeel.TOEGESTAAN, Oordeel.VERPLICHT}


def with_omstandigheid(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out.setdefault("omstandigheden", {})[key] = value
    return out


def with_werkgever(data: dict[str, Any], werkgever: str) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out.setdefault("professional", {})["werkgever"] = werkgever
    return out


def current_werkgever(data: dict[str, Any]) -> str:
    return (data.get("professional") or {}).get("werkgever") or Werkgever.OVERIG.value


# -- the checks (each returns its violations; empty = the invariant holds) ------------------


def check_werkgever(rb: Rulebook, data: dict[str, Any]) -> list[str]:
    """(a) Every other employer gives the very same decision (all fields of to_json)."""
    base = rb.decide(data).to_dict()
    out = []
    for w in Werkgever:
        if w.value == current_werkgever(data):
            continue
        other = rb.decide(with_werkgever(data, w.value)).to_dict()
        if other != base:
            diff = sorted(k for k in base if base[k] != other[k])
            out.append(f"werkgever {current_werkgever(data)} -> {w.value} changes {diff}")
    return out


def check_noodzaak(declared: Rulebook, d: Decision, flow: Flow) -> list[str]:
    """(b) With noodzakelijk=false, no deciding rule is declared to rest on necessity.

    ``declared`` is the rulebook whose spec files say which rules rest on necessity;
    ``d`` the decision under test (normally from the same rulebook).
    """
    if flow.omstandigheden.noodzakelijk is not False:
        return []
    return [
        f"{r} rests on necessity but decided with noodzakelijk=false"
        for r in d.regels
        if declared.specs.regel(r).noodzaak
    ]


def check_deterministic(rb: Rulebook, fresh: Rulebook, data: dict[str, Any]) -> list[str]:
    """(c) Same flow, same answer: twice in a row and on a freshly loaded rulebook."""
    first = rb.decide(data).to_dict()
    out = []
    if rb.decide(data).to_dict() != first:
        out.append("second decision differs")
    if rb.decide(flow_from_json(data)).to_dict() != first:
        out.append("decision on the Flow object differs from the one on its JSON")
    if fresh.decide(data).to_dict() != first:
        out.append("freshly loaded rulebook decides differently")
    return out


def check_noodzakelijkheid_voorwaarde(rb: Rulebook, d: Decision, flow: Flow) -> list[str]:
    """(d) 'noodzakelijkheid' is open iff necessity is unjudged and a deciding rule needs it."""
    rests = any(rb.specs.regel(r).noodzaak for r in d.regels)
    expected = flow.omstandigheden.noodzakelijk is None and rests
    present = "noodzakelijkheid" in d.voorwaarde_codes
    if present != expected:
        return [f"noodzakelijkheid present={present}, expected {expected} (regels {d.regels})"]
    return []


def check_verdict_rules(rb: Rulebook, d: Decision) -> list[str]:
    """(e) Deciding rules have the effect that gives the verdict, and exist iff it needs them."""
    want = VERDICT_EFFECT[d.oordeel]
    if want is None:
        return [f"niet_toegestaan lists rules {d.regels}"] if d.regels else []
    out = [
        f"{d.oordeel.value} decided by {r} ({rb.specs.regel(r).effect.value})"
        for r in d.regels
        if rb.specs.regel(r).effect is not want
    ]
    if not d.regels:
        out.append(f"{d.oordeel.value} without any deciding rule")
    return out


def check_consent_monotone(rb: Rulebook, data: dict[str, Any]) -> list[str]:
    """(f) niet_gevraagd -> gegeven never turns toegestaan/verplicht into a strict verdict."""
    before = rb.decide(with_omstandigheid(data, "toestemming", Toestemming.NIET_GEVRAAGD.value))
    after = rb.decide(with_omstandigheid(data, "toestemming", Toestemming.GEGEVEN.value))
    if before.oordeel in PERMISSIVE and after.oordeel in STRICT:
        return [
            f"consent turns {before.oordeel.value} ({list(before.regels)}) into "
            f"{after.oordeel.value} ({list(after.regels)})"
        ]
    return []


TEXT_FIELDS = ("uitleg",)


def _without_texts(j: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in j.items() if k not in TEXT_FIELDS}
    out["plichten"] = [{k: v for k, v in p.items() if k != "tekst"} for p in j["plichten"]]
    out["voorwaarden"] = [{k: v for k, v in p.items() if k != "tekst"} for p in j["voorwaarden"]]
    return out


def check_languages(rb: Rulebook, data: dict[str, Any]) -> list[str]:
    """(g) English and Dutch decisions agree on everything but the texts."""
    nl, en = rb.decide(data, lang="nl"), rb.decide(data, lang="en")
    out = []
    if _without_texts(nl.to_dict()) != _without_texts(en.to_dict()):
        out.append("English and Dutch decisions differ beyond their texts")
    if en.lang != "en" or nl.lang != "nl":
        out.append("decision does not record its language")
    if nl.uitleg == en.uitleg:
        out.append("the explanation was not translated")
    return out


# -- the invariants on the bundled rules ----------------------------------------------------


@SETTINGS
@given(flow_dicts(), st.sampled_from(list(Werkgever)))
def test_a_werkgever_never_decides(data: dict[str, Any], werkgever: Werkgever) -> None:
    data = with_werkgever(data, werkgever.value)
    assert check_werkgever(RB, data) == []


@SETTINGS
@given(flow_dicts())
def test_b_not_necessary_never_rests_on_necessity(data: dict[str, Any]) -> None:
    data = with_omstandigheid(data, "noodzakelijk", False)
    flow = flow_from_json(data)
    d = RB.decide(flow)
    assert check_noodzaak(RB, d, flow) == []


@SETTINGS
@given(data=flow_dicts())
def test_c_deterministic(data: dict[str, Any]) -> None:
    assert check_deterministic(RB, FRESH, data) == []


@SETTINGS
@given(flow_dicts(), st.sampled_from([True, False, None]))
def test_d_noodzakelijkheid_condition(data: dict[str, Any], nood: bool | None) -> None:
    data = with_omstandigheid(data, "noodzakelijk", nood)
    flow = flow_from_json(data)
    assert check_noodzakelijkheid_voorwaarde(RB, RB.decide(flow), flow) == []


@SETTINGS
@given(flow_dicts())
def test_e_verdict_matches_rules(data: dict[str, Any]) -> None:
    assert check_verdict_rules(RB, RB.decide(data)) == []


@SETTINGS
@given(flow_dicts())
def test_f_consent_never_stricter(data: dict[str, Any]) -> None:
    assert check_consent_monotone(RB, data) == []


@SETTINGS
@given(flow_dicts())
def test_g_languages_agree(data: dict[str, Any]) -> None:
    assert check_languages(RB, data) == []


# -- each check can fail: deliberately broken rule sets --------------------------------------

#: flows for the broken-rule-set tests: a social worker reporting to the inspectorate
#: (no rule of the bundled set applies: niet_toegestaan) and two common flows.
PROBES: list[dict[str, Any]] = [
    {
        "gegevens": {"categorie": "hulpvraag"},
        "van": {"taak": "maatschappelijk_werk"},
        "naar": {"taak": "inspectie"},
        "omstandigheden": {"noodzakelijk": False},
    },
    {
        "gegevens": {"categorie": "hulpvraag"},
        "van": {"taak": "maatschappelijk_werk"},
        "naar": {"taak": "inspectie"},
        "omstandigheden": {"noodzakelijk": True, "toestemming": "niet_gevraagd"},
    },
    {
        "gegevens": {"categorie": "advies_voorziening", "betrokkene": {"leeftijd": 15}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding", "wet": "jeugdwet"},
        "professional": {"registratie": "skj", "werkgever": "gemeente"},
        "omstandigheden": {"noodzakelijk": True, "toestemming": "gegeven"},
    },
]

BROKEN_RULE = """\
thema: Opzettelijk kapotte regel (test)
regels:
  - id: {rid}
    titel: {{nl: Kapotte regel, en: Broken rule}}
    laag: {laag}
    effect: {effect}
    noodzaak: {noodzaak}
    als: "{als}"
    sectie: "3.9"
    bronnen:
      - {{regeling: jeugdwet, artikel: "4.1.8", lid: "1"}}
    uitleg: {{nl: Alleen voor de test., en: Test only.}}
"""


def broken_copy(tmp_path: Path, **rule: Any) -> Path:
    """A copy of the bundled specs with one extra rule file (99_kapot.yaml)."""
    target = tmp_path / "specs"
    shutil.copytree(bundled_specs(), target)
    values = {"laag": "wet", "effect": "grond", "noodzaak": "false", **rule}
    (target / "rules" / "99_kapot.yaml").write_text(BROKEN_RULE.format(**values), encoding="utf-8")
    return target


def test_a_can_fail_on_a_rule_about_the_employer(tmp_path: Path) -> None:
    # A (local) rule that lets the employer decide - exactly what chapter 1 rules out.
    folder = broken_copy(
        tmp_path,
        rid="kapot-werkgever-beslist",
        laag="lokaal",
        als="professional.werkgever == 'gemeente' and naar.taak == 'inspectie'",
    )
    broken = load_rulebook(folder)
    found = [v for data in PROBES for v in check_werkgever(broken, data)]
    assert found, "check (a) did not notice a rule conditioned on the employer"
    assert all(check_werkgever(RB, data) == [] for data in PROBES)


def test_b_can_fail_when_necessity_is_not_honoured(tmp_path: Path) -> None:
    # (b) cannot be broken by rule text alone: the evaluator gates every rule whose spec says
    # `noodzaak: true`, and a rule without the flag is, by its own declaration, not resting
    # on necessity. What (b) protects against is the evaluator (or loader) losing that
    # declaration. So: the broken copy declares a necessity-based ground in its YAML, and we
    # decide with a Specs object in which that declaration was dropped (as a faulty loader
    # would), while the check reads the declaration from the files. The unbroken evaluator on
    # the same files must pass the same check.
    folder = broken_copy(
        tmp_path,
        rid="kapot-noodzaak-grond",
        noodzaak="true",
        als="van.taak == 'maatschappelijk_werk' and naar.taak == 'inspectie'",
    )
    declared = load_rulebook(folder)
    lost = attrs.evolve(
        declared.specs,
        regels=tuple(
            attrs.evolve(r, noodzaak=False) if r.id == "kapot-noodzaak-grond" else r
            for r in declared.specs.regels
        ),
    )
    faulty = Rulebook(lost)
    flows = [flow_from_json(d) for d in PROBES]
    found = [v for f in flows for v in check_noodzaak(declared, faulty.decide(f), f)]
    assert found, "check (b) did not notice a necessity rule deciding with noodzakelijk=false"
    assert all(check_noodzaak(declared, declared.decide(f), f) == [] for f in flows)


def test_e_can_fail_when_the_verdict_and_its_rules_part(monkeypatch: pytest.MonkeyPatch) -> None:
    # (e) is a property of the evaluator, not of the rule texts: whatever the rules say, the
    # evaluator derives `regels` from the verdict. A rule set cannot break it, so we break the
    # evaluator instead - its table from verdict to deciding effect - and the check must
    # notice on a flow where a duty (7.4.0) and a ground (consent) are both active.
    monkeypatch.setitem(evaluate_module.VERDICT_EFFECT, Oordeel.VERPLICHT, Effect.GROND)
    faulty = Rulebook(RB.specs)
    found = [v for data in PROBES for v in check_verdict_rules(faulty, faulty.decide(data))]
    assert found, "check (e) did not notice a verplicht decision listing grond rules"
    monkeypatch.undo()
    assert all(check_verdict_rules(RB, RB.decide(data)) == [] for data in PROBES)


def test_f_can_fail_on_a_verbod_triggered_by_consent(tmp_path: Path) -> None:
    folder = broken_copy(
        tmp_path,
        rid="kapot-verbod-bij-toestemming",
        effect="verbod",
        als="toestemming and naar.taak == 'toeleiding'",
    )
    broken = load_rulebook(folder)
    found = [v for data in PROBES for v in check_consent_monotone(broken, data)]
    assert found, "check (f) did not notice a verbod that consent switches on"


@SETTINGS
@given(flow_dicts(), st.sampled_from(["nl", "en"]))
def test_decision_json_text_is_its_dict(data: dict[str, Any], lang: str) -> None:
    """``to_json`` is the JSON text of ``to_dict`` (non-ASCII kept), for every decision."""
    import json

    d = RB.decide(data, lang)
    text = d.to_json()
    assert isinstance(text, str)
    assert json.loads(text) == d.to_dict()
    assert json.loads(d.to_json(indent=2)) == d.to_dict()
    for char in {c for c in d.uitleg if ord(c) > 127}:
        assert char in text  # kept as itself, not escaped
