"""The Cedar export is an independent oracle: Cedar decides as the evaluator does.

On the allow/deny projection (toegestaan or verplicht = Allow) Cedar, evaluating
the exported policies, must give the evaluator's verdict on every flow, and the
policies it names as reasons must be the rules that were active on the deciding
side. Checked on 10,000 seeded random flows and a sample of the reduced exhaustive
domain (batched), on Hypothesis flows, and on a broken rule set with local rules and
exceptions across layers; Cedar's validator must accept the exported schema and
policies. The oracle is shown to catch a changed rule.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import attrs
import cedarpy
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from pettenlogic import InvalidInput, Rulebook, flow_from_json, load_rulebook
from pettenlogic.cli import main
from pettenlogic.interop.cedar import (
    MANIFEST_FILE,
    POLICY_FILE,
    SCHEMA_FILE,
    CedarExport,
    export,
    to_request,
)
from pettenlogic.model.vocabulary import Oordeel
from strategies import flow_dicts, random_flow
from test_differential import broken_copy, exhaustive_flows

SEED = 20261129
ALLOW = {Oordeel.TOEGESTAAN, Oordeel.VERPLICHT}


@attrs.frozen
class Oracle:
    rulebook: Rulebook
    cedar: CedarExport
    policies: Any  # a pre-parsed cedarpy.PolicySet

    @classmethod
    def of(cls, rulebook: Rulebook, exported_from: Rulebook | None = None) -> Oracle:
        cedar = export((exported_from or rulebook).specs)
        return cls(rulebook, cedar, cedarpy.PolicySet.from_str(cedar.policies))


def expected(rb: Rulebook, flow: dict[str, Any]) -> tuple[bool, set[str], Any]:
    """(allow, the rules Cedar should name, the trace) according to the evaluator."""
    trace = rb.trace(flow)
    allow = trace.oordeel in ALLOW
    if trace.oordeel is Oordeel.VERBODEN:
        reasons = {i for i in trace.active if not rb.evaluator.by_id[i].permissief}
    elif allow:
        reasons = {i for i in trace.active if rb.evaluator.by_id[i].permissief}
    else:
        reasons = set()
    return allow, reasons, trace


def disagreements(
    oracle: Oracle, flows: list[dict[str, Any]], with_schema: bool = True
) -> list[str]:
    """A report per flow on which Cedar and the evaluator differ: the flow, both
    decisions, and the rules involved. ``with_schema`` has Cedar check each request
    against the exported schema as well (it doubles Cedar's time)."""
    requests = [to_request(f) for f in flows]
    schema = oracle.cedar.schema if with_schema else None
    results = cedarpy.is_authorized_batch(requests, oracle.policies, [], schema=schema)
    reports = []
    for flow, result in zip(flows, results, strict=True):
        allow, reasons, trace = expected(oracle.rulebook, flow)
        got_allow = result.decision == cedarpy.Decision.Allow
        got = {oracle.cedar.rule_of(p) for p in result.diagnostics.reasons}
        if result.diagnostics.errors or got_allow != allow or got != reasons:
            reports.append(
                f"flow {json.dumps(flow, ensure_ascii=False)}\n"
                f"  evaluator: {trace.oordeel.value} ({'Allow' if allow else 'Deny'}), "
                f"deciding {sorted(r.id for r in trace.deciding)}, active {sorted(trace.active)}, "
                f"applies {sorted(trace.applies)}\n"
                f"  cedar: {result.decision.value}, policies {sorted(got)}, "
                f"errors {result.diagnostics.errors}"
            )
    return reports


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    return Oracle.of(load_rulebook())


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Rulebook:
    return load_rulebook(broken_copy(tmp_path_factory.mktemp("broken")))


def validate(cedar: CedarExport) -> Any:
    return cedarpy.validate_policies(cedar.policies, cedar.schema)


def test_cedar_validator_accepts_the_export(oracle: Oracle, broken: Rulebook) -> None:
    for cedar in (oracle.cedar, export(broken.specs)):
        result = validate(cedar)
        assert result.validation_passed, result.errors
        assert len(cedar.rule_ids) == cedar.policies.count("\nwhen {")


def test_cedar_validator_is_strict(oracle: Oracle) -> None:
    """The validator really checks values and attributes (so acceptance means something)."""
    wrong_value = oracle.cedar.policies.replace('Taak::"jeugdhulp"', 'Taak::"jeugdhulpje"', 1)
    wrong_field = oracle.cedar.policies.replace(
        "context.omstandigheden.toestemming", "context.omstandigheden.toestemmming", 1
    )
    for text in (wrong_value, wrong_field):
        assert text != oracle.cedar.policies
        assert not validate(attrs.evolve(oracle.cedar, policies=text)).validation_passed


def test_seeded_flows_agree(oracle: Oracle) -> None:
    """10,000 random flows, and a sample of the reduced exhaustive domain (whose full
    run is in test_differential); the first 500 also checked against the schema."""
    rng = random.Random(SEED)
    flows = [random_flow(rng) for _ in range(10_000)]
    flows += rng.sample(exhaustive_flows(), 2_000)
    bad = disagreements(oracle, flows[:500]) + disagreements(oracle, flows[500:], False)
    assert not bad, f"{len(bad)} disagreements, e.g.\n" + "\n".join(bad[:3])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flow_dicts())
def test_hypothesis_flows_agree(oracle: Oracle, flow: dict[str, Any]) -> None:
    bad = disagreements(oracle, [flow])
    assert not bad, bad[0]


def test_broken_rule_set_agrees(broken: Rulebook) -> None:
    """Local rules, exceptions across layers and plichten under verboden export faithfully."""
    rng = random.Random(SEED + 1)
    flows = [random_flow(rng) for _ in range(1_000)]
    oracle = Oracle.of(broken)
    bad = disagreements(oracle, flows[:200]) + disagreements(oracle, flows[200:], False)
    assert not bad, f"{len(bad)} disagreements, e.g.\n" + "\n".join(bad[:3])


def test_oracle_catches_a_changed_rule(broken: Rulebook) -> None:
    """Cedar running the bundled rules disagrees with an evaluator running broken ones,
    and the report shows the flow, both decisions and the rules."""
    rng = random.Random(SEED + 2)
    stale = Oracle.of(broken, exported_from=load_rulebook())
    bad = disagreements(stale, [random_flow(rng) for _ in range(300)], False)
    assert bad
    assert "flow {" in bad[0] and "evaluator:" in bad[0] and "cedar:" in bad[0]
    assert "deciding [" in bad[0] and "policies [" in bad[0]


def test_to_request_maps_every_field(oracle: Oracle) -> None:
    flow = {
        "gegevens": {"categorie": "diagnose", "betrokkene": {"leeftijd": 15}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding", "wet": "jeugdwet"},
        "omstandigheden": {"noodzakelijk": None, "toestemming": "gegeven"},
    }
    request = to_request(flow)
    assert request["principal"] == {"type": "Taak", "id": "jeugdhulp"}
    assert request["resource"] == {"type": "Taak", "id": "toeleiding"}
    assert request["action"] == {"type": "Action", "id": "verstrekken"}
    context = request["context"]
    assert context["gegevens"]["betrokkene"] == {"leeftijd": 15}
    assert context["naar"]["wet"] == {"__entity": {"type": "Wet", "id": "jeugdwet"}}
    assert context["van"] == {}  # no wet: the optional attribute is absent
    assert "noodzakelijk" not in context["omstandigheden"]
    assert context["omstandigheden"]["toestemming"]["__entity"]["id"] == "gegeven"
    assert context["professional"]["beroepscode"] is False  # defaults are filled in
    assert to_request(flow_from_json(flow)) == request  # a Flow maps the same


@pytest.mark.parametrize(
    "bad",
    [
        {"gegevens": {"categorie": "diagnose"}, "van": {"taak": "jeugdhulp"}},
        {"gegevens": {"categorie": "dna"}, "van": {"taak": "jeugdhulp"}, "naar": {"taak": "x"}},
        [],
        None,
    ],
)
def test_to_request_fails_closed(bad: Any) -> None:
    with pytest.raises(InvalidInput):
        to_request(bad)


def test_to_request_checks_flow_objects() -> None:
    flow = flow_from_json(
        {
            "gegevens": {"categorie": "diagnose"},
            "van": {"taak": "jeugdhulp"},
            "naar": {"taak": "inspectie"},
        }
    )
    forged = attrs.evolve(flow, van=attrs.evolve(flow.van, taak="jeugdhulpje"))
    with pytest.raises(InvalidInput):
        to_request(forged)


def test_cli_export_writes_valid_files(tmp_path: Path, oracle: Oracle) -> None:
    out = tmp_path / "cedar"
    result = CliRunner().invoke(main, ["export", "--format", "cedar", "--out", str(out)])
    assert result.exit_code == 0, result.output
    policies = (out / POLICY_FILE).read_text("utf-8")
    schema = (out / SCHEMA_FILE).read_text("utf-8")
    manifest = json.loads((out / MANIFEST_FILE).read_text("utf-8"))
    assert policies == oracle.cedar.policies and schema == oracle.cedar.schema
    assert cedarpy.validate_policies(policies, schema).validation_passed
    assert list(manifest["policies"].values()) == list(oracle.cedar.rule_ids)
    assert manifest["rulebook"] == oracle.rulebook.digest


def test_cli_export_invalid_rules_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["export", "--format", "cedar", "--out", str(tmp_path / "x"), "--rules", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()
