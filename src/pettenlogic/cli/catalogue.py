"""``pettenlogic schema`` and ``pettenlogic rules``: the flow schema and the rule
catalogue as text or JSON."""

from __future__ import annotations

from typing import Any

import click

from ..model.convert import suggest
from ..model.schema import flow_schema
from ..rules.catalogue import catalogue_json, item_json, regel_json
from ..rules.expr import TRUE, unparse
from ..rules.spec import Aanvulling, Bron, Definitie, Gevolg, Regel, Specs, Tekst, Toekenning
from .common import RULES_OPTION, dump_json, fail, open_rulebook
from .text import bron_line


@click.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the flow input."""
    click.echo(dump_json(flow_schema()))


def _gevolg_line(g: Gevolg, texts: dict[str, Any], lang: str) -> str:
    cond = "" if g.als == TRUE else f"  [als {unparse(g.als)}]"
    text = texts[g.code].tekst.get(lang) if g.code in texts else ""
    return f"  - {g.code}{cond}: {text}" if text else f"  - {g.code}{cond}"


def _gevolgen_lines(thing: Regel | Aanvulling, specs: Specs) -> list[str]:
    """The duties and open conditions a rule or aanvulling attaches, with their texts."""
    lines: list[str] = []
    for key, items, texts in (
        ("plichten", thing.plichten, specs.plichten),
        ("voorwaarden", thing.voorwaarden, specs.voorwaarden),
    ):
        if items:
            lines.append(f"{key}:")
            lines.extend(_gevolg_line(g, texts, "nl") for g in items)
    return lines


def _uitleg_lines(uitleg: Tekst) -> list[str]:
    return ["uitleg (nl):", f"  {uitleg.nl}", "uitleg (en):", f"  {uitleg.en}"]


def _bronnen_lines(bronnen: tuple[Bron, ...]) -> list[str]:
    return ["bronnen:", *(f"  - {bron_line(b)}" for b in bronnen)] if bronnen else []


def _regel_text(r: Regel, specs: Specs) -> list[str]:
    lines = [
        f"regel {r.id}  ({r.waar})",
        f"titel: {r.titel.nl}",
        f"title: {r.titel.en}",
        f"laag: {r.laag.value}",
        f"effect: {r.effect.value}",
        f"sectie: {r.sectie}",
        f"als: {unparse(r.als)}",
    ]
    if r.uitzondering_op:
        lines.append(f"uitzondering_op: {', '.join(r.uitzondering_op)}")
    exceptions = [x.id for x in specs.regels if r.id in x.uitzondering_op]
    if exceptions:
        lines.append(f"uitzonderingen: {', '.join(exceptions)}")
    for key, day in (("geldig_van", r.geldig_van), ("geldig_tot", r.geldig_tot)):
        if day:
            lines.append(f"{key}: {day}")
    lines.append(f"noodzaak: {'ja' if r.noodzaak else 'nee'}")
    if r.dekt_bijzondere_gegevens:
        lines.append("dekt_bijzondere_gegevens: ja")
    lines += _gevolgen_lines(r, specs)
    lines.extend(_bronnen_lines(r.bronnen))
    lines += _uitleg_lines(r.uitleg)
    if r.grenzen:
        lines.append("grenzen:")
        for g in r.grenzen:
            lines.append(f"  - als {unparse(g.als)}:")
            lines += [f"    nl: {g.uitleg.nl}", f"    en: {g.uitleg.en}"]
    return lines


def _other_text(thing: Definitie | Aanvulling | Toekenning, specs: Specs) -> list[str]:
    if isinstance(thing, Definitie):
        lines = [f"definitie {thing.naam}  ({thing.waar})"]
    elif isinstance(thing, Aanvulling):
        lines = [
            f"aanvulling {thing.id}  ({thing.waar})",
            f"bij: {', '.join(sorted(o.value for o in thing.bij))}",
        ]
        if thing.behalve_bij_dekking:
            lines.append("behalve_bij_dekking: ja")
    else:
        lines = [
            f"toekenning {thing.id}  ({thing.waar})",
            f"{thing.kenmerk}: {thing.waarde.value}",
        ]
    lines += [f"sectie: {thing.sectie}", f"als: {unparse(thing.als)}"]
    if isinstance(thing, Aanvulling):
        lines += _gevolgen_lines(thing, specs)
    lines.extend(_bronnen_lines(thing.bronnen))
    lines += _uitleg_lines(thing.uitleg)
    return lines


def _catalogue_text(specs: Specs) -> list[str]:
    lines = [f"rulebook {specs.digest}: {len(specs.regels)} regels"]
    width = max((len(r.id) for r in specs.regels), default=0)
    current = None
    for r in specs.regels:
        if r.waar.file != current:
            current = r.waar.file
            lines += ["", f"{current}:"]
        lines.append(f"  {r.id:<{width}}  {r.laag.value:<9}  {r.effect.value:<6}  {r.titel.nl}")
    for key, names in (
        ("definities", [d.naam for d in specs.definities]),
        ("aanvullingen", [a.id for a in specs.aanvullingen]),
        ("toekenningen", [t.id for t in specs.toekenningen]),
        ("verzamelingen", list(specs.verzamelingen)),
    ):
        if names:
            lines += ["", f"{key}:", *(f"  {n}" for n in names)]
    return lines


@click.command()
@RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.argument("item_id", metavar="[ID]", required=False)
def rules(rules: str | None, as_json: bool, item_id: str | None) -> None:
    """List the rule catalogue, or show one rule, definition, aanvulling or toekenning."""
    specs = open_rulebook(rules).specs
    if item_id is None:
        if as_json:
            click.echo(dump_json(catalogue_json(specs)))
        else:
            click.echo("\n".join(_catalogue_text(specs)))
        return
    by_id: dict[str, Regel | Definitie | Aanvulling | Toekenning] = {}
    by_id.update((r.id, r) for r in specs.regels)
    by_id.update((a.id, a) for a in specs.aanvullingen)
    by_id.update((t.id, t) for t in specs.toekenningen)
    by_id.update((d.naam, d) for d in specs.definities)
    if item_id in specs.verzamelingen and item_id not in by_id:
        kind, values = specs.verzamelingen[item_id]
        if as_json:
            out = {"soort": "verzameling", "naam": item_id, "waarden_soort": kind}
            click.echo(dump_json({**out, "waarden": sorted(values)}))
        else:
            click.echo(f"verzameling {item_id} ({kind}): {', '.join(sorted(values))}")
        return
    thing = by_id.get(item_id)
    if thing is None:
        known = [*by_id, *specs.verzamelingen]
        fail(f"unknown rule or definition '{item_id}'{suggest(item_id, known)}")
    if isinstance(thing, Regel):
        click.echo(
            dump_json(regel_json(thing)) if as_json else "\n".join(_regel_text(thing, specs))
        )
    else:
        click.echo(dump_json(item_json(thing)) if as_json else "\n".join(_other_text(thing, specs)))
