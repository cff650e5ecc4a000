"""The compiled decision path: generated condition code, and decisions shared by signature.

What a decision depends on (see the interpreter): which rules apply (their
conditions, the day's rule set, and necessity), and then, given the rules that
decide, the conditions of their duties and open conditions, the aanvullingen,
the toekenningen, the limits in force and the ``beroepsgeheim`` definition.

1. :mod:`.codegen` writes every one of those conditions, partially evaluated for the
   flow's ``van.taak``, as one generated Python function returning two bitmasks:
   rule conditions and the rest. Built on first use of a task, then a few µs a flow.
2. The rules that apply (masked by the day's rule set and by necessity) fix the
   deciding rules, so they fix which of the other conditions can matter: that
   *relevance mask* is learnt from the trace the first time a combination of
   applying rules is seen.
3. The decision is a function of the day, the language, the applying rules, whether
   necessity is still open for them, and the relevant other bits. The first flow
   with a new signature is settled by the evaluator's own procedure
   (:meth:`~.interpreter.Evaluator.settle`: exceptions, layers, verdict, duties),
   reading the conditions from the bits instead of its closures; its (immutable)
   decision is shared with every later flow of the same signature.
4. A dict flow asked again (the same ``marshal`` bytes, see :meth:`FastPath.decide_dict`)
   or a JSON text read again (the same bytes) gets its decision from a table
   without being checked or computing the bits.

So the compiled path and the interpreter share everything but the evaluation of
the conditions, and flows with other tasks and categories share a decision
whenever the law treats them alike; differential tests against the interpreter
(closures) and the Z3 engine check that nothing is missed. Dicts are checked by a
schema-compiled acceptor (:mod:`.accept`) that needs no :class:`~pettenlogic.Flow`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import attrs

from ..decision import Decision
from ..model.intake import marshalled
from ..model.peildatum import dag_van, vandaag
from ..rules.expr import Expr, Ref
from ..rules.spec import Specs
from .accept import Values, flow_reader
from .codegen import compile_bits
from .interpreter import PEILDATUM, Env, Evaluator, Holds, Trace
from .residue import NOODZAKELIJK

# The tables are bounded so that memory stays flat on any stream of flows (a decision
# is about 1.5 KB with its explanation, a kept flow's marshal bytes about 0.8 KB); past a bound,
# new entries are computed each time without being kept.
#: most decisions kept per signature
MAX_MEMO = 20_000
#: most flow dicts (and flow texts) kept per language, for flows asked again
MAX_SEEN = 16_384
VAN_TAAK = "van.taak"

Kept = tuple[str | None, Decision]
"""a decision kept for a flow: (its day, or None when the flow names it; the decision)"""


def _keep(table: dict[Any, Kept], key: Any, kept: Kept) -> None:
    """Keep a decision while the table has room (past it, the flow is decided anew)."""
    if len(table) < MAX_SEEN:
        table[key] = kept


@attrs.frozen
class Layout:
    """Which bit of the second mask is which condition (besides the rule conditions)."""

    conditions: tuple[Expr, ...]
    gevolg: dict[int, int]  # id(Gevolg) -> bit
    cond: dict[str, int]  # aanvulling or toekenning id -> bit
    grens: dict[tuple[str, int], int]  # (rule id, index) -> bit
    beroepsgeheim: int

    @staticmethod
    def of(specs: Specs) -> Layout:
        conditions: list[Expr] = []

        def bit(e: Expr) -> int:
            conditions.append(e)
            return len(conditions) - 1

        gevolg: dict[int, int] = {}
        cond: dict[str, int] = {}
        grens: dict[tuple[str, int], int] = {}
        for r in specs.regels:
            for g in (*r.plichten, *r.voorwaarden):
                gevolg[id(g)] = bit(g.als)
            for i, limit in enumerate(r.grenzen):
                grens[(r.id, i)] = bit(limit.als)
        for a in specs.aanvullingen:
            cond[a.id] = bit(a.als)
            for g in (*a.plichten, *a.voorwaarden):
                gevolg[id(g)] = bit(g.als)
        for t in specs.toekenningen:
            cond[t.id] = bit(t.als)
        secret = bit(Ref("beroepsgeheim"))
        return Layout(tuple(conditions), gevolg, cond, grens, secret)


Bits = Callable[[Values], tuple[int, ...]]
"""generated condition code: a flow's values to (rule bits, other bits)"""

#: rule sets whose generated code is kept for the next rulebook of the same rules
MAX_SHARED = 8


class Code:
    """The generated condition code of one rule set, per ``van.taak``: built on first
    use of a task (about 13 ms each on the bundled rules) and shared by every
    rulebook of the same rules, so loading a rule set again costs no compiling."""

    def __init__(self, specs: Specs) -> None:
        self.specs = specs
        self.bits: dict[Any, Bits] = {}


_shared: OrderedDict[str, Code] = OrderedDict()
_shared_lock = threading.Lock()


def shared_code(specs: Specs) -> Code:
    """The code of the rule set with these specs' digest, if its rules are these
    (specs changed in memory, with ``attrs.evolve``, keep their files' digest, so the
    rules themselves are compared); else a new one, kept in place of the old."""
    with _shared_lock:
        code = _shared.get(specs.digest)
        if code is None or not (code.specs is specs or code.specs == specs):
            code = _shared[specs.digest] = Code(specs)
        _shared.move_to_end(specs.digest)
        while len(_shared) > MAX_SHARED:
            _shared.popitem(last=False)
        return code


class FastPath:
    """Per-rulebook tables: the relevance masks, the decisions seen per signature and
    per flow; and the generated condition code per ``van.taak``, which rulebooks
    of the same rules share (:func:`shared_code`)."""

    def __init__(self, specs: Specs, evaluator: Evaluator) -> None:
        self.specs = specs
        self.evaluator = evaluator
        self.reader = flow_reader()
        self.layout = Layout.of(specs)
        self.definitions = {d.naam: d.als for d in specs.definities}
        self.rule_bit = {r.id: i for i, r in enumerate(specs.regels)}
        self.noodzaak = sum(1 << i for i, r in enumerate(specs.regels) if r.noodzaak)
        self.bits = shared_code(specs).bits
        self.in_force: dict[int, int] = {}  # epoch -> mask of the rules in force
        self.relevant: dict[tuple[int, int], int] = {}  # (epoch, applying) -> mask
        self.memo: dict[tuple[Any, ...], Decision] = {}
        self.traces: dict[tuple[Any, ...], tuple[Trace, Decision]] = {}
        # per language: a flow dict's marshal bytes -> (its day, or None when the flow
        # names it; the decision)
        self.seen: dict[str, dict[bytes, Kept]] = {lang: {} for lang in ("nl", "en")}
        # per language: a flow's JSON text -> the same, for flows read from text
        self.texts: dict[str, dict[bytes, Kept]] = {lang: {} for lang in ("nl", "en")}
        fields = self.reader.fields
        self.i_van, self.i_dag = fields.index(VAN_TAAK), fields.index(PEILDATUM)
        self.i_nood = fields.index(NOODZAKELIJK)

    def values(self, env: Env) -> Values:
        """An environment (from :func:`~.interpreter.flatten`) as the reader's values."""
        return tuple(env[path] for path in self.reader.fields)

    def _bits_for(self, van: Any) -> Bits:
        fn = self.bits.get(van)
        if fn is None:
            groups = ([r.als for r in self.specs.regels], self.layout.conditions)
            known = {VAN_TAAK: van}
            fn = self.bits[van] = compile_bits(self.definitions, known, groups, self.reader.fields)
        return fn

    def _in_force(self, epoch: int, dag: str) -> int:
        mask = self.in_force.get(epoch)
        if mask is None:
            in_force, _limits = self.evaluator.geldig(dag)
            mask = self.in_force[epoch] = sum(
                1 << self.rule_bit[rid] for rid in in_force if rid in self.rule_bit
            )
        return mask

    def decide_dict(self, data: dict[str, Any], lang: str) -> Decision | None:
        """The decision for a flow dict, or ``None`` when the acceptor does not take it
        (then the full validator decides and words the error).

        A flow decided before gets that decision again, if it names its day or was
        decided today. It is recognised by its marshal bytes
        (:func:`~pettenlogic.model.intake.marshalled`: equal bytes are the same JSON
        flow; a dict that is not plain data is left to the full validator). The bytes also
        follow which objects are shared, so an equal flow built otherwise may be
        decided anew: never the other way round.
        """
        raw = marshalled(data)
        if raw is None:  # not plain data: the slow way reads what it stores
            return None
        hit = self.seen[lang].get(raw)
        if hit is not None and (hit[0] is None or hit[0] == vandaag()):
            return hit[1]
        try:
            vals = self.reader.read(data)
        except Exception:  # not expected on plain data; the slow path decides
            return None
        if vals is None:
            return None
        decision = self.decide(vals, lang)
        _keep(self.seen[lang], raw, (self._day(vals, decision), decision))
        return decision

    def decide_values(self, vals: Values, lang: str, text: bytes | None = None) -> Decision:
        """The decision for a checked flow's values (see :mod:`.typed`); with ``text``
        (the flow's JSON text they were read from), kept for :meth:`recall`."""
        decision = self.decide(vals, lang)
        if text is not None:
            _keep(self.texts[lang], text, (self._day(vals, decision), decision))
        return decision

    def _day(self, vals: Values, decision: Decision) -> str | None:
        """The day a kept decision holds for: None when the flow names its day (always),
        else the day it was decided (a flow without peildatum means today)."""
        return None if vals[self.i_dag] is not None else decision.peildatum

    def recall(self, text: bytes, lang: str) -> Decision | None:
        """The decision of a flow whose JSON text, these very bytes, was decided before
        (see ``text`` of :meth:`decide_values`), if it names its day or was decided today.
        The same bytes are the same JSON document: no need to read them again."""
        hit = self.texts[lang].get(text)
        if hit is not None and (hit[0] is None or hit[0] == vandaag()):
            return hit[1]
        return None

    def _conditions(self, vals: Values) -> tuple[str, int, int, int]:
        """(day, epoch, the rules that apply, the other conditions' bits) of a flow.

        The day is resolved once here (a flow without peildatum means today), so the
        signature and the settled trace see the same day."""
        rules, other = self._bits_for(vals[self.i_van])(vals)
        dag = dag_van(vals[self.i_dag])
        epoch = self.evaluator.epoch(dag)
        applying = rules & self._in_force(epoch, dag)
        if vals[self.i_nood] is False:
            applying &= ~self.noodzaak
        return dag, epoch, applying, other

    def _signature(self, vals: Values, dag: str, epoch: int, applying: int, other: int) -> Any:
        """What a decision depends on besides the language, or None while the relevance
        mask of these applying rules is not learnt yet."""
        relevant = self.relevant.get((epoch, applying))
        if relevant is None:
            return None
        open_necessity = vals[self.i_nood] is None and bool(applying & self.noodzaak)
        return (dag, applying, open_necessity, other & relevant)

    def _learn(self, vals: Values, dag: str, epoch: int, applying: int, other: int) -> Any:
        """Settle a new signature: its trace, and the signature (now that the relevance
        mask of its applying rules is known)."""
        trace = self._settle(vals, dag, applying, other)
        if (epoch, applying) not in self.relevant:
            self.relevant[(epoch, applying)] = self._relevance(trace)
        return trace, self._signature(vals, dag, epoch, applying, other)

    def decide(self, vals: Values, lang: str) -> Decision:
        """The decision for a validated flow's values."""
        found = self._conditions(vals)
        sig = self._signature(vals, *found)
        # the decision names its day, so decisions are shared between flows of one day
        decision = None if sig is None else self.memo.get((lang, sig))
        if decision is not None:
            return decision
        trace, sig = self._learn(vals, *found)
        decision = self.evaluator.decision(trace, lang)
        if len(self.memo) < MAX_MEMO:
            self.memo[(lang, sig)] = decision
        return decision

    def settled(self, env: Env) -> tuple[Trace, Decision]:
        """The trace and unexplained decision of a validated flow's environment (as
        :func:`~.interpreter.flatten` gives it), shared by every flow of its signature:
        the chain search asks for thousands of flows that differ in nothing relevant.

        The trace is that of the first flow of the signature, so its ``env`` is that
        flow's: read the fields of a flow from its own environment. Its
        ``definitions`` hold only ``beroepsgeheim``, the one a decision reads."""
        vals = self.values(env)
        found = self._conditions(vals)
        sig = self._signature(vals, *found)
        hit = None if sig is None else self.traces.get(sig)
        if hit is None:
            trace, sig = self._learn(vals, *found)
            hit = (trace, self.evaluator.decision(trace, explained=False))
            if len(self.traces) < MAX_MEMO:
                self.traces[sig] = hit
        return hit

    def _settle(self, vals: Values, dag: str, applying: int, other: int) -> Trace:
        """The evaluator's trace for a new signature, its conditions read from the bits
        of the generated code (the same truth values its closures would give)."""
        lay = self.layout
        env = dict(zip(self.reader.fields, vals, strict=True))
        env[PEILDATUM] = dag  # the day the signature was computed for, as the decision says
        applies = {r.id for i, r in enumerate(self.specs.regels) if applying >> i & 1}
        secret = bool(other >> lay.beroepsgeheim & 1)
        holds = Holds(
            gevolg=lambda g: bool(other >> lay.gevolg[id(g)] & 1),
            cond=lambda cid: bool(other >> lay.cond[cid] & 1),
            grens=lambda key: bool(other >> lay.grens[key] & 1),
            definitions=lambda: {"beroepsgeheim": secret},
        )
        return self.evaluator.settle(env, dag, applies, holds)

    def _relevance(self, trace: Trace) -> int:
        """Which other conditions can change a decision with these deciding rules: the
        deciding rules' duties and open conditions, the aanvullingen that may join
        this verdict (and theirs), the toekenningen, the limits and the secrecy."""
        lay = self.layout
        bits = [lay.beroepsgeheim, *lay.grens.values()]
        for r in trace.deciding:
            bits += [lay.gevolg[id(g)] for g in (*r.plichten, *r.voorwaarden)]
        covered = any(r.dekt_bijzondere_gegevens for r in trace.deciding)
        for a in self.specs.aanvullingen:
            if trace.oordeel in a.bij and not (a.behalve_bij_dekking and covered):
                bits.append(lay.cond[a.id])
                bits += [lay.gevolg[id(g)] for g in (*a.plichten, *a.voorwaarden)]
        bits += [lay.cond[t.id] for t in self.specs.toekenningen]
        return sum(1 << b for b in set(bits))
