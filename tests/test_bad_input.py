"""Every rejection path: malformed flows and invalid rule folders never give a decision.

Each rejection exits with code 2, explains itself on stderr (field path, offending
value, allowed values, a close match) and prints nothing on stdout.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import DESIGN_EXAMPLE
from pettenlogic import InvalidInput, Rulebook, SpecError, load_rulebook
from pettenlogic.cli import main

BROKEN = Path(__file__).parent / "broken_specs"
MARKER = re.compile(r"#\s*expect:\s*(.+?)\s*$")


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def rejected(result: Result) -> str:
    """Assert a clean rejection and return stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.strip()
    return result.stderr


def flow(**changes: Any) -> dict[str, Any]:
    """The contract example with dotted-path changes (value ``...`` deletes the key)."""
    data = copy.deepcopy(DESIGN_EXAMPLE)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is ...:
            del node[leaf]
        else:
            node[leaf] = value
    return data


# -- malformed flows ---------------------------------------------------------------

FLOW_CASES: list[tuple[str, Any, list[str]]] = [
    (
        "unknown top-level key",
        flow(omstandigheid={"calamiteit": True}),
        ["omstandigheid: unknown key 'omstandigheid'", "did you mean 'omstandigheden'?"],
    ),
    (
        "unknown nested key",
        flow(omstandigheden__toestemmin="gegeven"),
        [
            "omstandigheden.toestemmin: unknown key 'toestemmin'",
            "did you mean 'toestemming'?",
            "allowed keys: ",
        ],
    ),
    (
        "two unknown keys are both named",
        flow(foo=1, bar=2),
        ["bar: unknown key 'bar'", "foo: unknown key 'foo'"],
    ),
    (
        "unknown enum value",
        flow(gegevens__categorie="diagnse"),
        [
            'gegevens.categorie: unknown value "diagnse"',
            "did you mean 'diagnose'?",
            "allowed: identificatie, hulpvraag,",
            "signalen_fraude",
        ],
    ),
    (
        "unknown taak",
        flow(naar__taak="toeleidin"),
        ['naar.taak: unknown value "toeleidin"', "did you mean 'toeleiding'?"],
    ),
    (
        "bool given as a string",
        flow(professional__beroepscode="true"),
        ['professional.beroepscode: wrong type: got "true", expected boolean'],
    ),
    (
        "nested bool given as a number",
        flow(omstandigheden__conflict_van_plichten={"doelmatig": 1}),
        ["omstandigheden.conflict_van_plichten.doelmatig: wrong type: got 1, expected boolean"],
    ),
    (
        "leeftijd as a string",
        flow(gegevens__betrokkene__leeftijd="15"),
        ['gegevens.betrokkene.leeftijd: wrong type: got "15", expected integer'],
    ),
    (
        "leeftijd as a fraction",
        flow(gegevens__betrokkene__leeftijd=15.5),
        ["gegevens.betrokkene.leeftijd: wrong type: got 15.5, expected integer"],
    ),
    (
        "leeftijd above 130",
        flow(gegevens__betrokkene__leeftijd=131),
        ["gegevens.betrokkene.leeftijd: value 131 out of range", "maximum of 130"],
    ),
    (
        "leeftijd below 0",
        flow(gegevens__betrokkene__leeftijd=-1),
        ["gegevens.betrokkene.leeftijd: value -1 out of range", "minimum of 0"],
    ),
    (
        "missing gegevens.categorie",
        flow(gegevens__categorie=...),
        ["gegevens.categorie: required field is missing"],
    ),
    ("missing van.taak", flow(van__taak=...), ["van.taak: required field is missing"]),
    ("missing naar", flow(naar=...), ["naar: required field is missing"]),
    (
        "wet on a task that does not take one",
        flow(van__wet="jeugdwet"),
        [
            'van.wet: value "jeugdwet" not allowed here',
            "only allowed with taak bekostiging, beleidsinformatie, handhaving, "
            "regie_hulpverlening, regie_toeleiding, toeleiding",
        ],
    ),
    # the Sv 162 inputs (D37) fail closed like every other field
    (
        "unknown strafbaar_feit",
        flow(omstandigheden__strafbaar_feit="misdrijff"),
        [
            'omstandigheden.strafbaar_feit: unknown value "misdrijff"',
            "did you mean 'misdrijf'?",
            "allowed: misdrijf, overtreding, geen",
        ],
    ),
    (
        "ambtenaar as a string",
        flow(professional__ambtenaar="ja"),
        ['professional.ambtenaar: wrong type: got "ja", expected boolean'],
    ),
    (
        "null for ambtenaar",
        flow(professional__ambtenaar=None),
        ["professional.ambtenaar: null is not allowed here; expected boolean"],
    ),
    (
        "aangifte_beperkt as a number",
        flow(omstandigheden__aangifte_beperkt=1),
        ["omstandigheden.aangifte_beperkt: wrong type: got 1"],
    ),
    (
        "wet on rijk_beleidsinformatie",
        flow(naar__taak="rijk_beleidsinformatie", naar__wet="jeugdwet"),
        ['naar.wet: value "jeugdwet" not allowed here'],
    ),
    (
        "unknown wet",
        flow(naar__wet="jeugdwt"),
        ['naar.wet: unknown value "jeugdwt"', "did you mean 'jeugdwet'?"],
    ),
    (
        "null for an enum",
        flow(omstandigheden__toestemming=None),
        [
            "omstandigheden.toestemming: null is not allowed here; expected string",
            "allowed: gegeven, geweigerd, niet_gevraagd",
        ],
    ),
    (
        "null for a bool",
        flow(professional__meldingsbevoegd=None),
        ["professional.meldingsbevoegd: null is not allowed here; expected boolean"],
    ),
    (
        "null for an object",
        flow(professional=None),
        ["professional: null is not allowed here; expected object"],
    ),
    ("null for a required object", flow(van=None), ["van: null is not allowed here"]),
    (
        "object given as a list",
        flow(gegevens=[]),
        ["gegevens: wrong type: got [], expected object"],
    ),
]


@pytest.mark.parametrize(
    ("data", "needles"), [c[1:] for c in FLOW_CASES], ids=[c[0] for c in FLOW_CASES]
)
def test_malformed_flow_is_rejected(tmp_path: Path, data: Any, needles: list[str]) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    err = rejected(run("decide", "--json", str(path)))
    assert "invalid flow" in err
    for needle in needles:
        assert needle in err


@pytest.mark.parametrize(
    ("data", "needles"), [c[1:] for c in FLOW_CASES], ids=[c[0] for c in FLOW_CASES]
)
def test_malformed_flow_raises_in_the_api(
    rulebook: Rulebook, data: Any, needles: list[str]
) -> None:
    with pytest.raises(InvalidInput) as info:
        rulebook.decide(data)
    message = str(info.value)
    for needle in needles:
        assert needle in message
    assert info.value.problems


def test_the_api_never_returns_a_decision_for_bad_input(rulebook: Rulebook) -> None:
    for bad in ([], "flow", None, 3, {"gegevens": {"categorie": "diagnose"}}, {}):
        with pytest.raises(InvalidInput):
            rulebook.decide(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lang must be one of nl, en"):
        rulebook.decide(DESIGN_EXAMPLE, lang="de")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[1, 2]", "[0]: a flow must be a JSON object, got 1"),
        ('"flow"', "expected a flow (JSON object) or an array of flows, got str"),
        ("42", "expected a flow (JSON object) or an array of flows, got int"),
        ("null", "expected a flow (JSON object) or an array of flows, got null"),
        ("true", "got bool"),
    ],
)
def test_non_object_flow(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "flow.json"
    path.write_text(text, encoding="utf-8")
    assert needle in rejected(run("decide", str(path)))


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"gegevens": {"categorie": "diagnose"},\n  "van": }', "flow.json:2:10: invalid JSON"),
        ("", "flow.json:1:1: invalid JSON: Expecting value"),
        ('{"a": 1}}', "flow.json:1:9: invalid JSON: Extra data"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        ('{"van": {"taak": "jeugdhulp"}, "van": {"taak": "toeleiding"}}', "duplicate key 'van'"),
    ],
)
def test_invalid_json(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "flow.json"
    path.write_text(text, encoding="utf-8")
    assert needle in rejected(run("decide", str(path)))


def test_invalid_json_on_stdin() -> None:
    err = rejected(run("decide", "-", stdin='{"gegevens": \n\n  oops}'))
    assert "<stdin>:3:3: invalid JSON" in err


def test_array_with_one_bad_element_names_its_index(tmp_path: Path) -> None:
    good = DESIGN_EXAMPLE
    bad = flow(gegevens__categorie="diagnse")
    path = tmp_path / "flows.json"
    path.write_text(json.dumps([good, good, good, bad, good]), encoding="utf-8")
    for args in (["decide", str(path)], ["decide", "--json", str(path)]):
        err = rejected(run(*args))
        assert "1 of 5 flows are invalid" in err
        assert '[3].gegevens.categorie: unknown value "diagnse"' in err
        assert "did you mean 'diagnose'?" in err
        assert "[0]" not in err


def test_array_reports_every_bad_element(tmp_path: Path) -> None:
    data = [flow(van__taak=...), DESIGN_EXAMPLE, flow(professional__beroepscode="ja"), 7]
    path = tmp_path / "flows.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    err = rejected(run("decide", str(path)))
    assert "3 of 4 flows are invalid" in err
    assert "[0].van.taak: required field is missing" in err
    assert '[2].professional.beroepscode: wrong type: got "ja"' in err
    assert "[3]: a flow must be a JSON object, got 7" in err


@pytest.mark.parametrize("kind", ["missing", "directory", "not utf-8"])
def test_unreadable_file(tmp_path: Path, kind: str) -> None:
    if kind == "missing":
        path, needle = tmp_path / "nope.json", "cannot read"
    elif kind == "directory":
        path, needle = tmp_path, "cannot read"
    else:
        path, needle = tmp_path / "latin1.json", "not UTF-8"
        path.write_bytes('{"naam": "Zoë"}'.encode("latin-1"))
    err = rejected(run("decide", str(path)))
    assert needle in err
    assert str(path.name) in err


def test_unknown_lang_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(DESIGN_EXAMPLE), encoding="utf-8")
    err = rejected(run("decide", "--lang", "de", str(path)))
    assert "'de' is not one of 'nl', 'en'" in err


def test_unknown_lang_for_demo_is_rejected() -> None:
    assert "'fr' is not one of" in rejected(run("demo", "--lang", "fr"))


# -- invalid rule folders -------------------------------------------------------------


def expectations(case: Path) -> list[tuple[str, int, str]]:
    """(file relative to the spec folder, line, text) for every ``# expect:`` marker."""
    out = []
    for path in sorted(case.rglob("*.yaml")):
        rel = path.relative_to(case).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = MARKER.search(line)
            if found:
                out.append((rel, number, found.group(1)))
    return out


def overlay(case: Path, spec_copy: Path) -> None:
    for path in case.rglob("*.yaml"):
        target = spec_copy / path.relative_to(case)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def test_every_case_has_markers() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        assert expectations(BROKEN / case), case


@pytest.mark.parametrize("case", CASES)
def test_broken_rule_folder_is_rejected(
    case: str,
    spec_copy: Path,
    example_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # conditions that try to write files would write here
    overlay(BROKEN / case, spec_copy)
    err = rejected(run("decide", "--rules", str(spec_copy), str(example_file)))
    assert "invalid rule folder" in err
    problems = [line.strip() for line in err.splitlines()[1:]]
    shown = spec_copy.name
    for rel, number, text in expectations(BROKEN / case):
        prefix = f"{shown}/{rel}:{number}: "
        hits = [p for p in problems if p.startswith(prefix)]
        assert hits, f"nothing reported at {prefix}\n{err}"
        assert any(text in p for p in hits), f"{prefix} does not say {text!r}:\n{err}"
    assert len(problems) == len(expectations(BROKEN / case)), err
    assert not (tmp_path / "pwned").exists(), "a condition was executed"


@pytest.mark.parametrize("case", ["forbidden_constructs", "cyclic_exceptions"])
def test_broken_rule_folder_raises_in_the_api(case: str, spec_copy: Path) -> None:
    overlay(BROKEN / case, spec_copy)
    with pytest.raises(SpecError) as info:
        load_rulebook(spec_copy)
    assert len(info.value.problems) == len(expectations(BROKEN / case))
    assert all(re.match(r"^\S+\.yaml:\d+: ", p) for p in info.value.problems)


def test_broken_rule_folder_is_rejected_by_rules_command(spec_copy: Path) -> None:
    overlay(BROKEN / "unknown_rule_key", spec_copy)
    err = rejected(run("rules", "--rules", str(spec_copy)))
    assert "did you mean 'voorwaarden'?" in err


def test_missing_rule_folder(tmp_path: Path, example_file: Path) -> None:
    err = rejected(run("decide", "--rules", str(tmp_path / "nope"), str(example_file)))
    assert "nope" in err


def test_rule_folder_without_rule_files(tmp_path: Path, example_file: Path) -> None:
    empty = tmp_path / "leeg"
    empty.mkdir()
    err = rejected(run("decide", "--rules", str(empty), str(example_file)))
    assert "no rule files" in err


def test_bad_flow_is_reported_before_a_bad_rule_folder(tmp_path: Path, spec_copy: Path) -> None:
    overlay(BROKEN / "yaml_syntax", spec_copy)
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(flow(gegevens__categorie="x")), encoding="utf-8")
    err = rejected(run("decide", "--rules", str(spec_copy), str(path)))
    assert "gegevens.categorie" in err
