"""``pettenlogic decide``: one flow, an array, or a JSON Lines stream.

Exit codes: 0 decided, 2 invalid input or invalid specs (message on stderr)."""

from __future__ import annotations

import gc
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ..rulebook import ENGINES, Rulebook
from .common import (
    EXIT_INVALID,
    GEMEENTE_OPTION,
    LANG_OPTION,
    PEILDATUM_OPTION,
    RULES_OPTION,
    dump_json,
    fail,
    open_gemeente_rulebook,
    open_rulebook,
)
from .reading import MAX_ERROR_LINES, MAX_FLOWS, MAX_INPUT_MIB, flows_from, read_json
from .text import render_decision


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the decision JSON of the contract.")
@LANG_OPTION
@RULES_OPTION
@GEMEENTE_OPTION
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
@PEILDATUM_OPTION
@click.argument("source", metavar="INPUT")
def decide(
    as_json: bool,
    lang: str,
    rules: str | None,
    gemeente: str | None,
    engine: str,
    max_input: int,
    max_flows: int,
    jsonl: bool,
    on_error: str,
    workers: int,
    peildatum: str | None,
    source: str,
) -> None:
    """Decide the flow(s) in INPUT (a JSON file, or - for stdin).

    A JSON object gives one decision, an array gives an array of decisions in
    the same order. Every flow is validated before any is decided; decisions
    are written as they are made, so memory does not grow with the output.

    With --jsonl, INPUT holds one flow per line (or {"id": ..., "flow": {...}})
    and each line gives one record {"regel": N, "beslissing": {...}} in input
    order, in flat memory; invalid lines are reported on stderr.

    With --gemeente, each decision also says which local choices bore on it.
    """
    book = open_gemeente_rulebook(gemeente, rules) if gemeente else None
    if jsonl:
        _decide_jsonl(
            source, book or open_rulebook(rules), lang, engine, on_error, workers, peildatum
        )
        return
    if workers != 1 or on_error != "fail":
        fail("--workers and --on-error apply only with --jsonl")
    shown = "<stdin>" if source == "-" else source
    flows, many = flows_from(read_json(source, max_input << 20), shown, max_flows)
    book = book or open_rulebook(rules)
    decisions = (book.decide(f, lang, engine=engine, peildatum=peildatum) for f in flows)
    if as_json:
        if not many:
            click.echo(dump_json(next(decisions).to_dict()))
            return
        # the same text as one json.dumps(list, indent=2), written item by item
        click.echo("[" if flows else "[]")
        for i, d in enumerate(decisions):
            item = textwrap.indent(dump_json(d.to_dict()), "  ")
            click.echo(item + ("," if i < len(flows) - 1 else ""))
        if flows:
            click.echo("]")
        return
    for i, d in enumerate(decisions):
        block = render_decision(d, lang)
        if many:
            block = f"== [{i}] ==\n{block}"
        click.echo(("\n" if i else "") + block)


def _fileno(stream: Any) -> int | None:
    """The file descriptor beneath a stream, when there is one (not under a test
    runner's captured output)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


def _drop_stdout() -> None:
    """Point standard output at the null device, so that the flush at exit does not
    fail on the closed pipe again."""
    fd = _fileno(sys.stdout)
    if fd is None:
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def _decide_jsonl(
    source: str,
    book: Rulebook,
    lang: str,
    engine: str,
    on_error: str,
    workers: int,
    peildatum: str | None = None,
) -> None:
    """Stream decisions of a JSON Lines input; exit 2 if any line was invalid."""
    from .jsonl import Block, LineError, Written, decide_chunks, read_chunks, write_chunks
    from .progress import Progress

    try:
        stream = sys.stdin.buffer if source == "-" else Path(source).open("rb")  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")
    shown = "<stdin>" if source == "-" else source
    progress = Progress.for_stream(stream, sys.stderr)
    # the loaded rulebook lives as long as this command: keep the garbage collector's
    # full passes (and forked workers' copies) from walking it again and again
    gc.freeze()
    invalid = decided = 0
    sys.stdout.flush()  # the decisions go to the byte stream beneath it (flushed too)
    out = sys.stdout.buffer
    fd = _fileno(out) if workers > 1 else None
    chunks = read_chunks(stream)
    results: Iterator[Block | Written | LineError]
    if fd is None:
        results = decide_chunks(book, chunks, lang, engine, workers, peildatum)
    else:  # the workers write the decisions themselves, in turn
        stop = on_error == "fail"
        results = write_chunks(book, chunks, fd, lang, engine, workers, peildatum, stop)
    try:
        for result in results:
            if isinstance(result, LineError):
                invalid += 1
                if invalid <= MAX_ERROR_LINES:
                    progress.clear()
                    for problem in result.problems[:3]:
                        click.echo(f"pettenlogic: {shown}:{result.regel}: {problem}", err=True)
                progress.tick()
                if on_error == "fail":
                    break
            else:
                if not isinstance(result, Written):
                    out.write(result.data)
                decided += result.count
                progress.tick(result.count)
    except BrokenPipeError:  # only writing raises it: the reader of the output left
        _drop_stdout()
        fail("cannot write the decisions: the output was closed (broken pipe)")
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
