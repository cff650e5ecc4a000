"""The public entry point: a loaded, validated rule set that decides flows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .decision import Decision
from .evaluate import Evaluator, Trace, flatten
from .evaluate.fast import FastPath
from .model.convert import InvalidInput, check_flow_object, flow_from_json, typed_flow_json
from .model.flow import Flow
from .model.intake import Problem, show
from .model.peildatum import FORMAT, lees_datum
from .rules.loader import load_specs
from .rules.spec import Specs

if TYPE_CHECKING:
    from .solver.engine import Z3Engine

LANGS = ("nl", "en")
#: every engine gives the same decision; "compiled" shares decisions between flows
ENGINES = ("evaluator", "compiled", "z3")


class Rulebook:
    """A validated rule set. Build it with :func:`load_rulebook`."""

    def __init__(self, specs: Specs) -> None:
        self.specs = specs
        self.evaluator = Evaluator(specs)
        self.fast = FastPath(specs, self.evaluator)
        self._z3: Z3Engine | None = None

    @property
    def digest(self) -> str:
        """``sha256:…`` of the spec files that make up this rule set."""
        return self.specs.digest

    @staticmethod
    def as_flow(flow: Flow | Mapping[str, Any]) -> Flow:
        """Accept a :class:`Flow` or its flow JSON, both validated strictly.

        A :class:`Flow` built in Python (directly or with ``attrs.evolve``) is
        checked as well: attrs does not enforce types, and an unchecked object
        could otherwise reach a decision the JSON path would refuse.
        """
        if isinstance(flow, Flow):
            problems = check_flow_object(flow)
            if problems:
                raise InvalidInput(problems)
            return flow
        return flow_from_json(flow)

    def decide(
        self,
        flow: Flow | Mapping[str, Any],
        lang: str = "nl",
        engine: str = "evaluator",
        peildatum: str | datetime.date | None = None,
    ) -> Decision:
        """Decide one flow; raises :class:`~pettenlogic.InvalidInput` on malformed input.

        The default ``engine="evaluator"`` runs the interpreter; ``"compiled"``
        evaluates the conditions with code generated per ``van.taak``, settles
        them by the evaluator's own procedure, and reuses that decision for a flow
        whose conditions come out the same and for a dict asked again (see
        :mod:`pettenlogic.evaluate.fast`; fast once warm); ``"z3"`` evaluates the
        compiled Z3 formulas. All three give the same decision (differential tests
        check it).

        ``peildatum`` (an ISO date, or a :class:`datetime.date`) is the day whose law
        decides a flow that names none itself; without either, it is today.
        """
        self._check_options(lang, engine)
        if peildatum is not None:
            flow = with_peildatum(flow, peildatum)
        if engine == "compiled":
            return self._decide_fast(flow, lang)
        parsed = self.as_flow(flow)
        if engine == "z3":
            return self.z3.decide(parsed, lang)
        return self.evaluator.decide(parsed, lang)

    def _decide_fast(self, flow: Flow | Mapping[str, Any], lang: str) -> Decision:
        # a dict, or a Flow's JSON once its members have their types, goes through the
        # compiled acceptor; anything it declines is validated in full below
        data = flow if type(flow) is dict else None
        if isinstance(flow, Flow):
            data = typed_flow_json(flow)
        if data is not None:
            decision = self.fast.decide_dict(data, lang)
            if decision is not None:
                return decision
        return self._decide_validated(flow, lang)

    def _decide_validated(self, flow: Flow | Mapping[str, Any], lang: str) -> Decision:
        """The compiled path after full validation (which raises InvalidInput)."""
        parsed = self.as_flow(flow)
        return self.fast.decide(self.fast.values(flatten(parsed)), lang)

    def decide_many(
        self,
        flows: Iterable[Flow | Mapping[str, Any]],
        lang: str = "nl",
        engine: str = "evaluator",
        peildatum: str | datetime.date | None = None,
    ) -> Iterator[Decision]:
        """Decide flows one by one as they are read (an iterator, so memory stays flat).

        An invalid flow raises :class:`~pettenlogic.InvalidInput` when it is reached,
        naming its index; the decisions before it have been yielded.
        """
        self._check_options(lang, engine)
        if peildatum is not None:
            with_peildatum({}, peildatum)  # a bad date fails here, before any flow is read
        if engine == "compiled" and peildatum is None:
            return self._decide_each_compiled(flows, lang)
        return self._decide_each(flows, lang, engine, peildatum)

    def _decide_each(
        self,
        flows: Iterable[Flow | Mapping[str, Any]],
        lang: str,
        engine: str,
        peildatum: str | datetime.date | None,
    ) -> Iterator[Decision]:
        for index, flow in enumerate(flows):
            try:
                decision = self.decide(flow, lang, engine, peildatum)
            except InvalidInput as exc:
                raise InvalidInput(exc.problems, f"[{index}]") from None
            yield decision

    def _decide_each_compiled(
        self, flows: Iterable[Flow | Mapping[str, Any]], lang: str
    ) -> Iterator[Decision]:
        """The compiled engine's loop: a dict goes straight to the fast path (without
        the checks of :meth:`decide`); one the acceptor declines is validated in full,
        not offered to it again."""
        decide_dict = self.fast.decide_dict
        for index, flow in enumerate(flows):
            data = flow if type(flow) is dict else None
            decision = None if data is None else decide_dict(data, lang)
            if decision is None:
                try:
                    if data is not None:
                        decision = self._decide_validated(data, lang)
                    else:
                        decision = self.decide(flow, lang, "compiled")
                except InvalidInput as exc:
                    raise InvalidInput(exc.problems, f"[{index}]") from None
            yield decision

    @staticmethod
    def _check_options(lang: str, engine: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")

    @property
    def z3(self) -> Z3Engine:
        """The rulebook compiled to Z3 (built once, on first use, by one thread)."""
        if self._z3 is None:
            from .solver.guard import Z3_LOCK

            with Z3_LOCK:
                if self._z3 is None:
                    from .solver.engine import Z3Engine

                    self._z3 = Z3Engine(self.specs)
        return self._z3

    def __getstate__(self) -> dict[str, Any]:
        # the rule data travels; compiled closures and Z3 terms are rebuilt on arrival
        return {"specs": self.specs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["specs"])  # type: ignore[misc]

    def trace(self, flow: Flow | Mapping[str, Any]) -> Trace:
        """The evaluator's full reasoning for one flow (for tests and tools)."""
        return self.evaluator.trace(self.as_flow(flow))


def with_peildatum(
    flow: Flow | Mapping[str, Any], peildatum: str | datetime.date
) -> Flow | Mapping[str, Any]:
    """The flow with ``peildatum`` filled in where it names none (its own one wins).

    A malformed date raises :class:`~pettenlogic.InvalidInput` naming the option.
    """
    if isinstance(peildatum, datetime.date) and not isinstance(peildatum, datetime.datetime):
        # the day it stores, read by date's own method (a subclass's isoformat may lie)
        day = datetime.date.fromordinal(datetime.date.toordinal(peildatum))
    else:
        parsed = lees_datum(peildatum)
        if parsed is None:
            problem = Problem("peildatum", f"not a date: got {show(peildatum)}; expected {FORMAT}")
            raise InvalidInput([problem], "option peildatum")
        day = parsed
    if isinstance(flow, Flow):
        return flow if flow.peildatum is not None else attrs.evolve(flow, peildatum=day)
    if isinstance(flow, Mapping) and flow.get("peildatum") is None:
        return {**flow, "peildatum": day.isoformat()}
    return flow


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """Load the bundled rule set, or the spec folder at ``path`` (for what-if analysis)."""
    return Rulebook(load_specs(path))
