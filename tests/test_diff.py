"""``pettenlogic diff``: every flow whose verdict or duties differ, grouped, with witnesses.

A group is (van.taak, naar.taak, categorie, verdict A → verdict B). Checked here:
no groups between a rule set and itself; the two documented what-ifs
(specs/whatif/) give non-empty tables; each witness, decided again by the evaluator
with both rule sets, shows exactly the reported change; and the groups are complete
— a brute-force sweep over a reduced domain and a batch of random flows find no
differing flow outside the reported groups.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from broken_rules import copy_specs, edit_rule
from pettenlogic import flow_from_json, flow_to_json
from pettenlogic.cli.verify import diff_table
from pettenlogic.evaluate import Evaluator
from pettenlogic.model.vocabulary import TAKEN_MET_WET, Categorie, Taak
from pettenlogic.rules.loader import load_specs
from pettenlogic.rules.spec import Specs
from pettenlogic.solver.diff import DiffResult, Group, semantic_diff
from test_differential import random_flow

ROOT = Path(__file__).resolve().parents[1]
WHATIF = ROOT / "specs" / "whatif"
ZONDER_740 = WHATIF / "zonder-7.4.0"
WAMS = WHATIF / "wams-coordinatie"
GROUP_KEYS = {
    "van",
    "naar",
    "categorie",
    "oordeel_a",
    "oordeel_b",
    "plichten_erbij",
    "plichten_eraf",
    "getuige",
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main_group(), list(args))


def main_group() -> Any:
    from pettenlogic.cli import main

    return main


def key_of(ev_a: Evaluator, ev_b: Evaluator, flow: Any) -> tuple[str, ...] | None:
    """The group a flow belongs to, or None when both rule sets decide it alike."""
    ta, tb = ev_a.trace(flow), ev_b.trace(flow)
    pa, pb = {c for c, _ in ta.plichten}, {c for c, _ in tb.plichten}
    if ta.oordeel == tb.oordeel and pa == pb:
        return None
    env = ta.env
    return (
        env["van.taak"],
        env["naar.taak"],
        env["gegevens.categorie"],
        ta.oordeel.value,
        tb.oordeel.value,
    )


def group_key(g: Group) -> tuple[str, ...]:
    return (g.van, g.naar, g.categorie, g.oordeel_a, g.oordeel_b)


@pytest.fixture(scope="module")
def bundled() -> Specs:
    return load_specs(None)


@pytest.fixture(scope="module")
def zonder_740(bundled: Specs) -> tuple[Specs, DiffResult]:
    b = load_specs(ZONDER_740)
    return b, semantic_diff(bundled, b)


@pytest.fixture(scope="module")
def wams(bundled: Specs) -> tuple[Specs, DiffResult]:
    b = load_specs(WAMS)
    return b, semantic_diff(bundled, b)


# -- identity ------------------------------------------------------------------------------


def test_diff_with_itself_is_empty(bundled: Specs) -> None:
    result = semantic_diff(bundled, load_specs(None))
    assert result.groups == () and result.complete
    assert diff_table(result, "en").startswith("0 groups of differing flows")
    assert diff_table(result).startswith("0 groepen verstrekkingen die verschillen")


def test_diff_with_an_identical_copy_is_empty(bundled: Specs, tmp_path: Path) -> None:
    result = semantic_diff(bundled, load_specs(copy_specs(tmp_path)))
    assert result.groups == () and result.complete


# -- the two documented what-ifs -------------------------------------------------------------


def _replay_groups(a: Specs, b: Specs, result: DiffResult) -> None:
    ev_a, ev_b = Evaluator(a), Evaluator(b)
    keys = [group_key(g) for g in result.groups]
    assert len(keys) == len(set(keys)), "a group is reported twice"
    for g in result.groups:
        flow = flow_from_json(g.getuige)
        assert flow_to_json(flow) == g.getuige
        da, db = ev_a.decide(flow), ev_b.decide(flow)
        assert (da.oordeel.value, db.oordeel.value) == (g.oordeel_a, g.oordeel_b)
        assert (g.getuige["van"]["taak"], g.getuige["naar"]["taak"]) == (g.van, g.naar)
        assert g.getuige["gegevens"]["categorie"] == g.categorie
        assert set(g.plichten_erbij) == set(db.plicht_codes) - set(da.plicht_codes)
        assert set(g.plichten_eraf) == set(da.plicht_codes) - set(db.plicht_codes)
        assert (g.oordeel_a != g.oordeel_b) or g.plichten_erbij or g.plichten_eraf


def test_zonder_740_groups(bundled: Specs, zonder_740: tuple[Specs, DiffResult]) -> None:
    b, result = zonder_740
    assert result.complete and len(result.groups) > 0
    _replay_groups(bundled, b, result)
    ev_a = Evaluator(bundled)
    for g in result.groups:
        # every change is a flow that 7.4.0 used to decide, and now is no longer a duty
        assert g.oordeel_a == "verplicht" and g.oordeel_b != "verplicht"
        assert "jw-7.4.0-verstrekking-college" in ev_a.decide(flow_from_json(g.getuige)).regels
        # fraud signals were never 7.4.0's (D34); treatment data is, as far as necessary (D4)
        assert g.categorie != "signalen_fraude"
    keys = {group_key(g) for g in result.groups}
    assert ("jeugdhulp", "toeleiding", "behandelplan", "verplicht", "verboden") in keys
    assert ("jeugdhulp", "toeleiding", "advies_voorziening", "verplicht", "verboden") in keys
    assert ("jeugdhulp", "toeleiding", "advies_voorziening", "verplicht", "toegestaan") in keys


def test_wams_groups(bundled: Specs, wams: tuple[Specs, DiffResult]) -> None:
    b, result = wams
    assert result.complete and len(result.groups) > 0
    _replay_groups(bundled, b, result)
    ev_b = Evaluator(b)
    for g in result.groups:
        assert g.naar == "regie_toeleiding" and g.categorie in ("identificatie", "hulpvraag")
        regels = ev_b.decide(flow_from_json(g.getuige)).regels
        if g.oordeel_b == "verboden":
            # since D36 a refusal meets the statutory Wmo 5.3.3 prohibition, and since D11
            # Participatiewet data meets art. 65: the what-if cannot lift either; only the
            # richtlijn prohibition next to it goes
            statutory = {"wmo-5.3.3-weigering-aanbieder", "pw-65-geheimhouding"}
            assert g.oordeel_a == "verboden" and statutory & set(regels)
            continue
        assert g.oordeel_b == "toegestaan"
        assert any(r.startswith("whatif-wams-") for r in regels)
    keys = {group_key(g) for g in result.groups}
    assert ("jeugdhulp", "regie_toeleiding", "identificatie", "verboden", "toegestaan") in keys


def test_diff_is_antisymmetric(bundled: Specs, wams: tuple[Specs, DiffResult]) -> None:
    b, result = wams
    back = semantic_diff(b, bundled)
    flipped = {(v, n, c, ob, oa) for v, n, c, oa, ob in map(group_key, result.groups)}
    assert {group_key(g) for g in back.groups} == flipped


# -- completeness ------------------------------------------------------------------------------


def _sides(wets: tuple[str | None, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in Taak:
        for w in wets if t in TAKEN_MET_WET else (None,):
            out.append({"taak": t.value} | ({"wet": w} if w else {}))
    return out


def _sweep(a: Specs, b: Specs, flows: Any) -> tuple[int, int, set[tuple[str, ...]]]:
    ev_a, ev_b = Evaluator(a), Evaluator(b)
    n = differing = 0
    keys: set[tuple[str, ...]] = set()
    for data in flows:
        n += 1
        key = key_of(ev_a, ev_b, flow_from_json(data))
        if key is not None:
            differing += 1
            keys.add(key)
    return n, differing, keys


def test_wams_groups_complete_by_brute_force(
    bundled: Specs, wams: tuple[Specs, DiffResult]
) -> None:
    """All tasks (wet: none or Wmo) × all 15 categories × consent × necessity × registration."""
    b, result = wams
    sides = _sides((None, "wmo"))
    flows = (
        {
            "gegevens": {"categorie": cat.value},
            "van": van,
            "naar": naar,
            "professional": {"registratie": reg},
            "omstandigheden": {"toestemming": toe, "noodzakelijk": nood},
        }
        for van, naar, cat, toe, nood, reg in itertools.product(
            sides,
            [s for s in sides if s["taak"] == "regie_toeleiding"] + [{"taak": "toeleiding"}],
            Categorie,
            ("gegeven", "geweigerd", "niet_gevraagd"),
            (True, None),
            ("skj", "geen"),
        )
    )
    n, differing, keys = _sweep(bundled, b, flows)
    # 32 tasks + 6 that take a wet = 38 sides (26 until D34 let handhaving name a wet, 27
    # until D40/D41, the practitioner tasks D48-D49 and the schuldeiser D54); 15 categories
    # since declaratie (D49)
    assert n == 38 * 3 * 15 * 3 * 2 * 2
    assert differing > 0
    reported = {group_key(g) for g in result.groups}
    assert keys <= reported, sorted(keys - reported)
    # and the sweep reaches a good part of the groups (a sanity check on the sweep)
    assert len(keys) >= len(reported) // 2


def test_zonder_740_groups_complete_by_brute_force(
    bundled: Specs, zonder_740: tuple[Specs, DiffResult]
) -> None:
    b, result = zonder_740
    sides = _sides((None, "jeugdwet"))
    flows = (
        {
            "gegevens": {"categorie": cat},
            "van": van,
            "naar": naar,
            "omstandigheden": {"toestemming": toe, "noodzakelijk": nood},
        }
        for van, naar, cat, toe, nood in itertools.product(
            sides,
            sides,
            ("advies_voorziening", "diagnose", "gezondheid", "signalen_fraude"),
            ("gegeven", "niet_gevraagd"),
            (True, False, None),
        )
    )
    n, differing, keys = _sweep(bundled, b, flows)
    # 38 sides since D40/D41, D48-D49 and D54 (27 since D34, when handhaving took a wet)
    assert n == 38 * 38 * 4 * 2 * 3
    assert differing > 0
    reported = {group_key(g) for g in result.groups}
    assert keys <= reported, sorted(keys - reported)


@pytest.mark.parametrize("which", ["zonder_740", "wams"])
def test_groups_complete_on_random_flows(
    which: str, bundled: Specs, request: pytest.FixtureRequest
) -> None:
    b, result = request.getfixturevalue(which)
    rng = random.Random(7)
    n, _differing, keys = _sweep(bundled, b, (random_flow(rng) for _ in range(4_000)))
    assert n == 4_000
    reported = {group_key(g) for g in result.groups}
    assert keys <= reported, sorted(keys - reported)


def test_duty_only_changes_are_groups(bundled: Specs, tmp_path: Path) -> None:
    """A what-if that only adds a duty: the groups keep their verdict and list the duty."""
    folder = copy_specs(tmp_path)
    edit_rule(
        folder,
        "bw-1:240-raad-kinderbescherming",
        "      - alleen_noodzakelijke_gegevens\n",
        "      - alleen_noodzakelijke_gegevens\n      - meldcode_volgen\n",
    )
    b = load_specs(folder)
    result = semantic_diff(bundled, b)
    assert result.complete and result.groups
    _replay_groups(bundled, b, result)
    for g in result.groups:
        assert g.naar == "raad_kinderbescherming"
        assert g.oordeel_a == g.oordeel_b == "toegestaan"
        assert g.plichten_erbij == ("meldcode_volgen",) and g.plichten_eraf == ()
    assert "toegestaan (duties)" in diff_table(result, "en")
    assert "toegestaan (plichten)" in diff_table(result)


# -- the command line ----------------------------------------------------------------------------


def test_cli_diff_text() -> None:
    result = run("diff", str(ROOT / "specs"), str(ZONDER_740))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("groepen verstrekkingen die verschillen")
    assert int(lines[0].split()[0]) > 0
    assert lines[1].split()[:2] == ["van.taak", "naar.taak"]
    assert any(ln.split()[:2] == ["jeugdhulp", "toeleiding"] for ln in lines[2:])
    same = run("diff", "--lang", "en", str(ROOT / "specs"), str(ROOT / "specs"))
    assert same.exit_code == 0 and same.stdout.startswith("0 groups of differing flows")


def test_cli_diff_json(wams: tuple[Specs, DiffResult]) -> None:
    _b, expected = wams
    result = run("diff", "--json", str(ROOT / "specs"), str(WAMS))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"aantal_groepen", "volledig", "groepen"}
    assert data["volledig"] is True
    assert data["aantal_groepen"] == len(data["groepen"]) == len(expected.groups)
    for g in data["groepen"]:
        assert set(g) == GROUP_KEYS
        flow_from_json(g["getuige"])
    assert {
        (g["van"], g["naar"], g["categorie"], g["oordeel_a"], g["oordeel_b"])
        for g in data["groepen"]
    } == {group_key(g) for g in expected.groups}


def test_cli_diff_invalid_folder_exit_2(tmp_path: Path) -> None:
    result = run("diff", str(ROOT / "specs"), str(tmp_path / "bestaat-niet"))
    assert result.exit_code == 2
    assert result.stdout == ""


def test_cli_diff_whatif_by_name_is_the_folder(wams: tuple[Specs, DiffResult]) -> None:
    """``--whatif NAME`` compares the shipped what-if with the bundled rules: the same
    groups as naming both folders, from any working directory."""
    by_name = run("diff", "--json", "--whatif", "wams-coordinatie")
    by_path = run("diff", "--json", str(ROOT / "specs"), str(WAMS))
    against = run("diff", "--json", str(ROOT / "specs"), "--whatif", "wams-coordinatie")
    assert by_name.exit_code == 0, by_name.output
    assert against.exit_code == 0, against.output

    def keys(result: Result) -> set[tuple[str, ...]]:
        # witnesses are any flow of the group (the solver's choice): compare the groups
        groups = json.loads(result.stdout)["groepen"]
        return {
            (g["van"], g["naar"], g["categorie"], g["oordeel_a"], g["oordeel_b"]) for g in groups
        }

    assert keys(by_name) == keys(by_path) == keys(against)
    assert len(keys(by_name)) == len(wams[1].groups) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--whatif", "zonder-7.4"), "did you mean 'zonder-7.4.0'"),
        (("--whatif", "x" * 500), "shipped: wams-coordinatie, zonder-7.4.0"),
        (("a", "b", "--whatif", "zonder-7.4.0"), "at most one folder"),
        ((), "two spec folders DIR_A DIR_B, --whatif NAME, or --peildatum with --tegen"),
        (("a",), "two spec folders"),
    ],
)
def test_cli_diff_whatif_errors(args: tuple[str, ...], message: str) -> None:
    result = run("diff", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr) < 400


def test_shipped_whatifs_are_installed_with_the_rules() -> None:
    from pettenlogic.rules.shipped import whatif_names

    assert whatif_names() == sorted(p.parent.name for p in WHATIF.glob("*/whatif.yaml"))
    assert len(whatif_names()) >= 2
