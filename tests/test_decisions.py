"""Every interpretation decision carries one re-check against the statutory texts.

docs/decisions.md ends each entry D1..Dn with a line
``**Status:** confirmed|changed|open — <reason>`` (issue 7, item 5); the docs page
generator parses it. Entries up to ``REQUIRED_UPTO`` must have it; later entries are
checked only once they carry one (they are re-checked when their turn comes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DECISIONS = Path(__file__).resolve().parent.parent / "docs" / "decisions.md"
REQUIRED_UPTO = 44
#: numbers handed out to parallel work and left unused; never reused for another entry
UNUSED = frozenset({52})

LABEL = re.compile(r"^\(decision-d(\d+)\)=$", re.M)
STATUS_ANY = re.compile(r"^\*\*Status:\*\*", re.M)
STATUS_OK = re.compile(r"^\*\*Status:\*\* (confirmed|changed|open) — \S.*$")


def entries(text: str) -> dict[int, str]:
    """Split the page into entry bodies by their `(decision-dN)=` labels."""
    labels = list(LABEL.finditer(text))
    bodies: dict[int, str] = {}
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        n = int(m.group(1))
        if n in bodies:
            raise ValueError(f"D{n} appears twice")
        bodies[n] = text[m.end() : end]
    return bodies


def status_problems(text: str, required_upto: int = REQUIRED_UPTO) -> list[str]:
    """What is wrong with the status lines of the page, as readable messages."""
    problems: list[str] = []
    try:
        bodies = entries(text)
    except ValueError as exc:
        return [str(exc)]
    if not bodies:
        return ["no decision entries found"]
    highest = max(bodies)
    missing = [n for n in range(1, highest + 1) if n not in bodies and n not in UNUSED]
    if missing:
        problems.append(f"numbering has gaps: {missing}")
    for n, body in sorted(bodies.items()):
        lines = STATUS_ANY.findall(body)
        if not lines:
            if n <= required_upto:
                problems.append(f"D{n}: no **Status:** line")
            continue
        if len(lines) > 1:
            problems.append(f"D{n}: {len(lines)} **Status:** lines, expected one")
            continue
        last = body.rstrip().splitlines()[-1]
        if not STATUS_OK.match(last):
            problems.append(
                f"D{n}: the last line must read '**Status:** confirmed|changed|open — <reason>',"
                f" got {last[:80]!r}"
            )
    return problems


def test_every_decision_has_one_status() -> None:
    assert status_problems(DECISIONS.read_text(encoding="utf-8")) == []


def _page(*bodies: str) -> str:
    return "\n".join(f"(decision-d{i})=\n## D{i}. x\n\n{b}\n" for i, b in enumerate(bodies, 1))


GOOD = "**Status:** confirmed — Jeugdwet 7.4.0 lid 1."


@pytest.mark.parametrize(
    ("page", "fragment"),
    [
        (_page(GOOD, "- **Choice:** y"), "D2: no **Status:** line"),
        (_page(GOOD, GOOD + "\n\n" + GOOD), "D2: 2 **Status:** lines"),
        (_page(GOOD, "**Status:** maybe — unsure."), "D2: the last line"),
        (_page(GOOD, "**Status:** open - hyphen, not a dash."), "D2: the last line"),
        (_page(GOOD, "**Status:** open —"), "D2: the last line"),
        (_page(GOOD, GOOD + "\n- **Choice:** after the status"), "D2: the last line"),
        (_page(GOOD).replace("decision-d1", "decision-d3"), "numbering has gaps"),
        (_page(GOOD) + _page(GOOD), "D1 appears twice"),
    ],
)
def test_checker_rejects_broken_pages(page: str, fragment: str) -> None:
    problems = status_problems(page, required_upto=2)
    assert any(fragment in p for p in problems), problems


def test_later_entries_may_wait_but_must_be_well_formed() -> None:
    # D2 is above the required range: absent is fine, malformed is not
    assert status_problems(_page(GOOD, "- **Choice:** y"), required_upto=1) == []
    assert status_problems(_page(GOOD, "**Status:** perhaps — x"), required_upto=1)
