"""Case timelines: every shipped casus gives its expected report, the temporal duties can
be missed and met, the circumstances come from the timeline, and casus files fail closed
with file:line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broken_rules import copy_specs
from pettenlogic import load_rulebook
from pettenlogic.cli import main
from pettenlogic.gemeente.casus import Checker, bundled_casussen, load_casus, run_casus
from pettenlogic.gemeente.tijdsplichten import IDS, addressees, load_tijdsplichten
from pettenlogic.rules.loader import SpecError, bundled_specs

SHIPPED = bundled_casussen(bundled_specs())
RB = load_rulebook()


def run(*args: str) -> object:
    return CliRunner().invoke(main, ["casus", *args])


def test_at_least_five_casussen_each_on_its_own_theme() -> None:
    assert len(SHIPPED) >= 5
    themes = {load_casus(p, RB).thema for p in SHIPPED.values()}
    assert len(themes) == len(SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_casus_gives_its_expected_report(name: str) -> None:
    report = run_casus(SHIPPED[name], RB)
    wrong = {s.gebeurtenis.nummer: s.afwijkingen() for s in report.stappen if s.afwijkingen()}
    assert not wrong, wrong
    # every sharing was decided by the rulebook itself: the same flow gives the same decision
    for s in report.stappen:
        if s.stroom is not None:
            assert s.beslissing is not None
            assert RB.decide(s.stroom).to_dict() == s.beslissing.to_dict()


def test_the_shipped_casussen_cover_every_temporal_duty_met_and_missed() -> None:
    seen: dict[str, set[str]] = {}
    for path in SHIPPED.values():
        for s in run_casus(path, RB).stappen:
            for p in s.plichten:
                seen.setdefault(p.id, set()).add(p.status)
    for pid in IDS:
        assert "gemist" in seen.get(pid, set()), pid
    met_elsewhere = {"ingetrokken-toestemming-bindt", "verwijsindex-jeugdige-informeren"}
    assert all("voldaan" in seen[p] for p in IDS if p not in met_elsewhere)


def test_verwijsindex_informing_met_by_a_later_event(tmp_path: Path) -> None:
    """Under 12 the representative is told (Jeugdwet 7.1.5.1 lid 1), after the report."""
    body = """professional: {meldingsbevoegd: true, registratie: skj}
gebeurtenissen:
  - rol: {taak: jeugdhulp, benoemd: true}
  - vastleggen: {gegevens: n, categorie: identificatie}
  - delen:
      gegevens: n
      naar: {taak: verwijsindex}
      omstandigheden: {risico_jeugdige: true, noodzakelijk: true}
  - informeren: {over: verwijsindex, wie: vertegenwoordiger}
"""
    path = _write(tmp_path, body).read_text().replace("leeftijd: 15", "leeftijd: 11")
    (tmp_path / "c.yaml").write_text(path, encoding="utf-8")
    report = Checker(RB).run(load_casus(tmp_path / "c.yaml", RB))
    step = report.stappen[2]
    assert [p.status for p in step.plichten if p.id == "verwijsindex-jeugdige-informeren"] == [
        "voldaan"
    ]
    assert not report.overtreden


def test_cli_text_json_and_exit_codes() -> None:
    ok = run("melding-veilig-thuis")
    assert ok.exit_code == 0, ok.output
    assert "geen stap in strijd met een regel" in ok.output
    assert "wmo 5.2.6" in ok.output  # citations per step
    bad = run("verwijsindex-melding")
    assert bad.exit_code == 1
    assert "GEMIST  verwijsindex-jeugdige-informeren" in bad.output
    assert "jeugdwet 7.1.5.1 lid 1" in bad.output
    data = json.loads(run("--json", "regie-behandelgegevens").output)
    assert data["overtreden"] is True
    steps = {s["stap"]: s for s in data["stappen"]}
    assert steps[5]["beslissing"]["oordeel"] == "verboden"
    assert steps[7]["beslissing"]["oordeel"] == "toegestaan"
    listed = run("--lijst")
    assert sorted(listed.output.split()) == sorted(SHIPPED)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.yaml"
    head = "casus: t\ntitel: {nl: t, en: t}\nthema: '2.13'\nbetrokkene: {leeftijd: 15}\n"
    path.write_text(head + body, encoding="utf-8")
    return path


def test_consent_is_per_step_and_a_withdrawal_binds(tmp_path: Path) -> None:
    """Consent for the toeleiding does not cover regie; a withdrawal turns later steps.

    (Regie of another organisation: no statutory duty reaches it, unlike a diagnosis the
    toeleiding needs, which Jeugdwet 7.4.0 obliges whatever the consent, D4.)"""
    share = "{gegevens: d, naar: {taak: regie_hulpverlening, wet: jeugdwet}, "
    share += "omstandigheden: {andere_organisatie: true}}"
    body = f"""gebeurtenissen:
  - route: {{route: c, taak: jeugdhulp, benoemd: true}}
  - vastleggen: {{gegevens: d, categorie: diagnose}}
  - toestemming: {{naar: toeleiding, stand: gegeven}}
  - delen: {share}
  - toestemming: {{naar: regie_hulpverlening, stand: gegeven}}
  - delen: {share}
  - toestemming: {{naar: regie_hulpverlening, stand: ingetrokken}}
  - delen: {share}
"""
    report = Checker(RB).run(load_casus(_write(tmp_path, body), RB))
    s = report.stappen
    assert (
        s[3].stroom is not None and s[3].stroom["omstandigheden"]["toestemming"] == "niet_gevraagd"
    )
    assert s[3].beslissing is not None and s[3].beslissing.oordeel.value == "verboden"
    assert s[5].beslissing is not None and s[5].beslissing.oordeel.value == "toegestaan"
    assert s[7].stroom is not None and s[7].stroom["omstandigheden"]["toestemming"] == "geweigerd"
    assert "ingetrokken-toestemming-bindt" in s[7].gemist


def test_unnamed_role_travels_with_the_data(tmp_path: Path) -> None:
    body = """gebeurtenissen:
  - rol: {taak: toeleiding, wet: jeugdwet, benoemd: false}
  - vastleggen: {gegevens: f, categorie: financieel}
  - rol: {taak: toeleiding, wet: jeugdwet, benoemd: true}
  - vastleggen: {gegevens: g, categorie: financieel}
  - delen: {gegevens: f, naar: {taak: regie_toeleiding, wet: jeugdwet}}
  - delen: {gegevens: g, naar: {taak: regie_toeleiding, wet: jeugdwet}}
"""
    report = Checker(RB).run(load_casus(_write(tmp_path, body), RB))
    f, g = report.stappen[4], report.stappen[5]
    assert f.stroom is not None and f.stroom["omstandigheden"]["inwoner_kende_rol"] is False
    assert g.stroom is not None and g.stroom["omstandigheden"]["inwoner_kende_rol"] is True
    assert report.stappen[0].gemist == ("rol-benoemen",)


@pytest.mark.parametrize(
    ("leeftijd", "who"),
    [(11, {"vertegenwoordiger"}), (12, {"jeugdige", "vertegenwoordiger"}), (16, {"jeugdige"})],
)
def test_verwijsindex_addressees_follow_jeugdwet_7_1_5_1(leeftijd: int, who: set[str]) -> None:
    assert addressees(leeftijd) == who


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "gebeurtenissen:\n  - rol: {taak: jeugdhulpp, benoemd: true}\n",
            "did you mean 'jeugdhulp'",
        ),
        ("gebeurtenissen:\n  - wissel: {taak: jeugdhulp}\n", "unknown key 'wissel'"),
        ("gebeurtenissen:\n  - rol: {taak: jeugdhulp}\n", "missing required key 'benoemd'"),
        (
            "gebeurtenissen:\n  - delen: {gegevens: x, naar: {taak: inspectie},"
            " omstandigheden: {toestemming: gegeven}}\n",
            "follows from the timeline",
        ),
        (
            "gebeurtenissen:\n  - melden: {}\n    verwacht: {gemist: [rol-benoem]}\n",
            "did you mean 'rol-benoemen'",
        ),
        ("gebeurtenissen:\n  - route: {route: e, taak: jeugdhulp, benoemd: true}\n", "route"),
        ("gebeurtenissen: !!python/object:os.system {}\n", "tags are not allowed"),
    ],
)
def test_invalid_casus_fails_closed_with_file_line(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(SpecError) as err:
        load_casus(path, RB)
    assert message in "\n".join(err.value.problems)
    assert all(":" in p and p.startswith(str(path)) for p in err.value.problems)
    result = run(str(path))
    assert result.exit_code == 2 and message in result.stderr and not result.stdout


def test_invalid_flow_values_in_a_step_fail_closed(tmp_path: Path) -> None:
    body = """gebeurtenissen:
  - route: {route: c, taak: jeugdhulp, benoemd: true}
  - vastleggen: {gegevens: d, categorie: diagnose}
  - delen: {gegevens: d, naar: {taak: inspectie}, omstandigheden: {noodzakelijk: misschien}}
"""
    result = run(str(_write(tmp_path, body)))
    assert result.exit_code == 2
    assert "noodzakelijk" in result.stderr and "gebeurtenis 3" in result.stderr


def test_unknown_casus_name_suggests() -> None:
    result = run("melding-veilig-thuiss")
    assert result.exit_code == 2 and "melding-veilig-thuis" in result.stderr


def test_temporal_duty_citations_are_checked(tmp_path: Path) -> None:
    folder = copy_specs(tmp_path)
    path = folder / "tijdsplichten.yaml"
    text = path.read_text(encoding="utf-8").replace(
        'artikel: "7", lid: "3"', 'artikel: "7", lid: "9"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_tijdsplichten(RB.specs, folder)
    assert any("tijdsplichten.yaml" in p for p in err.value.problems)
    shutil.rmtree(folder)


# -- random timelines (Hypothesis): the timeline, not the step, sets consent ------------------

TAKEN = ["toeleiding", "regie_hulpverlening", "veilig_thuis", "handhaving", "inspectie"]
WET = {"toeleiding": "jeugdwet", "regie_hulpverlening": "jeugdwet", "handhaving": "jeugdwet"}


def _ctx(taak: str) -> str:
    return f"{{taak: {taak}, wet: {WET[taak]}}}" if taak in WET else f"{{taak: {taak}}}"


@st.composite
def timelines(draw: st.DrawFn) -> list[str]:
    events = ["  - rol: {taak: jeugdhulp, benoemd: true}"]
    events.append("  - vastleggen: {gegevens: g, categorie: diagnose}")
    for _ in range(draw(st.integers(1, 8))):
        taak = draw(st.sampled_from(TAKEN))
        kind = draw(st.sampled_from(["toestemming", "informeren", "verzoek", "delen"]))
        if kind == "toestemming":
            stand = draw(st.sampled_from(["gegeven", "geweigerd", "ingetrokken"]))
            events.append(f"  - toestemming: {{naar: {taak}, stand: {stand}}}")
        elif kind == "informeren":
            events.append(f"  - informeren: {{over: {taak}, wie: inwoner}}")
        elif kind == "verzoek":
            events.append(f"  - verzoek: {{van: {_ctx(taak)}}}")
        else:
            events.append(f"  - delen: {{gegevens: g, naar: {_ctx(taak)}}}")
    return events


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=timelines())
def test_random_timelines_derive_consent_from_the_events(tmp_path: Path, events: list[str]) -> None:
    path = _write(tmp_path, "gebeurtenissen:\n" + "\n".join(events) + "\n")
    report = Checker(RB).run(load_casus(path, RB))
    consent: dict[str, str] = {}
    for line, step in zip(events, report.stappen, strict=True):
        if "toestemming:" in line:
            taak = line.split("naar: ")[1].split(",")[0]
            consent[taak] = line.split("stand: ")[1].rstrip("}")
        if step.stroom is not None:
            taak = step.stroom["naar"]["taak"]
            want = {"gegeven": "gegeven", None: "niet_gevraagd"}.get(consent.get(taak), "geweigerd")
            assert step.stroom["omstandigheden"]["toestemming"] == want
            assert step.beslissing is not None
            assert RB.decide(step.stroom).to_dict() == step.beslissing.to_dict()
    assert report.overtreden == any(s.overtredingen for s in report.stappen)
