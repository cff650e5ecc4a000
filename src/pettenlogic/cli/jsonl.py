"""Deciding streams of flows (JSON Lines) in flat memory, in one or more processes.

A line holds one flow, or ``{"id": ..., "flow": {...}}`` to carry the caller's
own id through. Each input line gives one output record, in input order:
``{"regel": N, "beslissing": {...}}`` (plus ``"id"`` when given) for a decided
flow, or a :class:`LineError` for a line that is not a valid flow. Nothing is
held beyond a bounded window of batches, so memory does not grow with the input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO

from ..decision import Decision, kept_json
from ..evaluate.typed import typed_reader
from ..model.convert import InvalidInput
from ..model.intake import parse_json, show
from ..rulebook import Rulebook
from .parallel import Block, LineError, Written, in_order, write_in_turn

#: longest input line, in bytes (a flow is about 300)
MAX_LINE_BYTES = 1 << 20
#: lines sent to a worker process at a time
BATCH_LINES = 2_000
ENVELOPE_KEYS = frozenset({"id", "flow"})


Line = tuple[int, bytes | None]
"""(line number, the raw line with its newline; or ``None`` for an overlong line)"""

Record = tuple[int, str | LineError]
"""(line number, the output line as JSON text, or the line's error)"""


def read_lines(stream: IO[bytes], longest: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """(line number, raw line) for every non-blank line; ``None`` for a line longer
    than ``longest`` bytes (newline not counted), skipped without being kept in memory."""
    number = 0
    while True:
        raw = stream.readline(longest + 1)
        if not raw:
            return
        number += 1
        if len(raw) > longest and not raw.endswith(b"\n"):
            while True:  # drop the rest of the overlong line
                rest = stream.readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        if raw.strip():
            yield number, raw


#: bytes of input read at a time and sent to a worker as one chunk (whole lines)
CHUNK_BYTES = 1 << 21

Chunk = tuple[int, bytes | None]
"""(number of its first line, whole lines of input; or ``None``: one overlong line)"""


def read_chunks(
    stream: IO[bytes], size: int = CHUNK_BYTES, longest: int = MAX_LINE_BYTES
) -> Iterator[Chunk]:
    """The input in chunks of whole lines, each with the number of its first line,
    the same lines :func:`read_lines` gives (see :func:`chunk_lines`). A line longer
    than ``longest`` bytes is a chunk of its own, ``None``, and is dropped unread.

    A chunk is about ``size`` bytes (as a batch of lines was), so a worker gets one
    ``bytes`` to split: no line-by-line work in the reading process.
    """
    read = stream.read
    number = 1  # the number of the first line of ``held``
    held = b""  # the start of a line whose end has not been read
    dropping = False  # inside an overlong line, until its newline
    while True:
        block = read(size)
        if not block:
            if held and not dropping:
                yield number, held
            return
        if dropping:
            end = block.find(b"\n")
            if end < 0:
                continue
            dropping, block = False, block[end + 1 :]
            number += 1
        data = held + block if held else block
        cut = data.rfind(b"\n") + 1
        if cut:
            yield number, data[:cut]
            number += data.count(b"\n", 0, cut)
            data = data[cut:]
        if len(data) > longest:  # a line without its end yet, already too long
            yield number, None
            dropping, data = True, b""
        held = data


def chunk_lines(chunk: Chunk, longest: int = MAX_LINE_BYTES) -> list[Line]:
    """The (line number, raw line) of a chunk, as :func:`read_lines` gives them: blank
    lines skipped, an overlong line ``None``, each line with its newline."""
    first, data = chunk
    if data is None:
        return [(first, None)]
    parts = data.split(b"\n")
    end = len(parts) - 1  # after the final newline: empty, or a last line without one
    out: list[Line] = []
    for i, part in enumerate(parts):
        if len(part) > longest:
            out.append((first + i, None))
        elif part.strip():
            out.append((first + i, part + b"\n" if i < end else part))
    return out


def decide_line(
    book: Rulebook,
    number: int,
    raw: bytes | None,
    lang: str,
    engine: str,
    peildatum: str | None = None,
) -> bytes | LineError:
    """One input line to its output line (UTF-8, without the newline), or its error."""
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
            if isinstance(ident, str) and not _writable(ident):
                problem = "id: holds a lone surrogate (a \\ud800 to \\udfff escape), not text"
                return LineError(number, (problem,))
        data = data["flow"]
    try:
        decision = book.decide(data, lang, engine=engine, peildatum=peildatum)
    except InvalidInput as exc:
        return LineError(number, tuple(str(p) for p in exc.problems))
    return _record(number, ident, decision)


def _writable(text: str) -> bool:
    """Whether text can be written as UTF-8 (JSON lets a string escape half of a
    surrogate pair; such a string is no text and cannot be written back)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _record(number: int, ident: str | int | None, decision: Decision) -> bytes:
    """The output line: the same text json.dumps gives for {"regel", "id",
    "beslissing"}, with the decision's part written once per (shared) decision."""
    head = b'{"regel": %d, ' % number
    if ident is not None:
        head += b'"id": %s, ' % json.dumps(ident, ensure_ascii=False).encode("utf-8")
    return b'%s"beslissing": %s}' % (head, kept_json(decision))


def _quick_line(book: Rulebook, number: int, raw: bytes, lang: str) -> bytes | None:
    """The output of a line of a valid flow, read by the typed reader (:mod:`.typed`,
    which only accepts); ``None`` sends the line the strict way, which words every
    error. A line that held a bare flow decided before (the same bytes: the same
    JSON document) gets its decision without being read again."""
    fast = book.fast
    known = fast.recall(raw, lang)
    if known is not None:
        return _record(number, None, known)
    reader = typed_reader()
    vals = reader.read(raw)
    if vals is not None:
        return _record(number, None, fast.decide_values(vals, lang, text=raw))
    found = reader.read_envelope(raw)
    if found is None:
        return None
    ident, vals = found
    return _record(number, ident, fast.decide_values(vals, lang))


def _decide_batch(
    book: Rulebook,
    batch: list[tuple[int, bytes | None]],
    lang: str,
    engine: str,
    peildatum: str | None = None,
) -> list[Record]:
    out: list[Record] = []
    for n, raw in batch:
        result = decide_line(book, n, raw, lang, engine, peildatum)
        out.append((n, result if isinstance(result, LineError) else result.decode("utf-8")))
    return out


def _decide_blocks(
    book: Rulebook,
    batch: list[Line],
    lang: str,
    engine: str,
    peildatum: str | None = None,
) -> list[Block | LineError]:
    out: list[Block | LineError] = []
    done: list[bytes] = []
    for number, raw in batch:
        result = decide_line(book, number, raw, lang, engine, peildatum)
        if isinstance(result, LineError):
            if done:
                out.append(Block(b"\n".join(done) + b"\n", len(done)))
                done = []
            out.append(result)
        else:
            done.append(result)
    if done:
        out.append(Block(b"\n".join(done) + b"\n", len(done)))
    return out


def _decide_chunk(
    book: Rulebook,
    chunk: Chunk,
    lang: str,
    engine: str,
    peildatum: str | None = None,
) -> list[Block | LineError]:
    return _decide_blocks(book, chunk_lines(chunk), lang, engine, peildatum)


def _batches(lines: Iterable[Line]) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for item in lines:
        batch.append(item)
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


def decide_chunks(
    book: Rulebook,
    chunks: Iterable[Chunk],
    lang: str = "nl",
    engine: str = "evaluator",
    workers: int = 1,
    peildatum: str | None = None,
) -> Iterator[Block | LineError]:
    """The output of every line of input read by :func:`read_chunks`, in input order,
    as blocks of decided lines and the errors between them (a worker splits its
    chunk into lines itself)."""
    options = (lang, engine, peildatum)
    return in_order(book, chunks, workers, _decide_chunk, options)


def write_chunks(
    book: Rulebook,
    chunks: Iterable[Chunk],
    fd: int,
    lang: str = "nl",
    engine: str = "evaluator",
    workers: int = 2,
    peildatum: str | None = None,
    stop_at_error: bool = False,
) -> Iterator[Written | LineError]:
    """:func:`decide_chunks` with the decided lines written to the file descriptor
    ``fd`` by the worker processes themselves, in input order (what the command line
    does with several workers): output never passes through the reading process.
    Yields, per chunk, the lines written and the errors between them. With
    ``stop_at_error``, nothing is written after the first invalid line."""
    options = (lang, engine, peildatum)
    return write_in_turn(book, chunks, workers, _decide_chunk, options, fd, stop_at_error)


def decide_stream(
    book: Rulebook,
    lines: Iterable[Line],
    lang: str = "nl",
    engine: str = "evaluator",
    workers: int = 1,
    peildatum: str | None = None,
) -> Iterator[Record]:
    """Every line's record, in input order, from ``workers`` processes."""
    options = (lang, engine, peildatum)
    return in_order(book, _batches(lines), workers, _decide_batch, options)
