"""The concrete interpreter: rules + one flow → :class:`Trace` → :class:`Decision`.

Semantics (docs/semantics.md states them precisely; the Z3 compiler follows the
same steps):

1. A rule *applies* when its condition holds and, for a rule that rests on
   necessity (``noodzaak``), ``noodzakelijk`` is not ``false``.
2. A rule is *effective* when it applies and no effective rule that is an
   exception to it (of the same or a higher layer) applies.
3. An effective rule is *overridden* when an effective rule of a strictly
   higher layer has the opposite polarity (verbod vs grond/plicht).
4. Verdict over the remaining (active) rules: any verbod → verboden; else any
   plicht → verplicht; else any grond → toegestaan; else niet_toegestaan.
5. The deciding rules are the active rules whose effect gives the verdict.
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections.abc import Callable
from enum import Enum
from typing import Any

import attrs

from ..decision import Decision, Gevolgtekst
from ..model.fields import flow_fields
from ..model.flow import Flow
from ..model.peildatum import dag_van
from ..model.vocabulary import Effect, Oordeel, Voorwaarde
from ..rules.expr import And, Cmp, Const, Expr, Flag, In, Not, Or, Ref, Same
from ..rules.spec import Bron, Gevolg, Regel, Specs, exception_structure, versiegrenzen
from .keys import KEY_FIELDS, Candidates, KeyBoxes

Env = dict[str, Any]
Cond = Callable[[Env, dict[str, bool]], bool]

NOODZAKELIJK = "omstandigheden.noodzakelijk"
PEILDATUM = "peildatum"
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
VERDICT_EFFECT = {
    Oordeel.VERBODEN: Effect.VERBOD,
    Oordeel.VERPLICHT: Effect.PLICHT,
    Oordeel.TOEGESTAAN: Effect.GROND,
}


_GETTERS = tuple((path, operator.attrgetter(path)) for path in flow_fields())


def flatten(flow: Flow) -> Env:
    """The flow as {dotted path: plain value} (enum values as strings)."""
    env: Env = {}
    for path, get in _GETTERS:
        value = get(flow)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        env[path] = value
    return env


class _Compiler:
    """Turns the expression AST into Python closures (no eval)."""

    def __init__(self, definitions: dict[str, Expr]) -> None:
        self.sources = definitions
        self.compiled: dict[str, Cond] = {}

    def definition(self, name: str) -> Cond:
        if name not in self.compiled:
            self.compiled[name] = self.compile(self.sources[name])
        return self.compiled[name]

    def compile(self, e: Expr) -> Cond:
        if isinstance(e, Cmp):
            path, value = e.field, e.value
            if e.op == "==":
                return lambda env, memo: env[path] == value
            if e.op == "!=":
                return lambda env, memo: env[path] != value
            op = _ORDER[e.op]
            return lambda env, memo: env[path] is not None and op(env[path], value)
        if isinstance(e, In):
            path, values = e.field, e.values
            if e.negated:
                return lambda env, memo: env[path] not in values
            return lambda env, memo: env[path] in values
        if isinstance(e, Same):
            left, right = e.left, e.right
            if e.negated:
                return lambda env, memo: env[left] != env[right]
            return lambda env, memo: env[left] == env[right]
        if isinstance(e, Flag):
            path = e.field
            return lambda env, memo: env[path] is True
        if isinstance(e, Const):
            constant = e.value
            return lambda env, memo: constant
        if isinstance(e, Not):
            inner = self.compile(e.operand)
            return lambda env, memo: not inner(env, memo)
        if isinstance(e, And):
            parts = tuple(self.compile(o) for o in e.operands)

            def conj(env: Env, memo: dict[str, bool]) -> bool:
                for p in parts:  # noqa: SIM110 - no generator per call on the hot path
                    if not p(env, memo):
                        return False
                return True

            return conj
        if isinstance(e, Or):
            parts = tuple(self.compile(o) for o in e.operands)

            def disj(env: Env, memo: dict[str, bool]) -> bool:
                for p in parts:  # noqa: SIM110 - no generator per call on the hot path
                    if p(env, memo):
                        return True
                return False

            return disj
        assert isinstance(e, Ref)
        name = e.name

        def ref(env: Env, memo: dict[str, bool]) -> bool:
            if name not in memo:
                memo[name] = self.definition(name)(env, memo)
            return memo[name]

        return ref


@attrs.frozen
class Trace:
    """Everything the evaluator concluded for one flow (input to the decision)."""

    env: Env
    applies: frozenset[str]
    effective: frozenset[str]
    active: frozenset[str]
    oordeel: Oordeel
    deciding: tuple[Regel, ...]
    defeated: tuple[tuple[str, str], ...]  # (rule, exception that defeated it)
    overridden: tuple[tuple[str, str], ...]  # (rule, higher-layer rule)
    plichten: tuple[tuple[str, str], ...]  # (code, source id)
    voorwaarden: tuple[tuple[str, str], ...]
    grondslag: tuple[tuple[str, str], ...]  # (value, toekenning id)
    verwerkingsverantwoordelijke: tuple[str, str]
    definitions: dict[str, bool]
    grenzen: tuple[tuple[str, int], ...]  # (rule id, index of grens)
    aanvullingen: tuple[str, ...]
    #: the day whose law decided (the flow's peildatum, or the day it was decided)
    peildatum: str = ""


@attrs.frozen
class Holds:
    """How :meth:`Evaluator.settle` learns whether a condition holds for the flow:
    a duty or open condition (:class:`Gevolg`), an aanvulling or toekenning (by id), a
    limit (rule id, index), and the definitions the trace reports."""

    gevolg: Callable[[Gevolg], bool]
    cond: Callable[[str], bool]
    grens: Callable[[tuple[str, int]], bool]
    definitions: Callable[[], dict[str, bool]]


class Evaluator:
    """Decides flows against one loaded :class:`Specs`."""

    def __init__(self, specs: Specs) -> None:
        self.specs = specs
        comp = _Compiler({d.naam: d.als for d in specs.definities})
        self._comp = comp
        self.rules = specs.regels
        self.cond: dict[str, Cond] = {r.id: comp.compile(r.als) for r in self.rules}
        self.exceptors, self.order = exception_structure(self.rules)
        self.gevolg: dict[int, Cond] = {}
        for r in self.rules:
            for g in (*r.plichten, *r.voorwaarden):
                self.gevolg[id(g)] = comp.compile(g.als)
        for a in specs.aanvullingen:
            self.cond[a.id] = comp.compile(a.als)
            for g in (*a.plichten, *a.voorwaarden):
                self.gevolg[id(g)] = comp.compile(g.als)
        for t in specs.toekenningen:
            self.cond[t.id] = comp.compile(t.als)
        self.grens: dict[tuple[str, int], Cond] = {
            (r.id, i): comp.compile(g.als) for r in self.rules for i, g in enumerate(r.grenzen)
        }
        self.by_id = {r.id: r for r in self.rules}
        self._rank = {r.id: (r.rang, r.permissief) for r in self.rules}
        self._bronnen_van: dict[str, tuple[Bron, ...]] = {r.id: r.bronnen for r in self.rules}
        self._bronnen_van.update({a.id: a.bronnen for a in specs.aanvullingen})
        self._toekenning = {t.id: t for t in specs.toekenningen}
        self.versiegrenzen = versiegrenzen(specs)
        self._epochs: dict[int, tuple[frozenset[str], frozenset[tuple[str, int]]]] = {}
        self._rule_pos = {r.id: k for k, r in enumerate(self.rules)}
        self._order_pos = {r.id: k for k, r in enumerate(self.order)}
        self._may: tuple[Candidates[Regel], Candidates[tuple[str, int]]] | None = None

    def _candidates(self) -> tuple[Candidates[Regel], Candidates[tuple[str, int]]]:
        """The rules and the limits (rule id, index) by the keys their conditions can
        hold for (:class:`~.keys.Candidates`; built on first use, so loading stays
        fast). A condition is false on every flow whose key its box leaves out."""
        if self._may is None:
            boxes = KeyBoxes(self.specs)
            limits = [((r.id, i), g.als) for r in self.rules for i, g in enumerate(r.grenzen)]
            self._may = (
                Candidates(boxes, [(r, r.als) for r in self.rules]),
                Candidates(boxes, limits),
            )
        return self._may

    def rules_for(self, env: Env) -> tuple[Regel, ...]:
        """The rules whose condition can hold for the flow's key, in rule order."""
        return self._candidates()[0].of(tuple(env[f] for f in KEY_FIELDS))

    def limits_for(self, env: Env) -> tuple[tuple[str, int], ...]:
        """The limits whose condition can hold for the flow's key, in rule order."""
        return self._candidates()[1].of(tuple(env[f] for f in KEY_FIELDS))

    def epoch(self, dag: str) -> int:
        """Which stretch between the rule set's version dates ``dag`` falls in."""
        return bisect.bisect_right(self.versiegrenzen, dag)

    def geldig(self, dag: str) -> tuple[frozenset[str], frozenset[tuple[str, int]]]:
        """The rules, and the limits (rule id, index), that hold on ``dag``."""
        epoch = self.epoch(dag)
        found = self._epochs.get(epoch)
        if found is None:
            rules = frozenset(r.id for r in self.rules if r.geldt_op(dag))
            limits = frozenset(
                (r.id, i) for r in self.rules for i, g in enumerate(r.grenzen) if g.geldt_op(dag)
            )
            found = self._epochs[epoch] = (rules, limits)
        return found

    def definition(self, name: str, env: Env, memo: dict[str, bool]) -> bool:
        if name not in memo:
            memo[name] = self._comp.definition(name)(env, memo)
        return memo[name]

    def trace(self, flow: Flow) -> Trace:
        return self.trace_env(flatten(flow))

    def trace_env(self, env: Env) -> Trace:
        """The trace of a flow given as its flat environment (a validated flow's
        :func:`flatten`); lets callers that build many flows skip the objects."""
        memo: dict[str, bool] = {}
        nood = env[NOODZAKELIJK]
        dag = dag_van(env[PEILDATUM])
        in_force, _limits = self.geldig(dag)
        applies = {
            r.id
            for r in self.rules_for(env)
            if r.id in in_force
            and (not r.noodzaak or nood is not False)
            and self.cond[r.id](env, memo)
        }

        def definitions() -> dict[str, bool]:
            for d in self.specs.definities:
                self.definition(d.naam, env, memo)
            return dict(memo)

        return self.settle(
            env,
            dag,
            applies,
            Holds(
                gevolg=lambda g: self.gevolg[id(g)](env, memo),
                cond=lambda cid: self.cond[cid](env, memo),
                grens=lambda key: self.grens[key](env, memo),
                definitions=definitions,
            ),
        )

    def settle(self, env: Env, dag: str, applies: set[str], holds: Holds) -> Trace:
        """The trace, given the rules that apply on ``dag`` and how to tell whether the
        other conditions hold. The interpreter asks its closures; the compiled path
        (:mod:`.fast`) reads the bits of its generated code, so both settle
        exceptions, layers, the verdict and the duties by this one procedure."""
        nood = env[NOODZAKELIJK]
        rank = self._rank  # rule id -> (layer, permitting)
        effective: set[str] = set()
        defeated: list[tuple[str, str]] = []
        # only the rules that apply, in the exception order (not a pass over all rules)
        for rid in sorted(applies, key=self._order_pos.__getitem__):
            r = self.by_id[rid]
            layer = rank[r.id][0]
            beaten = next(
                (
                    x.id
                    for x in self.exceptors[r.id]
                    if x.id in effective and rank[x.id][0] >= layer
                ),
                None,
            )
            if beaten is None:
                effective.add(r.id)
            else:
                defeated.append((r.id, beaten))
        by_id = self.by_id
        eff_rules = [by_id[i] for i in sorted(effective, key=self._rule_pos.__getitem__)]
        # a rule is overridden by the first effective rule (in rule order) of the other
        # kind (permitting or forbidding) in a higher layer; found once per kind and
        # layer, so this stays linear in the rules that fire
        first_above: dict[tuple[bool, int], str | None] = {}
        for layer in {rank[r.id][0] for r in eff_rules}:
            for kind in (True, False):
                first_above[(kind, layer)] = next(
                    (s.id for s in eff_rules if rank[s.id][1] is kind and rank[s.id][0] > layer),
                    None,
                )
        active: set[str] = set()
        overridden: list[tuple[str, str]] = []
        for r in eff_rules:
            layer, kind = rank[r.id]
            over = first_above[(not kind, layer)]
            if over is None:
                active.add(r.id)
            else:
                overridden.append((r.id, over))
        effects = {self.by_id[i].effect for i in active}
        if Effect.VERBOD in effects:
            oordeel = Oordeel.VERBODEN
        elif Effect.PLICHT in effects:
            oordeel = Oordeel.VERPLICHT
        elif Effect.GROND in effects:
            oordeel = Oordeel.TOEGESTAAN
        else:
            oordeel = Oordeel.NIET_TOEGESTAAN
        want = VERDICT_EFFECT.get(oordeel)
        deciding = tuple(r for r in eff_rules if r.id in active and r.effect is want)

        plichten: list[tuple[str, str]] = []
        voorwaarden: list[tuple[str, str]] = []

        def attach(items: tuple[Gevolg, ...], source: str, into: list[tuple[str, str]]) -> None:
            for g in items:
                if holds.gevolg(g):
                    into.append((g.code, source))

        for r in deciding:
            attach(r.plichten, r.id, plichten)
            attach(r.voorwaarden, r.id, voorwaarden)
            if r.noodzaak and nood is None:
                voorwaarden.append((Voorwaarde.NOODZAKELIJKHEID.value, r.id))
        covered = any(r.dekt_bijzondere_gegevens for r in deciding)
        used_aanv: list[str] = []
        for a in self.specs.aanvullingen:
            if oordeel in a.bij and not (a.behalve_bij_dekking and covered) and holds.cond(a.id):
                used_aanv.append(a.id)
                attach(a.plichten, a.id, plichten)
                attach(a.voorwaarden, a.id, voorwaarden)

        grondslag: list[tuple[str, str]] = []
        vvo = ("onbepaald", "")
        for t in self.specs.toekenningen:
            if t.kenmerk == "grondslag":
                if oordeel in (Oordeel.TOEGESTAAN, Oordeel.VERPLICHT) and holds.cond(t.id):
                    grondslag.append((t.waarde.value, t.id))
            elif not vvo[1] and holds.cond(t.id):
                vvo = (t.waarde.value, t.id)

        # the limits in force that can hold for the flow's key, in the rule set's order
        _in_force, limits = self.geldig(dag)
        grenzen = tuple(key for key in self.limits_for(env) if key in limits and holds.grens(key))
        return Trace(
            env=env,
            applies=frozenset(applies),
            effective=frozenset(effective),
            active=frozenset(active),
            oordeel=oordeel,
            deciding=deciding,
            defeated=tuple(defeated),
            overridden=tuple(overridden),
            plichten=tuple(plichten),
            voorwaarden=tuple(voorwaarden),
            grondslag=tuple(grondslag),
            verwerkingsverantwoordelijke=vvo,
            definitions=holds.definitions(),
            grenzen=grenzen,
            aanvullingen=tuple(used_aanv),
            peildatum=dag,
        )

    # -- from trace to decision ------------------------------------------------
    def _sources(self, source_id: str) -> tuple[Bron, ...]:
        return self._bronnen_van.get(source_id, ())

    def _gevolgen(
        self,
        pairs: tuple[tuple[str, str], ...],
        texts: dict[str, Any],
        lang: str,
        with_sources: bool,
    ) -> tuple[Gevolgtekst, ...]:
        sources: dict[str, dict[Bron, None]] = {}
        for code, source in pairs:
            found = sources.setdefault(code, {})
            if with_sources:
                found.update(dict.fromkeys(self._sources(source)))
        if with_sources:  # a duty's own basis (specs/codes.yaml) follows the rules' citations
            for code, found in sources.items():
                found.update(dict.fromkeys(texts[code].bronnen))
        return tuple(
            Gevolgtekst(code, texts[code].tekst.get(lang), tuple(found))
            for code, found in sources.items()
        )

    def decide(self, flow: Flow, lang: str = "nl") -> Decision:
        return self.decision(self.trace(flow), lang)

    def decision(self, t: Trace, lang: str = "nl", explained: bool = True) -> Decision:
        """Present a trace as a :class:`Decision` (shared by both engines); without
        ``explained`` the ``uitleg`` stays empty (for searches that only read the facts)."""
        from .explain import explain

        seen: dict[Bron, None] = {}
        for r in t.deciding:
            seen.update(dict.fromkeys(r.bronnen))
        for aid in t.aanvullingen:
            seen.update(dict.fromkeys(self._sources(aid)))
        for _value, tid in (*t.grondslag, t.verwerkingsverantwoordelijke):
            if tid:
                seen.update(dict.fromkeys(self._toekenning[tid].bronnen))
        for code, _source in t.plichten:
            seen.update(dict.fromkeys(self.specs.plichten[code].bronnen))
        bronnen = list(seen)
        grondslag: list[str] = []
        for value, _tid in t.grondslag:
            if value not in grondslag:
                grondslag.append(value)
        return Decision(
            oordeel=t.oordeel,
            grondslag=tuple(grondslag),
            plichten=self._gevolgen(t.plichten, self.specs.plichten, lang, True),
            voorwaarden=self._gevolgen(t.voorwaarden, self.specs.voorwaarden, lang, False),
            bronnen=tuple(bronnen),
            beroepsgeheim=t.definitions["beroepsgeheim"],
            verwerkingsverantwoordelijke=t.verwerkingsverantwoordelijke[0],
            regels=tuple(r.id for r in t.deciding),
            uitleg=explain(self.by_id, t, lang) if explained else "",
            rulebook=self.specs.digest,
            lang=lang,
            peildatum=t.peildatum,
        )
