"""``pettenlogic check``: consistency findings, each replayed through the evaluator.

The bundled rules have no errors or warnings (only informational grond/verbod
overlaps, where the verbod wins by design). Seeded defects in temporary copies, or
in gemeente files, must each be reported with the right kind, the rules involved,
and a witness flow that really shows the problem when the evaluator decides it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from broken_rules import add_rules, copy_specs
from pettenlogic import Rulebook, flow_from_json, flow_to_json
from pettenlogic.cli import main
from pettenlogic.rules.loader import SpecError, load_specs
from pettenlogic.rules.spec import Specs
from pettenlogic.solver.check import Finding, check

FINDING_KEYS = {"soort", "ernst", "regels", "bericht", "getuige", "kern"}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def rule(
    rid: str,
    als: str,
    effect: str = "grond",
    laag: str = "wet",
    extra: str = "",
    sectie: str = "1.7",
) -> str:
    """One rule in YAML (a law article is always cited, as the loader demands)."""
    return f"""\
  - id: {rid}
    titel: {{nl: {rid}, en: {rid}}}
    laag: {laag}
    effect: {effect}
    als: "{als}"
    sectie: "{sectie}"
{extra}    bronnen:
      - {{regeling: avg, artikel: "6", lid: "1"}}
    uitleg: {{nl: Zaadfout voor de check-test., en: Seeded defect for the check test.}}
"""


def theme(*rules: str) -> str:
    return "thema: Zaadfouten\nregels:\n" + "\n".join(rules)


def findings_of(specs: Specs, soort: str | None = None) -> list[Finding]:
    return [f for f in check(specs) if soort is None or f.soort == soort]


def with_rules(tmp_path: Path, *rules: str) -> Specs:
    folder = copy_specs(tmp_path)
    add_rules(folder, "99_zaadfouten.yaml", theme(*rules))
    return load_specs(folder)


def gemeente(tmp_path: Path, *rules: str) -> Path:
    path = tmp_path / "gemeente.yaml"
    path.write_text(theme(*rules), encoding="utf-8")
    return path


def decided(specs: Specs, witness: dict[str, Any] | None) -> Any:
    """The evaluator's trace of a witness flow (which must be valid §4 input)."""
    assert witness is not None
    flow = flow_from_json(witness)
    assert flow_to_json(flow) == witness
    return Rulebook(specs).trace(flow)


@pytest.fixture(scope="module")
def bundled_findings() -> list[Finding]:
    return check(load_specs(None))


# -- the bundled rules ---------------------------------------------------------------------


def test_bundled_rules_have_no_errors_or_warnings(bundled_findings: list[Finding]) -> None:
    serious = [f for f in bundled_findings if f.ernst != "info"]
    assert not serious, "\n".join(f"{f.soort}: {f.bericht}" for f in serious)
    assert {f.soort for f in bundled_findings} <= {"overlap"}


def test_bundled_overlaps_are_real_and_the_verbod_wins(bundled_findings: list[Finding]) -> None:
    specs = load_specs(None)
    by_id = {r.id: r for r in specs.regels}
    for f in bundled_findings:
        t = decided(specs, f.getuige)
        assert set(f.regels) <= t.effective, f.bericht
        effects = {by_id[r].effect.value for r in f.regels}
        assert effects == {"grond", "verbod"}
        assert t.oordeel.value == "verboden"


def test_cli_check_bundled_exit_0() -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("te zien met --info)")
    assert result.stdout.startswith("0 bevindingen")
    english = run("check", "--lang", "en")
    assert english.stdout.startswith("0 findings") and "shown with --info)" in english.stdout
    info = run("check", "--info")
    assert info.exit_code == 0
    assert "info: overlap:" in info.stdout


def test_cli_check_json_shape() -> None:
    result = run("check", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"bevindingen", "seconden"}
    assert data["bevindingen"], "the informational overlaps are listed in JSON"
    for item in data["bevindingen"]:
        assert set(item) == FINDING_KEYS
        assert item["ernst"] in ("fout", "waarschuwing", "info")
        assert isinstance(item["regels"], list) and item["regels"]
        if item["getuige"] is not None:
            flow_from_json(item["getuige"])


# -- seeded defects ------------------------------------------------------------------------


def test_conflict_plicht_and_verbod_in_the_wet_layer(tmp_path: Path) -> None:
    """A wet verbod on calamity reports meets the 4.1.8 reporting duty, no exception."""
    specs = with_rules(
        tmp_path,
        rule(
            "zaad-verbod-inspectie",
            "naar.taak == 'inspectie' and omstandigheden.calamiteit",
            effect="verbod",
        ),
    )
    conflicts = findings_of(specs, "conflict")
    assert conflicts, "no conflict reported"
    mine = [f for f in conflicts if "zaad-verbod-inspectie" in f.regels]
    assert {r for f in mine for r in f.regels} >= {
        "zaad-verbod-inspectie",
        "jw-4.1.8-lid1-melding-calamiteit-geweld",
    }
    for f in mine:
        assert f.ernst == "fout"
        t = decided(specs, f.getuige)
        assert set(f.regels) <= t.effective, "the witness does not trigger both rules"
        assert t.oordeel.value == "verboden"
    # the bundled rules report no conflict at all, so these come from the seeded rule
    assert all("zaad-verbod-inspectie" in f.regels for f in conflicts)


def test_conflict_cli_exit_1_with_witness(tmp_path: Path) -> None:
    folder = copy_specs(tmp_path)
    add_rules(
        folder,
        "99_zaadfouten.yaml",
        theme(rule("zaad-verbod-ots", "naar.taak == 'gecertificeerde_instelling'", "verbod")),
    )
    result = run("check", "--rules", str(folder), "--json")
    assert result.exit_code == 1, result.output
    found = [f for f in json.loads(result.stdout)["bevindingen"] if f["soort"] == "conflict"]
    assert found and all("zaad-verbod-ots" in f["regels"] for f in found)
    assert any("jw-7.3.11-lid4-ots-desgevraagd" in f["regels"] for f in found)
    text = run("check", "--rules", str(folder))
    assert text.exit_code == 1
    assert "fout: conflict:" in text.stdout and "  getuige: {" in text.stdout


DEAD = [
    (
        "zaad-dood-wet-bij-jeugdhulp",
        "van.taak == 'jeugdhulp' and van.wet == 'wmo'",
        {
            "zaad-dood-wet-bij-jeugdhulp: van.taak == 'jeugdhulp'",
            "zaad-dood-wet-bij-jeugdhulp: van.wet == 'wmo'",
        },
        True,
    ),
    (
        "zaad-dood-leeftijd",
        "gegevens.betrokkene.leeftijd > 200 and naar.taak == 'verwijsindex'",
        {"zaad-dood-leeftijd: gegevens.betrokkene.leeftijd > 200"},
        True,
    ),
    (
        "zaad-dood-twee-taken",
        "naar.taak == 'inspectie' and omstandigheden.pgb and naar.taak == 'verwijsindex'",
        {
            "zaad-dood-twee-taken: naar.taak == 'inspectie'",
            "zaad-dood-twee-taken: naar.taak == 'verwijsindex'",
        },
        False,
    ),
]


@pytest.mark.parametrize(("rid", "als", "core", "welgevormd"), DEAD, ids=[d[0] for d in DEAD])
def test_dead_rule_with_unsat_core(
    rid: str, als: str, core: set[str], welgevormd: bool, tmp_path: Path
) -> None:
    specs = with_rules(tmp_path, rule(rid, als))
    dead = [f for f in findings_of(specs, "dood") if f.regels == (rid,)]
    assert len(dead) == 1
    f = dead[0]
    assert f.ernst == "fout" and f.getuige is None
    assert f.kern, "a dead rule needs an unsat core"
    kern = set(f.kern)
    # exactly the clashing conjuncts: a conjunct outside the clash (the Verwijsindex in
    # the age case, pgb in the two-task case) is left out of the core
    assert {k for k in kern if not k.startswith("welgevormd#")} == core, kern
    # a well-formedness constraint takes part exactly when the clash is with the vocabulary
    assert any(k.startswith("welgevormd#") for k in kern) is welgevormd
    # nothing else became dead
    assert [g.regels for g in findings_of(specs, "dood")] == [(rid,)]


def test_dead_toekenning(tmp_path: Path) -> None:
    """A controller assignment after a broader one never takes effect (first match wins)."""
    folder = copy_specs(tmp_path)
    add_rules(
        folder,
        "99_zaadfouten.yaml",
        """\
thema: Zaadfout
toekenningen:
  - id: zaad-vvo-toeleiding
    kenmerk: verwerkingsverantwoordelijke
    waarde: aanbieder
    als: "naar.taak == 'toeleiding'"
    sectie: "1.2"
    bronnen:
      - {regeling: avg, artikel: "4", onderdeel: "7"}
    uitleg: {nl: Zaadfout., en: Seeded defect.}
""",
    )
    specs = load_specs(folder)
    dead = [f for f in findings_of(specs, "dood") if f.regels == ("zaad-vvo-toeleiding",)]
    assert len(dead) == 1 and "never takes effect" in dead[0].bericht


def test_shadowed_rule(tmp_path: Path) -> None:
    """A wet ground that always meets the file-matching verbod applies but never decides."""
    rid = "zaad-grond-bestandskoppeling"
    specs = with_rules(
        tmp_path,
        rule(rid, "naar.taak == 'vroegsignalering' and omstandigheden.bestandskoppeling"),
    )
    shadowed = [f for f in findings_of(specs, "overschaduwd") if f.regels == (rid,)]
    assert len(shadowed) == 1
    f = shadowed[0]
    assert f.ernst == "waarschuwing"
    t = decided(specs, f.getuige)
    assert rid in t.applies and rid not in {r.id for r in t.deciding}
    assert t.oordeel.value == "verboden"
    # and the CLI reports the warning with exit 1
    folder = copy_specs(tmp_path / "cli")
    add_rules(
        folder,
        "99_zaadfouten.yaml",
        theme(rule(rid, "naar.taak == 'vroegsignalering' and omstandigheden.bestandskoppeling")),
    )
    result = run("check", "--rules", str(folder))
    assert result.exit_code == 1
    assert f"waarschuwing: overschaduwd: {rid} applies" in result.stdout


def test_shadowed_by_an_exception(tmp_path: Path) -> None:
    """A richtlijn verbod that an always-applying exception defeats is shadowed too."""
    exc = rule(
        "zaad-uitzondering",
        "naar.taak == 'politie_justitie'",
        laag="richtlijn",
        extra="    uitzondering_op: [zaad-verbod-politie]\n",
    )
    target = rule("zaad-verbod-politie", "naar.taak == 'politie_justitie'", "verbod", "richtlijn")
    specs = with_rules(tmp_path, target, exc)
    shadowed = [
        f for f in findings_of(specs, "overschaduwd") if f.regels == ("zaad-verbod-politie",)
    ]
    assert len(shadowed) == 1
    t = decided(specs, shadowed[0].getuige)
    assert ("zaad-verbod-politie", "zaad-uitzondering") in t.defeated


# -- gemeente files --------------------------------------------------------------------------


def test_lokaal_verbod_on_meldrecht_is_set_aside(tmp_path: Path) -> None:
    path = gemeente(
        tmp_path,
        rule(
            "lokaal-niet-melden-veilig-thuis",
            "naar.taak == 'veilig_thuis'",
            "verbod",
            "lokaal",
            sectie="3.2",
        ),
    )
    specs = load_specs(None, gemeente=path)
    opzij = findings_of(specs, "lokaal_opzij")
    assert opzij and all(f.regels[0] == "lokaal-niet-melden-veilig-thuis" for f in opzij)
    by_id = {r.id: r for r in specs.regels}
    law = {f.regels[1] for f in opzij}
    assert "wmo-5.2.6-melding-veilig-thuis" in law
    for f in opzij:
        assert f.ernst == "fout"
        assert by_id[f.regels[1]].laag.value in ("wet", "richtlijn")
        t = decided(specs, f.getuige)
        assert set(f.regels) <= t.effective
        assert "lokaal-niet-melden-veilig-thuis" in {rule for rule, _ in t.overridden}
        assert t.oordeel.value != "verboden", "the local verbod must not decide"
    result = run("check", "--gemeente", str(path), "--json")
    assert result.exit_code == 1
    kinds = {f["soort"] for f in json.loads(result.stdout)["bevindingen"]}
    assert "lokaal_opzij" in kinds


def test_lokale_grond_zonder_wet(tmp_path: Path) -> None:
    rid = "lokaal-financieel-naar-handhaving"
    path = gemeente(
        tmp_path,
        rule(
            rid,
            "naar.taak == 'handhaving' and gegevens.categorie == 'financieel'",
            laag="lokaal",
            sectie="3.12",
        ),
    )
    specs = load_specs(None, gemeente=path)
    found = [f for f in findings_of(specs, "lokale_grond_zonder_wet") if f.regels == (rid,)]
    assert len(found) == 1
    t = decided(specs, found[0].getuige)
    by_id = {r.id: r for r in specs.regels}
    assert rid in t.active and rid in {r.id for r in t.deciding}
    assert t.oordeel.value == "toegestaan"
    higher = [i for i in t.effective if by_id[i].laag.value != "lokaal" and by_id[i].permissief]
    assert not higher, "a higher-layer rule permits the witness after all"


def test_lokaal_exception_to_wet_has_no_effect(tmp_path: Path) -> None:
    rid = "lokaal-doorbreekt-geheim"
    path = gemeente(
        tmp_path,
        rule(
            rid,
            "naar.taak == 'schuldhulpverlening'",
            laag="lokaal",
            extra="    uitzondering_op: [beroepsgeheim-zonder-toestemming]\n",
        ),
    )
    specs = load_specs(None, gemeente=path)
    found = findings_of(specs, "uitzondering_zonder_effect")
    assert [f.regels for f in found] == [(rid, "beroepsgeheim-zonder-toestemming")]
    assert found[0].ernst == "fout"
    # and indeed: the secrecy verbod still decides where both apply
    t = Rulebook(specs).trace(
        {
            "gegevens": {"categorie": "hulpvraag"},
            "van": {"taak": "jeugdhulp"},
            "naar": {"taak": "schuldhulpverlening"},
            "omstandigheden": {"noodzakelijk": True},
        }
    )
    assert rid in t.applies and "beroepsgeheim-zonder-toestemming" in t.effective
    assert t.oordeel.value == "verboden"


def test_gemeente_file_with_wet_rule_is_invalid(tmp_path: Path) -> None:
    path = gemeente(
        tmp_path,
        rule("lokaal-ok", "naar.taak == 'handhaving'", laag="lokaal"),
        rule("gemeente-maakt-wet", "naar.taak == 'handhaving'", "plicht", "wet"),
    )
    line = path.read_text(encoding="utf-8").splitlines().index("  - id: gemeente-maakt-wet") + 1
    with pytest.raises(SpecError) as info:
        load_specs(None, gemeente=path)
    assert any(f"gemeente.yaml:{line}:" in p and "laag: lokaal" in p for p in info.value.problems)
    result = run("check", "--gemeente", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"gemeente.yaml:{line}: regel 'gemeente-maakt-wet'" in result.stderr


def test_cli_check_invalid_input_exit_2(tmp_path: Path) -> None:
    missing = run("check", "--gemeente", str(tmp_path / "bestaat-niet.yaml"))
    assert missing.exit_code == 2
    folder = copy_specs(tmp_path)
    add_rules(folder, "99_zaadfouten.yaml", theme(rule("zaad-kapot", "van.taakk == 'x'")))
    broken = run("check", "--rules", str(folder))
    assert broken.exit_code == 2
    assert "rules/99_zaadfouten.yaml:" in broken.stderr and "van.taakk" in broken.stderr


def test_example_gemeente_file_in_docs_is_flagged() -> None:
    """docs/gemeente/voorbeeld-fraudebeleid.yaml: a local reporting duty the law sets aside."""
    path = Path(__file__).resolve().parents[1] / "docs" / "gemeente" / "voorbeeld-fraudebeleid.yaml"
    if not path.is_file():
        pytest.skip("no example gemeente file")
    specs = load_specs(None, gemeente=path)
    found = [f for f in check(specs) if f.ernst == "fout"]
    assert {f.soort for f in found} >= {"lokaal_opzij"}
    for f in found:
        if f.getuige is not None:
            t = decided(specs, f.getuige)
            assert f.regels[0] in t.effective
