"""The Boolean junctions the Z3 compiler builds straight from terms (``conj``, ``disj``)
mean what ``z3.And`` and ``z3.Or`` mean, on every shape of argument list."""

from __future__ import annotations

from typing import Any

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from pettenlogic.solver.compiler import conj, disj

VARS = [z3.Bool(f"t{i}") for i in range(4)]
TERMS = st.sampled_from([*VARS, z3.Not(VARS[0]), z3.BoolVal(True), z3.BoolVal(False), True])


def _equivalent(a: z3.BoolRef, b: z3.BoolRef) -> bool:
    s = z3.Solver()
    s.add(a != b)
    return bool(s.check() == z3.unsat)


@settings(max_examples=300, deadline=None)
@given(terms=st.lists(TERMS, max_size=5), as_list=st.booleans())
def test_junctions_mean_and_and_or(terms: list[Any], as_list: bool) -> None:
    for ours, theirs in ((conj, z3.And), (disj, z3.Or)):
        got = ours(terms) if as_list else ours(*terms)
        want = theirs(terms) if terms or as_list else theirs([])
        assert _equivalent(got, want), (ours.__name__, terms)


def test_a_wrong_junction_is_caught() -> None:
    """The equivalence check has teeth: conj is not z3.Or."""
    assert not _equivalent(conj(VARS[:2]), z3.Or(VARS[:2]))
