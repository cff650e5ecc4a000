"""One page per rule, a summary table for the catalogue, and a page of scenarios.

A policy author lands on a rule and sees, on one page, its condition and
citations, the scenarios that exercise it (linked to their text and flow) and the
properties that speak about it with their last proof outcome. A property speaks
about a rule when the rule can decide some flow inside the property's scope
(:mod:`pettenlogic.solver.scope`), so a change to the rule can change the outcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..rules.spec import Regel, Specs
from ..solver.prove import Outcome
from ..solver.scope import Scope
from .pages import Anchors, _rule_md, code, esc, ref

#: folder (under the generated pages) that holds one page per rule
RULE_DIR = "regels"
SCENARIOS_PAGE = "scenarios.md"
OUTCOME_WORDS = {"geldt": "holds", "tegenvoorbeeld": "counterexample", "onbekend": "unknown"}


def rule_page_name(anchors: Anchors, rule_id: str) -> str:
    """The file name (without folder) of a rule's page: its unique label."""
    label = anchors.get("regel", rule_id)
    assert label is not None, rule_id
    return f"{label}.md"


def properties_about(scope: Mapping[str, Scope]) -> dict[str, list[str]]:
    """Invert the scope table: rule id → names of the properties that speak about it."""
    out: dict[str, list[str]] = {}
    for name, found in scope.items():
        for rid in found.regels:
            out.setdefault(rid, []).append(name)
    return {rid: sorted(names) for rid, names in out.items()}


def _outcome_md(o: Outcome | None) -> str:
    if o is None:
        return "not proved"
    word = OUTCOME_WORDS.get(o.uitkomst, o.uitkomst)
    return word + ("" if o.as_expected else f" — **not as expected** ({o.verwacht})")


def render_rule_page(
    specs: Specs,
    anchors: Anchors,
    rule: Regel,
    exceptors: Sequence[str],
    scenario_ids: Sequence[str],
    about: Sequence[str],
    outcomes: Mapping[str, Outcome],
    scope: Mapping[str, Scope],
) -> str:
    """The page of one rule: its catalogue entry, scenarios and properties."""
    body = _rule_md(specs, anchors, rule, exceptors)
    assert body[1].startswith("#### ")
    body[1] = "# " + body[1][5:]
    out = [*body, "## Scenarios", ""]
    if scenario_ids:
        out.append(
            f"{len(scenario_ids)} scenario(s) of `tests/scenarios/` are decided with this rule "
            "taking part (deciding, or behind a ground, controller or definition):"
        )
        out.append("")
        out += [f"- {ref(anchors.add('scenario', s), s)}" for s in scenario_ids]
    else:
        out.append("No scenario exercises this rule.")
    out += ["", "## Properties", ""]
    if about:
        out += [
            "Properties whose scope contains a flow this rule decides (a change to the rule "
            "can change their outcome), with the outcome when these pages were built:",
            "",
            "| property | outcome |",
            "|---|---|",
        ]
        for name in about:
            partial = "" if scope[name].complete else " (scope incomplete: time limit)"
            out.append(
                f"| {ref(anchors.add('prop', name), name)} | {_outcome_md(outcomes.get(name))}"
                f"{partial} |"
            )
    else:
        out.append("No property speaks about flows this rule decides.")
    out += ["", f"Back to the {ref('catalogue', 'rule catalogue')}.", ""]
    return "\n".join(out)


def render_rule_pages(
    specs: Specs,
    anchors: Anchors,
    tests: Mapping[str, Sequence[str]],
    outcomes: Sequence[Outcome],
    scope: Mapping[str, Scope],
) -> dict[str, str]:
    """Every rule's page, keyed by its path under the generated folder."""
    exceptions_to: dict[str, list[str]] = {}
    for r in specs.regels:
        for target in r.uitzondering_op:
            exceptions_to.setdefault(target, []).append(r.id)
    about = properties_about(scope)
    by_name = {o.naam: o for o in outcomes}
    return {
        f"{RULE_DIR}/{rule_page_name(anchors, r.id)}": render_rule_page(
            specs,
            anchors,
            r,
            exceptions_to.get(r.id, []),
            tests.get(r.id, []),
            about.get(r.id, []),
            by_name,
            scope,
        )
        for r in specs.regels
    }


def rule_summary_md(
    specs: Specs,
    anchors: Anchors,
    rules: Sequence[Regel],
    tests: Mapping[str, Sequence[str]],
    about: Mapping[str, Sequence[str]],
) -> list[str]:
    """A table of rules: one row each, linking the rule's own page."""
    out = [
        "| rule | titel | laag | effect | sectie | scenarios | properties |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        label = anchors.get("regel", r.id)
        assert label is not None
        out.append(
            f"| {ref(label, r.id)} | {esc(r.titel.nl)} | {code(r.laag.value)} | "
            f"{code(r.effect.value)} | {esc(r.sectie)} | {len(tests.get(r.id, ()))} | "
            f"{len(about.get(r.id, ()))} |"
        )
    return [*out, ""]


def render_scenarios(
    scenarios: Sequence[Mapping[str, Any]], anchors: Anchors, exercised: Mapping[str, list[str]]
) -> str:
    """All scenarios with their section, text, flow and expectation, each with a label
    the rule pages link to."""
    rules_of: dict[str, list[str]] = {}
    for rid, ids in exercised.items():
        if anchors.get("regel", rid) is None:
            continue
        for sid in ids:
            rules_of.setdefault(sid, []).append(rid)
    out = [
        "(scenarios)=",
        "# Scenarios",
        "",
        "Generated at build time from `tests/scenarios/*.yaml`; do not edit. Each scenario "
        "is a statement of the handreiking or the law as a flow and the decision the text "
        f"requires; `tests/test_scenarios.py` runs every one. {len(scenarios)} scenarios.",
        "",
    ]
    current = None
    for sc in scenarios:
        file = str(sc.get("_file", ""))
        if file != current:
            current = file
            out += [f"## {esc(file or 'scenarios')}", ""]
        sid = str(sc["id"])
        out += [f"({anchors.add('scenario', sid)})=", f"### {esc(sid)}", ""]
        out.append(f"- **sectie:** {esc(sc.get('sectie', ''))}")
        if sc.get("beschrijving"):
            out.append(f"- **beschrijving:** {esc(sc['beschrijving'])}")
        rules = rules_of.get(sid, [])
        if rules:
            links = ", ".join(ref(anchors.get("regel", r) or "", r) for r in rules)
            out.append(f"- **rules:** {links}")
        if sc.get("xfail"):
            out.append(f"- **known departure (xfail):** {esc(sc['xfail'])}")
        out += ["", "```json", json.dumps(sc.get("flow"), ensure_ascii=False), "```", ""]
        verwacht = sc.get("verwacht")
        if verwacht is not None:
            shown = json.dumps(verwacht, ensure_ascii=False, sort_keys=True)
            out += [f"Expected: {code(shown)}", ""]
    return "\n".join(out).rstrip() + "\n"
