"""Which rules a property speaks about: the rules that can decide some well-formed
flow inside the property's scope (its ``voor``).

A change to such a rule can change the property's outcome; a rule outside the
scope cannot. The set is computed exactly with Z3 by enumerating models: each
model of ``well-formed and voor and (some rule not yet found decides)`` adds the
rules that decide in it, until no further rule can. That takes about as many
solver calls as there are rules in scope, not one per (property, rule) pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import z3

from .guard import serialized
from .properties import Eigenschap
from .prove import PropertyCompiler, Prover


@attrs.frozen
class Scope:
    """The rules in one property's scope; ``complete`` is false when the solver's time
    limit stopped the enumeration (``regels`` is then a lower bound)."""

    regels: frozenset[str]
    complete: bool


@serialized
def rules_in_scope(prover: Prover, props: Sequence[Eigenschap]) -> dict[str, Scope]:
    """For each property name, the ids of the rules that can decide a flow in its scope
    (for a property over two flows: on either side)."""
    out: dict[str, Scope] = {}
    for prop in props:
        if prop.paar:
            fvs, sides = prover.pair()
            base = [*fvs["a"].well_formed(), *fvs["b"].well_formed()]
        else:
            fv, single = prover.single()
            sides = {"a": single}
            base = list(fv.well_formed())
        solver = z3.Solver()
        solver.set("timeout", prover.timeout_ms)
        solver.add(*base, PropertyCompiler(sides).compile(prop.voor))
        found: set[str] = set()
        complete = True
        while True:
            rest = [(c, r.id) for c in sides.values() for r in c.rules if r.id not in found]
            if not rest:
                break
            result = solver.check(z3.Or([c.deciding[rid] for c, rid in rest]))
            if result != z3.sat:
                complete = result == z3.unsat
                break
            model = solver.model()
            found.update(
                rid
                for c, rid in rest
                if z3.is_true(model.eval(c.deciding[rid], model_completion=True))
            )
        out[prop.naam] = Scope(frozenset(found), complete)
    return out
