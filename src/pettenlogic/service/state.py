"""The rulebooks a service decides against, loaded once when the app is made."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ..rulebook import Rulebook, load_rulebook
from .proofs import ProofCache
from .settings import STANDAARD, Settings

if TYPE_CHECKING:
    from fastapi import Request


@attrs.define
class Loaded:
    """One configured rule set: its rulebook, where it came from, and its proofs."""

    name: str
    rulebook: Rulebook
    rules: str | None
    proofs: ProofCache


@attrs.define
class ServiceState:
    """Everything a request may read; nothing in it changes after start except the
    proof outcomes, which only ever go from absent to present."""

    settings: Settings
    regelsets: dict[str, Loaded]

    @classmethod
    def load(cls, settings: Settings) -> ServiceState:
        """Load every configured rule set; raises :class:`~pettenlogic.SpecError`."""
        sources: dict[str, str | None] = {STANDAARD: settings.rules}
        for name, folder in settings.regelsets:
            if name in sources:
                raise ValueError(f"rule set name '{name}' is given twice")
            sources[name] = folder
        loaded = {}
        for name, path in sources.items():
            book = load_rulebook(path)
            proofs = ProofCache(book, path, settings.solver_timeout_s)
            loaded[name] = Loaded(name, book, path, proofs)
        return cls(settings, loaded)


def service_state(request: Request) -> ServiceState:
    """The state of the app serving ``request`` (set by :func:`~.app.create_app`)."""
    state: ServiceState = request.app.state.pettenlogic
    return state
