"""Flow maps: for one data category, the van × naar matrix of verdicts, as SVG or HTML.

People read a coloured matrix faster than a rule list. Each cell is one proposed
flow from the row's task to the column's task, decided three times: *plain*
(no consent asked, no request), *with consent* (``toestemming: gegeven``) and *on
request* (``desgevraagd: true``). All other circumstances are the contract's
defaults, with ``noodzakelijk: true``, and every task that takes a law acts under
the map's law. Other circumstances can give another verdict: a map is an overview,
a decision is made with ``decide``.

A semantic diff is drawn on the same grid: a cell is marked where some flow from
that van to that naar decides differently, split into the verdict before (left)
and after (right).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import attrs

from ..evaluate import Evaluator
from ..model.convert import flow_from_json
from ..model.vocabulary import TAKEN_MET_WET, Categorie, Oordeel, Taak, Wet
from ..rules.spec import Specs

#: the three variants of every cell, in the order drawn (left to right)
VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("plain", {}),
    ("with consent", {"toestemming": "gegeven"}),
    ("on request", {"desgevraagd": True}),
)
#: fill colour per verdict (colour-blind safe; text labels carry the same information)
COLOURS = {
    Oordeel.VERBODEN.value: "#d7301f",
    Oordeel.NIET_TOEGESTAAN.value: "#d9d9d9",
    Oordeel.TOEGESTAAN.value: "#1a9850",
    Oordeel.VERPLICHT.value: "#2c7bb6",
}
SHORT = {"verboden": "V", "niet_toegestaan": "-", "toegestaan": "T", "verplicht": "P"}
CELL = 15
LABEL_W = 190
HEAD_H = 175
#: room on the right for the slanted column labels
RIGHT = 110


@attrs.frozen
class FlowMap:
    """The verdicts of one category: ``cells[(van, naar)]`` holds one verdict per variant."""

    categorie: str
    wet: str
    tasks: tuple[str, ...]
    cells: dict[tuple[str, str], tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "categorie": self.categorie,
            "wet": self.wet,
            "varianten": [name for name, _ in VARIANTS],
            "taken": list(self.tasks),
            "oordelen": {
                van: {naar: list(self.cells[(van, naar)]) for naar in self.tasks}
                for van in self.tasks
            },
        }


def _context(taak: Taak, wet: Wet) -> dict[str, str]:
    return {"taak": taak.value, "wet": wet.value} if taak in TAKEN_MET_WET else {"taak": taak.value}


def flow_map(specs: Specs, categorie: Categorie, wet: Wet = Wet.JEUGDWET) -> FlowMap:
    """Decide every van × naar × variant flow of ``categorie`` with the evaluator."""
    evaluator = Evaluator(specs)
    tasks = tuple(Taak)
    cells: dict[tuple[str, str], tuple[str, ...]] = {}
    for van in tasks:
        for naar in tasks:
            verdicts = []
            for _name, extra in VARIANTS:
                data = {
                    "gegevens": {"categorie": categorie.value},
                    "van": _context(van, wet),
                    "naar": _context(naar, wet),
                    "omstandigheden": {"noodzakelijk": True, **extra},
                }
                verdicts.append(evaluator.trace(flow_from_json(data)).oordeel.value)
            cells[(van.value, naar.value)] = tuple(verdicts)
    return FlowMap(categorie.value, wet.value, tuple(t.value for t in tasks), cells)


# -- SVG ----------------------------------------------------------------------------------


def _svg_open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]


def _axes(tasks: Sequence[str], top: int) -> list[str]:
    out = []
    for i, t in enumerate(tasks):
        y = top + i * CELL + CELL - 4
        out.append(f'<text x="{LABEL_W - 4}" y="{y}" text-anchor="end">{escape(t)}</text>')
        x = LABEL_W + i * CELL + CELL - 4
        out.append(f'<text transform="translate({x},{top - 4}) rotate(-60)">{escape(t)}</text>')
    n = len(tasks)
    # white lines between cells, so that runs of one colour still read as cells
    grid = "".join(f"M{LABEL_W + i * CELL - 0.5} {top}v{n * CELL}" for i in range(1, n))
    out.append(f'<path d="{grid}" stroke="#fff" stroke-width="1"/>')
    out.append(
        f'<rect x="{LABEL_W}" y="{top}" width="{n * CELL}" height="{n * CELL}" '
        'fill="none" stroke="#888" stroke-width="0.5"/>'
    )
    return out


def _legend(y: int, items: Iterable[tuple[str, str]]) -> list[str]:
    out = []
    x = 10
    for colour, text in items:
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{y + 9}">{escape(text)}</text>')
        x += 14 + 7 * len(text) + 16
    return out


def _runs(row: Sequence[str | None]) -> Iterable[tuple[int, int, str]]:
    """Maximal runs (start, length, colour) of equal, non-empty stripes in a row."""
    start = 0
    while start < len(row):
        colour = row[start]
        end = start + 1
        while end < len(row) and row[end] == colour:
            end += 1
        if colour is not None:
            yield start, end - start, colour
        start = end


def _stripes(rows: Sequence[Sequence[str | None]], top: int, stripe: float) -> list[str]:
    """Rectangles for rows of stripe colours (runs merged, so the file stays small)."""
    out = []
    for r, row in enumerate(rows):
        for start, length, colour in _runs(row):
            out.append(
                f'<rect x="{LABEL_W + start * stripe:g}" y="{top + r * CELL}" '
                f'width="{length * stripe:g}" height="{CELL - 1}" fill="{colour}"/>'
            )
    return out


def flow_map_svg(fmap: FlowMap) -> str:
    """The map as a standalone SVG document."""
    tasks = fmap.tasks
    n, k = len(tasks), len(VARIANTS)
    width = LABEL_W + n * CELL + RIGHT
    height = HEAD_H + n * CELL + 60
    title = f"Flow map {fmap.categorie} ({fmap.wet}): van (rows) × naar (columns)"
    out = _svg_open(width, height, title)
    out.append(f'<text x="10" y="14" font-size="12" font-weight="bold">{escape(title)}</text>')
    rows = [[COLOURS[v] for naar in tasks for v in fmap.cells[(van, naar)]] for van in tasks]
    out += _stripes(rows, HEAD_H, CELL / k)
    out += _axes(tasks, HEAD_H)
    y = HEAD_H + n * CELL + 14
    out.append(
        f'<text x="10" y="{y}">each cell, left to right: '
        f"{escape(', '.join(name for name, _ in VARIANTS))}</text>"
    )
    out += _legend(y + 12, ((c, v) for v, c in COLOURS.items()))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def diff_cells(groups: Sequence[Any]) -> dict[str, dict[tuple[str, str], list[tuple[str, str]]]]:
    """Per category, per (van, naar): the verdict changes (before, after) of its groups,
    verdict changes first (a group that only changes duties keeps its verdict)."""
    out: dict[str, dict[tuple[str, str], list[tuple[str, str]]]] = {}
    for g in groups:
        changes = out.setdefault(g.categorie, {}).setdefault((g.van, g.naar), [])
        if (g.oordeel_a, g.oordeel_b) not in changes:
            changes.append((g.oordeel_a, g.oordeel_b))
    for cells in out.values():
        for changes in cells.values():
            changes.sort(key=lambda c: (c[0] == c[1], c))
    return out


def _change_text(van: str, naar: str, changes: Sequence[tuple[str, str]]) -> str:
    shown = "; ".join(f"{a} → {b}" if a != b else f"{a} (duties change)" for a, b in changes)
    return f"{van} → {naar}: {shown}"


def diff_map_svg(groups: Sequence[Any], title: str = "What changes") -> str:
    """A semantic diff (the groups of :class:`pettenlogic.solver.diff.DiffResult`) as one
    grid per category with a change: a marked cell shows the verdict before | after
    (its first change; the tooltip lists them all)."""
    tasks = tuple(t.value for t in Taak)
    n = len(tasks)
    by_cat = diff_cells(groups)
    panel_h = HEAD_H + n * CELL + 30
    width = LABEL_W + n * CELL + RIGHT
    height = 30 + max(1, len(by_cat)) * panel_h + 40
    out = _svg_open(width, height, title)
    out.append(f'<text x="10" y="14" font-size="12" font-weight="bold">{escape(title)}</text>')
    if not by_cat:
        out.append('<text x="10" y="40">no flow decides differently</text>')
    for p, (cat, cells) in enumerate(sorted(by_cat.items())):
        top = 30 + p * panel_h + HEAD_H
        out.append(
            f'<text x="10" y="{top - HEAD_H + 16}" font-size="11" font-weight="bold">'
            f"categorie {escape(cat)}: {len(cells)} changed cell(s)</text>"
        )
        rows: list[list[str | None]] = []
        for van in tasks:
            row: list[str | None] = []
            for naar in tasks:
                first = cells[(van, naar)][0] if (van, naar) in cells else None
                row += [COLOURS[first[0]], COLOURS[first[1]]] if first else [None, None]
            rows.append(row)
        out += _stripes(rows, top, CELL / 2)
        for (van, naar), changes in sorted(cells.items()):
            x, y = LABEL_W + tasks.index(naar) * CELL, top + tasks.index(van) * CELL
            out.append(
                f'<rect x="{x}" y="{y}" width="{CELL - 1}" height="{CELL - 1}" fill="none" '
                f'stroke="#000" stroke-width="1"><title>{escape(_change_text(van, naar, changes))}'
                "</title></rect>"
            )
        out += _axes(tasks, top)
    y = height - 26
    out.append(f'<text x="10" y="{y}">a marked cell: verdict before (left) | after (right)</text>')
    out += _legend(y + 8, ((c, v) for v, c in COLOURS.items()))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- HTML ---------------------------------------------------------------------------------


def _slug(verdict: str) -> str:
    return verdict.replace("_", "-")


_STYLE = (
    "<style>table.pl-map{border-collapse:collapse;font:11px sans-serif}"
    "table.pl-map th{font-weight:normal;text-align:right;padding:0 4px;white-space:nowrap}"
    "table.pl-map thead th{writing-mode:vertical-rl;transform:rotate(180deg);"
    "text-align:left;vertical-align:bottom}"
    "table.pl-map td{padding:0;border:1px solid #fff;font:9px monospace;white-space:nowrap}"
    "table.pl-map td span{display:inline-block;width:8px;text-align:center}"
    + "".join(f".pl-{_slug(v)}{{background:{c}}}" for v, c in COLOURS.items())
    + "</style>"
)


def _span(verdict: str) -> str:
    return f'<span class="pl-{_slug(verdict)}">{SHORT[verdict]}</span>'


def _table_head(caption: str, tasks: Sequence[str]) -> list[str]:
    return [
        '<table class="pl-map">',
        f"<caption>{caption}</caption>",
        "<thead><tr><td></td>",
        *(f'<th scope="col">{escape(t)}</th>' for t in tasks),
        "</tr></thead><tbody>",
    ]


def flow_map_html(fmap: FlowMap) -> str:
    """The map as an HTML fragment: each cell holds one coloured letter per variant
    (V verboden, - niet toegestaan, T toegestaan, P verplicht), so it reads without
    colour too."""
    caption = (
        f"Flow map {escape(fmap.categorie)} ({escape(fmap.wet)}); each cell, left to right: "
        + escape(", ".join(name for name, _ in VARIANTS))
    )
    out = [_STYLE, *_table_head(caption, fmap.tasks)]
    for van in fmap.tasks:
        out.append(f'<tr><th scope="row">{escape(van)}</th>')
        for naar in fmap.tasks:
            verdicts = fmap.cells[(van, naar)]
            title = f"{van} → {naar}: " + ", ".join(
                f"{name} {v}" for (name, _), v in zip(VARIANTS, verdicts, strict=True)
            )
            spans = "".join(_span(v) for v in verdicts)
            out.append(f'<td title="{escape(title)}">{spans}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out) + "\n"


def diff_map_html(groups: Sequence[Any], title: str = "What changes") -> str:
    """A semantic diff as HTML tables, one per category with a change; a marked cell
    shows before→after of its first change, the tooltip lists them all."""
    tasks = tuple(t.value for t in Taak)
    out = [_STYLE, f"<h2>{escape(title)}</h2>"]
    by_cat = diff_cells(groups)
    if not by_cat:
        out.append("<p>No flow decides differently.</p>")
    for cat, cells in sorted(by_cat.items()):
        caption = f"categorie {escape(cat)}: {len(cells)} changed cell(s), before→after"
        out += _table_head(caption, tasks)
        for van in tasks:
            out.append(f'<tr><th scope="row">{escape(van)}</th>')
            for naar in tasks:
                changes = cells.get((van, naar))
                if not changes:
                    out.append("<td></td>")
                    continue
                a, b = changes[0]
                tip = escape(_change_text(van, naar, changes))
                out.append(f'<td title="{tip}">{_span(a)}→{_span(b)}</td>')
            out.append("</tr>")
        out.append("</tbody></table>")
    return "\n".join(out) + "\n"


def render_flow_maps(specs: Specs, wet: Wet = Wet.JEUGDWET) -> dict[str, str]:
    """The flow-maps page and one SVG per category, keyed by path under the generated
    folder."""
    pages: dict[str, str] = {}
    out = [
        "(flowmaps)=",
        "# Flow maps",
        "",
        "Generated at build time from the bundled rules; do not edit. One map per data "
        "category: a row is the task where the data sits (`van`), a column the task it "
        "would go to (`naar`). Each cell is split in three, left to right: the verdict "
        "*plain* (no consent, no request), *with consent* (`toestemming: gegeven`) and *on "
        "request* (`desgevraagd: true`). Every flow has `noodzakelijk: true` and the other "
        f"circumstances at their defaults; tasks that take a law act under the {wet.value}. "
        "Other circumstances can give another verdict: the map is an overview, a decision "
        "comes from `pettenlogic decide`. Colours: red verboden, grey niet toegestaan, green "
        "toegestaan, blue verplicht.",
        "",
        "The same map for another law, as SVG, HTML or JSON: "
        "`pettenlogic kaart --categorie diagnose --wet wmo --format html`.",
        "",
    ]
    for categorie in Categorie:
        fmap = flow_map(specs, categorie, wet)
        name = f"flowmaps/{categorie.value}.svg"
        pages[name] = flow_map_svg(fmap)
        out += [
            f"## {categorie.value}",
            "",
            f"{escape(categorie.description)}.",
            "",
            f"![Flow map of {categorie.value}]({name})",
            "",
        ]
    pages["flowmaps.md"] = "\n".join(out)
    return pages
