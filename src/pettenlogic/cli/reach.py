"""``pettenlogic bereik``: can data of a category in one task end up in another?

Named ``bereik`` (Dutch for reach) like the other commands name their job. Exit
codes: 0 a chain exists (the shortest is printed), 1 no chain exists (proven),
2 invalid input, 3 the evaluator and Z3 disagree on a chain step. With ``--alle``
it answers every (categorie, van, naar) triple at once and exits 0.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from ..model.convert import suggest
from ..model.fields import flow_fields
from ..rules.expr import TRUE, ExprError
from .common import RULES_OPTION, dump_json, fail, open_rulebook
from .verify import EXIT_INTERNAL


def _check(option: str, value: str | None, path: str) -> str | None:
    """``value`` when the vocabulary allows it at ``path``; exit 2 naming the options."""
    if value is None:
        return None
    allowed = list(flow_fields()[path].values)
    if value not in allowed:
        hint = suggest(value, allowed)
        fail(f"{option}: unknown value {value!r}{hint}; allowed: {', '.join(allowed)}")
    return value


def _parse(option: str, text: str | None, specs: Any) -> Any:
    from ..solver.properties import _scope, parse_property

    if text is None:
        return TRUE
    try:
        return parse_property(text, _scope(specs), specs, False)
    except ExprError as exc:
        fail(f"{option}: {exc}")


@click.command()
@RULES_OPTION
@click.option("--categorie", help="Category of the data (gegevens.categorie).")
@click.option("--van", "van", help="The task the data sits in.")
@click.option("--van-wet", help="Its law (only for tasks that name one).")
@click.option("--naar", "naar", help="The task the data should not (or should) reach.")
@click.option("--naar-wet", help="Its law.")
@click.option("--stap", help='A condition on every step, e.g. "not toestemming".')
@click.option("--alle", is_flag=True, help="Answer every (categorie, van, naar) triple.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def bereik(
    rules: str | None,
    categorie: str | None,
    van: str | None,
    van_wet: str | None,
    naar: str | None,
    naar_wet: str | None,
    stap: str | None,
    alle: bool,
    as_json: bool,
) -> None:
    """Can data of --categorie in task --van reach task --naar through permitted flows?"""
    from ..solver.prove import InternalMismatch
    from ..solver.reach import Reachability, Vraag, conjoin, place_condition

    rb = open_rulebook(rules)
    step = _parse("--stap", stap, rb.specs)
    if alle:
        _all(Reachability(rb.specs, (step,)), step, as_json)
        return
    missing = [
        o for o, v in (("--categorie", categorie), ("--van", van), ("--naar", naar)) if not v
    ]
    if missing:
        fail(f"missing {', '.join(missing)} (or use --alle)")
    begin = conjoin(
        place_condition(
            "gegevens.categorie", _check("--categorie", categorie, "gegevens.categorie")
        ),
        place_condition("van.taak", _check("--van", van, "van.taak")),
        place_condition("van.wet", _check("--van-wet", van_wet, "van.wet")),
    )
    einde = conjoin(
        place_condition("naar.taak", _check("--naar", naar, "naar.taak")),
        place_condition("naar.wet", _check("--naar-wet", naar_wet, "naar.wet")),
    )
    start = time.perf_counter()
    try:
        keten = Reachability(rb.specs, (step,)).shortest(Vraag(begin, step, einde))
    except InternalMismatch as exc:
        fail(f"internal error, Z3 and the evaluator disagree: {exc}", code=EXIT_INTERNAL)
    seconds = time.perf_counter() - start
    if as_json:
        body = {"bereikbaar": keten is not None, "keten": keten.to_dict() if keten else None}
        click.echo(dump_json({**body, "seconden": round(seconds, 3)}))
    elif keten is None:
        click.echo(f"onbereikbaar: geen keten van toegestane stappen ({seconds:.2f} s)")
    else:
        click.echo(f"bereikbaar in {len(keten.stappen)} stap(pen), gegevens: {keten.gegevens}")
        for i, (flow, d) in enumerate(zip(keten.stappen, keten.beslissingen, strict=True), 1):
            click.echo(
                f"  {i}. {_place(flow['van'])} -> {_place(flow['naar'])}: {d['oordeel']}"
                f" via {', '.join(d['regels'])}"
            )
            circ = {k: v for k, v in flow.get("omstandigheden", {}).items() if _notable(k, v)}
            if circ:
                click.echo("     omstandigheden: " + ", ".join(f"{k}={v}" for k, v in circ.items()))
    sys.exit(0 if keten is not None else 1)


def _place(ctx: dict[str, Any]) -> str:
    return f"{ctx['taak']} ({ctx['wet']})" if ctx.get("wet") else str(ctx["taak"])


def _notable(key: str, value: Any) -> bool:
    """Circumstances that differ from their default (the ones that made the step)."""
    default = flow_fields().get(f"omstandigheden.{key}")
    return default is not None and value != default.default and not isinstance(value, dict)


def _all(reach: Any, step: Any, as_json: bool) -> None:
    start = time.perf_counter()
    answers = reach.all_triples(step)
    seconds = time.perf_counter() - start
    rows = [
        {"categorie": c, "van": _label(u), "naar": _label(v), "bereikbaar": ok}
        for (c, u, v), ok in sorted(answers.items(), key=lambda kv: str(kv[0]))
    ]
    yes = sum(r["bereikbaar"] for r in rows)
    if as_json:
        click.echo(dump_json({"drietallen": rows, "seconden": round(seconds, 3)}))
        return
    click.echo(
        f"{len(rows)} drietallen (categorie, van, naar): {yes} bereikbaar, "
        f"{len(rows) - yes} onbereikbaar ({seconds:.2f} s)"
    )
    for r in rows:
        if not r["bereikbaar"]:
            click.echo(f"  onbereikbaar: {r['categorie']}: {r['van']} -> {r['naar']}")


def _label(place: tuple[Any, ...]) -> str:
    from ..solver.places import label

    return label(place)
