"""The second interpreter: the same rule objects compiled to Z3 terms.

:class:`Compiled` mirrors :mod:`pettenlogic.evaluate.interpreter` step by step (applies →
effective → overridden → active → verdict → deciding → duties/conditions →
aanvullingen → toekenningen), but as formulas over :class:`FlowVars`, so that a
solver can reason about *every* well-formed flow at once.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable
from functools import cached_property
from typing import Any, cast

import z3

from ..evaluate.keys import BoxIndex, KeyBoxes, meets, positions
from ..model.peildatum import dag_van, dagnummer
from ..model.vocabulary import Effect, Oordeel, Verwerkingsverantwoordelijke, Voorwaarde
from ..rules.expr import And, Cmp, Const, Expr, Flag, In, Not, Or, Ref, Same
from ..rules.spec import Bron, Regel, Specs, exception_structure
from .sorts import ABSENT, TRIBOOL, FlowVars, enum_sort, oordeel_sort, sort_for

_ORDER: dict[str, Callable[[z3.ArithRef, int], z3.BoolRef]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
#: verbod beats plicht beats grond in the verdict
_STRENGTH = {Effect.GROND: 0, Effect.PLICHT: 1, Effect.VERBOD: 2}
VERDICT_EFFECT = {
    Oordeel.VERBODEN: Effect.VERBOD,
    Oordeel.VERPLICHT: Effect.PLICHT,
    Oordeel.TOEGESTAAN: Effect.GROND,
}


def vvo_sort():
    return enum_sort(
        "Verwerkingsverantwoordelijke", tuple(v.value for v in Verwerkingsverantwoordelijke)
    )


def conj(*terms: Any) -> z3.BoolRef:
    """``z3.And`` of Boolean terms (a list or arguments), built straight from the terms:
    z3.And checks and coerces every argument in Python, which dominated compiling
    large rule sets. Anything but Boolean terms goes to z3.And."""
    return _junction(terms, z3.Z3_mk_and, z3.And, True)


def disj(*terms: Any) -> z3.BoolRef:
    """``z3.Or`` of Boolean terms, as :func:`conj`."""
    return _junction(terms, z3.Z3_mk_or, z3.Or, False)


def _junction(terms: tuple[Any, ...], make: Any, fallback: Any, empty: bool) -> z3.BoolRef:
    items = terms[0] if len(terms) == 1 and isinstance(terms[0], list | tuple) else terms
    if not all(type(t) is z3.BoolRef for t in items):
        return cast(z3.BoolRef, fallback(*items))
    if not items:
        return z3.BoolVal(empty)
    if len(items) == 1:
        return items[0]
    ctx = items[0].ctx
    args = (z3.Ast * len(items))(*[t.as_ast() for t in items])
    return z3.BoolRef(make(ctx.ref(), len(items), args), ctx)


class ExprCompiler:
    """Expression AST → Z3 Boolean over one :class:`FlowVars`."""

    def __init__(self, fv: FlowVars, definitions: dict[str, Expr]) -> None:
        self.fv = fv
        self.sources = definitions
        self.defs: dict[str, z3.BoolRef] = {}

    def definition(self, name: str) -> z3.BoolRef:
        if name not in self.defs:
            self.defs[name] = self.compile(self.sources[name])
        return self.defs[name]

    def equals(self, path: str, value: object) -> z3.BoolRef:
        spec = self.fv.fields[path]
        var = self.fv[path]
        if spec.kind == "int":
            known = self.fv.known[path]
            if value is None:
                return z3.Not(known)
            return conj(known, var == z3.IntVal(value))
        if spec.kind == "bool":
            return var == z3.BoolVal(bool(value))
        if spec.kind == "date":
            # a day number; an absent peildatum is today, as the evaluator reads it
            shown = value.isoformat() if isinstance(value, datetime.date) else value
            return var == z3.IntVal(dagnummer(dag_van(None if shown is None else str(shown))))
        es = sort_for(spec)
        assert es is not None
        if spec.kind == "tribool":
            # a tribool field only holds True, False or None (_Parser.check_value ensures it)
            return var == es.const(TRIBOOL[cast("bool | None", value)])
        return var == es.const(ABSENT if value is None else str(value))

    def compile(self, e: Expr) -> z3.BoolRef:
        if isinstance(e, Cmp):
            if e.op == "==":
                return self.equals(e.field, e.value)
            if e.op == "!=":
                return z3.Not(self.equals(e.field, e.value))
            known = self.fv.known[e.field]
            return conj(known, _ORDER[e.op](self.fv[e.field], e.value))
        if isinstance(e, In):
            member = disj([self.equals(e.field, v) for v in sorted(e.values, key=str)])
            return z3.Not(member) if e.negated else member
        if isinstance(e, Same):
            same = self.fv[e.left] == self.fv[e.right]
            return z3.Not(same) if e.negated else same
        if isinstance(e, Flag):
            return self.fv[e.field]
        if isinstance(e, Const):
            return z3.BoolVal(e.value)
        if isinstance(e, Not):
            return z3.Not(self.compile(e.operand))
        if isinstance(e, And):
            return conj([self.compile(o) for o in e.operands])
        if isinstance(e, Or):
            return disj([self.compile(o) for o in e.operands])
        assert isinstance(e, Ref)
        return self.definition(e.name)


def geldig(dag: z3.ArithRef, van: str | None, tot: str | None) -> z3.BoolRef:
    """The day number ``dag`` lies in [van, tot) (an open end holds on that side)."""
    parts = []
    if van is not None:
        parts.append(dag >= dagnummer(van))
    if tot is not None:
        parts.append(dag < dagnummer(tot))
    return conj(parts)  # True when there are no bounds


class Compiled:
    """Every part of a decision as a Z3 term over one flow's variables.

    The peildatum is the flow's ``peildatum`` variable (an integer day number), or a
    fixed day given as ``peildatum`` (an ISO date) to compile the rule set as it
    stands on that day (``diff --peildatum A --tegen B``). A rule applies only on the
    days its version holds; so does a limit.
    """

    def __init__(
        self, specs: Specs, fv: FlowVars, peildatum: str | None = None, prune: bool = True
    ) -> None:
        """``prune=False`` compares every rule with every other (the reference the
        tests hold the pruned terms and the pruned check against)."""
        self.specs = specs
        self.fv = fv
        ec = ExprCompiler(fv, {d.naam: d.als for d in specs.definities})
        self.ec = ec
        rules = specs.regels
        self.rules = rules
        dag: z3.ArithRef = (
            z3.IntVal(dagnummer(peildatum)) if peildatum is not None else fv["peildatum"]
        )
        self.dag = dag
        self.in_force = {r.id: geldig(dag, r.geldig_van, r.geldig_tot) for r in rules}
        nood = fv["omstandigheden.noodzakelijk"]
        tri = sort_for(fv.fields["omstandigheden.noodzakelijk"])
        assert tri is not None
        self.nood_nee = nood == tri.const("nee")
        self.nood_onbekend = nood == tri.const("onbekend")

        # 1. applies
        self.condition = {
            r.id: conj(self.in_force[r.id], ec.compile(r.als))
            if r.versiegebonden
            else ec.compile(r.als)
            for r in rules
        }
        self.applies = {
            r.id: conj(self.condition[r.id], z3.Not(self.nood_nee))
            if r.noodzaak
            else self.condition[r.id]
            for r in rules
        }
        # rules whose key boxes are disjoint never apply together (evaluate.keys): a rule
        # is only compared with the rules it can meet, so every term stays local
        kb = KeyBoxes(specs)
        self.boxes = {r.id: kb.box(r.als) if prune else kb.full for r in rules}
        index = BoxIndex([self.boxes[r.id] for r in rules], tuple(len(v) for v in kb.values))
        # rules with equal boxes (copies, restatements) share one tuple and the terms below
        by_box: dict[Any, tuple[int, ...]] = {}
        self.meeting: dict[str, tuple[int, ...]] = {}
        for r in rules:
            box = self.boxes[r.id]
            if box not in by_box:
                by_box[box] = tuple(positions(index.meeting(box)))
            self.meeting[r.id] = by_box[box]
        # 2. effective (exceptions of the same or a higher layer), in dependency order
        self.exceptors, self.order = exception_structure(rules)
        self.effective: dict[str, z3.BoolRef] = {}
        for r in self.order:
            beaters = [
                self.effective[x.id]
                for x in self.exceptors[r.id]
                if x.rang >= r.rang and meets(self.boxes[x.id], self.boxes[r.id])
            ]
            self.effective[r.id] = conj(self.applies[r.id], z3.Not(disj(beaters)))
        # 3. overridden by an opposite rule of a strictly higher layer; 4. active
        self.active = {}
        overs: dict[tuple[Any, ...], z3.BoolRef] = {}
        for r in rules:
            key = (self.boxes[r.id], r.rang, r.permissief)
            if key not in overs:
                overs[key] = disj(
                    [
                        self.effective[s.id]
                        for s in self.met_by(r)
                        if s.rang > r.rang and s.permissief != r.permissief
                    ]
                )
            self.active[r.id] = conj(self.effective[r.id], z3.Not(overs[key]))
        # 5. verdict
        any_of = {
            eff: disj([self.active[r.id] for r in rules if r.effect is eff]) for eff in Effect
        }
        os_ = oordeel_sort()
        self.oordeel_sort = os_
        self.verdict = z3.If(
            any_of[Effect.VERBOD],
            os_.const("verboden"),
            z3.If(
                any_of[Effect.PLICHT],
                os_.const("verplicht"),
                z3.If(any_of[Effect.GROND], os_.const("toegestaan"), os_.const("niet_toegestaan")),
            ),
        )
        self.is_verdict = {o: self.verdict == os_.const(o.value) for o in Oordeel}
        # 6. deciding rules: active, and no active rule of a stronger effect (verbod over
        # plicht over grond) among the rules it meets; the same as "its effect gives the verdict"
        self.deciding = {}
        strongers: dict[tuple[Any, ...], z3.BoolRef] = {}
        for r in rules:
            strength = (self.boxes[r.id], r.effect)
            if strength not in strongers:
                strongers[strength] = disj(
                    [
                        self.active[s.id]
                        for s in self.met_by(r)
                        if _STRENGTH[s.effect] > _STRENGTH[r.effect]
                    ]
                )
            self.deciding[r.id] = conj(self.active[r.id], z3.Not(strongers[strength]))
        # 7. duties and open conditions, in the evaluator's order
        self.gevolgen: list[tuple[str, str, str, z3.BoolRef]] = []  # (kind, code, source, term)
        for r in rules:
            for g in r.plichten:
                self.gevolgen.append(
                    ("plicht", g.code, r.id, conj(self.deciding[r.id], ec.compile(g.als)))
                )
            for g in r.voorwaarden:
                self.gevolgen.append(
                    ("voorwaarde", g.code, r.id, conj(self.deciding[r.id], ec.compile(g.als)))
                )
            if r.noodzaak:
                self.gevolgen.append(
                    (
                        "voorwaarde",
                        Voorwaarde.NOODZAKELIJKHEID.value,
                        r.id,
                        conj(self.deciding[r.id], self.nood_onbekend),
                    )
                )
        covered = disj([self.deciding[r.id] for r in rules if r.dekt_bijzondere_gegevens])
        self.aanvulling_used: dict[str, z3.BoolRef] = {}
        for a in specs.aanvullingen:
            used = conj(disj([self.is_verdict[o] for o in a.bij]), ec.compile(a.als))
            if a.behalve_bij_dekking:
                used = conj(used, z3.Not(covered))
            self.aanvulling_used[a.id] = used
            for g in a.plichten:
                self.gevolgen.append(("plicht", g.code, a.id, conj(used, ec.compile(g.als))))
            for g in a.voorwaarden:
                self.gevolgen.append(("voorwaarde", g.code, a.id, conj(used, ec.compile(g.als))))
        # 8. toekenningen
        permits = disj(self.is_verdict[Oordeel.TOEGESTAAN], self.is_verdict[Oordeel.VERPLICHT])
        self.toekenning_match = {t.id: ec.compile(t.als) for t in specs.toekenningen}
        self.grondslag_used = {
            t.id: conj(permits, self.toekenning_match[t.id])
            for t in specs.toekenningen
            if t.kenmerk == "grondslag"
        }
        vs = vvo_sort()
        self.vvo_sort = vs
        vvo: z3.ExprRef = vs.const(Verwerkingsverantwoordelijke.ONBEPAALD.value)
        self.vvo_chosen: dict[str, z3.BoolRef] = {}
        earlier: list[z3.BoolRef] = []
        for t in specs.toekenningen:
            if t.kenmerk == "verwerkingsverantwoordelijke":
                self.vvo_chosen[t.id] = conj(self.toekenning_match[t.id], z3.Not(disj(earlier)))
                earlier.append(self.toekenning_match[t.id])
        for t in reversed(specs.toekenningen):
            if t.kenmerk == "verwerkingsverantwoordelijke":
                vvo = z3.If(self.toekenning_match[t.id], vs.const(t.waarde.value), vvo)
        self.vvo = vvo
        # definitions and limits (for explanations)
        self.definitions = {d.naam: ec.definition(d.naam) for d in specs.definities}
        self.grens = {
            (r.id, i): conj(geldig(dag, g.geldig_van, g.geldig_tot), ec.compile(g.als))
            for r in rules
            for i, g in enumerate(r.grenzen)
        }

    def met_by(self, r: Regel) -> list[Regel]:
        """The rules whose key box meets ``r``'s (``r`` included), in rule order."""
        return [self.rules[i] for i in self.meeting[r.id]]

    # -- decision atoms used by properties ------------------------------------
    def has_plicht(self, code: str) -> z3.BoolRef:
        return disj([t for kind, c, _src, t in self.gevolgen if kind == "plicht" and c == code])

    def has_voorwaarde(self, code: str) -> z3.BoolRef:
        return disj([t for kind, c, _src, t in self.gevolgen if kind == "voorwaarde" and c == code])

    def has_grondslag(self, value: str) -> z3.BoolRef:
        return disj(
            [
                term
                for tid, term in self.grondslag_used.items()
                if self._toekenning(tid).waarde.value == value
            ]
        )

    def _toekenning(self, tid: str):
        return next(t for t in self.specs.toekenningen if t.id == tid)

    @cached_property
    def _citing(self) -> dict[Bron, set[int]]:
        """Per source: the positions in :attr:`_citation_terms` of what cites it."""
        out: dict[Bron, set[int]] = {}
        for i, (bronnen, _term) in enumerate(self._citation_terms):
            for b in bronnen:
                out.setdefault(b, set()).add(i)
        return out

    @cached_property
    def _citation_terms(self) -> list[tuple[tuple[Bron, ...], z3.BoolRef]]:
        """What can cite, in order: the rules (when deciding), the aanvullingen (when
        used), the toekenningen (when they give the ground or choose the controller)."""
        out = [(r.bronnen, self.deciding[r.id]) for r in self.rules]
        out += [(a.bronnen, self.aanvulling_used[a.id]) for a in self.specs.aanvullingen]
        for t in self.specs.toekenningen:
            used = self.grondslag_used if t.kenmerk == "grondslag" else self.vvo_chosen
            out.append((t.bronnen, used[t.id]))
        return out

    def cites(self, match: Callable[[Bron], bool]) -> z3.BoolRef:
        """The decision's citations include a source matching ``match`` (each distinct
        source is matched once; the terms keep the order of what cites)."""
        hits: set[int] = set()
        for b, where in self._citing.items():
            if match(b):
                hits |= where
        return disj([self._citation_terms[i][1] for i in sorted(hits)])
