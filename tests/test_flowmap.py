"""Flow maps and diff maps: every cell is the library's decision, and the pictures
draw exactly the cells they claim."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from pettenlogic import load_rulebook
from pettenlogic.cli import main
from pettenlogic.docgen.flowmap import (
    CELL,
    COLOURS,
    LABEL_W,
    VARIANTS,
    diff_map_html,
    diff_map_svg,
    flow_map,
    flow_map_html,
    flow_map_svg,
)
from pettenlogic.model.vocabulary import TAKEN_MET_WET, Categorie, Taak, Wet
from pettenlogic.rules.loader import load_specs
from pettenlogic.solver.diff import semantic_diff

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def fmap():  # type: ignore[no-untyped-def]
    return flow_map(load_specs(None), Categorie.BEHANDELGEGEVENS, Wet.WMO)


def test_every_cell_is_the_decision_of_the_public_api(fmap) -> None:  # type: ignore[no-untyped-def]
    book = load_rulebook()
    for van in Taak:
        for naar in Taak:
            for (_, extra), shown in zip(
                VARIANTS, fmap.cells[(van.value, naar.value)], strict=True
            ):
                ctx = {
                    side: {"taak": t.value, **({"wet": "wmo"} if t in TAKEN_MET_WET else {})}
                    for side, t in (("van", van), ("naar", naar))
                }
                flow = {
                    "gegevens": {"categorie": "behandelgegevens"},
                    **ctx,
                    "omstandigheden": {"noodzakelijk": True, **extra},
                }
                assert book.decide(flow, engine="compiled").oordeel.value == shown


def _stripes_of(svg: str, top: float, stripe: float, n: int) -> dict[tuple[int, int], str]:
    """Read the drawn stripes back: (row, stripe index) -> colour."""
    root = ET.fromstring(svg)
    out: dict[tuple[int, int], str] = {}
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("height") != str(CELL - 1) or rect.get("fill") in (None, "none"):
            continue
        x, y, w = (float(rect.get(a, "0")) for a in ("x", "y", "width"))
        row = round((y - top) / CELL)
        first = round((x - LABEL_W) / stripe)
        for i in range(round(w / stripe)):
            assert (row, first + i) not in out  # no stripe is drawn twice
            out[(row, first + i)] = str(rect.get("fill"))
    assert all(0 <= r < n for r, _ in out)
    return out


def test_the_svg_draws_exactly_the_verdicts(fmap) -> None:  # type: ignore[no-untyped-def]
    from pettenlogic.docgen.flowmap import HEAD_H

    svg = flow_map_svg(fmap)
    n, k = len(fmap.tasks), len(VARIANTS)
    drawn = _stripes_of(svg, HEAD_H, CELL / k, n)
    for r, van in enumerate(fmap.tasks):
        for c, naar in enumerate(fmap.tasks):
            for v, verdict in enumerate(fmap.cells[(van, naar)]):
                assert drawn[(r, c * k + v)] == COLOURS[verdict]
    assert len(drawn) == n * n * k


def test_the_html_table_has_a_cell_per_pair_with_its_letters(fmap) -> None:  # type: ignore[no-untyped-def]
    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.titles: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "td" and dict(attrs).get("title"):
                self.titles.append(str(dict(attrs)["title"]))

    parser = Cells()
    parser.feed(flow_map_html(fmap))
    assert len(parser.titles) == len(fmap.tasks) ** 2
    assert parser.titles[0].startswith(f"{fmap.tasks[0]} → {fmap.tasks[0]}: plain ")


def test_diff_map_marks_exactly_the_changed_cells() -> None:
    base = load_specs(None)
    other = load_specs(ROOT / "specs" / "whatif" / "zonder-7.4.0")
    groups = semantic_diff(base, other).groups
    assert groups
    svg = diff_map_svg(groups, "t")
    root = ET.fromstring(svg)
    marked = {
        str(t.text).split(":")[0]
        for t in root.iter(f"{SVG}title")
        if t.text and " → " in t.text and ":" in t.text
    }
    per_cat = {(g.categorie, g.van, g.naar) for g in groups}
    assert len(marked) <= len(per_cat)
    assert {f"{v} → {n}" for _c, v, n in per_cat} == marked
    html = diff_map_html(groups, "t")
    assert html.count("<table") == len({g.categorie for g in groups})
    assert "No flow decides differently" in diff_map_html((), "t")
    assert "no flow decides differently" in diff_map_svg((), "t")


def test_cli_kaart_and_diff_formats(fmap) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    out = runner.invoke(
        main, ["kaart", "--categorie", "behandelgegevens", "--wet", "wmo", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == fmap.to_dict()
    svg = runner.invoke(main, ["kaart", "--categorie", "behandelgegevens", "--wet", "wmo"])
    assert svg.stdout == flow_map_svg(fmap)
    bad = runner.invoke(main, ["kaart", "--categorie", "behandelgegevenz"])
    assert bad.exit_code == 2 and "behandelgegevens" in bad.stderr
    both = runner.invoke(main, ["diff", "--whatif", "zonder-7.4.0", "--json", "--format", "svg"])
    assert both.exit_code == 2 and "exclude each other" in both.stderr
    html = runner.invoke(main, ["diff", "--whatif", "zonder-7.4.0", "--format", "html"])
    assert html.exit_code == 0 and html.stdout.count("<table") >= 1
