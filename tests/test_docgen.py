"""The generated documentation: one page per rule linked to its scenarios and to the
properties that speak about it; the scope of a property computed by the solver."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
import z3

from pettenlogic.docgen.build import build_docs
from pettenlogic.docgen.pages import load_scenarios
from pettenlogic.docgen.pages import tests_per_rule as exercised_by
from pettenlogic.rules.loader import load_specs
from pettenlogic.rules.spec import Specs
from pettenlogic.solver.properties import load_properties
from pettenlogic.solver.prove import PropertyCompiler, Prover
from pettenlogic.solver.scope import rules_in_scope

ROOT = Path(__file__).resolve().parents[1]
LABEL = re.compile(r"^\(([^)]+)\)=$", re.M)
REF = re.compile(r"\{ref\}`[^`<]*<([^>]+)>`")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    (out / "regels").mkdir()
    (out / "regels" / "regel-bestaat-niet-meer.md").write_text("stale", "utf-8")
    build_docs(out, ROOT / "specs", ROOT / "tests" / "scenarios", ROOT / "specs" / "whatif")
    return out


def _direct_scope(specs: Specs, prover: Prover, name: str) -> set[str]:
    """The scope by one solver query per rule: the slow definition the fast one meets."""
    prop = next(p for p in load_properties(specs) if p.naam == name)
    fv, c = prover.single()
    found = set()
    for r in specs.regels:
        s = z3.Solver()
        s.add(*fv.well_formed(), PropertyCompiler({"a": c}).compile(prop.voor), c.deciding[r.id])
        if s.check() == z3.sat:
            found.add(r.id)
    return found


@pytest.mark.parametrize(
    "name",
    ["hulpverlening-aanbieder-verantwoordelijk", "melding-veilig-thuis-volgt-meldcode"],
)
def test_scope_equals_one_query_per_rule(name: str) -> None:
    specs = load_specs(None)
    prover = Prover(specs)
    props = [p for p in load_properties(specs) if p.naam == name]
    fast = rules_in_scope(prover, props)[name]
    assert fast.complete
    assert set(fast.regels) == _direct_scope(specs, prover, name)
    assert fast.regels  # the bundled properties speak about some rule


def test_scope_follows_the_rules() -> None:
    """Dropping a rule from the rule set drops it from the scope (no stale answers),
    and the rest of the scope stays."""
    specs = load_specs(None)
    name, target = "hulpverlening-aanbieder-verantwoordelijk", "hulpverlening-naar-regie"
    props = [p for p in load_properties(specs) if p.naam == name]
    before = rules_in_scope(Prover(specs), props)[name].regels
    assert target in before
    without = attrs.evolve(specs, regels=tuple(r for r in specs.regels if r.id != target))
    after = rules_in_scope(Prover(without), props)[name].regels
    assert target not in after
    assert after <= before


def test_a_page_per_rule_with_its_scenarios_and_properties(built: Path) -> None:
    specs = load_specs(None)
    pages = {p.name: p.read_text("utf-8") for p in (built / "regels").glob("*.md")}
    assert "regel-bestaat-niet-meer.md" not in pages  # stale pages are removed
    assert len(pages) == len(specs.regels)
    scenarios = load_scenarios(ROOT / "tests" / "scenarios")
    exercised = exercised_by(specs, scenarios)
    for rule in specs.regels:
        page = next(t for t in pages.values() if f"\n# {rule.id}\n" in t)
        for sid in exercised.get(rule.id, []):
            assert f"`{sid} <scenario-" in page
        assert "## Properties" in page and "## Scenarios" in page
        assert ("- **als:**" in page and "- **bronnen:**" in page) or rule.alleen_handreiking


def test_every_link_of_the_generated_pages_has_a_target(built: Path) -> None:
    texts = [p.read_text("utf-8") for p in built.rglob("*.md")]
    texts += [p.read_text("utf-8") for p in built.glob("*.inc")]
    labels = {m for t in texts for m in LABEL.findall(t)}
    refs = {m for t in texts for m in REF.findall(t)}
    missing = refs - labels - {"catalogue", "scenarios"} - {"traceability", "vocabulary"}
    assert not missing
    catalogue = (built / "catalogue.md").read_text("utf-8")
    assert "| rule | titel | laag | effect | sectie | scenarios | properties |" in catalogue
    assert catalogue.count("<regel-") >= len(load_specs(None).regels)


def test_jurist_page_witnesses_are_the_evaluators(tmp_path: Path) -> None:
    """Every difference's witness is decided by the statutory rule while the handreiking
    rule's condition holds, as the evaluator sees it; a planted layer flip removes it."""
    from pettenlogic.docgen.jurist import decision_statuses, differences
    from pettenlogic.evaluate import Evaluator
    from pettenlogic.model.convert import flow_from_json
    from pettenlogic.model.vocabulary import Laag

    specs = load_specs(None)
    diffs = differences(specs)
    assert diffs
    ev = Evaluator(specs)
    by_id = {r.id: r for r in specs.regels}
    for d in diffs:
        trace = ev.trace(flow_from_json(d.getuige))
        assert d.wet in {r.id for r in trace.deciding}
        assert by_id[d.wet].laag is Laag.WET and by_id[d.richtlijn].laag is Laag.RICHTLIJN
        assert d.richtlijn not in {r.id for r in trace.deciding}
    # lower a statutory rule to the richtlijn layer: its differences disappear
    first = diffs[0].wet
    lowered = attrs.evolve(
        specs,
        regels=tuple(
            attrs.evolve(r, laag=Laag.RICHTLIJN) if r.id == first else r for r in specs.regels
        ),
    )
    assert all(d.wet != first for d in differences(lowered))
    text = "## D1. Eerste\n\nuitleg\n\n**Status:** confirmed — art. 1\n\n## D2. Tweede\n\nx\n"
    (tmp_path / "d.md").write_text(text, "utf-8")
    got = decision_statuses(tmp_path / "d.md")
    assert [(s.nummer, s.status, s.toelichting) for s in got] == [
        ("D1", "confirmed", "art. 1"),
        ("D2", None, ""),
    ]
