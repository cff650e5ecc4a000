"""Consistency checks of a rule set, each finding with a witness flow.

* ``conflict`` (fout): a plicht and a verbod of the same layer take effect on one
  flow — the layer contradicts itself.
* ``dood`` (fout): a rule (or aanvulling, toekenning) that no well-formed flow can
  trigger; an unsat core of named assertions says which parts clash.
* ``overschaduwd`` (waarschuwing): a rule that applies to some flow but never
  decides one.
* ``lokaal_opzij`` (fout): a lokaal rule that the law (a higher layer of opposite
  polarity) sets aside on some flow; ``lokale_grond_zonder_wet`` (fout): a lokaal
  ground that permits a flow no higher-layer rule permits.
* ``uitzondering_zonder_effect`` (fout): an exception from a lower layer to a
  higher one, which the semantics ignores.
* ``overlap`` (info): a grond and a verbod of one layer meet; the verbod wins by
  design, listed for review.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import attrs
import z3

from ..model.convert import flow_from_json, flow_to_json
from ..rules.expr import And, unparse
from ..rules.spec import Regel, Specs
from .compiler import Compiled
from .guard import can_fork, fork_map, serialized
from .sorts import FlowVars

ERNST_ORDER = {"fout": 0, "waarschuwing": 1, "info": 2}


@attrs.frozen
class Finding:
    soort: str
    ernst: str  # fout | waarschuwing | info
    regels: tuple[str, ...]
    bericht: str
    getuige: dict[str, Any] | None = None
    kern: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "soort": self.soort,
            "ernst": self.ernst,
            "regels": list(self.regels),
            "bericht": self.bericht,
            "getuige": self.getuige,
            "kern": list(self.kern),
        }


class CheckTimeout(RuntimeError):
    """The time limit of a check ran out; ``findings`` holds what was found until then."""

    def __init__(self, seconds: float, findings: list[Finding]) -> None:
        self.seconds = seconds
        self.findings = findings
        super().__init__(f"check did not finish within {seconds:g} s")


class Checker:
    """The checks of one rule set, as independent query groups.

    A *group* is the queries about one rule (does it apply, decide, meet opposite
    rules), one aanvulling or one toekenning. Each group runs on a fresh solver that
    holds the well-formedness constraints, and adds and retracts its queries with
    push/pop (the witness a group finds does not depend on which groups ran before,
    so groups may run in any order or process). Pairs of rules are only put to the
    solver when their key boxes meet (:mod:`pettenlogic.evaluate.keys`); the
    others cannot apply together.
    """

    def __init__(
        self,
        specs: Specs,
        timeout_s: float | None = None,
        prune: bool = True,
        share_witnesses: bool = True,
    ) -> None:
        self.specs = specs
        self.share_witnesses = share_witnesses
        self.timeout_s = timeout_s
        self.deadline = None if timeout_s is None else time.monotonic() + timeout_s
        self.found: list[Finding] = []
        self.fv = FlowVars("")
        self.c = Compiled(specs, self.fv, prune=prune)
        self.well_formed = self.fv.well_formed()
        self._well_formed_all = z3.And(self.well_formed)
        self.solver = self._fresh()
        #: witness per (shared side, conditions) while :meth:`run` runs; None otherwise
        #: (the gemeente audit narrows the solver itself, which the key cannot see)
        self.cache: dict[tuple[int, ...], dict[str, Any] | None] | None = None
        self.side: tuple[int, ...] = ()
        rules = specs.regels
        self.groups: list[tuple[str, int]] = [("regel", i) for i in range(len(rules))]
        self.groups += [("aanvulling", i) for i in range(len(specs.aanvullingen))]
        self.groups += [("toekenning", i) for i in range(len(specs.toekenningen))]

    def _fresh(self) -> z3.Solver:
        solver = z3.Solver()
        solver.add(self._well_formed_all)
        return solver

    def witness(self, *conds: z3.BoolRef) -> dict[str, Any] | None:
        """A well-formed flow satisfying ``conds`` (normalised via the model), or None.

        In :meth:`run` every group starts from the well-formedness constraints alone,
        so the answer depends only on ``conds`` and the group's shared side
        (``self.side``). Z3 shares equal terms, and rules with equal conditions and
        exceptions (copies, or a local rule restating the law) have equal terms, so
        the answer is cached on the terms' ids: such rules cost one query, not one
        per pair."""
        key = None
        if self.cache is not None:
            key = (*self.side, *sorted(c.get_id() for c in conds))
            if key in self.cache:
                return self.cache[key]
        found = self._solve(*conds)
        if key is not None and self.cache is not None:
            self.cache[key] = found
        return found

    def _solve(self, *conds: z3.BoolRef) -> dict[str, Any] | None:
        self.solver.push()
        self.solver.add(*conds)
        try:
            self._limit(self.solver)
            result = self.solver.check()
            if result == z3.unknown and self.deadline is not None:
                self._expired()
            if result != z3.sat:
                return None
            raw = self.fv.flow_json(self.solver.model())
            return flow_to_json(flow_from_json(raw))
        finally:
            self.solver.pop()

    def core(self, rule: Regel) -> tuple[str, ...]:
        """Named assertions that cannot hold together (why a rule is dead)."""
        s = z3.Solver()
        for i, wf in enumerate(self.well_formed):
            s.assert_and_track(wf, f"welgevormd#{i}")
        parts = rule.als.operands if isinstance(rule.als, And) else (rule.als,)
        for part in parts:
            s.assert_and_track(self.c.ec.compile(part), f"{rule.id}: {unparse(part)}")
        if rule.noodzaak:
            s.assert_and_track(z3.Not(self.c.nood_nee), f"{rule.id}: noodzakelijk != False")
        self._limit(s)
        if s.check() != z3.unsat:
            return ()
        return tuple(sorted(str(x) for x in s.unsat_core()))

    def _limit(self, solver: z3.Solver) -> None:
        """Give the next query only the time that is left."""
        if self.deadline is None:
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            self._expired()
        solver.set("timeout", max(1, int(left * 1000)))

    def _expired(self) -> None:
        assert self.timeout_s is not None
        raise CheckTimeout(self.timeout_s, sorted(self.found, key=_order))

    def run(self, workers: int = 1) -> list[Finding]:
        """Every finding, sorted; ``workers`` > 1 spreads the groups over processes."""
        self.static()
        todo = list(range(len(self.groups)))
        self.cache = {} if self.share_witnesses else None
        try:
            if workers > 1 and len(todo) >= PARALLEL_MIN_GROUPS and can_fork():
                self._run_parallel(todo, workers)
            else:
                for g in todo:
                    self.run_group(g)
        finally:
            self.cache = None
        return sorted(self.found, key=_order)

    def static(self) -> None:
        """Exceptions aimed at a higher layer (no solver needed)."""
        by_id = {r.id: r for r in self.specs.regels}
        for r in self.specs.regels:
            for target in r.uitzondering_op:
                t = by_id.get(target)
                if t is not None and r.rang < t.rang:
                    self.found.append(
                        Finding(
                            "uitzondering_zonder_effect",
                            "fout",
                            (r.id, t.id),
                            f"{r.id} ({r.laag.value}) is declared an exception to {t.id} "
                            f"({t.laag.value}); a lower layer cannot set aside a higher one",
                        )
                    )

    def run_group(self, g: int) -> None:
        kind, i = self.groups[g]
        self.solver = self._fresh()
        if kind == "regel":
            self._rule(i)
        elif kind == "aanvulling":
            a = self.specs.aanvullingen[i]
            if self.witness(self.c.aanvulling_used[a.id]) is None:
                self.found.append(
                    Finding("dood", "fout", (a.id,), f"aanvulling {a.id} is never attached")
                )
        else:
            tk = self.specs.toekenningen[i]
            c = self.c
            used = c.grondslag_used.get(tk.id) if tk.kenmerk == "grondslag" else None
            term = used if used is not None else c.vvo_chosen.get(tk.id)
            if term is not None and self.witness(term) is None:
                self.found.append(
                    Finding("dood", "fout", (tk.id,), f"toekenning {tk.id} never takes effect")
                )

    def _rule(self, i: int) -> None:
        c, rules, out = self.c, self.specs.regels, self.found
        r = rules[i]
        applies = self.witness(c.applies[r.id])
        if applies is None:
            out.append(
                Finding(
                    "dood",
                    "fout",
                    (r.id,),
                    f"{r.id} can never apply to a well-formed flow",
                    kern=self.core(r),
                )
            )
            return  # it meets no rule either: nothing else to ask
        if self.witness(c.deciding[r.id]) is None:
            out.append(
                Finding(
                    "overschaduwd",
                    "waarschuwing",
                    (r.id,),
                    f"{r.id} applies to some flows but never decides one",
                    applies,
                )
            )
        met = c.met_by(r)
        later = [
            rules[j]
            for j in c.meeting[r.id]
            if j > i and rules[j].laag is r.laag and rules[j].permissief != r.permissief
        ]
        higher = []
        if r.laag.value == "lokaal":
            higher = [s for s in met if s.rang > r.rang and s.permissief != r.permissief]
        if later or higher:
            self.solver.push()  # every pair query below shares r's side
            self.solver.add(c.effective[r.id])
            self.side = (-1, c.effective[r.id].get_id())  # -1: no condition id is negative
            try:
                for s in later:
                    self._overlap(r, s)
                for s in higher:
                    flow = self.witness(c.effective[s.id])
                    if flow is not None:
                        out.append(
                            Finding(
                                "lokaal_opzij",
                                "fout",
                                (r.id, s.id),
                                f"local rule {r.id} is set aside by {s.id} "
                                f"({s.laag.value}) on this flow",
                                flow,
                            )
                        )
            finally:
                self.solver.pop()
                self.side = ()
        if r.laag.value == "lokaal" and r.permissief:
            self._ground_without_law(r, met)

    def _overlap(self, r: Regel, s: Regel) -> None:
        flow = self.witness(self.c.effective[s.id])
        if flow is None:
            return
        if "plicht" in {r.effect.value, s.effect.value}:
            self.found.append(
                Finding(
                    "conflict",
                    "fout",
                    (r.id, s.id),
                    f"{r.id} ({r.effect.value}) and {s.id} "
                    f"({s.effect.value}) both take effect in layer "
                    f"{r.laag.value}",
                    flow,
                )
            )
        else:
            self.found.append(
                Finding(
                    "overlap",
                    "info",
                    (r.id, s.id),
                    f"{r.id} and {s.id} meet in layer {r.laag.value}; the verbod wins",
                    flow,
                )
            )

    def _ground_without_law(self, r: Regel, candidates: Sequence[Regel]) -> None:
        """A local permitting rule active where no higher permitting rule takes effect."""
        c = self.c
        higher_permit = z3.Or(
            [c.effective[s.id] for s in candidates if s.rang > r.rang and s.permissief]
        )
        flow = self.witness(c.active[r.id], z3.Not(higher_permit))
        if flow is not None:
            self.found.append(
                Finding(
                    "lokale_grond_zonder_wet",
                    "fout",
                    (r.id,),
                    f"local rule {r.id} permits a flow that no rule of the law or guidance permits",
                    flow,
                )
            )

    def _run_chunk(self, groups: list[int]) -> tuple[list[Finding], bool]:
        """Run some groups in a forked worker (its own copy of Z3's context and of this
        checker): its findings, and whether the time ran out."""
        self.found = []
        try:
            for g in groups:
                self.run_group(g)
        except CheckTimeout:
            return self.found, True
        return self.found, False

    def _run_parallel(self, todo: list[int], workers: int) -> None:
        chunks = [todo[w::workers] for w in range(workers)]
        results = fork_map(self._run_chunk, chunks, workers)
        timed_out = False
        for found, expired in results:
            self.found.extend(found)
            timed_out = timed_out or expired
        if timed_out:
            self._expired()

    # -- the same questions for a subset of the rules, on the persistent solver (the
    # gemeente audit narrows that solver with its kaders and asks about its own rules)

    def exceptions(self, rules: tuple[Regel, ...]) -> None:
        """Exceptions from a lower layer to a higher one (which the semantics ignores)."""
        by_id = {r.id: r for r in self.specs.regels}
        for r in rules:
            for target in r.uitzondering_op:
                t = by_id.get(target)
                if t is not None and r.rang < t.rang:
                    self.found.append(
                        Finding(
                            "uitzondering_zonder_effect",
                            "fout",
                            (r.id, t.id),
                            f"{r.id} ({r.laag.value}) is declared an exception to {t.id} "
                            f"({t.laag.value}); a lower layer cannot set aside a higher one",
                        )
                    )

    def dead_or_shadowed(self, rules: tuple[Regel, ...]) -> None:
        c = self.c
        for r in rules:
            if self.witness(c.applies[r.id]) is None:
                self.found.append(
                    Finding(
                        "dood",
                        "fout",
                        (r.id,),
                        f"{r.id} can never apply to a well-formed flow",
                        kern=self.core(r),
                    )
                )
                continue
            if self.witness(c.deciding[r.id]) is None:
                self.found.append(
                    Finding(
                        "overschaduwd",
                        "waarschuwing",
                        (r.id,),
                        f"{r.id} applies to some flows but never decides one",
                        self.witness(c.applies[r.id]),
                    )
                )

    def dead_extras(self) -> None:
        """Aanvullingen never attached and toekenningen that never take effect."""
        c, out = self.c, self.found
        for a in self.specs.aanvullingen:
            if self.witness(c.aanvulling_used[a.id]) is None:
                out.append(Finding("dood", "fout", (a.id,), f"aanvulling {a.id} is never attached"))
        for tk in self.specs.toekenningen:
            used = c.grondslag_used.get(tk.id) if tk.kenmerk == "grondslag" else None
            term = used if used is not None else c.vvo_chosen.get(tk.id)
            if term is not None and self.witness(term) is None:
                out.append(
                    Finding("dood", "fout", (tk.id,), f"toekenning {tk.id} never takes effect")
                )

    def conflicts(self, rules: tuple[Regel, ...]) -> None:
        """Rules of one layer and opposite polarity that meet (at least one in ``rules``)."""
        c, every = self.c, self.specs.regels
        mine = {r.id for r in rules}
        for i, r in enumerate(every):
            for s in every[i + 1 :]:
                if r.laag is not s.laag or r.permissief == s.permissief:
                    continue
                if r.id not in mine and s.id not in mine:
                    continue
                self.solver.push()
                try:
                    self.solver.add(c.effective[r.id])
                    self._overlap(r, s)
                finally:
                    self.solver.pop()

    def local(self, rules: tuple[Regel, ...]) -> None:
        """Local rules that the law sets aside, and local grounds without a legal one."""
        c, out, every = self.c, self.found, self.specs.regels
        for r in rules:
            if r.laag.value != "lokaal":
                continue
            for s in every:
                if s.rang > r.rang and s.permissief != r.permissief:
                    flow = self.witness(z3.And(c.effective[r.id], c.effective[s.id]))
                    if flow is not None:
                        out.append(
                            Finding(
                                "lokaal_opzij",
                                "fout",
                                (r.id, s.id),
                                f"local rule {r.id} is set aside by {s.id} "
                                f"({s.laag.value}) on this flow",
                                flow,
                            )
                        )
            if r.permissief:
                self._ground_without_law(r, every)


#: below this many query groups, starting processes costs more than it saves
PARALLEL_MIN_GROUPS = 400


def _order(f: Finding) -> tuple[int, str, tuple[str, ...]]:
    return (ERNST_ORDER[f.ernst], f.soort, f.regels)


@serialized
def check(specs: Specs, timeout_s: float | None = None, workers: int = 1) -> list[Finding]:
    """Every finding; with ``timeout_s``, raise :class:`CheckTimeout` when time runs out.

    ``workers`` > 1 runs the query groups in that many forked processes (each with its
    own Z3 context) when there are enough of them; the findings are the same.
    """
    return Checker(specs, timeout_s).run(workers)
