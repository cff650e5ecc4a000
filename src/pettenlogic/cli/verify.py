"""The verification commands: ``prove``, ``check`` and ``diff`` (DESIGN §5).

Exit codes: ``prove`` 0 when every outcome is as expected, 1 otherwise, 2 on
invalid specs, 3 when Z3 and the evaluator disagree on a counterexample, 4 when
a property ran out of time (and none failed); ``check`` 0 without errors or
warnings, 1 with findings, 2 on invalid input, 4 when its time limit ran out
(the findings so far are printed); ``diff`` 0, 2 on invalid input, 4 when a
limit (time or number of groups) stopped it before it was complete.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from ..rules.loader import SpecError, bundled_specs, load_specs
from ..rules.spec import Specs
from ..solver.properties import load_properties
from .common import dump_json, fail

EXIT_INTERNAL = 3
EXIT_TIME_LIMIT = 4

TIMEOUT_TYPE = click.FloatRange(min=0, min_open=True)


def _specs(rules: str | None, gemeente: str | None = None) -> Specs:
    try:
        return load_specs(rules, gemeente=gemeente)
    except SpecError as exc:
        fail(f"invalid rule folder {rules or bundled_specs()}:", exc.problems)


def _dump(data: Any) -> None:
    click.echo(dump_json(data))


@click.command()
@click.option(
    "--rules",
    "rules",
    type=click.Path(file_okay=False),
    default=None,
    help="Spec folder to use instead of the bundled one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of outcomes.")
@click.option(
    "--timeout", type=TIMEOUT_TYPE, default=20, show_default=True, help="Seconds per property."
)
@click.argument("names", nargs=-1)
def prove(rules: str | None, as_json: bool, timeout: float, names: tuple[str, ...]) -> None:
    """Prove the properties of the rule set (all, or NAME…)."""
    from ..solver.prove import InternalMismatch, prove_all

    specs = _specs(rules)
    try:
        props = load_properties(specs, rules)
    except SpecError as exc:
        fail("invalid property files:", exc.problems)
    known = {p.naam for p in props}
    unknown = [n for n in names if n not in known]
    if unknown:
        from ..model.convert import suggest

        fail("unknown property: " + ", ".join(f"{n}{suggest(n, sorted(known))}" for n in unknown))
    try:
        outcomes = prove_all(specs, props, list(names) or None, max(1, int(timeout * 1000)))
    except InternalMismatch as exc:
        fail(f"internal error, Z3 and the evaluator disagree: {exc}", code=EXIT_INTERNAL)
    if as_json:
        _dump([o.to_dict() for o in outcomes])
    else:
        by_name = {p.naam: p for p in props}
        for o in outcomes:
            mark = "ok  " if o.as_expected else "TIME" if o.uitkomst == "onbekend" else "FAIL"
            click.echo(f"{mark} {o.naam}: {o.uitkomst} (verwacht {o.verwacht}, {o.seconden:.2f} s)")
            if o.tegenvoorbeeld is not None:
                click.echo(
                    "     tegenvoorbeeld: " + json.dumps(o.tegenvoorbeeld, ensure_ascii=False)
                )
                # a counterexample always comes with its decision(s): Prover.prove sets both
                assert o.beslissing is not None
                if by_name[o.naam].keten is not None:
                    keten = o.beslissing["keten"]
                    decisions = {f"stap {i}": d for i, d in enumerate(keten, 1)}
                else:
                    decisions = o.beslissing if by_name[o.naam].paar else {"": o.beslissing}
                for side, d in decisions.items():
                    label = f"beslissing {side}".strip()
                    click.echo(f"     {label}: {d['oordeel']} via {', '.join(d['regels']) or '-'}")
                    for line in d["uitleg"].splitlines():
                        click.echo(f"       {line}")
            if not o.as_expected and by_name[o.naam].toelichting:
                click.echo(f"     toelichting: {by_name[o.naam].toelichting}")
        good = sum(o.as_expected for o in outcomes)
        click.echo(f"{good} of {len(outcomes)} properties as expected")
    failed = [o for o in outcomes if not o.as_expected]
    if failed and all(o.uitkomst == "onbekend" for o in failed):
        sys.exit(EXIT_TIME_LIMIT)
    sys.exit(1 if failed else 0)


@click.command()
@click.option(
    "--rules",
    "rules",
    type=click.Path(file_okay=False),
    default=None,
    help="Spec folder to use instead of the bundled one.",
)
@click.option(
    "--gemeente",
    type=click.Path(dir_okay=False),
    default=None,
    help="A file of the gemeente's own (lokaal) rules to check against the law.",
)
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@click.option("--info", is_flag=True, help="Also list informational overlaps.")
@click.option(
    "--timeout",
    type=TIMEOUT_TYPE,
    default=300,
    show_default=True,
    help="Seconds for the whole check; when they run out, the findings so far are shown.",
)
def check(
    rules: str | None, gemeente: str | None, as_json: bool, info: bool, timeout: float
) -> None:
    """Consistency: conflicts, dead or shadowed rules, local rules the law sets aside."""
    from ..solver.check import CheckTimeout
    from ..solver.check import check as run_check

    specs = _specs(rules, gemeente)
    start = time.perf_counter()
    complete = True
    try:
        findings = run_check(specs, timeout)
    except CheckTimeout as exc:
        findings, complete = exc.findings, False
    serious = [f for f in findings if f.ernst != "info"]
    if as_json:
        _dump(
            {
                "bevindingen": [f.to_dict() for f in findings],
                "seconden": round(time.perf_counter() - start, 3),
                "volledig": complete,
            }
        )
    else:
        for f in findings:
            if f.ernst == "info" and not info:
                continue
            click.echo(f"{f.ernst}: {f.soort}: {f.bericht}")
            click.echo(f"  regels: {', '.join(f.regels)}")
            if f.getuige:
                click.echo("  getuige: " + json.dumps(f.getuige, ensure_ascii=False))
            for k in f.kern:
                click.echo(f"  kern: {k}")
        n_info = len(findings) - len(serious)
        click.echo(
            f"{len(serious)} findings ({n_info} informational overlaps"
            f"{'' if info else ', shown with --info'})"
        )
    if not complete:
        click.echo(
            f"pettenlogic: check incomplete: the time limit of {timeout:g} s ran out "
            "(raise it with --timeout)",
            err=True,
        )
        sys.exit(EXIT_TIME_LIMIT)
    sys.exit(1 if serious else 0)


@click.command()
@click.argument("dir_a", type=click.Path(file_okay=False))
@click.argument("dir_b", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON.")
@click.option(
    "--timeout",
    type=TIMEOUT_TYPE,
    default=60,
    show_default=True,
    help="Seconds for the whole diff; when they run out, the groups so far are shown.",
)
@click.option(
    "--max-groups",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Stop after this many groups of differing flows.",
)
def diff(dir_a: str, dir_b: str, as_json: bool, timeout: float, max_groups: int) -> None:
    """Flows whose verdict or duties differ between two rule sets, grouped."""
    from ..solver.diff import render_table, semantic_diff

    a, b = _specs(dir_a), _specs(dir_b)
    result = semantic_diff(a, b, max_groups=max_groups, timeout_ms=max(1, int(timeout * 1000)))
    if as_json:
        _dump(result.to_dict())
    else:
        click.echo(render_table(result))
    if not result.complete:
        click.echo(
            "pettenlogic: diff incomplete: a limit ran out "
            f"(--timeout {timeout:g} s, --max-groups {max_groups})",
            err=True,
        )
        sys.exit(EXIT_TIME_LIMIT)
    sys.exit(0)
