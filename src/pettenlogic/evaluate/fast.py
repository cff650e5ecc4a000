"""The compiled decision path: residual conditions, and decisions shared by signature.

For each combination of ``van.taak``, ``naar.taak`` and ``gegevens.categorie``
the rule AST is partially evaluated once (:mod:`.residue`): most conditions fold
to a constant, and the few that remain are compiled to closures. A flow's
*signature* is the truth of those residues (and its necessity judgement); the
decision is a function of key and signature, so the first flow with a new
signature is decided by the interpreter and its (immutable) decision is shared
with every later flow of the same signature. Every answer therefore *is* an
interpreter answer; differential tests check that nothing is missed. Dicts are
checked by a schema-compiled acceptor (:mod:`.accept`) that needs no
:class:`~pettenlogic.Flow` on a hit.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs

from ..decision import Decision
from ..model.flow import Flow
from ..model.peildatum import dag_van
from ..rules.expr import Const, Expr
from ..rules.spec import Specs
from .interpreter import PEILDATUM, Cond, Env, Evaluator, _Compiler
from .keys import KEY_FIELDS
from .residue import NOODZAKELIJK, residues

#: most decisions kept; past it, new combinations are decided without being kept
MAX_MEMO = 250_000


def _plan(specs: Specs, key: tuple[Any, ...], dag: str) -> tuple[tuple[Cond, ...], bool]:
    """The distinct non-constant residues of a key on ``dag`` (the same for every day
    of its epoch), compiled; and whether necessity is part of the signature."""
    exprs, needs_necessity = residues(specs, dict(zip(KEY_FIELDS, key, strict=True)), dag)
    distinct: dict[Expr, None] = {}
    for e in exprs:
        if not isinstance(e, Const):
            distinct[e] = None
    compiler = _Compiler({})  # residues have their definitions inlined
    return tuple(compiler.compile(e) for e in distinct), needs_necessity


class FastPath:
    """Per-rulebook tables: the compiled residues per key, and the decisions seen."""

    def __init__(self, specs: Specs, evaluator: Evaluator) -> None:
        self.specs = specs
        self.evaluator = evaluator
        self.plans: dict[tuple[Any, ...], tuple[tuple[Cond, ...], bool]] = {}
        self.memo: dict[tuple[Any, ...], Decision] = {}

    def decide(self, env: Env, lang: str, flow: Callable[[], Flow]) -> Decision:
        """The decision for a validated flow's environment; ``flow`` builds the
        :class:`Flow` only when the interpreter has to decide a new signature."""
        key = (env["van.taak"], env["naar.taak"], env["gegevens.categorie"])
        # the day is resolved once here (a flow without peildatum means today), so the
        # plan, the signature and the interpreter all see the same day
        dag = dag_van(env[PEILDATUM])
        plan_key = (*key, self.evaluator.epoch(dag))
        plan = self.plans.get(plan_key)
        if plan is None:
            plan = self.plans[plan_key] = _plan(self.specs, key, dag)
        conds, needs_necessity = plan
        memo: dict[str, bool] = {}
        signature = [c(env, memo) for c in conds]
        if needs_necessity:
            signature.append(env[NOODZAKELIJK])
        # the decision names its day, so decisions are shared between flows of one day
        memo_key = (lang, key, dag, *signature)
        decision = self.memo.get(memo_key)
        if decision is None:
            decision = self.evaluator.decide(_op(flow(), dag), lang)
            if len(self.memo) < MAX_MEMO:
                self.memo[memo_key] = decision
        return decision


def _op(flow: Flow, dag: str) -> Flow:
    """The flow with its day made explicit (so a decision made just after midnight
    still follows the day its signature was computed for)."""
    if flow.peildatum is not None:
        return flow
    return attrs.evolve(flow, peildatum=datetime.date.fromisoformat(dag))
