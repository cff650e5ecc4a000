"""Traceability: handreiking section -> statement -> rules -> scenario tests.

``specs/traceability.yaml`` lists every normative statement of the handreiking with the
rules (or definitions, aanvullingen, toekenningen) that encode it::

    stellingen:
      - id: "1.1-a"
        sectie: "1.1"
        stelling: {nl: "...", en: "..."}
        regels: [rule ids / definition names / aanvulling ids / toekenning ids]

These tests check that the table is complete in both directions and that every rule is
exercised by at least one scenario of tests/scenarios/.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from pettenlogic import flow_from_json, load_rulebook
from test_scenarios import CONTEXT_ONLY, load_scenarios, load_secties

TRACEABILITY = Path(__file__).resolve().parents[1] / "specs" / "traceability.yaml"
RB = load_rulebook()
RULE_IDS = [r.id for r in RB.specs.regels]
AANVULLING_IDS = [a.id for a in RB.specs.aanvullingen]
TOEKENNING_IDS = [t.id for t in RB.specs.toekenningen]
DEFINITION_NAMES = [d.naam for d in RB.specs.definities]
#: what must be traced to a statement and exercised by a scenario
TRACED_IDS = RULE_IDS + AANVULLING_IDS + TOEKENNING_IDS
KNOWN_IDS = frozenset(TRACED_IDS + DEFINITION_NAMES)


@pytest.fixture(scope="module")
def stellingen() -> list[dict[str, Any]]:
    if not TRACEABILITY.is_file():
        pytest.skip(f"{TRACEABILITY.name} does not exist yet (being written)")
    data = yaml.safe_load(TRACEABILITY.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("stellingen"), list), (
        f"{TRACEABILITY.name}: expected a top-level 'stellingen' list"
    )
    return data["stellingen"]


def _regels(st: dict[str, Any]) -> list[str]:
    value = st.get("regels") or []
    return [str(v) for v in value] if isinstance(value, list) else []


def test_statements_are_well_formed(stellingen: list[dict[str, Any]]) -> None:
    known_secties = set(load_secties())
    problems = []
    for i, st in enumerate(stellingen):
        sid = st.get("id", f"#{i + 1}")
        if not isinstance(st.get("id"), str):
            problems.append(f"{sid}: id must be a string")
        if st.get("sectie") not in known_secties:
            problems.append(f"{sid}: unknown section {st.get('sectie')!r}")
        tekst = st.get("stelling")
        if not isinstance(tekst, dict) or not tekst.get("nl") or not tekst.get("en"):
            problems.append(f"{sid}: 'stelling' needs both nl and en")
        if not isinstance(st.get("regels"), list):
            problems.append(f"{sid}: 'regels' must be a list")
    dupes = sorted(i for i, n in Counter(str(s.get("id")) for s in stellingen).items() if n > 1)
    problems += [f"duplicate statement id {d}" for d in dupes]
    assert not problems, "\n".join(problems)


def test_i_every_referenced_id_exists(stellingen: list[dict[str, Any]]) -> None:
    unknown = [
        f"{st.get('id')}: '{name}'"
        for st in stellingen
        for name in _regels(st)
        if name not in KNOWN_IDS
    ]
    assert not unknown, (
        "statements naming no rule, definition, aanvulling or toekenning:\n" + "\n".join(unknown)
    )


def test_ii_every_statement_has_a_rule(stellingen: list[dict[str, Any]]) -> None:
    empty = [str(st.get("id")) for st in stellingen if not _regels(st)]
    assert not empty, f"statements without rules: {empty}"


def test_iii_every_rule_is_traced_to_a_statement(stellingen: list[dict[str, Any]]) -> None:
    referenced = {name for st in stellingen for name in _regels(st)}
    untraced = [i for i in TRACED_IDS if i not in referenced]
    assert not untraced, f"rules, aanvullingen or toekenningen in no statement: {untraced}"


def exercised_by_scenarios() -> dict[str, list[str]]:
    """id -> scenario ids whose flow exercises it (deciding, aanvulling or toekenning)."""
    out: dict[str, list[str]] = {}
    for scenario in load_scenarios():
        trace = RB.trace(flow_from_json(scenario["flow"]))
        ids = [r.id for r in trace.deciding]
        ids += list(trace.aanvullingen)
        ids += [tid for _value, tid in trace.grondslag]
        if trace.verwerkingsverantwoordelijke[1]:
            ids.append(trace.verwerkingsverantwoordelijke[1])
        for i in dict.fromkeys(ids):
            out.setdefault(i, []).append(str(scenario["id"]))
    return out


def test_iv_every_rule_is_exercised_by_a_scenario() -> None:
    exercised = exercised_by_scenarios()
    untested = [i for i in TRACED_IDS if i not in exercised]
    assert not untested, f"rules, aanvullingen or toekenningen no scenario exercises: {untested}"


def test_v_every_normative_section_has_a_statement(stellingen: list[dict[str, Any]]) -> None:
    covered = {str(st.get("sectie")) for st in stellingen}
    missing = [s for s in load_secties() if s not in CONTEXT_ONLY and s not in covered]
    assert not missing, f"normative sections without a statement: {missing}"


def test_handreiking_pages_match_the_contents_page() -> None:
    """Chapters start on pp. 5, 17 and 27 and chapter 4 on p. 39; pages never go back.

    The page of a section is the printed page on which its heading stands (checked
    against the text of the handreiking, whose surviving footers fix pp. 8, 9, 14, 15).
    """
    secties = list(RB.specs.secties.values())
    first = {s.hoofdstuk: s.pagina for s in reversed(secties)}
    assert first == {1: 5, 2: 17, 3: 27}
    pages = [s.pagina for s in secties]
    assert pages == sorted(pages)
    assert max(pages) < 39
    assert (RB.specs.secties["1.5"].pagina, RB.specs.secties["1.10"].pagina) == (9, 12)
