"""The verification commands: ``prove``, ``check`` and ``diff``.

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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..rules.loader import SpecError, bundled_specs, load_specs
from ..rules.shipped import whatif_folder
from ..rules.spec import Specs
from ..solver.properties import load_properties
from .common import GEMEENTE_OPTION, LANG_OPTION, PEILDATUM, dump_json, fail
from .gemeente import open_gemeente, run_audit, specs_and_kaders
from .words import WORDS

if TYPE_CHECKING:
    from ..solver.diff import DiffResult, Group

EXIT_INTERNAL = 3
EXIT_TIME_LIMIT = 4

TIMEOUT_TYPE = click.FloatRange(min=0, min_open=True)


F = TypeVar("F", bound=Callable[..., Any])


def workers_option(help_text: str) -> Callable[[F], F]:
    """``--workers N``: forked processes for the solver work (1 to 64, default 1)."""
    return click.option(
        "--workers", type=click.IntRange(1, 64), default=1, show_default=True, help=help_text
    )


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
@GEMEENTE_OPTION
@LANG_OPTION
@click.option(
    "--peildatum",
    type=PEILDATUM,
    default=None,
    help="Prove for flows decided by the law of this day only (default: every day).",
)
@workers_option("Processes to prove in (the outcomes are the same).")
@click.argument("names", nargs=-1)
def prove(
    rules: str | None,
    as_json: bool,
    timeout: float,
    gemeente: str | None,
    lang: str,
    peildatum: str | None,
    workers: int,
    names: tuple[str, ...],
) -> None:
    """Prove the properties of the rule set (all, or NAME…); with --gemeente over the
    flows of that gemeente's inrichting, with its local policy; with --peildatum for
    flows on that day only."""
    from ..solver.prove import InternalMismatch, prove_all

    local, kaders = specs_and_kaders(gemeente, rules)
    specs = local or _specs(rules)
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
        outcomes = prove_all(
            specs,
            props,
            list(names) or None,
            max(1, int(timeout * 1000)),
            kaders,
            lang,
            peildatum,
            workers,
        )
    except InternalMismatch as exc:
        fail(f"internal error, Z3 and the evaluator disagree: {exc}", code=EXIT_INTERNAL)
    if as_json:
        _dump([o.to_dict() for o in outcomes])
    else:
        by_name = {p.naam: p for p in props}
        w = WORDS[lang]
        for o in outcomes:
            mark = "ok  " if o.as_expected else "TIME" if o.uitkomst == "onbekend" else "FAIL"
            click.echo(
                f"{mark} {o.naam}: {o.uitkomst} ({w['expected']} {o.verwacht}, {o.seconden:.2f} s)"
            )
            if o.tegenvoorbeeld is not None:
                click.echo(
                    f"     {w['counterexample']}: "
                    + json.dumps(o.tegenvoorbeeld, ensure_ascii=False)
                )
                # a counterexample always comes with its decision(s): Prover.prove sets both
                assert o.beslissing is not None
                if by_name[o.naam].keten is not None:
                    keten = o.beslissing["keten"]
                    decisions = {f"stap {i}": d for i, d in enumerate(keten, 1)}
                else:
                    decisions = o.beslissing if by_name[o.naam].paar else {"": o.beslissing}
                for side, d in decisions.items():
                    label = f"{w['decision']} {side}".strip()
                    click.echo(f"     {label}: {d['oordeel']} via {', '.join(d['regels']) or '-'}")
                    for line in d["uitleg"].splitlines():
                        click.echo(f"       {line}")
            if not o.as_expected and by_name[o.naam].toelichting:
                click.echo(f"     {w['note']}: {by_name[o.naam].toelichting}")
        good = sum(o.as_expected for o in outcomes)
        click.echo(w["as_expected"].format(good=good, total=len(outcomes)))
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
    metavar="FILE|NAME",
    help="A gemeente.yaml to audit (or a bundled example's name), or a file of the "
    "gemeente's own (lokaal) rules to check against the law.",
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
@workers_option("Processes for large rule sets (the findings are the same).")
@LANG_OPTION
def check(
    rules: str | None,
    gemeente: str | None,
    as_json: bool,
    info: bool,
    timeout: float,
    workers: int,
    lang: str,
) -> None:
    """Consistency: conflicts, dead or shadowed rules, local rules the law sets aside."""
    from ..solver.check import CheckTimeout
    from ..solver.check import check as run_check

    if gemeente is not None:
        g, specs = open_gemeente(gemeente, rules)
        if g is not None:
            run_audit(g, specs, as_json, timeout)
    else:
        specs = _specs(rules)
    start = time.perf_counter()
    complete = True
    try:
        findings = run_check(specs, timeout, workers)
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
        w = WORDS[lang]
        for f in findings:
            if f.ernst == "info" and not info:
                continue
            click.echo(f"{f.ernst}: {f.soort}: {f.bericht}")
            click.echo(f"  {w['regels']}: {', '.join(f.regels)}")
            if f.getuige:
                click.echo(f"  {w['witness']}: " + json.dumps(f.getuige, ensure_ascii=False))
            for k in f.kern:
                click.echo(f"  {w['core']}: {k}")
        n_info = len(findings) - len(serious)
        hint = "" if info else w["shown_with_info"]
        click.echo(w["findings"].format(n=len(serious), info=n_info, hint=hint))
    if not complete:
        click.echo(
            f"pettenlogic: check incomplete: the time limit of {timeout:g} s ran out "
            "(raise it with --timeout)",
            err=True,
        )
        sys.exit(EXIT_TIME_LIMIT)
    sys.exit(1 if serious else 0)


@click.command()
@click.argument("dir_a", type=click.Path(file_okay=False), required=False)
@click.argument("dir_b", type=click.Path(file_okay=False), required=False)
@click.option(
    "--whatif",
    metavar="NAME",
    help="Compare with a what-if shipped with the package (against DIR_A, default the"
    " bundled rules); an unknown name lists the known ones.",
)
@click.option(
    "--peildatum",
    type=PEILDATUM,
    default=None,
    help="With --tegen: compare one rule set (DIR_A, or the bundled one) on two days.",
)
@click.option(
    "--tegen",
    type=PEILDATUM,
    default=None,
    help="The second day of a date diff (the law then versus on --peildatum).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON (--format json).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "svg", "html"]),
    default="text",
    show_default=True,
    help="text table, JSON groups, or the van × naar matrix per category as SVG or HTML"
    " with the changed cells marked.",
)
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
@GEMEENTE_OPTION
@LANG_OPTION
def diff(
    dir_a: str | None,
    dir_b: str | None,
    whatif: str | None,
    peildatum: str | None,
    tegen: str | None,
    as_json: bool,
    fmt: str,
    timeout: float,
    max_groups: int,
    gemeente: str | None,
    lang: str,
) -> None:
    """Flows whose verdict or duties differ between two rule sets, grouped.

    Give two spec folders, or --whatif NAME to compare a shipped what-if with the
    bundled rules (or with DIR_A), or --peildatum A --tegen B to compare one rule set
    (DIR_A, or the bundled one) on two days. With --gemeente both sides get its local
    policy and only its inrichting's flows count.
    """
    from ..solver.diff import semantic_diff

    if (peildatum is None) != (tegen is None):
        fail("--peildatum and --tegen go together (the two days to compare)")
    if peildatum is not None:
        if whatif is not None or dir_b is not None:
            fail("a date diff compares one rule set: give at most DIR_A, no --whatif")
        local, kaders = specs_and_kaders(gemeente, dir_a)
        a = b = local or _specs(dir_a)
    else:
        if whatif is not None:
            if dir_b is not None:
                fail("give at most one folder with --whatif (it is compared with the what-if)")
            try:
                dir_b = str(whatif_folder(whatif))
            except SpecError as exc:
                fail(exc.problems[0])
        elif dir_a is None or dir_b is None:
            fail(
                "diff needs two spec folders DIR_A DIR_B, --whatif NAME, or --peildatum with "
                "--tegen"
            )
        local_a, kaders = specs_and_kaders(gemeente, dir_a)
        local_b, _same = specs_and_kaders(gemeente, dir_b)
        a, b = local_a or _specs(dir_a), local_b or _specs(dir_b)
    result = semantic_diff(
        a,
        b,
        max_groups=max_groups,
        timeout_ms=max(1, int(timeout * 1000)),
        kaders=kaders,
        peildatum_a=peildatum,
        peildatum_b=tegen,
    )
    if as_json and fmt not in ("text", "json"):
        fail(f"--json and --format {fmt} exclude each other")
    fmt = "json" if as_json else fmt
    if fmt == "json":
        _dump(result.to_dict())
    elif fmt in ("svg", "html"):
        from ..docgen.flowmap import diff_map_html, diff_map_svg

        after = f"what-if {whatif}" if whatif else dir_b
        title = f"What changes from {dir_a or 'the bundled rules'} to {after}"
        render = diff_map_svg if fmt == "svg" else diff_map_html
        click.echo(render(result.groups, title), nl=False)
    else:
        click.echo(diff_table(result, lang))
    if not result.complete:
        click.echo(
            "pettenlogic: diff incomplete: a limit ran out "
            f"(--timeout {timeout:g} s, --max-groups {max_groups})",
            err=True,
        )
        sys.exit(EXIT_TIME_LIMIT)
    sys.exit(0)


def diff_table(result: DiffResult, lang: str = "nl") -> str:
    """A compact text table of a diff: groups that share van, naar and verdicts fold
    their categories into one row."""
    w = WORDS[lang]
    folded: dict[tuple[str, str, str, str], list[Group]] = {}
    for g in result.groups:
        folded.setdefault((g.van, g.naar, g.oordeel_a, g.oordeel_b), []).append(g)
    lines = [
        w["groups"].format(n=len(result.groups)) + ("" if result.complete else w["incomplete"]),
        f"{'van.taak':28} {'naar.taak':28} {'A -> B':32} categorie",
    ]
    for (van, naar, oa, ob), gs in sorted(folded.items()):
        cats = ", ".join(sorted(g.categorie for g in gs))
        change = f"{oa} -> {ob}" if oa != ob else f"{oa} {w['duties_only']}"
        lines.append(f"{van:28} {naar:28} {change:32} {cats}")
    lines.append(w["per_group"])
    if result.peildatum_a is not None:
        for day, items in (
            (result.peildatum_a, result.alleen_a),
            (result.peildatum_b, result.alleen_b),
        ):
            lines.append(w["only_on"].format(n=len(items), day=day))
            for v in items:
                what = v.regel if v.grens is None else f"{v.regel} (grens {v.grens})"
                span = " ".join(
                    x
                    for x in (
                        f"van {v.geldig_van}" if v.geldig_van else "",
                        f"tot {v.geldig_tot}" if v.geldig_tot else "",
                    )
                    if x
                )
                sources = f" {'; '.join(v.bronnen)}" if v.bronnen else ""
                lines.append(f"  {what} [{span}]{sources}")
    return "\n".join(lines)
