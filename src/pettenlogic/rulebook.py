"""The public entry point: a loaded, validated rule set that decides flows."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .decision import Decision
from .evaluate import Evaluator, Trace
from .model.convert import flow_from_json
from .model.flow import Flow
from .rules.loader import load_specs
from .rules.spec import Specs

LANGS = ("nl", "en")


class Rulebook:
    """A validated rule set. Build it with :func:`load_rulebook`."""

    def __init__(self, specs: Specs) -> None:
        self.specs = specs
        self.evaluator = Evaluator(specs)

    @property
    def digest(self) -> str:
        """``sha256:…`` of the spec files that make up this rule set."""
        return self.specs.digest

    @staticmethod
    def as_flow(flow: Flow | Mapping[str, Any]) -> Flow:
        """Accept a :class:`Flow` or its DESIGN §4 JSON (validated strictly)."""
        if isinstance(flow, Flow):
            return flow
        return flow_from_json(flow)

    def decide(self, flow: Flow | Mapping[str, Any], lang: str = "nl") -> Decision:
        """Decide one flow; raises :class:`~pettenlogic.InvalidInput` on malformed input."""
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
        return self.evaluator.decide(self.as_flow(flow), lang)

    def trace(self, flow: Flow | Mapping[str, Any]) -> Trace:
        """The evaluator's full reasoning for one flow (for tests and tools)."""
        return self.evaluator.trace(self.as_flow(flow))


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """Load the bundled rule set, or the spec folder at ``path`` (for what-if analysis)."""
    return Rulebook(load_specs(path))
