"""``pettenlogic casus``: check a case timeline step by step.

FILE is a casus file, or the name of a shipped casus (``specs/casussen/``).
Exit codes: 0 no step breaks a rule, 1 a step breaks a rule (a sharing that is
not permitted, or a temporal duty missed), 2 invalid input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model.convert import suggest
from ..rules.loader import SpecError, bundled_specs
from .common import LANG_OPTION, RULES_OPTION, dump_json, fail, open_rulebook

MARK = {"voldaan": "voldaan", "gemist": "GEMIST ", "open": "open   "}


@click.command()
@RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--lijst", is_flag=True, help="List the shipped casussen and stop.")
@LANG_OPTION
@click.argument("file", required=False)
def casus(rules: str | None, as_json: bool, lijst: bool, lang: str, file: str | None) -> None:
    """Check a casus (FILE, or the name of a shipped one) step by step."""
    from ..gemeente.casus import bundled_casussen, run_casus

    shipped = bundled_casussen(bundled_specs())
    if lijst:
        for name in shipped:
            click.echo(name)
        return
    if file is None:
        fail("give a casus file or the name of a shipped casus (see --lijst)")
    path = Path(file)
    shown = file
    if not path.exists():
        if file not in shipped:
            fail(f"no casus file or shipped casus {file!r}{suggest(file, list(shipped))}")
        path, shown = shipped[file], f"casussen/{file}.yaml"
    rb = open_rulebook(rules)
    try:
        report = run_casus(path, rb, shown, rules, lang)
    except SpecError as exc:
        fail(f"invalid casus {shown}:", exc.problems)
    if as_json:
        click.echo(dump_json(report.to_dict()))
        sys.exit(1 if report.overtreden else 0)
    c = report.casus
    click.echo(f"casus {c.naam}: {c.titel.get(lang)} (handreiking §{c.thema})")
    for s in report.stappen:
        g = s.gebeurtenis
        head = f"{g.nummer:>3}. {g.soort}"
        if g.omschrijving:
            head += f": {g.omschrijving}"
        click.echo(head)
        if s.stroom is not None and s.beslissing is not None:
            d = s.beslissing
            van, naar = s.stroom["van"]["taak"], s.stroom["naar"]["taak"]
            click.echo(
                f"     {s.stroom['gegevens']['categorie']}: {van} -> {naar}: {d.oordeel.value}"
                f" via {', '.join(d.regels) or '-'}"
            )
            cites = "; ".join(_cite(b.to_dict()) for b in d.bronnen[:4])
            if cites:
                click.echo(f"     bronnen: {cites}")
        for p in s.plichten:
            click.echo(f"     {MARK[p.status]} {p.id}: {p.tekst}")
            if p.status == "gemist" and p.bronnen:
                click.echo("              " + "; ".join(_cite(b.to_dict()) for b in p.bronnen))
        for o in s.overtredingen:
            click.echo(f"     OVERTREDING: {o}")
    broken = [s.gebeurtenis.nummer for s in report.stappen if s.overtredingen]
    if broken:
        click.echo(
            f"{len(broken)} stap(pen) in strijd met een regel: {', '.join(map(str, broken))}"
        )
    else:
        click.echo("geen stap in strijd met een regel")
    sys.exit(1 if broken else 0)


def _cite(b: dict[str, object]) -> str:
    if b["regeling"] == "handreiking":
        return f"handreiking §{b['artikel']}"
    parts = [str(b["regeling"]), str(b["artikel"])]
    if b.get("lid"):
        parts.append(f"lid {b['lid']}")
    if b.get("onderdeel"):
        parts.append(f"onder {b['onderdeel']}")
    return " ".join(parts)
