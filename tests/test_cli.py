"""The command line (the contract): decide, schema, rules, demo, --version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator

import pettenlogic
from conftest import DESIGN_EXAMPLE
from pettenlogic import Rulebook, load_rulebook
from pettenlogic.cli import main
from pettenlogic.model.schema import flow_schema
from pettenlogic.rules.expr import unparse
from pettenlogic.rules.loader import bundled_specs

DECISION_KEYS = {
    "oordeel",
    "grondslag",
    "plichten",
    "voorwaarden",
    "bronnen",
    "beroepsgeheim",
    "verwerkingsverantwoordelijke",
    "regels",
    "uitleg",
    "rulebook",
    "peildatum",
}

#: Flows from different corners of the handreiking (their verdicts come from the rules).
FLOWS: list[dict[str, Any]] = [
    DESIGN_EXAMPLE,
    {
        "gegevens": {"categorie": "diagnose"},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding", "wet": "jeugdwet"},
    },
    {
        "gegevens": {"categorie": "identificatie"},
        "van": {"taak": "toeleiding", "wet": "wmo"},
        "naar": {"taak": "beleidsinformatie"},
        "omstandigheden": {"herleidbaar": True},
    },
    {
        "gegevens": {"categorie": "hulpvraag"},
        "van": {"taak": "maatschappelijk_werk"},
        "naar": {"taak": "veilig_thuis"},
        "omstandigheden": {"vermoeden_huiselijk_geweld": True, "toestemming": "gegeven"},
    },
    {
        "gegevens": {"categorie": "financieel"},
        "van": {"taak": "schuldhulpverlening"},
        "naar": {"taak": "handhaving"},
    },
]


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def write(tmp_path: Path, data: Any, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# -- decide --------------------------------------------------------------------------


def test_decide_object_gives_object(tmp_path: Path, rulebook: Rulebook) -> None:
    result = run("decide", "--json", str(write(tmp_path, DESIGN_EXAMPLE)))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = json.loads(result.stdout)
    assert isinstance(out, dict)
    assert out == rulebook.decide(DESIGN_EXAMPLE).to_dict()


def test_decide_array_gives_array_in_order(tmp_path: Path, rulebook: Rulebook) -> None:
    flows = [*FLOWS, *reversed(FLOWS)]
    result = run("decide", "--json", str(write(tmp_path, flows)))
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert isinstance(out, list)
    assert out == [rulebook.decide(f).to_dict() for f in flows]
    # the flows really differ, so the order is observable
    assert len({o["uitleg"] for o in out}) > 1


def test_decide_array_of_one_stays_an_array(tmp_path: Path) -> None:
    result = run("decide", "--json", str(write(tmp_path, [DESIGN_EXAMPLE])))
    assert result.exit_code == 0
    assert isinstance(json.loads(result.stdout), list)


def test_decide_empty_array(tmp_path: Path) -> None:
    result = run("decide", "--json", str(write(tmp_path, [])))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_json_output_has_every_design_key(tmp_path: Path) -> None:
    result = run("decide", "--json", str(write(tmp_path, FLOWS)))
    assert result.exit_code == 0
    for out in json.loads(result.stdout):
        assert set(out) >= DECISION_KEYS
        assert out["oordeel"] in {"verboden", "niet_toegestaan", "toegestaan", "verplicht"}
        assert isinstance(out["grondslag"], list)
        assert all(g.startswith("eu-gdpr:A6-1-") for g in out["grondslag"])
        for p in out["plichten"]:
            assert {"code", "tekst", "bronnen"} <= set(p)
        for v in out["voorwaarden"]:
            assert {"code", "tekst"} <= set(v)
        for b in out["bronnen"]:
            assert {"regeling", "artikel"} <= set(b)
        assert isinstance(out["beroepsgeheim"], bool)
        assert isinstance(out["verwerkingsverantwoordelijke"], str)
        assert isinstance(out["regels"], list)
        assert out["uitleg"]
        assert out["rulebook"].startswith("sha256:")


def test_json_output_keeps_non_ascii(tmp_path: Path) -> None:
    result = run("decide", "--json", str(write(tmp_path, FLOWS)))
    decided = json.loads(result.stdout)
    if any(not d["uitleg"].isascii() for d in decided):
        assert "\\u00" not in result.stdout


def test_lang_en_changes_the_uitleg(tmp_path: Path, rulebook: Rulebook) -> None:
    path = str(write(tmp_path, DESIGN_EXAMPLE))
    nl = json.loads(run("decide", "--json", path).stdout)
    en = json.loads(run("decide", "--json", "--lang", "en", path).stdout)
    assert nl["uitleg"] != en["uitleg"]
    assert en["uitleg"] == rulebook.decide(DESIGN_EXAMPLE, "en").uitleg
    assert {k: v for k, v in nl.items() if k not in ("uitleg", "plichten", "voorwaarden")} == {
        k: v for k, v in en.items() if k not in ("uitleg", "plichten", "voorwaarden")
    }


def test_lang_nl_is_the_default(tmp_path: Path) -> None:
    path = str(write(tmp_path, DESIGN_EXAMPLE))
    default = run("decide", "--json", path).stdout
    assert default == run("decide", "--json", "--lang", "nl", path).stdout


def test_text_output(tmp_path: Path, rulebook: Rulebook) -> None:
    result = run("decide", str(write(tmp_path, DESIGN_EXAMPLE)))
    assert result.exit_code == 0
    d = rulebook.decide(DESIGN_EXAMPLE)
    text = result.stdout
    assert f"oordeel: {d.oordeel.value}" in text
    assert f"verwerkingsverantwoordelijke: {d.verwerkingsverantwoordelijke}" in text
    assert "beroepsgeheim: " + ("ja" if d.beroepsgeheim else "nee") in text
    for rule_id in d.regels:
        assert rule_id in text
    for g in d.grondslag:
        assert g in text
    for item in (*d.plichten, *d.voorwaarden):
        assert f"{item.code}: {item.tekst}" in text  # full text, never truncated
    for b in d.bronnen:
        assert b.label() in text
        if b.url:
            assert b.url in text
    for line in d.uitleg.splitlines():
        assert line in text
    assert d.rulebook in text


def test_text_output_of_an_array_is_indexed(tmp_path: Path) -> None:
    result = run("decide", "--lang", "en", str(write(tmp_path, FLOWS)))
    assert result.exit_code == 0
    for i in range(len(FLOWS)):
        assert f"== [{i}] ==" in result.stdout
    assert result.stdout.count("verdict: ") == len(FLOWS)


def test_english_text_has_english_labels(tmp_path: Path) -> None:
    """--lang en is English throughout: labels too, not only the texts."""
    result = run("decide", "--lang", "en", str(write(tmp_path, FLOWS)))
    assert result.exit_code == 0
    for dutch in ("oordeel:", "grondslag:", "plichten:", "voorwaarden:", "bronnen:", "uitleg:"):
        assert dutch not in result.stdout
    for english in ("verdict:", "legal ground:", "duties:", "explanation:", "controller:"):
        assert english in result.stdout


def test_stdin(rulebook: Rulebook) -> None:
    result = run("decide", "--json", "-", stdin=json.dumps(DESIGN_EXAMPLE))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == rulebook.decide(DESIGN_EXAMPLE).to_dict()
    result = run("decide", "--json", "-", stdin=json.dumps(FLOWS))
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == len(FLOWS)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(DESIGN_EXAMPLE).encode())
    assert run("decide", str(path)).exit_code == 0


def test_python_m_pettenlogic_in_another_directory(tmp_path: Path, rulebook: Rulebook) -> None:
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    (workdir / "flow.json").write_text(json.dumps(DESIGN_EXAMPLE), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pettenlogic", "decide", "--json", "flow.json"],
        cwd=workdir,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout) == rulebook.decide(DESIGN_EXAMPLE).to_dict()


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert pettenlogic.__version__ in result.stdout


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("decide", "schema", "rules", "demo"):
        assert command in result.stdout


# -- --rules DIR -------------------------------------------------------------------------


def test_rules_dir_copy_gives_the_same_decision(spec_copy: Path, example_file: Path) -> None:
    bundled = run("decide", "--json", str(example_file))
    copied = run("decide", "--json", "--rules", str(spec_copy), str(example_file))
    assert copied.exit_code == 0, copied.stderr
    assert json.loads(copied.stdout) == json.loads(bundled.stdout)
    # the rules/ folder itself is accepted too
    inner = run("decide", "--json", "--rules", str(spec_copy / "rules"), str(example_file))
    assert json.loads(inner.stdout) == json.loads(bundled.stdout)


def test_editing_a_rule_file_changes_the_rulebook_hash(spec_copy: Path, example_file: Path) -> None:
    before = load_rulebook(spec_copy).digest
    assert before == load_rulebook().digest
    first = sorted((spec_copy / "rules").glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n# what-if: edited\n", encoding="utf-8")
    after = load_rulebook(spec_copy).digest
    assert after != before
    out = json.loads(run("decide", "--json", "--rules", str(spec_copy), str(example_file)).stdout)
    assert out["rulebook"] == after


def test_what_if_a_new_rule_changes_the_decision(spec_copy: Path, example_file: Path) -> None:
    """A what-if: a new statutory prohibition in a copy decides the flow differently."""
    sectie = next(iter(load_rulebook(spec_copy).specs.secties))
    (spec_copy / "rules" / "99_what_if.yaml").write_text(
        f"""\
thema: what-if
regels:
  - id: what-if-verbod
    titel: {{nl: Denkbeeldig verbod, en: Imaginary prohibition}}
    laag: wet
    effect: verbod
    als: "van.taak == 'jeugdhulp' and naar.taak == 'toeleiding'"
    sectie: "{sectie}"
    bronnen:
      - {{regeling: jeugdwet, artikel: "7.3.11"}}
    uitleg: {{nl: Alleen voor de test., en: Only for the test.}}
""",
        encoding="utf-8",
    )
    result = run("decide", "--json", "--rules", str(spec_copy), str(example_file))
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["oordeel"] == "verboden"
    assert "what-if-verbod" in out["regels"]


# -- schema --------------------------------------------------------------------------


def test_schema_command_validates_the_design_example() -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == flow_schema()
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(DESIGN_EXAMPLE)
    bad = {**DESIGN_EXAMPLE, "gegevens": {"categorie": "diagnse"}}
    assert not Draft202012Validator(schema).is_valid(bad)


# -- rules ---------------------------------------------------------------------------


def test_rules_lists_every_rule(rulebook: Rulebook) -> None:
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for r in rulebook.specs.regels:
        line = next((ln for ln in lines if ln.split()[:1] == [r.id]), None)
        assert line is not None, r.id
        assert r.laag.value in line
        assert r.effect.value in line
        assert r.titel.nl in line


def test_rules_lists_definitions_and_more(rulebook: Rulebook) -> None:
    text = run("rules").stdout
    for d in rulebook.specs.definities:
        assert d.naam in text
    for t in rulebook.specs.toekenningen:
        assert t.id in text
    for a in rulebook.specs.aanvullingen:
        assert a.id in text


def test_rules_json_catalogue(rulebook: Rulebook) -> None:
    result = run("rules", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["regels"]] == [r.id for r in rulebook.specs.regels]
    assert data["rulebook"] == rulebook.digest


def test_rules_shows_one_rule_in_full(rulebook: Rulebook) -> None:
    r = max(rulebook.specs.regels, key=lambda r: len(r.uitzondering_op) + len(r.plichten))
    result = run("rules", r.id)
    assert result.exit_code == 0
    text = result.stdout
    for needle in (
        r.id,
        r.titel.nl,
        r.titel.en,
        r.laag.value,
        r.effect.value,
        r.sectie,
        unparse(r.als),
        r.uitleg.nl,
        r.uitleg.en,
        *r.uitzondering_op,
        *(g.code for g in (*r.plichten, *r.voorwaarden)),
    ):
        assert needle in text, needle
    for b in r.bronnen:
        assert b.label() in text
        if b.url:
            assert b.url in text
    for g in r.grenzen:
        assert g.uitleg.nl in text
        assert g.uitleg.en in text


def test_rules_shows_one_rule_as_json(rulebook: Rulebook) -> None:
    r = rulebook.specs.regels[0]
    data = json.loads(run("rules", "--json", r.id).stdout)
    assert data["id"] == r.id
    assert data["als"] == unparse(r.als)
    assert data["bronnen"] == [b.to_dict() for b in r.bronnen]


def test_rules_shows_definitions_aanvullingen_toekenningen(rulebook: Rulebook) -> None:
    specs = rulebook.specs
    things = [*specs.definities[:3], *specs.aanvullingen[:3], *specs.toekenningen[:3]]
    assert things
    for thing in things:
        name = getattr(thing, "naam", None) or thing.id
        result = run("rules", name)
        assert result.exit_code == 0, name
        assert name in result.stdout
        assert unparse(thing.als) in result.stdout
        assert thing.uitleg.nl in result.stdout
        data = json.loads(run("rules", "--json", name).stdout)
        assert data["als"] == unparse(thing.als)


def test_rules_unknown_id_suggests(rulebook: Rulebook) -> None:
    rule_id = rulebook.specs.regels[0].id
    result = run("rules", rule_id + "x")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"unknown rule or definition '{rule_id}x'" in result.stderr
    assert f"did you mean '{rule_id}'?" in result.stderr


def test_rules_with_rules_dir(spec_copy: Path, rulebook: Rulebook) -> None:
    result = run("rules", "--rules", str(spec_copy))
    assert result.exit_code == 0
    assert rulebook.specs.regels[0].id in result.stdout


# -- demo ----------------------------------------------------------------------------

EXAMPLES = {
    "voorbeelden": [
        {
            "naam": "Jeugdhulp naar toeleiding",
            "thema": "hulpverlening",
            "sectie": "1.4",
            "beschrijving": {"nl": "Een advies voor het college.", "en": "Advice for the college."},
            "flow": DESIGN_EXAMPLE,
        },
        {
            "naam": "Diagnose naar toeleiding",
            "thema": "hulpverlening",
            "beschrijving": {"nl": "Behandelgegevens gaan niet mee.", "en": "Not treatment data."},
            "flow": FLOWS[1],
        },
    ]
}


@pytest.fixture
def examples_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ``demo`` read a temporary examples.yaml (the rules stay the bundled ones)."""
    folder = tmp_path / "examples"
    folder.mkdir()
    text = yaml.safe_dump(EXAMPLES, allow_unicode=True, sort_keys=False)
    (folder / "examples.yaml").write_text(text, "utf-8")
    monkeypatch.setattr("pettenlogic.cli.demo.bundled_specs", lambda: folder)
    return folder


def test_demo_prints_each_example(examples_dir: Path, rulebook: Rulebook) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.stderr
    for item in EXAMPLES["voorbeelden"]:
        assert item["naam"] in result.stdout
        assert item["thema"] in result.stdout
        assert item["beschrijving"]["nl"] in result.stdout
        compact = json.dumps(item["flow"], ensure_ascii=False, separators=(",", ":"))
        assert compact in result.stdout
        d = rulebook.decide(item["flow"])
        assert f"oordeel: {d.oordeel.value}" in result.stdout
        assert d.uitleg.splitlines()[0] in result.stdout


def test_demo_english_and_json(examples_dir: Path, rulebook: Rulebook) -> None:
    result = run("demo", "--lang", "en")
    assert result.exit_code == 0
    assert "Advice for the college." in result.stdout
    data = json.loads(run("demo", "--json").stdout)
    assert [d["naam"] for d in data] == [i["naam"] for i in EXAMPLES["voorbeelden"]]
    assert data[0]["decision"] == rulebook.decide(DESIGN_EXAMPLE).to_dict()


def test_demo_rejects_an_invalid_example(examples_dir: Path) -> None:
    bad = {"voorbeelden": [{"naam": "kapot", "flow": {"gegevens": {"categorie": "diagnse"}}}]}
    (examples_dir / "examples.yaml").write_text(yaml.safe_dump(bad), "utf-8")
    result = run("demo")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "kapot" in result.stderr
    assert "did you mean 'diagnose'" in result.stderr


def test_demo_without_examples_file_is_a_packaging_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pettenlogic.cli.demo.bundled_specs", lambda: tmp_path)
    result = run("demo")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "examples.yaml" in result.stderr
    assert "packaging" in result.stderr


@pytest.mark.skipif(
    not (bundled_specs() / "examples.yaml").is_file(), reason="specs/examples.yaml not written yet"
)
def test_demo_with_the_shipped_examples() -> None:
    result = run("demo")
    assert result.exit_code == 0, result.stderr
    assert "oordeel: " in result.stdout
    assert run("demo", "--lang", "en", "--json").exit_code == 0
