"""The jurist's page: where the law says more than the handreiking, found in the rules.

A difference is a pair of rules: a ``wet`` rule that takes over from a
``richtlijn`` rule, either because it is declared an exception to it or because
the layer rule lets it override a rule of opposite effect. Each pair is shown
with the article, the handreiking passage and a witness flow that Z3 found: the
handreiking rule's condition holds, yet the statutory rule decides. The witness
is decided again by the evaluator, so the page shows what the library answers.
The interpretation decisions are listed with the status each carries in
``docs/decisions.md`` (confirmed, changed or open after checking the statutes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import attrs
import z3

from ..evaluate import Evaluator
from ..model.convert import flow_from_json
from ..model.vocabulary import Laag, Regeling
from ..rules.spec import Regel, Specs
from ..solver.compiler import Compiled
from ..solver.guard import serialized
from ..solver.sorts import FlowVars
from .pages import Anchors, code, esc, ref

PAGE = "wet-en-handreiking.md"
_STATUS = re.compile(r"^\*\*Status:\*\*\s*(confirmed|changed|open)\b\s*[—-]?\s*(.*)$")
_HEADING = re.compile(r"^## (D\d+)\. (.+)$")


@attrs.frozen
class Difference:
    """A statutory rule that takes over from a handreiking rule on a witness flow."""

    wet: str
    richtlijn: str
    how: str  # "uitzondering" (declared exception) or "laag" (layer override)
    getuige: dict[str, object]


@serialized
def differences(specs: Specs) -> list[Difference]:
    """Every (wet rule, richtlijn rule) pair where the wet rule decides a flow on which
    the richtlijn rule's condition holds but it does not take effect, with a witness."""
    fv = FlowVars("j.")
    c = Compiled(specs, fv)
    by_id = {r.id: r for r in specs.regels}
    wet = [r for r in specs.regels if r.laag is Laag.WET]
    richt = [r for r in specs.regels if r.laag is Laag.RICHTLIJN]
    out: list[Difference] = []
    solver = z3.Solver()
    solver.set("timeout", 20_000)
    solver.add(*fv.well_formed())
    for w in wet:
        declared = {t for t in w.uitzondering_op if t in by_id}
        candidates = [r for r in richt if r.id in declared or r.permissief != w.permissief]
        if not candidates:
            continue
        solver.push()
        solver.add(c.deciding[w.id])
        for r in candidates:
            found = solver.check(c.applies[r.id], z3.Not(c.active[r.id]))
            if found == z3.sat:
                flow = fv.flow_json(solver.model())
                how = "uitzondering" if r.id in declared else "laag"
                out.append(Difference(w.id, r.id, how, flow))
        solver.pop()
    return out


@attrs.frozen
class Status:
    nummer: str
    titel: str
    status: str | None
    toelichting: str


def decision_statuses(decisions_md: Path) -> list[Status]:
    """Each interpretation decision with the status line it carries (None when absent)."""
    out: list[Status] = []
    current: tuple[str, str] | None = None
    found: tuple[str, str] | None = None

    def close() -> None:
        if current:
            status, note = found if found else (None, "")
            out.append(Status(current[0], current[1], status, note))

    for line in decisions_md.read_text(encoding="utf-8").splitlines():
        head = _HEADING.match(line)
        if head:
            close()
            current, found = (head.group(1), head.group(2)), None
            continue
        status = _STATUS.match(line.strip())
        if status and current:
            found = (status.group(1), status.group(2).strip())
    close()
    return out


def _law_sources(rule: Regel) -> str:
    shown = [b.label() for b in rule.bronnen if b.regeling is not Regeling.HANDREIKING]
    return "; ".join(esc(s) for s in shown) or "–"


def _compact(flow: dict[str, object]) -> str:
    from .verification import compact_flow

    return json.dumps(compact_flow(flow), ensure_ascii=False, separators=(",", ":"))


def render_jurist_page(
    specs: Specs, anchors: Anchors, diffs: Sequence[Difference], statuses: Sequence[Status]
) -> str:
    by_id = {r.id: r for r in specs.regels}
    evaluator = Evaluator(specs)
    out = [
        "(wet-en-handreiking)=",
        "# Where the law says more than the handreiking",
        "",
        "Generated at build time from the rules; do not edit. The handreiking is the guide, "
        "the law the authority: where a statute says more or other than the guidance, the "
        "rulebook encodes the statute in the `wet` layer and keeps the guidance's advice in "
        "the `richtlijn` layer, so the two stay visible side by side. Each row below is a "
        "statutory rule that takes over from a handreiking rule — declared an exception to it "
        "(*uitzondering*) or overriding it by the layer rule (*laag*, see {doc}`/semantics`). "
        "The witness is a flow Z3 found on which the handreiking rule's condition holds but "
        "the statutory rule decides; the verdict shown is the evaluator's. "
        f"{len(diffs)} differences.",
        "",
    ]
    grouped: dict[str, list[Difference]] = {}
    for d in diffs:
        grouped.setdefault(d.wet, []).append(d)
    for wid, group in grouped.items():
        w = by_id[wid]
        out += [
            f"## {esc(w.titel.en)}",
            "",
            f"**Law:** {_law_sources(w)} — rule {ref(anchors.get('regel', w.id) or '', w.id)} "
            f"({code(w.effect.value)}). It takes over from:",
            "",
        ]
        for d in group:
            r = by_id[d.richtlijn]
            verdict = evaluator.trace(flow_from_json(d.getuige)).oordeel.value
            out += [
                f"- handreiking §{esc(r.sectie)}, rule "
                f"{ref(anchors.get('regel', r.id) or '', r.id)} ({code(r.effect.value)}): "
                f"{esc(r.titel.en)} — *{d.how}*; witness {code(_compact(d.getuige))} → "
                f"{code(verdict)}",
            ]
        out.append("")
    only = [r for r in specs.regels if r.alleen_handreiking]
    out += [
        "## Rules that rest on the handreiking alone",
        "",
        "No statutory basis was found in the statutory texts for these; they state what the "
        "handreiking says and cite only the handreiking.",
        "",
    ]
    out += [f"- {ref(anchors.get('regel', r.id) or '', r.id)}: {esc(r.titel.en)}" for r in only]
    out += ["", "## The interpretation decisions, checked against the statutes", ""]
    counts = {
        s: sum(1 for x in statuses if x.status == s) for s in ("confirmed", "changed", "open")
    }
    missing = sum(1 for x in statuses if x.status is None)
    out += [
        f"{counts['confirmed']} confirmed, {counts['changed']} changed, {counts['open']} open"
        + (f", {missing} not yet checked" if missing else "")
        + " (the reasons are in {doc}`/decisions`).",
        "",
        "| decision | status | reason |",
        "|---|---|---|",
    ]
    for s in statuses:
        out.append(
            f"| {s.nummer}. {esc(s.titel)} | {s.status or 'not yet checked'} | "
            f"{esc(s.toelichting) or '–'} |"
        )
    return "\n".join(out).rstrip() + "\n"
