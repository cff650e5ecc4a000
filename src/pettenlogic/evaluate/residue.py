"""Partial evaluation of the rule conditions for known field values.

With ``van.taak``, ``naar.taak`` and ``gegevens.categorie`` fixed, most of a
rule set's conditions collapse to ``True`` or ``False``; what is left (the
residue) reads only a few other fields. Those fields are all a decision can
depend on for that combination, so decisions may be shared between flows that
agree on them. This module computes that field set from the rule AST itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..rules.expr import And, Cmp, Const, Expr, Flag, In, Not, Or, Ref, Same
from ..rules.spec import Specs

NOODZAKELIJK = "omstandigheden.noodzakelijk"
_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

TRUE, FALSE = Const(True), Const(False)


class Residue:
    """Specialises expressions for one assignment of known fields."""

    def __init__(self, definitions: Mapping[str, Expr], known: Mapping[str, Any]) -> None:
        self.definitions = definitions
        self.known = known
        self.memo: dict[str, Expr] = {}

    def of(self, e: Expr) -> Expr:
        """The expression with every known field replaced and simplified."""
        if isinstance(e, Cmp):
            if e.field not in self.known:
                return e
            value = self.known[e.field]
            if e.op == "==":
                return Const(value == e.value)
            if e.op == "!=":
                return Const(value != e.value)
            return Const(value is not None and _ORDER[e.op](value, e.value))
        if isinstance(e, In):
            if e.field not in self.known:
                return e
            return Const((self.known[e.field] in e.values) != e.negated)
        if isinstance(e, Same):
            left, right = e.left in self.known, e.right in self.known
            if left and right:
                equal = self.known[e.left] == self.known[e.right]
                return Const(equal != e.negated)
            if left or right:
                # one side known: a comparison of the other side with that value, so
                # that a later stage which knows only the other side can still decide it
                field, value = (
                    (e.right, self.known[e.left]) if left else (e.left, self.known[e.right])
                )
                return Cmp(field, "!=" if e.negated else "==", value)
            return e
        if isinstance(e, Flag):
            return Const(self.known[e.field] is True) if e.field in self.known else e
        if isinstance(e, Ref):
            if e.name not in self.memo:
                self.memo[e.name] = self.of(self.definitions[e.name])
            return self.memo[e.name]
        if isinstance(e, Const):
            return e
        if isinstance(e, Not):
            inner = self.of(e.operand)
            return Const(not inner.value) if isinstance(inner, Const) else Not(inner)
        assert isinstance(e, And | Or)
        absorbing = isinstance(e, Or)  # True absorbs an or, False an and
        parts: list[Expr] = []
        for item in e.operands:
            r = self.of(item)
            if isinstance(r, Const):
                if r.value is absorbing:
                    return Const(absorbing)
                continue
            parts.append(r)
        if not parts:
            return Const(not absorbing)
        if len(parts) == 1:
            return parts[0]
        return Or(tuple(parts)) if absorbing else And(tuple(parts))


def fields_read(exprs: Iterable[Expr]) -> set[str]:
    """Every field path a set of (residual, definition-free) expressions reads."""
    out: set[str] = set()
    todo = list(exprs)
    while todo:
        e = todo.pop()
        if isinstance(e, Cmp | In | Flag):
            out.add(e.field)
        elif isinstance(e, Same):
            out.update((e.left, e.right))
        elif isinstance(e, Not):
            todo.append(e.operand)
        elif isinstance(e, And | Or):
            todo.extend(e.operands)
        else:
            assert not isinstance(e, Ref), "residues have their definitions inlined"
    return out


def residues(
    specs: Specs, known: Mapping[str, Any], dag: str | None = None
) -> tuple[list[Expr], bool]:
    """Every condition the evaluator consults on its way to a decision, specialised
    for ``known``; and whether necessity (``noodzakelijk``) can matter.

    Covers rule conditions (and necessity, for rules that rest on it), conditional
    duties and open conditions, aanvullingen, toekenningen, limits (grenzen) and
    the ``beroepsgeheim`` definition that the decision reports. Given the truth of
    these and the necessity judgement, the decision is fixed. With ``dag``, rules and
    limits that do not hold on that day are left out (they cannot apply); without
    it, every version counts.
    """
    residue = Residue({d.naam: d.als for d in specs.definities}, known)
    exprs: list[Expr] = []
    needs_necessity = False
    for r in specs.regels:
        # limits are read for every rule
        exprs.extend(residue.of(g.als) for g in r.grenzen if dag is None or g.geldt_op(dag))
        if dag is not None and not r.geldt_op(dag):
            continue
        cond = residue.of(r.als)
        if cond == FALSE:
            continue  # the rule cannot apply: nothing it attaches matters either
        exprs.append(cond)
        needs_necessity = needs_necessity or r.noodzaak
        exprs.extend(residue.of(g.als) for g in (*r.plichten, *r.voorwaarden))
    for a in specs.aanvullingen:
        exprs.append(residue.of(a.als))
        exprs.extend(residue.of(g.als) for g in (*a.plichten, *a.voorwaarden))
    exprs.extend(residue.of(t.als) for t in specs.toekenningen)
    exprs.append(residue.of(Ref("beroepsgeheim")))
    return exprs, needs_necessity


def decision_fields(
    specs: Specs, known: Mapping[str, Any], dag: str | None = None
) -> tuple[str, ...]:
    """The fields besides ``known`` that a decision can depend on, sorted (on ``dag``;
    without it, on any day)."""
    exprs, needs_necessity = residues(specs, known, dag)
    fields = fields_read(exprs) - set(known)
    if needs_necessity:
        fields.add(NOODZAKELIJK)
    return tuple(sorted(fields))
