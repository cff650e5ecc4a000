"""Deciding streams of flows (JSON Lines) in flat memory, in one or more processes.

A line holds one flow, or ``{"id": ..., "flow": {...}}`` to carry the caller's
own id through. Each input line gives one output record, in input order:
``{"regel": N, "beslissing": {...}}`` (plus ``"id"`` when given) for a decided
flow, or a :class:`LineError` for a line that is not a valid flow. Nothing is
held beyond a bounded window of batches, so memory does not grow with the input.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import attrs
import orjson

from ..decision import Decision
from ..model.convert import InvalidInput
from ..model.intake import parse_json, show
from ..rulebook import Rulebook

#: longest input line, in bytes (a flow is about 300)
MAX_LINE_BYTES = 1 << 20
#: lines sent to a worker process at a time
BATCH_LINES = 2_000
#: batches in flight per worker (bounds memory with several workers)
WINDOW_PER_WORKER = 2
ENVELOPE_KEYS = frozenset({"id", "flow"})


@attrs.frozen
class LineError:
    """A line that could not be decided, with its problems as text."""

    regel: int
    problems: tuple[str, ...]


Record = tuple[int, str | LineError]
"""(line number, the output line as JSON text, or the line's error)"""


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, raw line) for every non-blank line; ``None`` for a line longer
    than :data:`MAX_LINE_BYTES`, which is skipped without being kept in memory."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:  # drop the rest of the overlong line
                rest = stream.readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        if raw.strip():
            yield number, raw


def decide_line(
    book: Rulebook,
    number: int,
    raw: bytes | None,
    lang: str,
    engine: str,
    peildatum: str | None = None,
) -> str | LineError:
    """One input line to its output JSON text, or its error."""
    if raw is None:
        return LineError(number, (f"line longer than {MAX_LINE_BYTES} bytes",))
    if engine == "compiled" and peildatum is None:
        quick = _quick_line(book, number, raw, lang)
        if quick is not None:
            return quick
    try:
        data = parse_json(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return LineError(number, (f"not UTF-8 text (byte {exc.start})",))
    except RecursionError:
        return LineError(number, ("JSON nested too deeply (a flow is 4 levels deep)",))
    except ValueError as exc:
        return LineError(number, (f"invalid JSON: {show(str(exc), 200)}",))
    ident: str | int | None = None
    if isinstance(data, dict) and "flow" in data and set(data) <= ENVELOPE_KEYS:
        if "id" in data:
            if not isinstance(data["id"], str | int) or isinstance(data["id"], bool):
                problem = f"id: must be a string or an integer, got {show(data['id'])}"
                return LineError(number, (problem,))
            ident = data["id"]
        data = data["flow"]
    try:
        decision = book.decide(data, lang, engine=engine, peildatum=peildatum)
    except InvalidInput as exc:
        return LineError(number, tuple(str(p) for p in exc.problems))
    return _record(number, ident, decision)


def _record(number: int, ident: str | int | None, decision: Decision) -> str:
    """The output line: the same text json.dumps gives for {"regel", "id",
    "beslissing"}, with the decision's part written once per (shared) decision."""
    head = f'{{"regel": {number}, '
    if ident is not None:
        head += f'"id": {json.dumps(ident, ensure_ascii=False)}, '
    return f'{head}"beslissing": {decision_text(decision)}}}'


def _quick_line(book: Rulebook, number: int, raw: bytes, lang: str) -> str | None:
    """The output of a line of a valid flow, read with orjson; ``None`` sends the line
    the strict way (which words every error).

    orjson keeps the last of duplicate keys, where the strict reader refuses them. Every
    key in JSON text is followed by one colon, and other colons can only stand inside
    strings; so when the objects read hold as many members as the line has colons, no
    key was given twice. (A line with a colon inside a string goes the strict way.)
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict:
        return None
    keys = raw.count(b":")
    ident = None
    if "flow" in data and data.keys() <= ENVELOPE_KEYS:
        if "id" in data:
            ident = data["id"]
            if type(ident) is not str and type(ident) is not int:
                return None
        keys -= len(data)
        data = data["flow"]
        if type(data) is not dict:
            return None
    decision = book.fast.decide_dict(data, lang, members=keys)
    return None if decision is None else _record(number, ident, decision)


#: decision JSON texts kept (about 4.5 KB each, with the citations), with the decision
#: so its id is not reused meanwhile; most lines share a few decisions
MAX_TEXTS = 5_000
_texts: dict[int, tuple[Decision, str]] = {}


def decision_text(decision: Decision) -> str:
    """The decision's JSON text; the compiled path shares decisions between flows, so
    most lines reuse a text already written."""
    hit = _texts.get(id(decision))
    if hit is not None:
        return hit[1]
    text = json.dumps(decision.to_dict(), ensure_ascii=False)
    if len(_texts) >= MAX_TEXTS:
        _texts.clear()
    _texts[id(decision)] = (decision, text)
    return text


def _decide_batch(
    book: Rulebook,
    batch: list[tuple[int, bytes | None]],
    lang: str,
    engine: str,
    peildatum: str | None = None,
) -> list[Record]:
    return [(n, decide_line(book, n, raw, lang, engine, peildatum)) for n, raw in batch]


Line = tuple[int, bytes | None]


@attrs.frozen
class Block:
    """Output lines of consecutive decided input lines, joined (one write, and little
    to send back from a worker process)."""

    text: str
    count: int


def _decide_blocks(
    book: Rulebook,
    batch: list[Line],
    lang: str,
    engine: str,
    peildatum: str | None = None,
) -> list[Block | LineError]:
    out: list[Block | LineError] = []
    done: list[str] = []
    for number, raw in batch:
        result = decide_line(book, number, raw, lang, engine, peildatum)
        if isinstance(result, LineError):
            if done:
                out.append(Block("".join(done), len(done)))
                done = []
            out.append(result)
        else:
            done.append(result + "\n")
    if done:
        out.append(Block("".join(done), len(done)))
    return out


def _batches(lines: Iterable[Line]) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for item in lines:
        batch.append(item)
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


# -- worker processes ------------------------------------------------------------------

_worker_book: Rulebook | None = None


def _init_worker(book: Rulebook) -> None:
    global _worker_book
    _worker_book = book


Options = tuple[str, str, str | None]  # lang, engine, peildatum
BatchFn = Callable[..., list[Any]]


def _work(args: tuple[BatchFn, list[Line], Options]) -> list[Any]:
    decide, batch, options = args
    assert _worker_book is not None, "worker started without a rulebook"
    return decide(_worker_book, batch, *options)


def _in_order(
    book: Rulebook, lines: Iterable[Line], workers: int, decide: BatchFn, options: Options
) -> Iterator[Any]:
    """``decide`` (a module-level batch function) over every batch, results in input order.

    With more than one worker, at most ``WINDOW_PER_WORKER`` batches per worker
    are in flight, so a fast reader never fills memory ahead of slow workers.
    """
    if workers <= 1:
        for batch in _batches(lines):
            yield from decide(book, batch, *options)
        return
    context = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
    window: deque[Any] = deque()
    with context.Pool(workers, initializer=_init_worker, initargs=(book,)) as pool:
        for batch in _batches(lines):
            window.append(pool.apply_async(_work, ((decide, batch, options),)))
            if len(window) >= workers * WINDOW_PER_WORKER:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()


def decide_blocks(
    book: Rulebook,
    lines: Iterable[Line],
    lang: str = "nl",
    engine: str = "evaluator",
    workers: int = 1,
    peildatum: str | None = None,
) -> Iterator[Block | LineError]:
    """The output of every line, in input order, as blocks of decided lines and the
    errors between them (what the command line writes)."""
    return _in_order(book, lines, workers, _decide_blocks, (lang, engine, peildatum))


def decide_stream(
    book: Rulebook,
    lines: Iterable[Line],
    lang: str = "nl",
    engine: str = "evaluator",
    workers: int = 1,
    peildatum: str | None = None,
) -> Iterator[Record]:
    """Every line's record, in input order, from ``workers`` processes."""
    return _in_order(book, lines, workers, _decide_batch, (lang, engine, peildatum))
