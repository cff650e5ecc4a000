"""A rulebook that decides within a gemeente's inrichting.

It is the ordinary :class:`~pettenlogic.rulebook.Rulebook` of the rules plus the
gemeente's local policy; each decision additionally carries the optional
``inrichting`` field: the gemeente and the local choices that bore on the flow
(a local rule that decided or that the law set aside, a kader the flow falls
outside of, a choice that fixes the legal frame of one of its tasks).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..decision import Decision
from ..model.flow import Flow
from ..rulebook import Rulebook, with_peildatum
from ..rules.spec import Specs
from .inrichting import Gemeente
from .loader import load_with_rules
from .narrow import notes


class GemeenteRulebook(Rulebook):
    """Decides like :class:`Rulebook` and says which local choices mattered."""

    def __init__(self, specs: Specs, gemeente: Gemeente) -> None:
        super().__init__(specs)
        self.gemeente = gemeente

    def decide(
        self,
        flow: Flow | Mapping[str, Any],
        lang: str = "nl",
        engine: str = "evaluator",
        peildatum: str | datetime.date | None = None,
    ) -> Decision:
        if peildatum is not None:
            flow = with_peildatum(flow, peildatum)
        decision = super().decide(flow, lang, engine)
        trace = self.trace(flow)
        found = notes(self.gemeente, self.specs, self.evaluator, trace, decision)
        return attrs.evolve(
            decision,
            inrichting={
                "gemeente": self.gemeente.inrichting.gemeente,
                "keuzes": [n.to_dict() for n in found],
            },
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"specs": self.specs, "gemeente": self.gemeente}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["specs"], state["gemeente"])  # type: ignore[misc]


def load_gemeente_rulebook(name: str | Path, rules: str | Path | None = None) -> Rulebook:
    """The rulebook for ``--gemeente``: a :class:`GemeenteRulebook` for an inrichting,
    the plain rulebook with the local rules for a file of lokaal rules only."""
    gemeente, specs = load_with_rules(name, rules)
    return Rulebook(specs) if gemeente is None else GemeenteRulebook(specs, gemeente)
