"""What would change the verdict: the smallest changes of circumstance, found by Z3.

For one flow and each verdict it does not get, Z3 minimises the number of
changed fields (each field weighs the same) among the fields a caller controls,
holding every other field fixed, over the compiled rulebook. Each answer is then
replayed through the evaluator: the changed flow must get the promised verdict,
or :class:`NearestError` is raised (the two interpreters disagree: a bug, never
an answer).

By default the search may change the professional's facts and the circumstances
(``professional.*``, ``omstandigheden.*``): what the caller can ask, establish or
do differently. The tasks, the category and the betrokkene's age describe the
flow itself, not its circumstances; a caller may still name them in ``velden``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import z3

from ..decision import Decision
from ..model.convert import InvalidInput, flow_from_json, flow_to_json, suggest
from ..model.fields import flow_fields, get_path
from ..model.flow import Flow
from ..model.intake import Problem, show
from ..model.vocabulary import Oordeel
from .guard import serialized
from .sorts import FlowVars

if TYPE_CHECKING:
    from ..rulebook import Rulebook

#: the field groups a caller controls (see the module docstring)
CONTROLLED_PREFIXES = ("professional.", "omstandigheden.")
#: most distinct smallest changes reported per verdict
MAX_PER_OORDEEL = 5
#: time Z3 may take for one search (one verdict), in milliseconds
TIMEOUT_MS = 10_000


class NearestError(RuntimeError):
    """Z3 proposed a change the evaluator does not confirm (a bug in one of the two)."""


class SearchTimeout(RuntimeError):
    """Z3 did not finish the search within its time limit (try fewer fields)."""


def controlled_fields() -> tuple[str, ...]:
    """The dotted paths the search changes by default, in declaration order."""
    return tuple(p for p in flow_fields() if p.startswith(CONTROLLED_PREFIXES))


@attrs.frozen
class Wijziging:
    """One changed field: its dotted path, the value it had and the value it gets."""

    veld: str
    was: Any
    wordt: Any

    def to_dict(self) -> dict[str, Any]:
        return {"veld": self.veld, "was": self.was, "wordt": self.wordt}


@attrs.frozen
class Alternatief:
    """A smallest change that gives another verdict, with the evaluator's decision on it."""

    oordeel: Oordeel
    wijzigingen: tuple[Wijziging, ...]
    flow: Flow
    beslissing: Decision

    def to_dict(self) -> dict[str, Any]:
        return {
            "oordeel": self.oordeel.value,
            "wijzigingen": [w.to_dict() for w in self.wijzigingen],
            "flow": flow_to_json(self.flow),
            "beslissing": self.beslissing.to_dict(),
        }


@attrs.frozen
class Alternatieven:
    """The answer to "what would change the verdict?" for one flow.

    Attributes:
        oordeel: the flow's own verdict.
        velden: the fields the search was allowed to change.
        alternatieven: per other verdict, its smallest changes (fewest fields first).
        onbereikbaar: the verdicts no change of ``velden`` can give.
        rulebook: the digest of the rule set searched.
    """

    oordeel: Oordeel
    velden: tuple[str, ...]
    alternatieven: tuple[Alternatief, ...]
    onbereikbaar: tuple[Oordeel, ...]
    rulebook: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "oordeel": self.oordeel.value,
            "velden": list(self.velden),
            "alternatieven": [a.to_dict() for a in self.alternatieven],
            "onbereikbaar": [o.value for o in self.onbereikbaar],
            "rulebook": self.rulebook,
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def check_velden(velden: Iterable[Any]) -> tuple[str, ...]:
    """Validate a list of field paths; :class:`InvalidInput` names every unknown one."""
    # Any: attrs' converter (tuple) leaves mypy an unsolved Iterable[_T_co] to match
    known: Any = [*flow_fields()]
    out: list[str] = []
    problems: list[Problem] = []
    for i, v in enumerate(velden):
        if not isinstance(v, str) or v not in known:
            message = f"unknown field {show(v)}{suggest(v, known)}; allowed: {', '.join(known)}"
            problems.append(Problem(f"velden[{i}]", message, v, known))
        elif v not in out:
            out.append(v)
    if not out and not problems:
        problems.append(Problem("velden", "name at least one field", value=[]))
    if problems:
        raise InvalidInput(problems)
    return tuple(out)


def nearest(
    rulebook: Rulebook,
    flow: Flow | Mapping[str, Any],
    velden: Iterable[str] | None = None,
    per_oordeel: int = 1,
    lang: str = "nl",
    timeout_ms: int = TIMEOUT_MS,
) -> Alternatieven:
    """The smallest changes of ``velden`` that give ``flow`` another verdict.

    For every other verdict: up to ``per_oordeel`` changes of the smallest size,
    no one a superset of another; verdicts out of reach are listed apart.
    Raises :class:`~pettenlogic.InvalidInput` on a malformed flow or field list,
    :class:`SearchTimeout` when Z3 needs more than ``timeout_ms`` for one verdict.
    """
    parsed = rulebook.as_flow(flow)
    fields = controlled_fields() if velden is None else check_velden(velden)
    if not 1 <= per_oordeel <= MAX_PER_OORDEEL:
        raise ValueError(f"per_oordeel must be 1..{MAX_PER_OORDEEL}, got {per_oordeel!r}")
    current = rulebook.decide(parsed, lang)
    found: list[Alternatief] = []
    unreachable: list[Oordeel] = []
    search = _Search(rulebook, parsed, fields, timeout_ms)
    for target in Oordeel:
        if target is current.oordeel:
            continue
        changes = search.smallest(target, per_oordeel)
        if not changes:
            unreachable.append(target)
        for change in changes:
            found.append(_replay(rulebook, parsed, change, target, lang))
    found.sort(key=lambda a: len(a.wijzigingen))
    return Alternatieven(
        oordeel=current.oordeel,
        velden=fields,
        alternatieven=tuple(found),
        onbereikbaar=tuple(unreachable),
        rulebook=rulebook.digest,
    )


def apply_changes(flow: Flow, changes: Iterable[Wijziging]) -> Flow:
    """The flow with each change made (validated as any flow JSON is)."""
    data = flow_to_json(flow)
    for w in changes:
        *parents, leaf = w.veld.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = w.wordt
    return flow_from_json(data)


def _replay(
    rulebook: Rulebook, flow: Flow, changes: tuple[Wijziging, ...], target: Oordeel, lang: str
) -> Alternatief:
    changed = apply_changes(flow, changes)
    decision = rulebook.decide(changed, lang)
    if decision.oordeel is not target:
        raise NearestError(
            f"Z3 and the evaluator disagree: changing {[w.to_dict() for w in changes]} "
            f"should give {target.value}, the evaluator says {decision.oordeel.value}"
        )
    return Alternatief(target, changes, changed, decision)


class _Search:
    """The compiled rulebook with the fixed fields substituted, ready to minimise."""

    @serialized
    def __init__(
        self, rulebook: Rulebook, flow: Flow, fields: tuple[str, ...], timeout_ms: int
    ) -> None:
        engine = rulebook.z3
        self.timeout_ms = timeout_ms
        self.fv: FlowVars = engine.fv
        self.flow = flow
        self.fields = fields
        free = set(fields)
        fixed: list[tuple[z3.ExprRef, z3.ExprRef]] = []
        pinned = {p: self.fv.pins(p, get_path(flow, p)) for p in flow_fields()}
        for path, pins in pinned.items():
            if path not in free:
                fixed.extend(pins)
        self.fixed = fixed
        self.changed = {
            p: z3.Or([z3.Not(var == value) for var, value in pinned[p]]) for p in fields
        }
        self.verdict = {
            o: z3.simplify(z3.substitute(engine.c.is_verdict[o], *fixed)) if fixed else t
            for o, t in engine.c.is_verdict.items()
        }
        wf = [z3.substitute(c, *fixed) if fixed else c for c in self.fv.well_formed()]
        self.well_formed = [z3.simplify(c) for c in wf]

    @serialized
    def smallest(self, target: Oordeel, limit: int) -> list[tuple[Wijziging, ...]]:
        """Up to ``limit`` smallest change sets giving ``target`` (empty: out of reach)."""
        opt = z3.Optimize()
        opt.set("timeout", self.timeout_ms)
        opt.add(self.verdict[target], *self.well_formed)
        for term in self.changed.values():
            opt.add_soft(z3.Not(term), 1)
        out: list[tuple[Wijziging, ...]] = []
        size = None
        while len(out) < limit:
            status = opt.check()
            if status == z3.unsat:
                break
            if status != z3.sat:
                raise SearchTimeout(
                    f"Z3 did not finish the search for {target.value} within "
                    f"{self.timeout_ms} ms ({opt.reason_unknown()}); try fewer velden"
                )
            model = opt.model()
            changed = [p for p, t in self.changed.items() if z3.is_true(model.eval(t, True))]
            if size is not None and len(changed) > size:
                break
            size = len(changed)
            out.append(tuple(self._change(model, p) for p in changed))
            # the next answer must leave at least one of these fields as it was
            opt.add(z3.Not(z3.And([self.changed[p] for p in changed])))
        return out

    def _change(self, model: z3.ModelRef, path: str) -> Wijziging:
        old = get_path(self.flow, path)
        return Wijziging(path, getattr(old, "value", old), self.fv.value_in(model, path))
