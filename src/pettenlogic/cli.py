"""The ``pettenlogic`` command line (DESIGN §5).

Exit codes: 0 done, 2 invalid input or invalid specs (message on stderr, nothing
on stdout). ``prove``, ``check`` and ``diff`` live in :mod:`pettenlogic.cli_verify`.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from . import __version__
from .batch import parse_json
from .cli_verify import register as register_verification
from .decision import Decision
from .model.convert import InvalidInput, Problem, check_flow_json, flow_from_json, suggest
from .model.flow import Flow
from .model.intake import show
from .model.schema import flow_schema
from .rulebook import ENGINES, LANGS, Rulebook, load_rulebook
from .rules.expr import TRUE, unparse
from .rules.loader import SpecError, bundled_specs
from .rules.spec import Aanvulling, Bron, Definitie, Gevolg, Regel, Specs, Tekst, Toekenning

EXIT_INVALID = 2
EXAMPLES_FILE = "examples.yaml"

# -- failing ---------------------------------------------------------------------


def fail(message: str, details: Iterable[str] = ()) -> NoReturn:
    """Print ``message`` (and indented details) on stderr and exit with code 2."""
    click.echo(f"pettenlogic: {message}", err=True)
    for line in details:
        click.echo(f"  {line}", err=True)
    sys.exit(EXIT_INVALID)


def _rulebook(rules: str | None) -> Rulebook:
    try:
        return load_rulebook(rules)
    except SpecError as exc:
        fail(f"invalid rule folder {rules or bundled_specs()}:", exc.problems)


# -- reading flows ----------------------------------------------------------------


#: default cap on a decide input, in MiB (``--max-input``); a flow is ~300 bytes
MAX_INPUT_MIB = 16
#: most flows in one input document (``--max-flows``)
MAX_FLOWS = 50_000
#: most problem lines printed for one input; the rest is counted
MAX_ERROR_LINES = 50


def _read_capped(stream: Any, limit: int) -> bytes:
    """At most ``limit + 1`` bytes, read in chunks (an endless stream never fills memory)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_json(source: str, max_bytes: int = MAX_INPUT_MIB << 20) -> Any:
    """The JSON value in a file (or stdin for ``-``); exits 2 when unreadable, too
    large, too deeply nested or invalid."""
    shown = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin
            raw = _read_capped(stream, max_bytes)
        else:
            with Path(source).open("rb") as handle:
                raw = _read_capped(handle, max_bytes)
    except OSError as exc:
        fail(f"cannot read {shown}: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        fail(
            f"{shown}: input larger than {max_bytes >> 20} MiB (the --max-input limit); "
            "split it into smaller documents or raise the limit"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{shown}: not UTF-8 text (byte {exc.start})")
    try:
        return parse_json(text)
    except json.JSONDecodeError as exc:
        fail(f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}")
    except RecursionError:
        fail(f"{shown}: invalid flow: JSON nested too deeply (a flow is 4 levels deep)")
    except ValueError as exc:
        fail(f"{shown}: invalid JSON: {show(str(exc), 200)}")


def _indexed(index: int, problem: Problem) -> str:
    path = f"[{index}].{problem.path}" if problem.path else f"[{index}]"
    return f"{path}: {problem.message}"


def _capped_lines(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_ERROR_LINES:
        return lines
    return [*lines[:MAX_ERROR_LINES], f"…and {len(lines) - MAX_ERROR_LINES} more problem lines"]


def flows_from(data: Any, shown: str, max_flows: int = MAX_FLOWS) -> tuple[list[Flow], bool]:
    """Validate every flow (all of them, before any is decided): (flows, was_array)."""
    if isinstance(data, dict):
        try:
            return [flow_from_json(data)], False
        except InvalidInput as exc:
            fail(f"{shown}: invalid flow:", [str(p) for p in exc.problems])
    if isinstance(data, list):
        if len(data) > max_flows:
            fail(
                f"{shown}: {len(data)} flows in one document, more than the --max-flows "
                f"limit of {max_flows}; split the input or raise the limit"
            )
        flows: list[Flow] = []
        lines: list[str] = []
        bad = 0
        for i, item in enumerate(data):
            try:
                flows.append(flow_from_json(item))
            except InvalidInput as exc:
                bad += 1
                lines.extend(_indexed(i, p) for p in exc.problems)
        if lines:
            fail(f"{shown}: {bad} of {len(data)} flows are invalid:", _capped_lines(lines))
        return flows, True
    kind = "null" if data is None else type(data).__name__
    fail(f"{shown}: expected a flow (JSON object) or an array of flows, got {kind}")


# -- rendering a decision ---------------------------------------------------------

#: labels of the text rendering; the values after them are the contract's codes
_WORDS = {
    "nl": {
        "none": "(geen)",
        "yes": "ja",
        "no": "nee",
        "oordeel": "oordeel",
        "regels": "regels",
        "grondslag": "grondslag",
        "plichten": "plichten",
        "voorwaarden": "voorwaarden",
        "beroepsgeheim": "beroepsgeheim",
        "verwerkingsverantwoordelijke": "verwerkingsverantwoordelijke",
        "bronnen": "bronnen",
        "uitleg": "uitleg",
    },
    "en": {
        "none": "(none)",
        "yes": "yes",
        "no": "no",
        "oordeel": "verdict",
        "regels": "rules",
        "grondslag": "legal ground",
        "plichten": "duties",
        "voorwaarden": "open conditions",
        "beroepsgeheim": "professional secrecy",
        "verwerkingsverantwoordelijke": "controller",
        "bronnen": "sources",
        "uitleg": "explanation",
    },
}


def _bron_line(b: Bron) -> str:
    return f"{b.label()}  {b.url}" if b.url else b.label()


def render_decision(decision: Decision, lang: str = "nl") -> str:
    """A readable text block of one decision (full texts, no truncation)."""
    w = _WORDS[lang]
    lines = [f"{w['oordeel']}: {decision.oordeel.value}"]
    lines.append(f"{w['regels']}: {', '.join(decision.regels) or w['none']}")
    lines.append(f"{w['grondslag']}: {', '.join(decision.grondslag) or w['none']}")
    for key, items in (("plichten", decision.plichten), ("voorwaarden", decision.voorwaarden)):
        if not items:
            lines.append(f"{w[key]}: {w['none']}")
            continue
        lines.append(f"{w[key]}:")
        for item in items:
            lines.append(f"  - {item.code}: {item.tekst}")
    secrecy = w["yes"] if decision.beroepsgeheim else w["no"]
    lines.append(f"{w['beroepsgeheim']}: {secrecy}")
    lines.append(f"{w['verwerkingsverantwoordelijke']}: {decision.verwerkingsverantwoordelijke}")
    if decision.bronnen:
        lines.append(f"{w['bronnen']}:")
        lines.extend(f"  - {_bron_line(b)}" for b in decision.bronnen)
    else:
        lines.append(f"{w['bronnen']}: {w['none']}")
    lines.append(f"{w['uitleg']}:")
    lines.extend(f"  {line}" for line in decision.uitleg.splitlines())
    lines.append(f"rulebook: {decision.rulebook}")
    return "\n".join(lines)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


# -- the commands -----------------------------------------------------------------

RULES_OPTION = click.option(
    "--rules",
    "rules",
    type=click.Path(file_okay=False, dir_okay=True),
    default=None,
    help="Spec folder (or its rules/ folder) to use instead of the bundled one.",
)
LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="nl",
    show_default=True,
    help="Language of texts and explanations.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pettenlogic")
def main() -> None:
    """Decide, explain and cite data flows between the tasks (petten) of a wijkteam."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the decision JSON (DESIGN §5).")
@LANG_OPTION
@RULES_OPTION
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="evaluator",
    show_default=True,
    help="Decide with the Python evaluator, its compiled fast path, or the compiled Z3"
    " formulas (all give the same decision).",
)
@click.option(
    "--max-input",
    type=click.IntRange(min=1),
    default=MAX_INPUT_MIB,
    show_default=True,
    help="Largest input accepted, in MiB.",
)
@click.option(
    "--max-flows",
    type=click.IntRange(min=1),
    default=MAX_FLOWS,
    show_default=True,
    help="Most flows accepted in one input array.",
)
@click.option(
    "--jsonl",
    is_flag=True,
    help="Stream JSON Lines: one flow per line in, one decision record per line out.",
)
@click.option(
    "--on-error",
    type=click.Choice(["fail", "skip"]),
    default="fail",
    show_default=True,
    help="With --jsonl: stop at the first invalid line, or report it and go on.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --jsonl: processes that decide in parallel.",
)
@click.argument("source", metavar="INPUT")
def decide(
    as_json: bool,
    lang: str,
    rules: str | None,
    engine: str,
    max_input: int,
    max_flows: int,
    jsonl: bool,
    on_error: str,
    workers: int,
    source: str,
) -> None:
    """Decide the flow(s) in INPUT (a JSON file, or - for stdin).

    A JSON object gives one decision, an array gives an array of decisions in
    the same order. Every flow is validated before any is decided; decisions
    are written as they are made, so memory does not grow with the output.

    With --jsonl, INPUT holds one flow per line (or {"id": ..., "flow": {...}})
    and each line gives one record {"regel": N, "beslissing": {...}} in input
    order, in flat memory; invalid lines are reported on stderr.
    """
    if jsonl:
        _decide_jsonl(source, rules, lang, engine, on_error, workers)
        return
    if workers != 1 or on_error != "fail":
        fail("--workers and --on-error apply only with --jsonl")
    shown = "<stdin>" if source == "-" else source
    flows, many = flows_from(read_json(source, max_input << 20), shown, max_flows)
    book = _rulebook(rules)
    decisions = (book.decide(f, lang, engine=engine) for f in flows)
    if as_json:
        if not many:
            click.echo(_dump(next(decisions).to_json()))
            return
        # the same text as one json.dumps(list, indent=2), written item by item
        click.echo("[" if flows else "[]")
        for i, d in enumerate(decisions):
            item = textwrap.indent(_dump(d.to_json()), "  ")
            click.echo(item + ("," if i < len(flows) - 1 else ""))
        if flows:
            click.echo("]")
        return
    for i, d in enumerate(decisions):
        block = render_decision(d, lang)
        if many:
            block = f"== [{i}] ==\n{block}"
        click.echo(("\n" if i else "") + block)


def _decide_jsonl(
    source: str, rules: str | None, lang: str, engine: str, on_error: str, workers: int
) -> None:
    """Stream decisions of a JSON Lines input; exit 2 if any line was invalid."""
    from .batch import LineError, decide_stream, read_lines
    from .progress import Progress

    book = _rulebook(rules)
    try:
        stream = sys.stdin.buffer if source == "-" else Path(source).open("rb")  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")
    shown = "<stdin>" if source == "-" else source
    progress = Progress.for_stream(stream, sys.stderr)
    invalid = decided = 0
    out = sys.stdout
    try:
        for number, result in decide_stream(book, read_lines(stream), lang, engine, workers):
            if isinstance(result, LineError):
                invalid += 1
                if invalid <= MAX_ERROR_LINES:
                    progress.clear()
                    for problem in result.problems[:3]:
                        click.echo(f"pettenlogic: {shown}:{number}: {problem}", err=True)
                if on_error == "fail":
                    break
            else:
                out.write(result + "\n")
                decided += 1
            progress.tick()
    except OSError as exc:
        fail(f"cannot read {shown}: {exc.strerror or exc}")
    finally:
        progress.done()
        out.flush()
        if stream is not sys.stdin.buffer:
            stream.close()
    if invalid:
        if invalid > MAX_ERROR_LINES:
            click.echo(
                f"pettenlogic: …and {invalid - MAX_ERROR_LINES:,} more invalid lines", err=True
            )
        stopped = " (stopped at the first; --on-error skip goes on)" if on_error == "fail" else ""
        click.echo(
            f"pettenlogic: {shown}: {invalid:,} invalid line(s){stopped}, {decided:,} decided",
            err=True,
        )
        sys.exit(EXIT_INVALID)


@main.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the flow input."""
    click.echo(_dump(flow_schema()))


# -- rules ------------------------------------------------------------------------


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
    return ["bronnen:", *(f"  - {_bron_line(b)}" for b in bronnen)] if bronnen else []


def _gevolg_json(g: Gevolg) -> dict[str, Any]:
    out: dict[str, Any] = {"code": g.code}
    if g.als != TRUE:
        out["als"] = unparse(g.als)
    return out


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


def _regel_json(r: Regel) -> dict[str, Any]:
    return {
        "soort": "regel",
        "id": r.id,
        "titel": {"nl": r.titel.nl, "en": r.titel.en},
        "laag": r.laag.value,
        "effect": r.effect.value,
        "sectie": r.sectie,
        "als": unparse(r.als),
        "uitzondering_op": list(r.uitzondering_op),
        "noodzaak": r.noodzaak,
        "dekt_bijzondere_gegevens": r.dekt_bijzondere_gegevens,
        "plichten": [_gevolg_json(g) for g in r.plichten],
        "voorwaarden": [_gevolg_json(g) for g in r.voorwaarden],
        "bronnen": [b.to_json() for b in r.bronnen],
        "uitleg": {"nl": r.uitleg.nl, "en": r.uitleg.en},
        "grenzen": [
            {"als": unparse(g.als), "uitleg": {"nl": g.uitleg.nl, "en": g.uitleg.en}}
            for g in r.grenzen
        ],
        "waar": str(r.waar),
    }


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


def _other_json(thing: Definitie | Aanvulling | Toekenning) -> dict[str, Any]:
    out: dict[str, Any]
    if isinstance(thing, Definitie):
        out = {"soort": "definitie", "naam": thing.naam}
    elif isinstance(thing, Aanvulling):
        out = {
            "soort": "aanvulling",
            "id": thing.id,
            "bij": sorted(o.value for o in thing.bij),
            "behalve_bij_dekking": thing.behalve_bij_dekking,
            "plichten": [_gevolg_json(g) for g in thing.plichten],
            "voorwaarden": [_gevolg_json(g) for g in thing.voorwaarden],
        }
    else:
        out = {
            "soort": "toekenning",
            "id": thing.id,
            "kenmerk": thing.kenmerk,
            "waarde": thing.waarde.value,
        }
    out.update(
        sectie=thing.sectie,
        als=unparse(thing.als),
        bronnen=[b.to_json() for b in thing.bronnen],
        uitleg={"nl": thing.uitleg.nl, "en": thing.uitleg.en},
        waar=str(thing.waar),
    )
    return out


def _catalogue(specs: Specs) -> dict[str, Any]:
    return {
        "rulebook": specs.digest,
        "regels": [
            {
                "id": r.id,
                "laag": r.laag.value,
                "effect": r.effect.value,
                "titel": r.titel.nl,
                "sectie": r.sectie,
                "bestand": r.waar.file,
            }
            for r in specs.regels
        ],
        "definities": [d.naam for d in specs.definities],
        "aanvullingen": [a.id for a in specs.aanvullingen],
        "toekenningen": [t.id for t in specs.toekenningen],
        "verzamelingen": {
            name: {"soort": kind, "waarden": sorted(values)}
            for name, (kind, values) in specs.verzamelingen.items()
        },
    }


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


@main.command()
@RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.argument("item_id", metavar="[ID]", required=False)
def rules(rules: str | None, as_json: bool, item_id: str | None) -> None:
    """List the rule catalogue, or show one rule, definition, aanvulling or toekenning."""
    specs = _rulebook(rules).specs
    if item_id is None:
        if as_json:
            click.echo(_dump(_catalogue(specs)))
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
            click.echo(_dump({**out, "waarden": sorted(values)}))
        else:
            click.echo(f"verzameling {item_id} ({kind}): {', '.join(sorted(values))}")
        return
    thing = by_id.get(item_id)
    if thing is None:
        known = [*by_id, *specs.verzamelingen]
        fail(f"unknown rule or definition '{item_id}'{suggest(item_id, known)}")
    if isinstance(thing, Regel):
        click.echo(_dump(_regel_json(thing)) if as_json else "\n".join(_regel_text(thing, specs)))
    else:
        click.echo(_dump(_other_json(thing)) if as_json else "\n".join(_other_text(thing, specs)))


# -- demo -------------------------------------------------------------------------


def load_examples(path: Path) -> list[dict[str, Any]]:
    """The examples of ``examples.yaml``, each flow validated; exits 2 on any problem."""
    if not path.is_file():
        fail(f"{path}: examples file is missing (a packaging error: it ships with the specs)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        fail(f"{path}: cannot read examples: {exc}")
    items = data.get("voorbeelden") if isinstance(data, dict) else None
    if not isinstance(items, list):
        fail(f"{path}: expected a mapping with a list 'voorbeelden'")
    problems: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "flow" not in item:
            problems.append(f"voorbeelden[{i}]: expected a mapping with a 'flow'")
            continue
        name = item.get("naam", f"#{i}")
        problems.extend(f"voorbeelden[{i}] ({name}): {p}" for p in check_flow_json(item["flow"]))
    if problems:
        fail(f"{path}: invalid examples:", problems)
    return items


def _beschrijving(item: dict[str, Any], lang: str) -> str:
    text = item.get("beschrijving", "")
    if isinstance(text, dict):
        text = text.get(lang) or text.get("nl") or ""
    return " ".join(str(text).split())


@main.command()
@LANG_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def demo(lang: str, as_json: bool) -> None:
    """Decide the example flows that ship with the rules, and explain each."""
    items = load_examples(bundled_specs() / EXAMPLES_FILE)
    book = _rulebook(None)
    results = [(item, book.decide(flow_from_json(item["flow"]), lang)) for item in items]
    if as_json:
        out = [
            {
                "naam": item.get("naam"),
                "thema": item.get("thema"),
                "sectie": item.get("sectie"),
                "beschrijving": _beschrijving(item, lang),
                "flow": item["flow"],
                "decision": decision.to_json(),
            }
            for item, decision in results
        ]
        click.echo(_dump(out))
        return
    blocks = []
    for i, (item, decision) in enumerate(results, 1):
        head = f"== {i}. {item.get('naam', '')} =="
        meta = [f"thema: {item.get('thema', '')}"]
        if item.get("sectie"):
            meta.append(f"sectie: {item['sectie']}")
        flow = json.dumps(item["flow"], ensure_ascii=False, separators=(",", ":"))
        blocks.append(
            "\n".join(
                [
                    head,
                    *meta,
                    _beschrijving(item, lang),
                    f"flow: {flow}",
                    render_decision(decision, lang),
                ]
            )
        )
    click.echo("\n\n".join(blocks))


register_verification(main)
