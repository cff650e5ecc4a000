"""Multi-step reachability: can data that sits in one task end up in another?

A *chain* is a sequence of permitted flows (``toegestaan`` or ``verplicht``) in
which each flow starts where the previous one ended. How data labels travel
(docs/reachability.md; D65-D67):

* the data stays the same data about the same person: ``gegevens`` is fixed along
  the chain (treatment data stays treatment data);
* data that arrived in a task is that task's data: the next step's ``van`` is the
  previous step's ``naar`` (once in a toeleidingsdossier, it is toeleiding data);
* every step has its own professional and circumstances: consent for one step is
  not consent for the next;
* data under a statutory secrecy stays under it while it stays in that dossier
  (D70): a step that keeps the data where it is cannot hand it to a colleague who
  is not bound, so every later step out of that dossier is a step of someone bound
  by the secrecy.

A query is three step conditions in the property language: ``begin`` on the
first step, ``stap`` on every step and ``einde`` on the last. The answer is a
least fixpoint over solver-computed steps (:mod:`.edges`): every step is found
with a concrete flow or excluded by an ``unsat``, and the set of places is finite,
so breadth-first search is an unbounded proof. A chain found is the shortest, and
each of its steps is replayed through the evaluator and the Z3 formulas, which
must agree (:class:`~.prove.InternalMismatch` otherwise).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import attrs

from ..model.convert import flow_from_json, flow_to_json
from ..rules.expr import TRUE, And, Cmp, Not, Ref
from ..rules.spec import Specs
from .compiler import Compiled
from .edges import PERMITS, Finder, Steps, Voorwaarde
from .guard import serialized
from .places import Plaats, data_classes, data_fields, show_data
from .properties import Eigenschap
from .prove import InternalMismatch, Outcome
from .sorts import FlowVars


@attrs.frozen
class Keten:
    """A shortest witness chain: its flows and their decisions, in order."""

    gegevens: str
    stappen: tuple[dict[str, Any], ...]  # flow JSON per step
    beslissingen: tuple[dict[str, Any], ...]  # decision JSON per step

    def to_dict(self) -> dict[str, Any]:
        return {
            "gegevens": self.gegevens,
            "stappen": [
                {"stroom": s, "beslissing": d}
                for s, d in zip(self.stappen, self.beslissingen, strict=True)
            ],
        }


@attrs.frozen
class Vraag:
    """A reachability question: the conditions on the first, every and the last step."""

    begin: Any = TRUE
    stap: Any = TRUE
    einde: Any = TRUE


def conjoin(*parts: Any) -> Any:
    """The conjunction of conditions, leaving out those that are just True."""
    kept = [p for p in parts if p != TRUE]
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def place_condition(path: str, value: str | None) -> Any:
    """``path == value`` as a condition (True when no value is given)."""
    return TRUE if value is None else Cmp(path, "==", value)


class Reachability:
    """Reachability over one rule set; steps are computed once per condition."""

    def __init__(
        self,
        specs: Specs,
        extra: tuple[Any, ...] = (),
        timeout_ms: int = 20_000,
        compiled: tuple[FlowVars, Compiled] | None = None,
    ) -> None:
        self.specs = specs
        self.finder = Finder(specs, extra, timeout_ms, compiled)

    def steps(self, expr: Any) -> Steps:
        return self.finder.steps(Voorwaarde.of(expr))

    # -- one question ----------------------------------------------------------------
    def shortest(self, vraag: Vraag) -> Keten | None:
        """The shortest chain answering ``vraag``, replayed; None when there is none."""
        single = self.steps(conjoin(vraag.begin, vraag.stap, vraag.einde))
        stages = Stages(
            first=self.steps(conjoin(vraag.begin, vraag.stap)),
            first_open=self.steps(conjoin(vraag.begin, vraag.stap, NOT_GEHEIM)),
            mid=self.steps(vraag.stap),
            mid_geheim=self.steps(conjoin(vraag.stap, GEHEIM)),
            last=self.steps(conjoin(vraag.einde, vraag.stap)),
            last_geheim=self.steps(conjoin(vraag.einde, vraag.stap, GEHEIM)),
        )
        n = len(self.finder.plaatsen)
        relations = (single, *attrs.astuple(stages, recurse=False))
        best: list[ChainStep] | None = None
        done: set[tuple[tuple[int, int], ...]] = set()
        for di in range(len(self.finder.vasts)):
            # a data class with the same classes as one searched before has its steps
            key = tuple(s.data_key(di) for s in relations)
            if key in done:
                continue
            done.add(key)
            one = next(
                ((di, u, v) for u in range(n) for v, ok in enumerate(single.row(di, u)) if ok),
                None,
            )
            if one is not None:
                return self._replay(vraag, [(one, single, TRUE)])
            path = _bfs(di, n, stages)
            if path is not None and (best is None or len(path) < len(best)):
                best = path
        if best is None:
            return None
        return self._replay(vraag, best)

    @serialized
    def _replay(self, vraag: Vraag, chain: list[ChainStep]) -> Keten:
        """Decide every step again with the evaluator and the Z3 formulas; both must permit,
        and a step out of a dossier under secrecy must be one of someone bound by it."""
        flows, decisions = [], []
        ev = self.finder.ev
        for i, (t, steps, label) in enumerate(chain):
            env = steps.env(t)
            assert env is not None, "a chain step without a flow"
            flow = flow_from_json(_json(env))
            decision = ev.decide(flow)
            z3_verdict = self.finder.z3_verdict(flow)
            if decision.oordeel not in PERMITS or z3_verdict is not decision.oordeel:
                raise InternalMismatch(
                    f"chain step {i + 1}: the evaluator says {decision.oordeel.value}, "
                    f"Z3 says {z3_verdict.value}, for {flow_to_json(flow)}"
                )
            conds = [vraag.stap]
            if i == 0:
                conds.append(vraag.begin)
            if i == len(chain) - 1:
                conds.append(vraag.einde)
            conds.append(label)
            if not self.finder.satisfies(Voorwaarde.of(conjoin(*conds)), env):
                raise InternalMismatch(f"chain step {i + 1} does not meet its conditions")
            flows.append(flow_to_json(flow))
            decisions.append(decision.to_dict())
        vast = self.finder.vasts[chain[0][0][0]]
        return Keten(show_data(vast), tuple(flows), tuple(decisions))

    # -- every triple ----------------------------------------------------------------
    def all_triples(self, stap: Any = TRUE) -> dict[tuple[str, Plaats, Plaats], bool]:
        """For every (categorie, van place, naar place): reachable in one or more steps
        under ``stap``, for some data of that category."""
        mid = self.steps(stap)
        n = len(self.finder.plaatsen)
        cat = _categorie_index()
        out: dict[tuple[str, Plaats, Plaats], bool] = {}
        for di, vast in enumerate(self.finder.vasts):
            succ = mid.successors(di)
            for u in range(n):
                seen = _closure(succ, succ[u])
                for v in range(n):
                    key = (vast[cat], self.finder.plaatsen[u], self.finder.plaatsen[v])
                    out[key] = out.get(key, False) or v in seen
        return out


def _categorie_index() -> int:
    return data_fields().index("gegevens.categorie")


def _closure(succ: list[list[int]], start: list[int]) -> set[int]:
    seen = set(start)
    todo = list(start)
    while todo:
        for w in succ[todo.pop()]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


Triple = tuple[int, int, int]
#: the data sits under a statutory secrecy (the decision's ``beroepsgeheim``)
GEHEIM = Ref("beroepsgeheim")
NOT_GEHEIM = Not(GEHEIM)
#: a step of a chain: its triple, the relation it was found in, the secrecy condition it met
ChainStep = tuple[Triple, Steps, Any]


@attrs.frozen
class Stages:
    """The step relations of one question: the first, a middle and the last step, each
    also as a step out of a dossier under secrecy (D70). ``first_open``: a first step
    that leaves the data where it is without putting it under secrecy."""

    first: Steps
    first_open: Steps
    mid: Steps
    mid_geheim: Steps
    last: Steps
    last_geheim: Steps


def _bfs(di: int, n: int, stages: Stages) -> list[ChainStep] | None:
    """The shortest chain of two or more steps for data class ``di``: each step as its
    triple, the relation it was found in and the secrecy condition it met (D70).

    A state is a place and whether the data sits there under secrecy. A step to
    another place ends the secrecy's hold (that place's rules decide, D66); a step that
    keeps the data in place keeps it under secrecy once it was. A state under secrecy
    allows only the steps of those bound by it, so it is never better than the same
    place without; the search skips it when the place was reached without.
    """
    State = tuple[int, bool]
    parent: dict[State, State | None] = {}
    first_step: dict[State, ChainStep] = {}
    queue: deque[State] = deque()

    def reach(state: State, via: State | None) -> bool:
        place, geheim = state
        if state in parent or (geheim and (place, False) in parent):
            return False
        parent[state] = via
        queue.append(state)
        return True

    for u in range(n):
        for v, ok in enumerate(stages.first.row(di, u)):
            t = (di, u, v)
            if not ok:
                continue
            if v != u:
                if reach((v, False), None):
                    first_step[(v, False)] = (t, stages.first, TRUE)
            elif stages.first_open.has(t):
                if reach((v, False), None):
                    first_step[(v, False)] = (t, stages.first_open, NOT_GEHEIM)
            elif reach((v, True), None):  # every such first step puts the data under secrecy
                first_step[(v, True)] = (t, stages.first, GEHEIM)
    while queue:
        w, geheim = queue.popleft()
        last = stages.last_geheim if geheim else stages.last
        end = next((x for x, ok in enumerate(last.row(di, w)) if ok), None)
        if end is not None:
            label = GEHEIM if geheim else TRUE
            chain: list[ChainStep] = [((di, w, end), last, label)]
            state: State = (w, geheim)
            prev = parent[state]
            while prev is not None:
                mid = stages.mid_geheim if prev[1] else stages.mid
                chain.append(((di, prev[0], state[0]), mid, GEHEIM if prev[1] else TRUE))
                state, prev = prev, parent[prev]
            chain.append(first_step[state])
            return list(reversed(chain))
        mid = stages.mid_geheim if geheim else stages.mid
        for x in mid.successors_of(di, w):
            # staying in place keeps the secrecy; from an open state staying adds nothing
            reach((x, geheim and x == w), (w, geheim))
    return None


def _json(env: dict[str, Any]) -> dict[str, Any]:
    """A flat environment back to flow JSON (absent optional values left out)."""
    out: dict[str, Any] = {}
    for path, value in env.items():
        if value is None:
            continue
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class ChainProver:
    """Proves chain properties (``keten:``); one :class:`Reachability` per set of data
    classes, so a property that compares the age at a new value gets its own."""

    def __init__(
        self,
        specs: Specs,
        timeout_ms: int = 20_000,
        compiled: tuple[FlowVars, Compiled] | None = None,
    ) -> None:
        """``compiled``: the rules compiled once, shared by every :class:`Reachability`."""
        self.specs = specs
        self.timeout_ms = timeout_ms
        self.compiled = compiled
        self._by_classes: dict[tuple[Any, ...], Reachability] = {}

    def reachability(self, exprs: tuple[Any, ...]) -> Reachability:
        classes = tuple(data_classes(self.specs, exprs))
        found = self._by_classes.get(classes)
        if found is None:
            found = self._by_classes[classes] = Reachability(
                self.specs, exprs, self.timeout_ms, self.compiled
            )
        return found

    def prove(self, prop: Eigenschap) -> Outcome:
        start = time.perf_counter()
        k = prop.keten
        assert k is not None, "not a chain property"
        try:
            keten = self.reachability((k.begin, k.stap, k.einde)).shortest(
                Vraag(k.begin, k.stap, k.einde)
            )
        except TimeoutError:
            return Outcome(
                prop.naam, prop.verwacht, "onbekend", None, None, time.perf_counter() - start
            )
        seconds = time.perf_counter() - start
        if keten is None:
            return Outcome(prop.naam, prop.verwacht, "geldt", None, None, seconds)
        return Outcome(
            prop.naam,
            prop.verwacht,
            "tegenvoorbeeld",
            {"keten": list(keten.stappen)},
            {"keten": list(keten.beslissingen)},
            seconds,
        )
