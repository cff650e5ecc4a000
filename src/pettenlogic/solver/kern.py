"""Why a rule cannot take effect: a minimal unsat core that names the rules.

The rule semantics (applies → effective → active, see the semantics page) is
asserted one rule at a time, each under its own name, with the facts of a flow
and the demand that one rule takes effect. When that is unsatisfiable, Z3's
(minimised) unsat core names the rules and facts that together rule it out: the
explanation of, e.g., why a local duty to report fraud never binds a jeugdhulp
professional under statutory secrecy. Rules left out of the core are free, so
the core is a sufficient reason for *every* flow with the listed facts.
"""

from __future__ import annotations

from typing import Any

import attrs
import z3

from ..model.fields import flow_fields
from ..rules.spec import Specs, exception_structure
from .compiler import Compiled
from .guard import serialized
from .sorts import FlowVars

RULE = "regel "
FACT = "feit "
DEMAND = "eis "


@attrs.frozen
class Kern:
    """The named parts of an unsat core: the demand, the rules that set the demanded
    rule aside (a higher layer, opposite polarity), the other rules the core needs
    (exceptions shown not to apply, the rule's own condition) and the flow facts."""

    eis: str
    opzij: tuple[str, ...]
    overig: tuple[str, ...]
    feiten: tuple[str, ...]

    @property
    def regels(self) -> tuple[str, ...]:
        return (*self.opzij, *self.overig)

    def to_list(self) -> list[str]:
        return [
            f"{DEMAND}{self.eis} neemt effect",
            *(f"{RULE}{r} zet haar opzij" for r in self.opzij),
            *(f"{RULE}{r} (nodig in de kern)" for r in self.overig),
            *(f"{FACT}{f}" for f in self.feiten),
        ]


def _facts(fv: FlowVars, c: Compiled, flow: dict[str, Any]) -> list[tuple[str, z3.BoolRef]]:
    """One named equation per leaf field of a flow JSON (absent keys: their default)."""
    out = []
    for path, spec in flow_fields().items():
        node: Any = flow
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        value = spec.default if node is None and spec.kind != "tribool" else node
        value = getattr(value, "value", value)
        if spec.kind == "int":
            continue  # age: left free (no rule of the core should need it)
        out.append((f"{path} == {value!r}", c.ec.equals(path, value)))
    return out


@serialized
def set_aside_core(specs: Specs, rule_id: str, flow: dict[str, Any]) -> Kern | None:
    """Why ``rule_id`` is not active on ``flow`` (a full flow JSON); None if it is.

    The law is asked first: when the ``wet`` rules alone set the rule aside, the core
    names only those (the other rules are then left free, so they cannot matter);
    otherwise every rule takes part.
    """
    target = specs.regel(rule_id)
    wet_only = {r.id for r in specs.regels if r.laag.value == "wet"} | {rule_id}
    if target.laag.value != "wet":
        found = _core(specs, rule_id, flow, wet_only)
        if found is not None:
            return found
    return _core(specs, rule_id, flow, {r.id for r in specs.regels})


def _core(specs: Specs, rule_id: str, flow: dict[str, Any], tracked: set[str]) -> Kern | None:
    fv = FlowVars("kern.")
    c = Compiled(specs, fv)
    rules = specs.regels
    eff = {r.id: z3.Bool(f"eff:{r.id}") for r in rules}
    act = {r.id: z3.Bool(f"act:{r.id}") for r in rules}
    exceptors, _order = exception_structure(rules)
    s = z3.Solver()
    s.set("core.minimize", True)
    s.add(*fv.well_formed())
    for r in rules:
        if r.id not in tracked:
            continue  # left free: its effect may be anything
        beaters = [eff[x.id] for x in exceptors[r.id] if x.rang >= r.rang]
        higher = [eff[o.id] for o in rules if o.rang > r.rang and o.permissief != r.permissief]
        s.assert_and_track(
            z3.And(
                eff[r.id] == z3.And(c.applies[r.id], z3.Not(z3.Or(beaters))),
                act[r.id] == z3.And(eff[r.id], z3.Not(z3.Or(higher))),
            ),
            RULE + r.id,
        )
    for label, term in _facts(fv, c, flow):
        s.assert_and_track(term, FACT + label)
    s.assert_and_track(act[rule_id], DEMAND + rule_id)
    if s.check() != z3.unsat:
        return None
    names = sorted(str(x) for x in s.unsat_core())
    target = specs.regel(rule_id)
    in_core = [n[len(RULE) :] for n in names if n.startswith(RULE)]
    setting_aside = {
        r.id for r in rules if r.rang > target.rang and r.permissief != target.permissief
    }
    return Kern(
        rule_id,
        tuple(r for r in in_core if r in setting_aside),
        tuple(r for r in in_core if r not in setting_aside),
        tuple(n[len(FACT) :] for n in names if n.startswith(FACT)),
    )
