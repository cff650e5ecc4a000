"""Generated parts of the verification chapter (docs/verification.md).

Two MyST fragments, computed by the tools themselves on every Sphinx build
(``docs/conf.py`` calls :func:`write_verify_docs`):

* ``properties.inc`` (:func:`render_properties`): every property of the rule set
  with its paraphrase, handreiking section, formal statement, expected and proved
  outcome, and for a refuted property its counterexample with the decision;
* ``whatif.inc`` (:func:`render_whatifs`): for each what-if folder, its description
  and the table of ``pettenlogic diff`` between the bundled rules and the variant,
  with one witness flow.

The fragments carry the suffix ``.inc`` so Sphinx does not treat them as pages of
their own; the chapter pulls them in with the ``include`` directive. Links to rules
and sections use the labels of the generated catalogue (:class:`~pettenlogic.docgen.pages.Anchors`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..evaluate import Evaluator
from ..model.convert import flow_from_json, flow_to_json
from ..rules.loader import load_specs, resolve_dirs
from ..rules.spec import Specs
from ..solver.diff import DiffResult, Group, semantic_diff
from ..solver.properties import Eigenschap, load_properties
from ..solver.prove import Outcome, prove_all
from .flowmap import diff_map_svg
from .pages import Anchors, code, esc, load_themes, ref, write_pages

__all__ = ["compact_flow", "render_properties", "render_whatifs", "write_verify_docs"]

OUTCOME_WORD = {"geldt": "holds", "tegenvoorbeeld": "counterexample", "onbekend": "unknown"}


def compact_flow(flow: Mapping[str, Any]) -> dict[str, Any]:
    """A flow without the leaves that equal their default (easier to read in docs)."""
    full = flow_to_json(flow_from_json(flow))
    bare = {
        "gegevens": {"categorie": full["gegevens"]["categorie"]},
        "van": {"taak": full["van"]["taak"]},
        "naar": {"taak": full["naar"]["taak"]},
    }
    defaults = flow_to_json(flow_from_json(bare))

    def strip(node: Any, default: Any, keep_required: bool) -> Any:
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            dflt = default.get(key) if isinstance(default, dict) else None
            if isinstance(value, dict):
                inner = strip(value, dflt or {}, keep_required)
                if inner:
                    out[key] = inner
            elif value != dflt or (keep_required and key in ("categorie", "taak")):
                out[key] = value
        return out

    return strip(full, defaults, True)


def _json_block(data: Any) -> list[str]:
    return ["```json", json.dumps(data, ensure_ascii=False, indent=2), "```"]


def _raw_properties(specs_dir: Path) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    """The property texts as written (name → mapping) and (file, thema) in file order."""
    raw: dict[str, dict[str, Any]] = {}
    files: list[tuple[str, str]] = []
    for path in sorted((specs_dir / "properties").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        files.append((path.name, str(data.get("thema", path.stem))))
        for item in data.get("eigenschappen") or []:
            raw[str(item["naam"])] = {**item, "_file": path.name}
    return raw, files


def _sectie(specs: Specs, anchors: Anchors, sid: str) -> str:
    sec = specs.secties.get(sid)
    if sec is None:
        return code(sid)
    label = anchors.get("sectie", sid)
    title = f"§{sec.id} {sec.titel}, p. {sec.pagina}"
    return ref(label, title) if label else esc(title)


def _rules(anchors: Anchors, ids: Sequence[str]) -> str:
    shown = []
    for rid in ids:
        label = anchors.get("regel", rid)
        shown.append(ref(label, rid) if label else code(rid))
    return ", ".join(shown) or "none"


def _decision_lines(anchors: Anchors, d: Mapping[str, Any], who: str) -> list[str]:
    plichten = ", ".join(code(p["code"]) for p in d["plichten"]) or "none"
    voorwaarden = ", ".join(code(v["code"]) for v in d["voorwaarden"]) or "none"
    return [
        f"- {who}: **{d['oordeel']}**, deciding rules {_rules(anchors, d['regels'])}; "
        f"duties {plichten}; open conditions {voorwaarden}",
    ]


def render_properties(
    specs: Specs,
    props: Sequence[Eigenschap],
    outcomes: Sequence[Outcome],
    raw: Mapping[str, Mapping[str, Any]],
    files: Sequence[tuple[str, str]],
    anchors: Anchors,
) -> str:
    """The property catalogue: a summary table, then each property in full."""
    by_name = {o.naam: o for o in outcomes}
    good = sum(o.as_expected for o in outcomes)
    out = [
        f"{len(props)} properties; {good} of {len(outcomes)} came out as expected when these "
        "pages were built (the proofs run at documentation build time).",
        "",
        "| property | § | expected | proved |",
        "|---|---|---|---|",
    ]
    for p in props:
        o = by_name[p.naam]
        mark = "" if o.as_expected else " **(not as expected)**"
        label = anchors.add("prop", p.naam)
        out.append(
            f"| {ref(label, p.naam)} | {esc(p.sectie)} | {OUTCOME_WORD[p.verwacht]} | "
            f"{OUTCOME_WORD[o.uitkomst]}{mark} |"
        )
    out.append("")
    for file, thema in files:
        members = [p for p in props if raw.get(p.naam, {}).get("_file") == file]
        if not members:
            continue
        out += [f"### {esc(thema)}", "", f"From {code('specs/properties/' + file)}.", ""]
        for p in members:
            out += _property_md(specs, p, by_name[p.naam], raw.get(p.naam, {}), anchors)
    return "\n".join(out).rstrip() + "\n"


def _property_md(
    specs: Specs, p: Eigenschap, o: Outcome, raw: Mapping[str, Any], anchors: Anchors
) -> list[str]:
    label = anchors.add("prop", p.naam)
    out = [
        f"({label})=",
        f"#### {p.naam}",
        "",
        f"*{esc(p.uitleg.en)}*",
        "",
        f"{esc(p.uitleg.nl)}",
        "",
        f"- Handreiking: {_sectie(specs, anchors, p.sectie)}",
        f"- Expected: **{OUTCOME_WORD[p.verwacht]}**; proved: **{OUTCOME_WORD[o.uitkomst]}**"
        + ("" if o.as_expected else " — not as expected"),
    ]
    if p.verschil:
        out.append("- A pair of flows equal except in " + ", ".join(code(f) for f in p.verschil))
    if p.gelijk:
        out.append("- Must be equal for both: " + ", ".join(code(g) for g in p.gelijk))
    out.append("")
    statement = []
    for key in ("voor", "geldt"):
        if raw.get(key):
            statement.append(f"{key}: {' '.join(str(raw[key]).split())}")
    for key, text in (raw.get("keten") or {}).items():  # a chain property (reachability)
        statement.append(f"keten.{key}: {' '.join(str(text).split())}")
    if statement:
        out += ["```text", *statement, "```", ""]
    if p.toelichting:
        out += [f"Why: {esc(p.toelichting)}", ""]
    if o.tegenvoorbeeld is not None and o.beslissing is not None:
        out += ["Counterexample (fields at their default left out):", ""]
        if p.keten is not None:
            steps = zip(o.tegenvoorbeeld["keten"], o.beslissing["keten"], strict=True)
            for i, (flow, decision) in enumerate(steps, 1):
                out += [f"Step {i}:", "", *_json_block(compact_flow(flow)), ""]
                out += _decision_lines(anchors, decision, f"decision {i}")
        elif p.paar:
            for side in ("a", "b"):
                out += [f"Flow {side}:", "", *_json_block(compact_flow(o.tegenvoorbeeld[side])), ""]
            out += _decision_lines(anchors, o.beslissing["a"], "decision a")
            out += _decision_lines(anchors, o.beslissing["b"], "decision b")
        else:
            out += [*_json_block(compact_flow(o.tegenvoorbeeld)), ""]
            out += _decision_lines(anchors, o.beslissing, "decision")
        out.append("")
    return out


# -- what-if tables ---------------------------------------------------------------------------


def _fold(groups: Sequence[Group]) -> list[tuple[tuple[str, str, str, str], list[Group]]]:
    folded: dict[tuple[str, str, str, str], list[Group]] = {}
    for g in groups:
        folded.setdefault((g.van, g.naar, g.oordeel_a, g.oordeel_b), []).append(g)
    return sorted(folded.items())


def render_whatif(
    name: str, beschrijving: str, result: DiffResult, base: Specs, other: Specs, anchors: Anchors
) -> str:
    out = [
        f"### {esc(name)}",
        "",
        esc(beschrijving),
        "",
        "```sh",
        f"pettenlogic diff --whatif {name}",
        "```",
        "",
        f"**{len(result.groups)} groups** of differing flows"
        + (
            " (complete: no other flow decides differently)."
            if result.complete
            else " (incomplete: a limit or timeout was reached)."
        ),
        "Rows fold the groups that share tasks and verdicts; the last column lists their "
        "categories. A group is defined by its verdicts; the duties gained (+) or lost (−) "
        "are those of the groups' witness flows, so one row can show both for one duty.",
        "",
        "| van.taak | naar.taak | A → B | duty changes in the witnesses | categorie |",
        "|---|---|---|---|---|",
    ]
    for (van, naar, oa, ob), gs in _fold(result.groups):
        change = f"{oa} → {ob}" if oa != ob else f"{oa} (duties only)"
        duties = sorted(
            {f"+{p}" for g in gs for p in g.plichten_erbij}
            | {f"−{p}" for g in gs for p in g.plichten_eraf}
        )
        cats = ", ".join(sorted(g.categorie for g in gs))
        out.append(
            f"| {code(van)} | {code(naar)} | {change} | {', '.join(duties) or '–'} | {cats} |"
        )
    if result.groups:
        out += [
            "",
            "<details><summary>The same changes as a van × naar matrix per category"
            f" (<code>pettenlogic diff --whatif {esc(name)} --format svg</code>)</summary>",
            "",
            diff_map_svg(result.groups, f"What changes with what-if {name}").strip(),
            "",
            "</details>",
        ]
        g = result.groups[0]
        flow = flow_from_json(g.getuige)
        da, db = Evaluator(base).decide(flow), Evaluator(other).decide(flow)
        out += [
            "",
            f"Witness of the first group ({code(g.van)} → {code(g.naar)}, {code(g.categorie)}), "
            "fields at their default left out:",
            "",
            *_json_block(compact_flow(g.getuige)),
            "",
            *_decision_lines(anchors, da.to_dict(), "bundled rules"),
            *_decision_lines(anchors, db.to_dict(), f"what-if {code(name)}"),
        ]
    return "\n".join(out) + "\n"


def render_whatifs(base: Specs, whatif_dir: Path, anchors: Anchors) -> str:
    parts = []
    for folder in sorted(p for p in whatif_dir.iterdir() if (p / "whatif.yaml").is_file()):
        meta = yaml.safe_load((folder / "whatif.yaml").read_text(encoding="utf-8")) or {}
        other = load_specs(folder)
        result = semantic_diff(base, other)
        text = " ".join(str(meta.get("beschrijving", "")).split())
        parts.append(render_whatif(folder.name, text, result, base, other, anchors))
    return "\n".join(parts)


def write_verify_docs(
    out_dir: str | Path, specs_dir: str | Path, whatif_dir: str | Path
) -> list[Path]:
    """Write ``properties.inc`` and ``whatif.inc`` into ``out_dir`` (only when changed)."""
    root, rules_dir = resolve_dirs(specs_dir)
    specs = load_specs(specs_dir)
    anchors = Anchors(specs, load_themes(rules_dir))
    props = load_properties(specs, specs_dir)
    outcomes = prove_all(specs, props)
    raw, files = _raw_properties(root)
    pages = {
        "properties.inc": render_properties(specs, props, outcomes, raw, files, anchors),
        "whatif.inc": render_whatifs(specs, Path(whatif_dir), anchors),
    }
    return write_pages(pages, out_dir)
