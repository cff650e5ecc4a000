"""Every generated documentation page in one pass: the rules, scenarios and proofs
are loaded and computed once and shared by the pages that show them."""

from __future__ import annotations

from pathlib import Path

from ..rules.loader import load_specs, resolve_dirs
from ..solver.properties import load_properties
from ..solver.prove import Prover, prove_all
from ..solver.scope import rules_in_scope
from .flowmap import render_flow_maps
from .jurist import PAGE as JURIST_PAGE
from .jurist import decision_statuses, differences, render_jurist_page
from .pages import (
    Anchors,
    load_scenarios,
    load_themes,
    load_traceability,
    render_catalogue,
    render_traceability,
    render_vocabulary,
    tests_per_rule,
    write_pages,
)
from .rulepages import (
    RULE_DIR,
    SCENARIOS_PAGE,
    properties_about,
    render_rule_pages,
    render_scenarios,
    rule_summary_md,
)
from .verification import _raw_properties, render_properties, render_whatifs


def build_docs(
    out_dir: str | Path,
    specs_dir: str | Path,
    scenarios_dir: str | Path,
    whatif_dir: str | Path,
    decisions_md: str | Path | None = None,
) -> list[Path]:
    """Write the generated pages into ``out_dir`` (a file only when its text changed;
    rule pages of rules that no longer exist are removed). Returns the written paths."""
    root, rules_dir = resolve_dirs(specs_dir)
    specs = load_specs(specs_dir)
    themes = load_themes(rules_dir)
    anchors = Anchors(specs, themes)
    scenarios = load_scenarios(scenarios_dir)
    tests = tests_per_rule(specs, scenarios)
    props = load_properties(specs, specs_dir)
    outcomes = prove_all(specs, props)
    scope = rules_in_scope(Prover(specs), props)
    about = properties_about(scope)
    raw, files = _raw_properties(root)
    preface = [
        "Each rule has a page of its own (condition, citations, the scenarios that exercise "
        "it and the properties that speak about it); the tables below link them. "
        "All scenarios: {ref}`scenarios`.",
        "",
        "```{toctree}",
        ":hidden:",
        ":glob:",
        "",
        f"{RULE_DIR}/*",
        "```",
        "",
    ]
    pages = {
        "catalogue.md": render_catalogue(
            specs,
            themes,
            anchors,
            rule_rows=lambda rules: rule_summary_md(specs, anchors, rules, tests, about),
            preface=preface,
        ),
        "vocabulary.md": render_vocabulary(specs),
        "traceability.md": render_traceability(
            specs, load_traceability(root / "traceability.yaml"), tests, scenarios, anchors
        ),
        "properties.inc": render_properties(specs, props, outcomes, raw, files, anchors),
        "whatif.inc": render_whatifs(specs, Path(whatif_dir), anchors),
        SCENARIOS_PAGE: render_scenarios(scenarios, anchors, tests),
        **render_rule_pages(specs, anchors, tests, outcomes, scope),
        **render_flow_maps(specs),
    }
    if decisions_md is not None:
        pages[JURIST_PAGE] = render_jurist_page(
            specs, anchors, differences(specs), decision_statuses(Path(decisions_md))
        )
    rule_dir = Path(out_dir) / RULE_DIR
    if rule_dir.is_dir():
        for stale in rule_dir.glob("*.md"):
            if f"{RULE_DIR}/{stale.name}" not in pages:
                stale.unlink()
    return write_pages(pages, out_dir)
