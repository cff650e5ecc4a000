"""``pettenlogic kaart``: the flow map of a data category (van × naar verdicts)."""

from __future__ import annotations

import json

import click

from ..model.vocabulary import Categorie, Wet
from .common import RULES_OPTION, fail, open_rulebook


@click.command()
@click.option(
    "--categorie",
    required=True,
    type=click.Choice([c.value for c in Categorie]),
    help="The data category to map.",
)
@click.option(
    "--wet",
    type=click.Choice([w.value for w in Wet]),
    default=Wet.JEUGDWET.value,
    show_default=True,
    help="The law under which every task that takes a law acts.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "html", "json"]),
    default="svg",
    show_default=True,
    help="SVG image, HTML table, or the verdicts as JSON.",
)
@RULES_OPTION
def kaart(categorie: str, wet: str, fmt: str, rules: str | None) -> None:
    """Print the flow map of a category: for every van and naar task, the verdict plain,
    with consent and on request (noodzakelijk true, other circumstances at their
    defaults)."""
    from ..docgen.flowmap import flow_map, flow_map_html, flow_map_svg

    book = open_rulebook(rules)
    try:
        fmap = flow_map(book.specs, Categorie(categorie), Wet(wet))
    except ValueError as exc:  # a rule folder whose vocabulary cannot map (never bundled)
        fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(fmap.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo((flow_map_svg if fmt == "svg" else flow_map_html)(fmap), nl=False)
