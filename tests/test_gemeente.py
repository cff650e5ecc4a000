"""A gemeente's inrichting: loading (fail closed, file:line), the audit of the three
bundled examples, the fraud-duty unsat core, synthesis repairs, decide/prove/diff with
--gemeente, and the werkinstructie against the handreiking's own table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pettenlogic.cli import main
from pettenlogic.gemeente.audit import audit
from pettenlogic.gemeente.format import gemeente_schema
from pettenlogic.gemeente.loader import (
    GemeenteError,
    bundled_gemeenten,
    gemeente_specs,
    load_gemeente,
    load_with_rules,
)
from pettenlogic.gemeente.rulebook import load_gemeente_rulebook
from pettenlogic.gemeente.synthesis import synthesise
from pettenlogic.gemeente.werkinstructie import werkinstructie_rows
from pettenlogic.model.convert import flow_from_json
from pettenlogic.rules.loader import SpecError, bundled_specs, load_specs

HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "hostile_gemeenten"
HANDREIKING = Path("/work/shared/handreiking/wijkteams-en-het-pettenvraagstuk.txt")

#: the findings each bundled example must give (kinds, per choice path)
EXPECTED = {
    "voorbeeld-compliant": set(),
    "voorbeeld-rolvermenging": {
        ("keuze_ontbreekt", "routes.b_jeugd"),
        ("keuze2_zonder_instemming", "routes.d.instemming_inwoner"),
        ("dossiers_niet_gescheiden", "dossiers[0].taken"),
        ("regiedossier_behandelgegevens", "dossiers[2]"),
        ("autorisatie_niet_per_dossier", "autorisatie.per_dossier"),
        ("leesrecht_te_ruim", "autorisatie.lezen[0].dossiers[0]"),
        ("leesrecht_te_ruim", "autorisatie.lezen[0].dossiers[1]"),
        ("leesrecht_te_ruim", "autorisatie.lezen[1].dossiers[0]"),
    },
    "voorbeeld-fraudebeleid": {
        ("verwerker_niet_vastgelegd", "mandaten"),
        ("lokaal_opzij", "beleid.regels[0]"),
        ("lokale_grond_zonder_wet", "beleid.regels[0]"),
    },
}


@pytest.fixture(scope="module")
def audits() -> dict[str, list]:
    out = {}
    for name in EXPECTED:
        g, specs = load_with_rules(name)
        out[name] = (g, specs, audit(g, specs))
    return out


def test_examples_are_bundled() -> None:
    assert set(EXPECTED) <= set(bundled_gemeenten())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_findings(audits: dict, name: str) -> None:
    _g, specs, found = audits[name]
    assert {(b.soort, b.keuze) for b in found} == EXPECTED[name]
    for b in found:
        assert re.fullmatch(rf"specs/gemeenten/{name}\.yaml:\d+", b.waar)
        assert b.sectie in specs.secties
        if b.getuige is not None:  # every witness replays through the evaluator
            decision = _decide(specs, b.getuige)
            assert decision.oordeel.value == b.beslissing["oordeel"]
            assert list(decision.regels) == b.beslissing["regels"]


def _decide(specs, flow):
    from pettenlogic.rulebook import Rulebook

    return Rulebook(specs).decide(flow_from_json(flow))


def test_routine_witnesses_are_not_permitted(audits: dict) -> None:
    _g, _specs, found = audits["voorbeeld-rolvermenging"]
    for b in found:
        if b.soort in (
            "dossiers_niet_gescheiden",
            "leesrecht_te_ruim",
            "regiedossier_behandelgegevens",
        ):
            assert b.beslissing["oordeel"] in ("verboden", "niet_toegestaan")
            assert b.getuige["omstandigheden"]["toestemming"] == "niet_gevraagd"
    missing = next(b for b in found if b.soort == "keuze_ontbreekt")
    assert missing.vergelijk["beslissing"]["oordeel"] != missing.beslissing["oordeel"]
    assert missing.getuige["van"]["taak"] != missing.vergelijk["getuige"]["van"]["taak"]


def test_fraud_duty_unsat_core_names_secrecy(audits: dict) -> None:
    _g, _specs, found = audits["voorbeeld-fraudebeleid"]
    b = next(b for b in found if b.soort == "lokaal_opzij")
    assert b.getuige["van"]["taak"] == "jeugdhulp"
    assert "regel beroepsgeheim-zonder-toestemming zet haar opzij" in b.kern
    assert "feit van.taak == 'jeugdhulp'" in b.kern
    assert "eis lokaal-fraude-altijd-melden neemt effect" in b.kern
    # the statutory exception that could lift the secrecy is in the core, shown not to apply
    assert "regel jw-7.4.0-lid1d-controle-fraude (nodig in de kern)" in b.kern


def test_fraud_core_fails_on_broken_rules(tmp_path: Path) -> None:
    """Without the statutory secrecy rule the core can no longer name it."""
    broken = tmp_path / "zonder-geheim"
    broken.mkdir()
    (broken / "whatif.yaml").write_text(
        f"basis: {bundled_specs()}\nweglaten: [beroepsgeheim-zonder-toestemming]\n",
        encoding="utf-8",
    )
    g = load_gemeente("voorbeeld-fraudebeleid")
    found = audit(g, gemeente_specs(g, broken))
    kern = [k for b in found if b.soort == "lokaal_opzij" for k in b.kern]
    assert not any("beroepsgeheim-zonder-toestemming" in k for k in kern)


@pytest.mark.parametrize("name", ["voorbeeld-rolvermenging", "voorbeeld-fraudebeleid"])
def test_synthesis_repairs_faulty_examples(name: str) -> None:
    g, specs = load_with_rules(name)
    result = synthesise(g, specs)
    assert not result.consistent and result.wijzigingen
    assert result.na_herstel == ()


def test_synthesis_counts_and_keeps_compliant() -> None:
    g, specs = load_with_rules("voorbeeld-compliant")
    result = synthesise(g, specs, 2)
    assert result.consistent and not result.wijzigingen
    assert result.aantal > 0 and len(result.voorbeelden) == 2
    fraud = synthesise(*load_with_rules("voorbeeld-fraudebeleid"))
    assert fraud.aantal == 0  # the given policy is set aside under every choice
    assert {w.pad for w in fraud.wijzigingen} == {
        "beleid:lokaal-fraude-altijd-melden",
        "mandaten+toeleiding",
    }


def test_synthesis_repair_is_smallest() -> None:
    """Dropping a single change of the proposed repair leaves a finding."""
    from pettenlogic.gemeente.synthesis import Synthese

    g, specs = load_with_rules("voorbeeld-rolvermenging")
    syn = Synthese(g, specs)
    changes = syn.repair()
    for skip in range(len(changes)):
        partial = changes[:skip] + changes[skip + 1 :]
        repaired = attrs.evolve(g, inrichting=syn.apply(partial))
        assert audit(repaired, gemeente_specs(repaired)), f"{changes[skip].pad} was not needed"


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.yaml")), ids=lambda p: p.name)
def test_hostile_gemeente_fails_closed(path: Path) -> None:
    expect = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    line, _, text = expect.partition(": ")
    with pytest.raises(SpecError) as info:
        load_with_rules(str(path))
    assert any(f"{path}:{line}:" in p and text in p for p in info.value.problems), (
        info.value.problems
    )
    result = CliRunner().invoke(main, ["check", "--gemeente", str(path)])
    assert result.exit_code == 2 and f"{path}:{line}:" in result.output


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(["vorm", "b_jeugd", "keuze", "per_dossier", "rol", "soort", "uitvoerder"]),
    value=st.one_of(
        st.text(max_size=20), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2)
    ),
)
def test_mutated_example_loads_or_fails_with_line(tmp_path: Path, key: str, value: object) -> None:
    text = (bundled_specs() / "gemeenten" / "voorbeeld-compliant.yaml").read_text(encoding="utf-8")
    path = tmp_path / "g.yaml"
    line = next(i for i, x in enumerate(text.splitlines()) if re.search(rf"\b{key}:", x))
    lines = text.splitlines()
    head = lines[line].split(f"{key}:")[0]
    lines[line] = f"{head}{key}: {json.dumps(value)}" + (
        "}" if head.strip().startswith("- {") else ""
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_gemeente(str(path))
    except GemeenteError as exc:
        assert all(re.match(rf"{re.escape(str(path))}:\d+: ", p) for p in exc.problems)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples_match_the_schema(name: str) -> None:
    g = load_gemeente(name)
    data = __import__("yaml").safe_load(
        (bundled_specs() / "gemeenten" / f"{name}.yaml").read_text()
    )
    jsonschema.validate(data, gemeente_schema())
    assert g.inrichting.gemeente == data["gemeente"]


def test_schema_refuses_unknown_values() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"gemeente": "X", "routes": {"b_jeugd": "nee"}}, gemeente_schema())


# -- decide, prove and diff with a gemeente -------------------------------------------------
FRAUD = {
    "gegevens": {"categorie": "signalen_fraude"},
    "van": {"taak": "jeugdhulp"},
    "naar": {"taak": "handhaving", "wet": "jeugdwet"},
}


def test_decision_names_the_local_choice_that_mattered() -> None:
    book = load_gemeente_rulebook("voorbeeld-fraudebeleid")
    d = book.decide(FRAUD).to_dict()
    assert d["oordeel"] == "verboden"
    notes = d["inrichting"]["keuzes"]
    assert notes[0]["keuze"] == "beleid.lokaal-fraude-altijd-melden"
    assert notes[0]["gevolg"] == "opzij_gezet"
    assert "inrichting" not in _plain(FRAUD)


def _plain(flow: dict) -> dict:
    from pettenlogic import load_rulebook

    return load_rulebook().decide(flow).to_dict()


def test_decision_reports_flow_outside_inrichting() -> None:
    book = load_gemeente_rulebook("voorbeeld-compliant")
    flow = {
        "gegevens": {"categorie": "voortgang"},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "regie_toeleiding", "wet": "jeugdwet"},
    }
    d = book.decide(flow).to_dict()
    assert {"keuze": "taken.regie.vanuit", "gevolg": "buiten_inrichting"}.items() <= d[
        "inrichting"
    ]["keuzes"][0].items()
    assert d["oordeel"] == _plain(flow)["oordeel"]  # the law still decides (D62)


def test_cli_decide_prove_diff_with_gemeente(tmp_path: Path) -> None:
    runner = CliRunner()
    flow = tmp_path / "f.json"
    flow.write_text(json.dumps(FRAUD), encoding="utf-8")
    out = runner.invoke(
        main, ["decide", "--json", "--gemeente", "voorbeeld-fraudebeleid", str(flow)]
    )
    assert out.exit_code == 0 and json.loads(out.output)["inrichting"]["gemeente"] == "Fraudedam"
    text = runner.invoke(main, ["decide", "--gemeente", "voorbeeld-fraudebeleid", str(flow)])
    assert "opzij_gezet" in text.output
    proved = runner.invoke(
        main, ["prove", "--json", "--gemeente", "voorbeeld-compliant", "werkgever-nooit-beslissend"]
    )
    assert proved.exit_code == 0, proved.output
    diff = runner.invoke(
        main,
        [
            "diff",
            "--json",
            "--gemeente",
            "voorbeeld-compliant",
            str(bundled_specs()),
            str(bundled_specs()),
        ],
    )
    assert diff.exit_code == 0 and json.loads(diff.output)["groepen"] == []


def test_cli_check_and_inrichtingen_exit_codes() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["check", "--gemeente", "voorbeeld-compliant"]).exit_code == 0
    bad = runner.invoke(main, ["check", "--json", "--gemeente", "voorbeeld-rolvermenging"])
    assert bad.exit_code == 1 and json.loads(bad.output)["bevindingen"]
    assert runner.invoke(main, ["inrichtingen", "voorbeeld-compliant"]).exit_code == 0
    repaired = runner.invoke(main, ["inrichtingen", "--json", "voorbeeld-fraudebeleid"])
    assert repaired.exit_code == 1 and json.loads(repaired.output)["wijzigingen"]
    unknown = runner.invoke(main, ["check", "--gemeente", "voorbeeld-compliant2"])
    assert unknown.exit_code == 2 and "did you mean 'voorbeeld-compliant'" in unknown.output


# -- werkinstructie ---------------------------------------------------------------------------
#: the handreiking's overview table (§2.6-§2.11), transcribed as facts: for each row the
#: tasks, on whose behalf and as whose controller, and whether statutory secrecy applies;
#: and who must receive data (the duties the table names)
TABLE = {
    "2.6": ("college", "nee", set()),
    "2.7": ("aanbieder", "ja", {"toeleiding"}),  # Jeugdwet 7.4.0
    "2.8": ("aanbieder", "nee", {"toeleiding"}),  # Participatiewet, Wgs
    "2.9": ("college", "nee", set()),
    "2.10": ("aanbieder", "afhankelijk van registratie", set()),
    "2.11": ("college", "nee", set()),
}
#: phrases of the handreiking that state the same facts, per row (checked when the text is there)
PHRASES = {
    "2.6": (
        "Het college is de verwerkingsverantwoordelijke",
        "niet onder een wettelijk beroepsgeheim",
    ),
    "2.7": (
        "De jeugdhulpaanbieder is de verwerkingsverantwoordelijke",
        "valt onder het beroepsgeheim",
    ),
    "2.8": ("De aanbieder is de verantwoordelijke", "niet onder een wettelijk beroepsgeheim"),
    "2.9": ("namens  het college", "Valt niet onder een wettelijk beroepsgeheim"),
    "2.10": ("De aanbieder is de verantwoordelijk", "kunnen  van toepassing zijn"),
    "2.11": (
        "Het college is de verwerkingsverantwoordelijke",
        "Valt niet onder een wettelijk beroepsgeheim",
    ),
}


def test_generic_werkinstructie_matches_the_handreiking_table() -> None:
    rows = {r.sectie: r for r in werkinstructie_rows(load_specs())}
    assert set(rows) == set(TABLE)
    for sectie, (vvo, secrecy, must) in TABLE.items():
        r = rows[sectie]
        assert r.verwerkingsverantwoordelijke == vvo, sectie
        assert r.beroepsgeheim == secrecy, sectie
        assert must <= set(r.verplicht_aan), sectie


@pytest.mark.skipif(not HANDREIKING.exists(), reason="the handreiking text is not on this machine")
def test_table_transcription_matches_the_handreiking_text() -> None:
    text = " ".join(HANDREIKING.read_text(encoding="utf-8").split())
    start = text.index("De tabel maakt dat inzichtelijk")
    end = text.index("Het kan een groot verschil maken")
    table = text[start:end]
    for phrases in PHRASES.values():
        for phrase in phrases:
            assert " ".join(phrase.split()) in table, phrase


def test_werkinstructie_for_a_gemeente_and_html() -> None:
    g, specs = load_with_rules("voorbeeld-compliant")
    rows = werkinstructie_rows(specs, g)
    assert {r.sectie for r in rows} == {"2.6", "2.7", "2.8", "2.10"}
    assert all("regie_toeleiding" not in r.verplicht_aan + r.toegestaan_aan for r in rows)
    assert "verwerker" in rows[0].inrichting
    out = CliRunner().invoke(
        main, ["werkinstructie", "--gemeente", "voorbeeld-compliant", "--format", "html"]
    )
    assert out.exit_code == 0 and "<table>" in out.output and "Voorbeeldstad" in out.output
