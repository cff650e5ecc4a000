"""Commands for a gemeente's inrichting: the audit behind ``check --gemeente``,
``inrichtingen`` (synthesis) and ``werkinstructie``; and the loading that
``decide``, ``prove`` and ``diff`` share for ``--gemeente``.

Exit codes: ``check --gemeente`` 0 without findings, 1 with findings, 2 invalid
input, 4 time limit; ``inrichtingen`` 0 when the file is consistent, 1 when it
needs the changes shown, 2 invalid input; ``werkinstructie`` 0, 2 invalid input.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from ..rules.expr import Expr
from ..rules.loader import SpecError, bundled_specs
from ..rules.spec import Specs
from .common import GEMEENTE_OPTION, RULES_OPTION, dump_json, fail

EXIT_TIME_LIMIT = 4


def open_gemeente(gemeente: str, rules: str | None) -> tuple[Any, Specs]:
    """(Gemeente or None for a file of lokaal rules only, rule set); exits 2 on errors."""
    from ..gemeente.loader import load_with_rules

    try:
        return load_with_rules(gemeente, rules)
    except SpecError as exc:
        fail(
            f"invalid rule folder {rules or bundled_specs()} or gemeente {gemeente}:", exc.problems
        )


def specs_and_kaders(
    gemeente: str | None, rules: str | None
) -> tuple[Specs | None, tuple[Expr, ...]]:
    """For ``prove`` and ``diff``: the rule set with the local policy and the kaders
    (None and () without ``--gemeente``)."""
    if gemeente is None:
        return None, ()
    from ..gemeente.narrow import kaders

    g, specs = open_gemeente(gemeente, rules)
    return specs, tuple(k.als for k in kaders(g, specs)) if g is not None else ()


def run_audit(g: Any, specs: Specs, as_json: bool, timeout: float) -> None:
    """Print the audit of an inrichting and exit (the ``check --gemeente`` path)."""
    from ..gemeente.audit import Audit
    from ..solver.check import CheckTimeout
    from ..solver.guard import Z3_LOCK

    start = time.perf_counter()
    complete = True
    with Z3_LOCK:
        runner = Audit(g, specs, timeout)
        try:
            found = runner.run()
        except CheckTimeout:
            found, complete = runner.found, False
    if as_json:
        click.echo(
            dump_json(
                {
                    "gemeente": g.inrichting.gemeente,
                    "bevindingen": [b.to_dict() for b in found],
                    "seconden": round(time.perf_counter() - start, 3),
                    "volledig": complete,
                }
            )
        )
    else:
        for b in found:
            click.echo(f"{b.ernst.value}: {b.soort} (handreiking {b.sectie}) {b.waar} [{b.keuze}]")
            click.echo(f"  {b.bericht}")
            if b.regels:
                click.echo(f"  regels: {', '.join(b.regels)}")
            _flow("getuige", b.getuige, b.beslissing)
            if b.vergelijk:
                _flow("vergelijk", b.vergelijk["getuige"], b.vergelijk["beslissing"])
            for k in b.kern:
                click.echo(f"  kern: {k}")
        click.echo(f"{g.inrichting.gemeente}: {len(found)} findings")
    if not complete:
        click.echo(
            f"pettenlogic: audit incomplete: the time limit of {timeout:g} s ran out", err=True
        )
        sys.exit(EXIT_TIME_LIMIT)
    sys.exit(1 if found else 0)


def _flow(label: str, flow: dict[str, Any] | None, decision: dict[str, Any] | None) -> None:
    if flow is None:
        return
    click.echo(f"  {label}: " + json.dumps(flow, ensure_ascii=False))
    if decision:
        click.echo(
            f"    beslissing: {decision['oordeel']} via {', '.join(decision['regels']) or '-'}"
        )


def _need_inrichting(g: Any, name: str) -> Any:
    if g is None:
        fail(f"{name}: a file of lokaal rules only has no inrichting; see docs/gemeente.md")
    return g


@click.command()
@RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--voorbeelden",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="How many consistent combinations to show.",
)
@click.argument("gemeente", metavar="FILE|NAME")
def inrichtingen(rules: str | None, as_json: bool, voorbeelden: int, gemeente: str) -> None:
    """Count the combinations of choices consistent with the law and the gemeente's local
    policy, show examples, and propose the smallest repair of the file."""
    from ..gemeente.synthesis import synthesise

    g, specs = open_gemeente(gemeente, rules)
    result = synthesise(_need_inrichting(g, gemeente), specs, voorbeelden)
    if as_json:
        click.echo(dump_json(result.to_dict()))
    else:
        click.echo(result.render())
    sys.exit(0 if result.consistent else 1)


@click.command()
@RULES_OPTION
@GEMEENTE_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="Output format.",
)
def werkinstructie(rules: str | None, gemeente: str | None, fmt: str) -> None:
    """The handreiking's overview table (task | role | data processing), regenerated
    from the rules, specialised to a gemeente's choices with --gemeente."""
    from ..gemeente.werkinstructie import render, werkinstructie_rows
    from .verify import _specs

    g = None
    if gemeente is not None:
        g, specs = open_gemeente(gemeente, rules)
    else:
        specs = _specs(rules)
    click.echo(render(werkinstructie_rows(specs, g), fmt, g))
