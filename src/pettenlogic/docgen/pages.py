"""Render the rule set as Markdown (MyST) pages for the documentation.

Three generated pages, rebuilt by ``docs/conf.py`` on every Sphinx build:

* the rule catalogue (:func:`render_catalogue`): per theme file every value set,
  definition, rule, aanvulling and toekenning with its condition, citations and
  paraphrase;
* the vocabulary reference (:func:`render_vocabulary`): every enum of
  :mod:`pettenlogic.model.vocabulary` and every leaf field of a flow;
* the traceability table (:func:`render_traceability`): handreiking section →
  statement → rule ids → scenario test ids, from ``specs/traceability.yaml`` and
  the scenarios in ``tests/scenarios/*.yaml`` (:func:`tests_per_rule`).

Every cross-reference uses an explicit, unique MyST label computed by
:class:`Anchors`, so the pages build without warnings under ``sphinx-build -W``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import attrs
import yaml

from ..evaluate import Evaluator
from ..model import vocabulary
from ..model.convert import InvalidInput, flow_from_json
from ..model.fields import flow_fields
from ..model.vocabulary import TAAKGROEP, TAKEN_MET_WET, Described, Regeling
from ..rules.expr import TRUE, Expr, unparse
from ..rules.loader import load_specs, resolve_dirs
from ..rules.spec import (
    Aanvulling,
    Bron,
    Definitie,
    Gevolg,
    Regel,
    Specs,
    Tekst,
    Toekenning,
)

__all__ = [
    "Anchors",
    "Theme",
    "check_traceability",
    "load_scenarios",
    "load_themes",
    "load_traceability",
    "render_catalogue",
    "render_traceability",
    "render_vocabulary",
    "tests_per_rule",
    "write_docs",
]

CATALOGUE_LABEL = "catalogue"
VOCABULARY_LABEL = "vocabulary"
TRACEABILITY_LABEL = "traceability"
MAX_TESTS_IN_ROW = 12

# -- input files ----------------------------------------------------------------


def load_scenarios(folder: str | Path) -> list[dict[str, Any]]:
    """All scenarios of ``folder/*.yaml`` (sorted by file name), in file order.

    Each file holds ``{"scenarios": [{"id": ..., "sectie": ..., "flow": {...},
    "verwacht": {...}}, ...]}``. A missing folder gives an empty list. Every
    scenario gets an extra key ``_file`` with the name of the file it came from.
    """
    root = Path(folder)
    out: list[dict[str, Any]] = []
    if not root.is_dir():
        return out
    for path in sorted(root.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = data.get("scenarios") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ValueError(f"{path}: expected a top-level 'scenarios' list")
        for item in items:
            if not isinstance(item, dict) or "id" not in item:
                raise ValueError(f"{path}: every scenario needs an 'id'")
            out.append({**item, "_file": path.name})
    return out


def load_traceability(path: str | Path) -> list[dict[str, Any]] | None:
    """The ``stellingen`` of a traceability file, or ``None`` if it does not exist."""
    p = Path(path)
    if not p.is_file():
        return None
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    items = data.get("stellingen") if isinstance(data, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"{p}: 'stellingen' must be a list")
    return [dict(i) for i in items if isinstance(i, dict)]


@attrs.frozen
class Theme:
    """One rule file: its file name, its ``thema`` and the value sets it defines."""

    file: str
    thema: str
    sets: tuple[str, ...] = ()


def load_themes(rules_dir: str | Path) -> list[Theme]:
    """The theme files of a rules folder, sorted by file name (as the loader reads them)."""
    out: list[Theme] = []
    for path in sorted(Path(rules_dir).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            data = {}
        sets = data.get("verzamelingen") or {}
        out.append(
            Theme(
                path.name,
                str(data.get("thema") or path.stem),
                tuple(sets) if isinstance(sets, dict) else (),
            )
        )
    return out


# -- scenarios → ids they exercise ------------------------------------------------


def _exercised(evaluator: Evaluator, raw_flow: Any) -> list[str]:
    trace = evaluator.trace(flow_from_json(raw_flow))
    ids: list[str] = [r.id for r in trace.deciding]
    ids.extend(trace.aanvullingen)
    ids.extend(tid for _value, tid in trace.grondslag)
    vvo = trace.verwerkingsverantwoordelijke[1]
    if vvo:
        ids.append(vvo)
    ids.extend(name for name, value in trace.definitions.items() if value)
    seen: dict[str, None] = dict.fromkeys(ids)
    return list(seen)


def tests_per_rule(specs: Specs, scenarios: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Map every exercised id to the scenario ids that exercise it.

    Each scenario's flow is run through :meth:`Evaluator.trace`; the scenario
    counts for every deciding rule, every aanvulling used, every toekenning
    behind a grondslag or the verwerkingsverantwoordelijke, and every definition
    that was true. Scenarios whose flow is not valid input (for example a
    scenario that tests an error message) exercise nothing and are skipped.
    Scenario ids per key keep the order of ``scenarios``.
    """
    evaluator = Evaluator(specs)
    out: dict[str, list[str]] = {}
    for scenario in scenarios:
        flow = scenario.get("flow")
        if not isinstance(flow, dict):
            continue
        try:
            ids = _exercised(evaluator, flow)
        except InvalidInput:
            continue
        sid = str(scenario["id"])
        for key in ids:
            bucket = out.setdefault(key, [])
            if sid not in bucket:
                bucket.append(sid)
    return out


# -- anchors and escaping ---------------------------------------------------------

_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "x"


class Anchors:
    """Unique, valid MyST labels for everything the generated pages link to.

    Labels are global in a Sphinx project, so each kind gets its own prefix and
    two ids that slug the same (``a.b`` and ``a-b``) get distinct suffixes.
    """

    def __init__(self, specs: Specs, themes: Sequence[Theme] = ()) -> None:
        self._labels: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()
        for kind, names in (
            ("thema", [t.file for t in themes]),
            ("set", sorted(specs.verzamelingen)),
            ("def", [d.naam for d in specs.definities]),
            ("regel", [r.id for r in specs.regels]),
            ("aanv", [a.id for a in specs.aanvullingen]),
            ("toek", [t.id for t in specs.toekenningen]),
            ("sectie", list(specs.secties)),
        ):
            for name in names:
                self.add(kind, name)

    def add(self, kind: str, name: str) -> str:
        key = (kind, name)
        if key in self._labels:
            return self._labels[key]
        shown = Path(name).stem if kind == "thema" else name
        base = f"{kind}-{_slug(shown)}"
        label, n = base, 1
        while label in self._used:
            n += 1
            label = f"{base}-{n}"
        self._used.add(label)
        self._labels[key] = label
        return label

    def get(self, kind: str, name: str) -> str | None:
        return self._labels.get((kind, name))

    def kind_of(self, name: str) -> str | None:
        """Which kind of thing an id from a traceability entry names."""
        for kind in ("regel", "def", "aanv", "toek", "set"):
            if (kind, name) in self._labels:
                return kind
        return None


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|$~])")


def esc(text: str) -> str:
    """Escape Markdown syntax in prose so it renders literally."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def code(text: Any) -> str:
    """An inline code span that is safe whatever backticks the text holds."""
    s = str(text)
    ticks = "`"
    while ticks in s:
        ticks += "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def ref(label: str, title: str) -> str:
    """A ``{ref}`` role with an explicit title (valid across pages)."""
    title = " ".join(title.split()).replace("<", "\\<").replace("`", "'")
    return f"{{ref}}`{title} <{label}>`"


def _link_id(anchors: Anchors, name: str, kind: str | None = None) -> str:
    kind = kind or anchors.kind_of(name)
    label = anchors.get(kind, name) if kind else None
    if label is None:
        return f"{code(name)} (unknown id)"
    return ref(label, name)


def bron_md(bron: Bron, anchors: Anchors | None = None) -> str:
    """A citation: its label, linked to the law text or to the handreiking section.

    A law citation also names the version it cites and its ``titel``, if any.
    """
    label = esc(bron.label())
    if bron.regeling is not Regeling.HANDREIKING:
        notes = [f"versie {bron.versie}"] if bron.versie else []
        notes += [esc(bron.titel)] if bron.titel else []
        shown = f"[{label}](<{bron.url}>)" if bron.url else label
        return shown + (f" ({'; '.join(notes)})" if notes else "")
    if anchors is not None:
        target = anchors.get("sectie", bron.artikel)
        if target:
            title = f"{bron.label()}" + (f" ({bron.titel})" if bron.titel else "")
            return ref(target, title)
    return label + (f" ({esc(bron.titel)})" if bron.titel else "")


def _condition_block(expr: Expr, indent: str) -> list[str]:
    return [f"{indent}```text", f"{indent}{unparse(expr)}", f"{indent}```"]


def _tekst_lines(tekst: Tekst, indent: str = "") -> list[str]:
    return [f"{indent}- **nl:** {esc(tekst.nl)}", f"{indent}- **en:** {esc(tekst.en)}"]


def _gevolgen(items: Sequence[Gevolg], texts: Mapping[str, Any]) -> list[str]:
    out = []
    for g in items:
        line = f"  - {code(g.code)}"
        if g.als != TRUE:
            line += f" — als {code(unparse(g.als))}"
        if g.code in texts:
            line += f": {esc(texts[g.code].tekst.nl)}"
        out.append(line)
    return out


# -- the rule catalogue --------------------------------------------------------------


def _sectie_md(specs: Specs, anchors: Anchors, sid: str) -> str:
    sec = specs.secties.get(sid)
    if sec is None:
        return code(sid)
    target = anchors.get("sectie", sid)
    title = f"§{sec.id} {sec.titel}, p. {sec.pagina}"
    return ref(target, title) if target else esc(title)


def _file_name(waar_file: str) -> str:
    return Path(waar_file).name


def render_catalogue(
    specs: Specs,
    themes: Sequence[Theme] | None = None,
    anchors: Anchors | None = None,
    rule_rows: Callable[[Sequence[Regel]], list[str]] | None = None,
    preface: Sequence[str] = (),
) -> str:
    """The rule catalogue as one MyST page, grouped by theme file.

    With ``rule_rows`` each theme lists its rules through it (a summary table when
    every rule has a page of its own) instead of in full; ``preface`` goes before
    the themes.
    """
    if themes is None:
        written: list[Regel | Definitie | Aanvulling | Toekenning] = [
            *specs.regels,
            *specs.definities,
            *specs.aanvullingen,
            *specs.toekenningen,
        ]
        names = sorted({_file_name(x.waar.file) for x in written})
        themes = [Theme(n, n) for n in names]
    anchors = anchors or Anchors(specs, themes)
    exceptions_to: dict[str, list[str]] = {r.id: [] for r in specs.regels}
    for r in specs.regels:
        for target in r.uitzondering_op:
            exceptions_to.setdefault(target, []).append(r.id)
    placed_sets = {s for t in themes for s in t.sets}

    out = [
        f"({CATALOGUE_LABEL})=",
        "# Rule catalogue",
        "",
        "Generated at build time from the rule files in `specs/rules/`; do not edit. "
        f"Rule set digest: {code(specs.digest)}.",
        "",
        f"{len(specs.regels)} rules, {len(specs.definities)} definitions, "
        f"{len(specs.verzamelingen)} value sets, {len(specs.aanvullingen)} aanvullingen and "
        f"{len(specs.toekenningen)} toekenningen in {len(themes)} theme files. "
        "The meaning of every key is explained in {doc}`/rule-language`, the way the "
        "evaluator combines rules in {doc}`/semantics`.",
        "",
    ]
    for theme in themes:
        label = anchors.get("thema", theme.file) or anchors.add("thema", theme.file)
        out.append(f"- {ref(label, theme.thema)} ({code(theme.file)})")
    out.append("")
    out += preface

    def in_file(items: Iterable[Any], file: str) -> list[Any]:
        chosen = [x for x in items if _file_name(x.waar.file) == file]
        return sorted(chosen, key=lambda x: x.waar.line)

    for theme in themes:
        out += [f"({anchors.get('thema', theme.file)})=", f"## {esc(theme.thema)}", ""]
        out += [f"File: {code('specs/rules/' + theme.file)}", ""]
        sets = [s for s in theme.sets if s in specs.verzamelingen]
        if sets:
            out += _sets_md(specs, anchors, sets, "Verzamelingen (value sets)")
        defs = in_file(specs.definities, theme.file)
        if defs:
            out += ["### Definities", ""]
            for d in defs:
                out += [f"({anchors.get('def', d.naam)})=", f"#### {esc(d.naam)}", ""]
                out += ["- **als:**", "", *_condition_block(d.als, "  "), ""]
                out += _tail_md(specs, anchors, d)
        rules = in_file(specs.regels, theme.file)
        if rules:
            out += ["### Regels", ""]
            if rule_rows is not None:
                out += rule_rows(rules)
            else:
                for r in rules:
                    out += _rule_md(specs, anchors, r, exceptions_to.get(r.id, []))
        aanv = in_file(specs.aanvullingen, theme.file)
        if aanv:
            out += ["### Aanvullingen", ""]
            for a in aanv:
                out += [f"({anchors.get('aanv', a.id)})=", f"#### {esc(a.id)}", ""]
                bij = ", ".join(code(o.value) for o in sorted(a.bij, key=lambda o: o.value))
                out.append(f"- **bij:** {bij}")
                out += ["- **als:**", "", *_condition_block(a.als, "  "), ""]
                if a.behalve_bij_dekking:
                    out.append(
                        "- **behalve_bij_dekking:** yes — not added when a deciding rule "
                        "has `dekt_bijzondere_gegevens`"
                    )
                if a.plichten:
                    out += ["- **plichten:**", *_gevolgen(a.plichten, specs.plichten)]
                if a.voorwaarden:
                    out += ["- **voorwaarden:**", *_gevolgen(a.voorwaarden, specs.voorwaarden)]
                out += _tail_md(specs, anchors, a)
        toek = in_file(specs.toekenningen, theme.file)
        if toek:
            out += ["### Toekenningen", ""]
            for t in toek:
                out += [f"({anchors.get('toek', t.id)})=", f"#### {esc(t.id)}", ""]
                out.append(f"- **kenmerk:** {code(t.kenmerk)}")
                out.append(f"- **waarde:** {code(t.waarde.value)} ({esc(t.waarde.description)})")
                out += ["- **als:**", "", *_condition_block(t.als, "  "), ""]
                out += _tail_md(specs, anchors, t)
    loose = sorted(set(specs.verzamelingen) - placed_sets)
    if loose:
        out += ["## Other value sets", ""]
        out += _sets_md(specs, anchors, loose, "Verzamelingen (value sets)")
    return "\n".join(out).rstrip() + "\n"


def _sets_md(specs: Specs, anchors: Anchors, names: Sequence[str], title: str) -> list[str]:
    out = [f"### {title}", ""]
    for name in names:
        kind, values = specs.verzamelingen[name]
        out += [f"({anchors.get('set', name)})=", f"#### {esc(name)}", ""]
        shown = ", ".join(code(v) for v in sorted(values))
        out += [f"- **soort:** {code(kind)}", f"- **waarden:** {shown}", ""]
    return out


def _bronnen_md(bronnen: Sequence[Bron], anchors: Anchors) -> list[str]:
    if not bronnen:
        return []
    return ["- **bronnen:**", *(f"  - {bron_md(b, anchors)}" for b in bronnen)]


def _tail_md(
    specs: Specs, anchors: Anchors, thing: Definitie | Aanvulling | Toekenning
) -> list[str]:
    """Section, citations, paraphrase and source location: the end of every entry."""
    return [
        f"- **sectie:** {_sectie_md(specs, anchors, thing.sectie)}",
        *_bronnen_md(thing.bronnen, anchors),
        "- **uitleg:**",
        *_tekst_lines(thing.uitleg, "  "),
        f"- **bron in specs:** {code(thing.waar)}",
        "",
    ]


def _rule_md(specs: Specs, anchors: Anchors, r: Any, exceptors: Sequence[str]) -> list[str]:
    out = [f"({anchors.get('regel', r.id)})=", f"#### {esc(r.id)}", ""]
    out += [f"**{esc(r.titel.nl)}** — *{esc(r.titel.en)}*", ""]
    out.append(f"- **laag:** {code(r.laag.value)} ({esc(r.laag.description)})")
    out.append(f"- **effect:** {code(r.effect.value)} ({esc(r.effect.description)})")
    out.append(f"- **sectie:** {_sectie_md(specs, anchors, r.sectie)}")
    out += ["- **als:**", "", *_condition_block(r.als, "  "), ""]
    if r.versiegebonden:
        span = ", ".join(
            f"{k} {d}" for k, d in (("geldig_van", r.geldig_van), ("geldig_tot", r.geldig_tot)) if d
        )
        out.append(f"- **geldigheid:** {span} — holds only for flows whose peildatum lies there")
    if r.noodzaak:
        out.append(
            "- **noodzaak:** yes — does not apply when `noodzakelijk` is false; when it is "
            "null a deciding rule adds the voorwaarde `noodzakelijkheid`"
        )
    if r.uitzondering_op:
        links = ", ".join(_link_id(anchors, t, "regel") for t in r.uitzondering_op)
        out.append(f"- **uitzondering_op:** {links}")
    if exceptors:
        links = ", ".join(_link_id(anchors, x, "regel") for x in exceptors)
        out.append(f"- **exceptions to this rule:** {links}")
    if r.plichten:
        out += ["- **plichten:**", *_gevolgen(r.plichten, specs.plichten)]
    if r.voorwaarden:
        out += ["- **voorwaarden:**", *_gevolgen(r.voorwaarden, specs.voorwaarden)]
    if r.dekt_bijzondere_gegevens:
        out.append(
            "- **dekt_bijzondere_gegevens:** yes — the ground also covers special-category data"
        )
    if r.alleen_handreiking:
        out.append(
            "- **alleen_handreiking:** yes — no statutory basis was found; the rule states what "
            "the handreiking says and cites only the handreiking"
        )
    out += _bronnen_md(r.bronnen, anchors)
    out += ["- **uitleg:**", *_tekst_lines(r.uitleg, "  ")]
    if r.grenzen:
        out.append("- **grenzen:**")
        for g in r.grenzen:
            out += [f"  - als {code(unparse(g.als))}:", *_tekst_lines(g.uitleg, "    ")]
    out += [f"- **bron in specs:** {code(r.waar)}", ""]
    return out


# -- the vocabulary reference ----------------------------------------------------------


def vocabulary_enums() -> list[type[Described]]:
    """Every enum of :mod:`pettenlogic.model.vocabulary`, in definition order."""
    return [
        v
        for v in vars(vocabulary).values()
        if isinstance(v, type) and issubclass(v, Described) and v is not Described
    ]


def _enum_label(enum: type[Enum]) -> str:
    return f"vocab-{_slug(enum.__name__)}"


def _default_md(value: Any, required: bool) -> str:
    if required:
        return "(required)"
    if isinstance(value, Enum):
        return code(value.value)
    if value is None:
        return code("null")
    if isinstance(value, bool):
        return code("true" if value else "false")
    return code(value)


def _doc_first(obj: Any) -> str:
    doc = (obj.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split())


def render_vocabulary(specs: Specs | None = None) -> str:
    """Every enum with its values and descriptions, and every flow field."""
    enums = vocabulary_enums()
    out = [
        f"({VOCABULARY_LABEL})=",
        "# Vocabulary reference",
        "",
        "Generated at build time from `pettenlogic.model.vocabulary` and the flow model "
        "(`pettenlogic.model.flow`); do not edit. These values are the contract spellings "
        "of the flow input and the decision output ({doc}`/contract`).",
        "",
        "(vocab-flow-fields)=",
        "## Flow fields",
        "",
        "Every leaf field of a flow, by dotted path as used in rule conditions. `tribool` "
        "is a boolean that may also be `null` (not yet judged).",
        "",
        "| field | kind | values | default | description |",
        "|---|---|---|---|---|",
    ]
    for spec in flow_fields().values():
        if spec.enum is not None:
            values = ref(_enum_label(spec.enum), spec.enum.__name__)
            if spec.optional:
                values += " or `null`"
        elif spec.kind == "int":
            values = "integer 0–130" + (" or `null`" if spec.optional else "")
        elif spec.kind == "tribool":
            values = "`true`, `false`, `null`"
        else:
            values = "`true`, `false`"
        out.append(
            f"| {code(spec.path)} | {spec.kind} | {values} | "
            f"{_default_md(spec.default, spec.required)} | {esc(spec.doc)} |"
        )
    out += [
        "",
        "A `wet` is only allowed with the tasks "
        + ", ".join(code(t.value) for t in sorted(TAKEN_MET_WET, key=lambda t: t.value))
        + ".",
        "",
        "## Enums",
        "",
    ]
    for enum in enums:
        out += [f"({_enum_label(enum)})=", f"### {enum.__name__}", ""]
        doc = _doc_first(enum)
        if doc:
            out += [esc(doc), ""]
        texts: Mapping[str, Any] = {}
        if specs is not None and enum is vocabulary.Plicht:
            texts = specs.plichten
        elif specs is not None and enum is vocabulary.Voorwaarde:
            texts = specs.voorwaarden
        if enum is vocabulary.Taak:
            out += ["| waarde | taakgroep | omschrijving |", "|---|---|---|"]
            for taak in enum:
                group = TAAKGROEP.get(taak)
                shown = code(group.value) if group else ""
                out.append(f"| {code(taak.value)} | {shown} | {esc(taak.description)} |")
        elif texts:
            cited = any(getattr(t, "bronnen", ()) for t in texts.values())
            head = "| waarde | tekst (nl) | text (en) |" + (" bronnen |" if cited else "")
            out += [head, "|---|---|---|" + ("---|" if cited else "")]
            for m in enum:
                t = texts.get(m.value)
                nl, en = (esc(t.tekst.nl), esc(t.tekst.en)) if t else ("", "")
                row = f"| {code(m.value)} | {nl} | {en} |"
                if cited:
                    row += " " + "; ".join(bron_md(b) for b in (t.bronnen if t else ())) + " |"
                out.append(row)
        else:
            out += ["| waarde | omschrijving |", "|---|---|"]
            for m in enum:
                out.append(f"| {code(m.value)} | {esc(m.description)} |")
        if enum is vocabulary.Laag:
            ranks = ", ".join(f"{code(k.value)} = {v}" for k, v in vocabulary.LAAG_RANG.items())
            out += ["", f"Rank used when layers are compared: {ranks}."]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- traceability -------------------------------------------------------------------------


def check_traceability(specs: Specs, stellingen: Sequence[Mapping[str, Any]]) -> list[str]:
    """Problems in traceability statements: unknown sections or ids, duplicates, gaps."""
    anchors = Anchors(specs)
    problems: list[str] = []
    seen: set[str] = set()
    for i, st in enumerate(stellingen):
        sid = str(st.get("id", f"#{i + 1}"))
        if sid in seen:
            problems.append(f"stelling '{sid}': duplicate id")
        seen.add(sid)
        if str(st.get("sectie")) not in specs.secties:
            problems.append(f"stelling '{sid}': unknown handreiking section {st.get('sectie')!r}")
        tekst = st.get("stelling")
        if not isinstance(tekst, dict) or not tekst.get("nl") or not tekst.get("en"):
            problems.append(f"stelling '{sid}': 'stelling' needs nl and en")
        regels = st.get("regels") or []
        if not isinstance(regels, list):
            problems.append(f"stelling '{sid}': 'regels' must be a list")
            continue
        for name in regels:
            if anchors.kind_of(str(name)) is None:
                problems.append(f"stelling '{sid}': unknown rule or definition id '{name}'")
    return problems


def _tests_cell(ordered: Sequence[str]) -> str:
    """Scenario ids for a table cell, capped at :data:`MAX_TESTS_IN_ROW`."""
    shown = ", ".join(code(t) for t in ordered[:MAX_TESTS_IN_ROW])
    rest = len(ordered) - MAX_TESTS_IN_ROW
    if rest > 0:
        shown += f" and {rest} more (see {ref('trace-per-id', 'scenarios per id')})"
    return shown


def _scenario_in_section(scenario_id: str, sectie: str) -> bool:
    return scenario_id.startswith(f"s-{sectie}-")


def render_traceability(
    specs: Specs,
    stellingen: Sequence[Mapping[str, Any]] | None,
    tests: Mapping[str, Sequence[str]],
    scenarios: Sequence[Mapping[str, Any]] = (),
    anchors: Anchors | None = None,
) -> str:
    """Section → statement → rule ids → scenario test ids, one table per section.

    ``stellingen`` is ``None`` when there is no traceability file yet; the page
    then says so explicitly. ``tests`` comes from :func:`tests_per_rule`.
    """
    anchors = anchors or Anchors(specs)
    scen_section = {str(s["id"]): str(s.get("sectie", "")) for s in scenarios}

    def in_section(t: str, sectie: str) -> bool:
        return scen_section.get(t) == sectie or _scenario_in_section(t, sectie)

    out = [
        f"({TRACEABILITY_LABEL})=",
        "# Traceability",
        "",
        "Generated at build time from `specs/traceability.yaml`, the rule files and the "
        "scenarios in `tests/scenarios/`; do not edit. Each normative statement of the "
        "handreiking is paraphrased, linked to the rules, definitions, aanvullingen or "
        "toekenningen that encode it, and to the scenario tests that exercise them. A "
        "scenario exercises an id when, for its flow, the id is a deciding rule, an "
        "aanvulling that was added, a toekenning behind the grondslag or the "
        "verwerkingsverantwoordelijke, or a definition that was true.",
        "",
    ]
    by_section: dict[str, list[Mapping[str, Any]]] = {}
    if stellingen is None:
        out += [
            "```{note}",
            "No statements yet: `specs/traceability.yaml` does not exist. The sections "
            "below list the rules that cite each section.",
            "```",
            "",
        ]
    elif not stellingen:
        out += [
            "```{note}",
            "No statements yet: `specs/traceability.yaml` lists no `stellingen`.",
            "```",
            "",
        ]
    else:
        for st in stellingen:
            by_section.setdefault(str(st.get("sectie")), []).append(st)
        traced = {str(n) for st in stellingen for n in (st.get("regels") or [])}
        n_tested = sum(
            1 for st in stellingen if any(tests.get(str(n)) for n in (st.get("regels") or []))
        )
        out += [
            f"{len(stellingen)} statements in {len(by_section)} sections; "
            f"{n_tested} of them are exercised by at least one scenario "
            f"({len(scenarios)} scenarios in total). "
            f"{len([r for r in specs.regels if r.id in traced])} of {len(specs.regels)} "
            "rules are traced to a statement.",
            "",
        ]
    citing: dict[str, list[tuple[str, str]]] = {}
    for kind, entries in (
        ("regel", [(r.id, r) for r in specs.regels]),
        ("def", [(d.naam, d) for d in specs.definities]),
        ("aanv", [(a.id, a) for a in specs.aanvullingen]),
        ("toek", [(t.id, t) for t in specs.toekenningen]),
    ):
        for name, thing in entries:
            sec_ids = {thing.sectie} | {
                b.artikel for b in thing.bronnen if b.regeling is Regeling.HANDREIKING
            }
            for sec_id in sec_ids:
                citing.setdefault(sec_id, []).append((kind, name))

    chapter = None
    for sid, sec in specs.secties.items():
        if sec.hoofdstuk != chapter:
            chapter = sec.hoofdstuk
            out += [f"## Hoofdstuk {chapter}", ""]
        out += [
            f"({anchors.get('sectie', sid)})=",
            f"### §{esc(sid)} {esc(sec.titel)} (p. {sec.pagina})",
            "",
        ]
        items = by_section.get(sid, [])
        if items:
            out += ["| stelling | regels | tests |", "|---|---|---|"]
            for st in items:
                tekst = st.get("stelling") or {}
                nl = esc(tekst.get("nl", "")) if isinstance(tekst, dict) else ""
                en = esc(tekst.get("en", "")) if isinstance(tekst, dict) else ""
                names = [str(n) for n in (st.get("regels") or [])]
                links = ", ".join(_link_id(anchors, n) for n in names) or "—"
                union: list[str] = []
                for n in names:
                    for t in tests.get(n, ()):
                        if t not in union:
                            union.append(t)
                ordered = sorted(union, key=lambda t: (not in_section(t, sid), t))
                cell = _tests_cell(ordered) if ordered else "**none**"
                text = f"**{esc(str(st.get('id', '')))}** {nl}"
                if en:
                    text += f" / *{en}*"
                out.append(f"| {text} | {links} | {cell} |")
            out.append("")
        elif stellingen is not None:
            out += ["No statements for this section yet.", ""]
        cited = citing.get(sid, [])
        if cited:
            links = ", ".join(_link_id(anchors, name, kind) for kind, name in cited)
            out += [f"Cited by: {links}", ""]
        elif not items:
            out += ["No rule, definition, aanvulling or toekenning cites this section yet.", ""]

    out += [
        "(trace-per-id)=",
        "## Scenarios per id",
        "",
        "Which scenarios exercise each rule, aanvulling, toekenning and definition.",
        "",
        "| id | kind | scenarios |",
        "|---|---|---|",
    ]
    kinds = (
        ("regel", [r.id for r in specs.regels]),
        ("aanv", [a.id for a in specs.aanvullingen]),
        ("toek", [t.id for t in specs.toekenningen]),
        ("def", [d.naam for d in specs.definities]),
    )
    kind_names = {"regel": "regel", "aanv": "aanvulling", "toek": "toekenning", "def": "definitie"}
    for kind, ids in kinds:
        for i in ids:
            scen = tests.get(i, [])
            cell = ", ".join(code(t) for t in scen) if scen else "**none**"
            out.append(f"| {_link_id(anchors, i, kind)} | {kind_names[kind]} | {cell} |")
    out.append("")
    if stellingen:
        problems = check_traceability(specs, stellingen)
        traced = {str(n) for st in stellingen for n in (st.get("regels") or [])}
        untraced = [r.id for r in specs.regels if r.id not in traced]
        out += ["## Gaps", ""]
        if untraced:
            links = ", ".join(_link_id(anchors, i, "regel") for i in untraced)
            out += [f"Rules not traced to any statement: {links}", ""]
        else:
            out += ["Every rule is traced to at least one statement.", ""]
        if problems:
            out += ["Problems in `specs/traceability.yaml`:", ""]
            out += [f"- {esc(p)}" for p in problems]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- all pages ---------------------------------------------------------------------------


def write_docs(
    out_dir: str | Path,
    specs_dir: str | Path,
    scenarios_dir: str | Path,
    traceability_file: str | Path | None = None,
) -> list[Path]:
    """Write ``catalogue.md``, ``vocabulary.md`` and ``traceability.md`` into ``out_dir``.

    Files are only rewritten when their content changes, so incremental Sphinx
    builds stay incremental. Returns the paths of the three pages.
    """
    root, rules_dir = resolve_dirs(specs_dir)
    specs = load_specs(specs_dir)
    themes = load_themes(rules_dir)
    anchors = Anchors(specs, themes)
    scenarios = load_scenarios(scenarios_dir)
    tests = tests_per_rule(specs, scenarios)
    trace_path = Path(traceability_file) if traceability_file else root / "traceability.yaml"
    pages = {
        "catalogue.md": render_catalogue(specs, themes, anchors),
        "vocabulary.md": render_vocabulary(specs),
        "traceability.md": render_traceability(
            specs, load_traceability(trace_path), tests, scenarios, anchors
        ),
    }
    return write_pages(pages, out_dir)


def write_pages(pages: dict[str, str], out_dir: str | Path) -> list[Path]:
    """Write generated pages, touching a file only when its text changed (keeps
    Sphinx's incremental build quiet)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
