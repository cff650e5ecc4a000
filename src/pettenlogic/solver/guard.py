"""Thread safety for Z3: one lock around every use of its (single, global) context.

Z3's context is not safe to use from several threads at once (8 threads deciding
with ``engine="z3"`` on one rulebook crashed the process). Every entry point of
this package takes :data:`Z3_LOCK`, so callers may share a rulebook between
threads; Z3 work is then serialised, while the Python evaluator runs freely.
Reference-count decrements may still come from any thread (the garbage
collector frees Z3 objects wherever it runs), so Z3's own guard for those is
switched on too. For parallel Z3 work use processes (see the security page).
"""

from __future__ import annotations

import functools
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import z3

Z3_LOCK = threading.RLock()

z3.Z3_enable_concurrent_dec_ref(z3.main_ctx().ref())

P = ParamSpec("P")
R = TypeVar("R")


def serialized(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` holding :data:`Z3_LOCK` (re-entrant, so entry points may nest)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with Z3_LOCK:
            return fn(*args, **kwargs)

    return run


def can_fork() -> bool:
    """Whether worker processes can be forked (each gets its own copy of Z3's context,
    and of everything compiled before the fork)."""
    return "fork" in multiprocessing.get_all_start_methods()


#: the function the forked workers of :func:`fork_map` run (set only while a pool runs)
_IN_FORK: Callable[[Any], Any] | None = None


def _run_in_fork(task: Any) -> Any:
    assert _IN_FORK is not None
    return _IN_FORK(task)


def fork_map(fn: Callable[[Any], R], tasks: list[Any], workers: int) -> list[R]:
    """``fn`` over ``tasks`` in ``workers`` forked processes, results in task order,
    tasks handed out one at a time as processes come free. ``fn`` and what it reads
    are inherited by the fork, never pickled; only tasks and results are."""
    global _IN_FORK
    _IN_FORK = fn
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_run_in_fork, tasks, chunksize=1)
    finally:
        _IN_FORK = None
