"""The decision (DESIGN §5) as a frozen value with its JSON form."""

from __future__ import annotations

from typing import Any

import attrs

from .model.vocabulary import Oordeel
from .rules.spec import Bron


@attrs.frozen
class Gevolgtekst:
    """A duty or condition on a decision, with its text and sources."""

    code: str
    tekst: str
    bronnen: tuple[Bron, ...] = ()

    def to_json(self, with_sources: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "tekst": self.tekst}
        if with_sources:
            out["bronnen"] = [b.to_json() for b in self.bronnen]
        return out


@attrs.frozen
class Decision:
    """The answer to "may this flow happen?"."""

    oordeel: Oordeel
    grondslag: tuple[str, ...]
    plichten: tuple[Gevolgtekst, ...]
    voorwaarden: tuple[Gevolgtekst, ...]
    bronnen: tuple[Bron, ...]
    beroepsgeheim: bool
    verwerkingsverantwoordelijke: str
    regels: tuple[str, ...]
    uitleg: str
    rulebook: str
    lang: str = "nl"

    @property
    def plicht_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.plichten)

    @property
    def voorwaarde_codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.voorwaarden)

    def to_json(self) -> dict[str, Any]:
        return {
            "oordeel": self.oordeel.value,
            "grondslag": list(self.grondslag),
            "plichten": [p.to_json(True) for p in self.plichten],
            "voorwaarden": [v.to_json(False) for v in self.voorwaarden],
            "bronnen": [b.to_json() for b in self.bronnen],
            "beroepsgeheim": self.beroepsgeheim,
            "verwerkingsverantwoordelijke": self.verwerkingsverantwoordelijke,
            "regels": list(self.regels),
            "uitleg": self.uitleg,
            "rulebook": self.rulebook,
        }
