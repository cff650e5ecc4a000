"""Deciding batches of lines in worker processes, with the output in input order.

Two ways back from the workers:

- :func:`in_order`: each batch's results return to the reading process, which
  yields them in input order (what the library functions give).
- :func:`write_in_turn`: each worker writes its batch's output lines to the output
  file descriptor itself, when its turn comes (batch *k* writes after batch *k - 1*),
  and returns only what the reading process needs to report: the number of lines
  written and the errors. A decision is one to five kilobytes of JSON, so a million
  flows are gigabytes of output; sent back through a pipe, pickled and written again
  by one process, they cost more than deciding them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..rulebook import Rulebook

#: batches in flight per worker (bounds memory with several workers)
WINDOW_PER_WORKER = 2


@attrs.frozen
class LineError:
    """A line that could not be decided, with its problems as text."""

    regel: int
    problems: tuple[str, ...]


@attrs.frozen
class Block:
    """Output lines of consecutive decided input lines, joined in UTF-8 (one write)."""

    data: bytes
    count: int


@attrs.frozen
class Written:
    """Output lines a worker wrote itself (see :func:`write_in_turn`)."""

    count: int


Options = tuple[str, str, str | None]  # lang, engine, peildatum
BatchFn = Callable[..., list[Any]]


@attrs.define
class _Worker:
    """What a worker process inherits: the rulebook, and for writing in turn the
    shared number of the batch whose turn it is, the stop flag and the output."""

    book: Rulebook
    turn: Any = None  # multiprocessing.Condition guarding ``next``
    next: Any = None  # multiprocessing.Value: the index of the batch that writes next
    stopped: Any = None  # multiprocessing.Value: 1 once a batch stopped at an error
    fd: int = -1


_worker: _Worker | None = None


def _init_worker(state: _Worker) -> None:
    global _worker
    _worker = state


def _context() -> Any:
    return multiprocessing.get_context("spawn" if os.name != "posix" else "fork")


def _work(args: tuple[BatchFn, Any, Options]) -> list[Any]:
    decide, batch, options = args
    assert _worker is not None, "worker started without a rulebook"
    return decide(_worker.book, batch, *options)


def in_order(
    book: Rulebook, batches: Iterable[Any], workers: int, decide: BatchFn, options: Options
) -> Iterator[Any]:
    """``decide`` (a module-level batch function) over every batch, results in input
    order: in this process, or with more than one worker in a pool (:func:`_windowed`)."""
    if workers <= 1:
        for batch in batches:
            yield from decide(book, batch, *options)
        return
    tasks = ((decide, batch, options) for batch in batches)
    yield from _windowed(_Worker(book), workers, _work, tasks)


def _windowed(
    state: _Worker, workers: int, work: Callable[[Any], list[Any]], tasks: Iterable[Any]
) -> Iterator[Any]:
    """``work`` over every task in a pool of ``workers`` processes that inherit
    ``state``, results in task order; at most ``WINDOW_PER_WORKER`` tasks per worker
    are in flight, so a fast reader never fills memory ahead of slow workers."""
    window: deque[Any] = deque()
    with _context().Pool(workers, initializer=_init_worker, initargs=(state,)) as pool:
        for task in tasks:
            window.append(pool.apply_async(work, (task,)))
            if len(window) >= workers * WINDOW_PER_WORKER:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_turn(args: tuple[int, BatchFn, Any, Options, bool]) -> list[Written | LineError]:
    """Decide a batch, then wait for its turn and write its lines."""
    index, decide, batch, options, stop_at_error = args
    state = _worker
    assert state is not None, "worker started without a rulebook"
    results: list[Any] | None = None
    try:
        results = decide(state.book, batch, *options)
    finally:  # the turn passes on even when deciding failed, or the later batches wait
        with state.turn:
            while state.next.value != index:
                state.turn.wait()
            try:
                out = [] if results is None else _write_results(state, results, stop_at_error)
            finally:
                state.next.value = index + 1
                state.turn.notify_all()
    return out


def _write_results(
    state: _Worker, results: list[Any], stop_at_error: bool
) -> list[Written | LineError]:
    out: list[Written | LineError] = []
    if state.stopped.value:
        return out
    for result in results:
        if isinstance(result, LineError):
            out.append(result)
            if stop_at_error:
                state.stopped.value = 1
                break
        else:
            _write_all(state.fd, result.data)
            out.append(Written(result.count))
    return out


def write_in_turn(
    book: Rulebook,
    batches: Iterable[Any],
    workers: int,
    decide: BatchFn,
    options: Options,
    fd: int,
    stop_at_error: bool,
) -> Iterator[Written | LineError]:
    """``decide`` (a batch function giving :class:`Block` and :class:`LineError`) over
    every batch in ``workers`` processes, each writing its blocks to ``fd`` in batch
    order; yields what was written and the errors, in input order. With
    ``stop_at_error``, the first error ends the output (later batches write nothing)."""
    context = _context()
    turn = context.Condition()
    state = _Worker(book, turn, context.Value("q", 0, lock=False), context.Value("b", 0), fd)
    tasks = ((i, decide, batch, options, stop_at_error) for i, batch in enumerate(batches))
    yield from _windowed(state, workers, _write_turn, tasks)
