"""Which single steps are possible: permitted flows between places, found and proven.

A *step* from place ``u`` to place ``v`` exists for a data class when some flow
with that data, ``van`` = ``u`` and ``naar`` = ``v``, and any professional and
circumstances allowed by a step condition, is ``toegestaan`` or ``verplicht``.

There are some 1.3 million (data class, van, naar) triples, far too many to ask Z3
one by one. But the rule conditions, partially evaluated for a triple's known
fields, leave about a thousand distinct residues; triples with the same residues
decide alike for every professional and circumstance (as long as no residue still
reads a field the triple fixes). So per residue class:

1. *Witness first*: the evaluator tries a small pool of circumstances taken from
   earlier Z3 models; a hit is a permitted flow (the reference semantics).
2. *Proof otherwise*: Z3 is asked for a permitted flow of the class's
   representative; a model is a step (checked again by the evaluator, and its
   circumstances join the pool), ``unsat`` proves that no triple of the class is one.

So every step comes with a concrete flow, and every missing step with an ``unsat``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import attrs
import z3

from ..evaluate import Evaluator
from ..evaluate.fast import FastPath
from ..evaluate.interpreter import flatten
from ..evaluate.residue import Residue, fields_read
from ..model.convert import flow_from_json
from ..model.flow import Flow
from ..model.peildatum import dagnummer, vandaag
from ..model.vocabulary import Effect, Oordeel
from ..rules.expr import And, Const, Expr
from ..rules.spec import Specs
from .compiler import Compiled
from .guard import serialized
from .places import (
    Plaats,
    Vast,
    data_classes,
    data_env,
    env_of,
    every_condition,
    places,
    step_fields,
)
from .properties import Atom, OnSide, Side, holds
from .prove import InternalMismatch, PropertyCompiler
from .sorts import FlowVars

Env = dict[str, Any]
FALSE = Const(False)
#: most circumstance vectors kept for the witness pass (most recently useful first)
POOL_SIZE = 48
PERMITS = (Oordeel.TOEGESTAAN, Oordeel.VERPLICHT)


def has_atoms(e: Any) -> bool:
    """Whether a property expression reads the decision (not only the flow)."""
    if isinstance(e, Atom):
        return True
    if isinstance(e, OnSide):
        return has_atoms(e.operand)
    operands = getattr(e, "operands", None)
    if operands is not None:
        return any(has_atoms(o) for o in operands)
    inner = getattr(e, "operand", None)
    return inner is not None and has_atoms(inner)


def _flow_part(e: Any) -> Expr:
    """The conjuncts of ``e`` that read the flow only (for pruning by partial evaluation)."""
    if not has_atoms(e):
        return e
    if isinstance(e, And):
        return And(tuple(_flow_part(o) for o in e.operands))
    return Const(True)


@attrs.frozen
class Voorwaarde:
    """A step condition in the property language, ready for both interpreters."""

    expr: Any
    needs_decision: bool

    @staticmethod
    def of(expr: Any) -> Voorwaarde:
        return Voorwaarde(expr, has_atoms(expr))


TRUE_STEP = Voorwaarde(Const(True), False)


Triple = tuple[int, int, int]  # indexes of (data class, van place, naar place)


class _Residues:
    """Partial evaluation of numbered expressions, skipping those that read none of
    the known fields (most rule conditions at a stage read only some of them)."""

    def __init__(self, defs: dict[str, Expr]) -> None:
        self.defs = defs
        self.reads: dict[int, tuple[Any, frozenset[str]]] = {}  # id -> (expr kept alive, fields)
        # every residue made is interned, so equal residues of different triples are one
        # object and a residue's specialisation for a place is computed once (by id);
        # False is interned first, so a residue that became False *is* FALSE
        self._interned: dict[Any, Any] = {FALSE: FALSE}
        self._memo: dict[tuple[int, Any], tuple[Any, Any]] = {}
        # (id of a numbered tuple, stage) -> (the tuple kept alive, its entries without
        # those already False, the positions among them to evaluate at that stage)
        self._split: dict[tuple[int, str], tuple[Any, tuple[Any, ...], tuple[int, ...]]] = {}

    def _fields(self, e: Any) -> frozenset[str]:
        hit = self.reads.get(id(e))
        if hit is None:
            hit = self.reads[id(e)] = (e, frozenset(fields_read([e])))
        return hit[1]

    def _parts(
        self, exprs: tuple[tuple[int, Any], ...], known: Env, stage: str, defs: bool
    ) -> tuple[tuple[Any, ...], tuple[int, ...]]:
        """The entries that are not False, and the positions among them of those that
        read the stage's fields (every place of a stage knows the same fields)."""
        hit = self._split.get((id(exprs), stage))
        if hit is None:
            kept = tuple(p for p in exprs if p[1] != FALSE)
            todo = tuple(
                k
                for k, (_i, e) in enumerate(kept)
                if not isinstance(e, Const) and (defs or not self._fields(e).isdisjoint(known))
            )
            hit = self._split[(id(exprs), stage)] = (exprs, kept, todo)
        return hit[1], hit[2]

    def of(
        self, exprs: tuple[tuple[int, Any], ...], known: Env, where: Any, defs: bool = False
    ) -> tuple[tuple[int, Any], ...]:
        """The residues, without those that became False (``defs``: inline definitions).

        ``where`` = (stage, index) names ``known`` (the same name, the same values; the
        same stage, the same fields): the residue of an expression for it is
        remembered, since thousands of triples share expressions.
        """
        kept, todo = self._parts(exprs, known, where[0], defs)
        if not todo:
            return kept
        r = Residue(self.defs if defs else {}, known)
        out: list[Any] = list(kept)
        memo, interned = self._memo, self._interned
        dropped = False
        for k in todo:
            i, e = kept[k]
            key = (id(e), where)
            hit = memo.get(key)
            if hit is None:
                done = r.of(e)
                # e is kept with its residue, so its id is never reused while cached
                hit = memo[key] = (e, interned.setdefault(done, done))
            if hit[1] is FALSE:
                out[k] = None
                dropped = True
            else:
                out[k] = (i, hit[1])
        return tuple(p for p in out if p is not None) if dropped else tuple(out)


class Classifier:
    """Groups (data class, van, naar) triples by the residues of some conditions.

    Two triples with the same residues give the same truth to those conditions for
    every choice of the other fields. Partial evaluation runs in three stages (data,
    then van, then naar), each memoised on its result, so the work grows with the
    number of distinct residues (a few hundred), not with the triples.
    """

    def __init__(self, defs: dict[str, Expr], vasts: list[Vast], plaatsen: tuple[Plaats, ...]):
        self.residues = _Residues(defs)
        self.vasts = vasts
        self.plaatsen = plaatsen

    def classify(self, exprs: list[Any]) -> Classes:
        return Classes(self, tuple(enumerate(exprs)))


class Classes:
    """The classes of triples under some conditions, computed as triples are asked for:
    ``of(t)`` is the class of triple ``t``; ``reps[c]`` and ``residues[c]`` are the
    representative and residues of class ``c`` (numbered expressions not False)."""

    def __init__(self, classifier: Classifier, numbered: tuple[tuple[int, Any], ...]) -> None:
        self.c = classifier
        self.numbered = numbered
        self.reps: list[Triple] = []
        self.residues: list[tuple[tuple[int, Any], ...]] = []
        self._ids: dict[Any, int] = {}
        self._stage1: dict[int, Any] = {}
        self._stage2: dict[tuple[int, int], Any] = {}
        self._stage3: dict[tuple[int, int], int] = {}
        self._distinct: dict[Any, Any] = {}
        self._rows: dict[int, tuple[int, ...]] = {}

    def after_data(self, di: int) -> Any:
        """The residues once the data is known (stage 1), one object per distinct value:
        data classes with the same residues fall into the same classes everywhere."""
        r1 = self._stage1.get(di)
        if r1 is None:
            r1 = self.c.residues.of(
                self.numbered, data_env(self.c.vasts[di]), ("data", di), defs=True
            )
            r1 = self._stage1[di] = self._distinct.setdefault(r1, r1)
        return r1

    def _after_van(self, di: int, ui: int) -> Any:
        """The residues once the data and the van place are known (stages 1 and 2)."""
        r1 = self.after_data(di)
        k2 = (id(r1), ui)
        r2 = self._stage2.get(k2)
        if r2 is None:
            r2 = self.c.residues.of(r1, env_of(self.c.plaatsen[ui], "van"), ("van", ui))
            r2 = self._stage2[k2] = self._distinct.setdefault(r2, r2)
        return r2

    def row(self, di: int, ui: int) -> tuple[int, ...]:
        """The classes of ``(di, ui, vi)`` for every naar place ``vi``, in order; rows
        are shared by every (data, van) with the same residues, so asking for all
        triples costs a lookup per (data, van), not per triple."""
        r2 = self._after_van(di, ui)
        found = self._rows.get(id(r2))
        if found is None:
            found = tuple(self.of((di, ui, vi)) for vi in range(len(self.c.plaatsen)))
            found = self._rows[id(r2)] = self._distinct.setdefault(found, found)
        return found

    def of(self, t: Triple) -> int:
        di, ui, vi = t
        r2 = self._after_van(di, ui)
        k3 = (id(r2), vi)
        cls = self._stage3.get(k3)
        if cls is None:
            r3 = self.c.residues.of(r2, env_of(self.c.plaatsen[vi], "naar"), ("naar", vi))
            cls = self._ids.get(r3)
            if cls is None:
                cls = self._ids[r3] = len(self.reps)
                self.reps.append(t)
                self.residues.append(r3)
            self._stage3[k3] = cls
        return cls


class Steps:
    """The permitted steps under one condition, decided per class as they are asked for.

    A class is a pair (class under the rules, class under the condition); its
    vector is the professional and circumstances of a permitted flow for every triple
    of the class, or None: no triple of the class is a step (proven by Z3).
    """

    def __init__(self, finder: Finder, cond: Voorwaarde, base: Classes, own: Classes) -> None:
        self.finder = finder
        self.cond = cond
        self.base = base
        self.own = own
        self.vasts = finder.vasts
        self.plaatsen = finder.plaatsen
        self._vectors: dict[tuple[int, int], Env | None] = {}
        # keyed by the ids of two class rows, which Classes keeps alive in _distinct
        self._rows: dict[tuple[int, int], tuple[bool, ...]] = {}

    def vector(self, t: Triple) -> Env | None:
        key = (self.base.of(t), self.own.of(t))
        if key not in self._vectors:
            self._vectors[key] = self.finder.decide_class(t, self.cond, self, key)
        return self._vectors[key]

    def env(self, t: Triple) -> Env | None:
        """A permitted flow (flat) for this step, or None when there is none."""
        vec = self.vector(t)
        if vec is None:
            return None
        return {**self.finder.known(t), **vec}

    def data_key(self, di: int) -> tuple[int, int]:
        """Equal for data classes whose triples fall into the same classes for every
        (van, naar): such data classes have the same steps."""
        return (id(self.base.after_data(di)), id(self.own.after_data(di)))

    def has(self, t: Triple) -> bool:
        return self.vector(t) is not None

    def row(self, di: int, ui: int) -> tuple[bool, ...]:
        """For every naar place: whether ``(di, ui, naar)`` is a step (decided as needed;
        shared by every (data, van) whose class rows are the same)."""
        base, own = self.base.row(di, ui), self.own.row(di, ui)
        key = (id(base), id(own))
        found = self._rows.get(key)
        if found is None:
            vectors = self._vectors
            out = []
            for vi, pair in enumerate(zip(base, own, strict=True)):
                if pair not in vectors:
                    vectors[pair] = self.finder.decide_class((di, ui, vi), self.cond, self, pair)
                out.append(vectors[pair] is not None)
            found = self._rows[key] = tuple(out)
        return found

    def successors_of(self, di: int, ui: int) -> list[int]:
        """For data class ``di``: the naar places one step away from van place ``ui``."""
        return [vi for vi, ok in enumerate(self.row(di, ui)) if ok]

    def triples(self) -> list[Triple]:
        """Every (data class, van place, naar place), as indexes."""
        n = len(self.plaatsen)
        return [(d, u, v) for d in range(len(self.vasts)) for u in range(n) for v in range(n)]

    def successors(self, di: int) -> list[list[int]]:
        return [self.successors_of(di, ui) for ui in range(len(self.plaatsen))]


class Finder:
    """Finds permitted steps for one rule set; compiled once, used for many queries."""

    @serialized
    def __init__(
        self,
        specs: Specs,
        extra: tuple[Any, ...] = (),
        timeout_ms: int = 20_000,
        compiled: tuple[FlowVars, Compiled] | None = None,
    ) -> None:
        """``compiled``: these rules already compiled over some variables (the prover's
        single flow), shared instead of compiled again; the finder has its own solver."""
        self.specs = specs
        self.ev = Evaluator(specs)
        self.fast = FastPath(specs, self.ev)
        if compiled is None:
            fv = FlowVars("stap.")
            compiled = (fv, Compiled(specs, fv))
        self.fv, self.c = compiled
        self.pc = PropertyCompiler({"a": self.c})
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        self.solver.add(*self.fv.well_formed())
        # a chain is followed under one law: today's (a flow without peildatum is decided
        # by today's law, so every step's witness carries today's day number)
        self.solver.add(self.fv["peildatum"] == z3.IntVal(dagnummer(vandaag())))
        self.solver.add(z3.Or([self.c.is_verdict[o] for o in PERMITS]))
        self.pool: list[Env] = []
        self.defs = {d.naam: d.als for d in specs.definities}
        self.vasts = data_classes(specs, extra)
        self.plaatsen = places()
        self.classifier = Classifier(self.defs, self.vasts, self.plaatsen)
        self._compiled: dict[Any, Callable[[Env], bool]] = {}
        self._steps: dict[Any, Steps] = {}
        self._bases: dict[frozenset[str], Classes] = {}
        # rule conditions without repeats (copies and restatements classify alike); an
        # index is permitting when some rule with that condition permits
        conditions: dict[Any, int] = {}
        self.permitting: set[int] = set()
        for r in specs.regels:
            i = conditions.setdefault(r.als, len(conditions))
            if r.effect is not Effect.VERBOD:
                self.permitting.add(i)
        self.rule_conditions = list(conditions)
        self.z3_checks = 0
        # the assumption literal of each fact of a query (a field's value, keyed by
        # (path, value); a step condition, keyed by its expression), made once
        self._facts: dict[Any, z3.BoolRef] = {}

    def index(self, place: Plaats) -> int:
        return self.plaatsen.index(place)

    # -- the two interpreters on one step --------------------------------------------
    def satisfies(self, cond: Voorwaarde, env: Env) -> bool:
        """Permitted, and ``cond`` holds (the Python answer: the compiled path, which the
        differential tests hold equal to the interpreter)."""
        # the rule conditions from the generated code (equal conditions, as copies of
        # rules have, are tested once), settled by the evaluator's own procedure once
        # per signature
        trace, decision = self.fast.settled(env)
        if trace.oordeel not in PERMITS:
            return False
        if not cond.needs_decision:
            return self._check(cond.expr)(env)
        side = Side(env, trace, decision, self.specs.regels)
        return holds(cond.expr, {"a": side}, self.ev)

    def _fact(self, key: Any, term: Callable[[], z3.BoolRef]) -> z3.BoolRef:
        """The literal of a fact (a field's value or a step condition, by ``key``): a
        fresh Boolean, asserted once on the finder's solver to imply ``term()``."""
        lit = self._facts.get(key)
        if lit is None:
            lit = self._facts[key] = z3.FreshBool("stap")
            self.solver.add(z3.Implies(lit, term()))
        return lit

    @serialized
    def z3_verdict(self, flow: Flow) -> Oordeel:
        """The verdict of this rule set's Z3 formulas for a concrete flow: its values
        substituted and the verdict term simplified to a constant (as the Z3 engine
        decides, without the other terms the engine packs for a trace)."""
        term = z3.simplify(z3.substitute(self.c.verdict, *self.fv.assignment(flow)))
        try:
            return Oordeel(str(term))
        except ValueError:
            raise RuntimeError(f"Z3 did not reduce the verdict to a value: {term}") from None

    def _check(self, expr: Any) -> Callable[[Env], bool]:
        fn = self._compiled.get(expr)
        if fn is None:
            cond = self.ev._comp.compile(expr)
            fn = self._compiled[expr] = lambda env: cond(env, {})
        return fn

    def _base(self, cond: Voorwaarde) -> Classes:
        """Triples grouped by what the rules decide, and by what the condition's decision
        atoms read besides (duties, open conditions, grounds, controllers)."""
        kinds = _atom_kinds(cond.expr)
        key = frozenset(kinds - RULE_ATOMS)
        if key not in self._bases:
            exprs: list[Any] = self.rule_conditions
            if key:
                exprs = list(dict.fromkeys(every_condition(self.specs)))
            self._bases[key] = self.classifier.classify(exprs)
        return self._bases[key]

    # -- finding -----------------------------------------------------------------------
    def steps(self, cond: Voorwaarde = TRUE_STEP) -> Steps:
        """Every permitted step satisfying ``cond``, each with a flow (decided when asked)."""
        found = self._steps.get(cond.expr)
        if found is None:
            extra = _atom_free(cond.expr) if cond.needs_decision else []
            own = self.classifier.classify([_flow_part(cond.expr), *extra])
            found = self._steps[cond.expr] = Steps(self, cond, self._base(cond), own)
        return found

    def decide_class(
        self, t: Triple, cond: Voorwaarde, steps: Steps, key: tuple[int, int]
    ) -> Env | None:
        """The vector of a class, found by the witness pool or Z3; None when impossible."""
        base, own = steps.base.residues[key[0]], steps.own.residues[key[1]]
        if all(i != 0 for i, _ in own):
            return None  # the condition's flow part is False for these triples
        if steps.base is self._bases.get(frozenset()) and not any(
            i in self.permitting for i, _ in base
        ):
            return None  # no permitting rule can apply
        return self._decide_class(t, cond)

    def known(self, t: Triple) -> Env:
        di, ui, vi = t
        return {
            **data_env(self.vasts[di]),
            **env_of(self.plaatsen[ui], "van"),
            **env_of(self.plaatsen[vi], "naar"),
        }

    def _decide_class(self, rep: Triple, cond: Voorwaarde) -> Env | None:
        known = self.known(rep)
        for i, vec in enumerate(self.pool):
            if self.satisfies(cond, {**known, **vec}):
                if i > 3:  # keep the useful circumstances in front
                    self.pool.insert(0, self.pool.pop(i))
                return vec
        env = self._solve(known, cond)
        if env is None:
            return None
        vec = {p: env[p] for p in step_fields()}
        self.pool.insert(0, vec)
        del self.pool[POOL_SIZE:]
        return vec

    @serialized
    def _solve(self, known: Env, cond: Voorwaarde) -> Env | None:
        """A permitted flow with the ``known`` fields satisfying ``cond``, or None (unsat)."""
        ec = self.c.ec
        s = self.solver
        # each fact is a literal that implies it, asserted once: a query assumes the
        # literals of its facts, so the solver keeps what it learnt between queries
        assumed = [self._fact(item, partial(ec.equals, *item)) for item in known.items()]
        assumed.append(self._fact(cond.expr, partial(self.pc.compile, cond.expr)))
        self.z3_checks += 1
        result = s.check(*assumed)
        if result == z3.unsat:
            return None
        if result != z3.sat:
            raise TimeoutError("Z3 could not decide whether a step is possible")
        env = flatten(flow_from_json(self.fv.flow_json(s.model())))
        if not self.satisfies(cond, env):
            raise InternalMismatch(
                "Z3 found a permitted step the evaluator does not confirm: "
                f"{self.ev.trace_env(env).oordeel.value} for {env}"
            )
        return env


#: decision atoms fixed by the rule conditions alone (which rules apply, hence decide)
RULE_ATOMS = frozenset({"oordeel", "regel", "effectief", "noodzaak_beslist"})


def _atom_kinds(e: Any) -> set[str]:
    if isinstance(e, Atom):
        return {e.kind}
    if isinstance(e, OnSide):
        return _atom_kinds(e.operand)
    inner = getattr(e, "operands", None) or ((e.operand,) if hasattr(e, "operand") else ())
    return {k for o in inner for k in _atom_kinds(o)}


def _atom_free(e: Any) -> list[Any]:
    """Flow-only parts nested inside an expression with atoms (for classification)."""
    if isinstance(e, Atom) or not has_atoms(e):
        return [] if isinstance(e, Atom) else [e]
    if isinstance(e, OnSide):
        return _atom_free(e.operand)
    inner = getattr(e, "operands", None) or (e.operand,)
    return [x for o in inner for x in _atom_free(o)]
