"""The typed rule set (Rulebook contents): rules, definitions, citations.

These frozen objects are what the loader produces and what both interpreters
(the evaluator and the Z3 compiler) read.
"""

from __future__ import annotations

import attrs

from ..model.vocabulary import (
    LAAG_RANG,
    Effect,
    Grondslag,
    Laag,
    Oordeel,
    Plicht,
    Regeling,
    Verwerkingsverantwoordelijke,
    Voorwaarde,
)
from .expr import TRUE, Expr

#: BWBR identifiers for Juriconnect URLs (wetten.overheid.nl). BW books differ.
BWBR: dict[Regeling, str] = {
    Regeling.JEUGDWET: "BWBR0034925",
    Regeling.WMO: "BWBR0035362",
    Regeling.PARTICIPATIEWET: "BWBR0015703",
    Regeling.WGS: "BWBR0031664",
    Regeling.UAVG: "BWBR0040940",
    Regeling.WET_BIG: "BWBR0006251",
    Regeling.SV: "BWBR0001903",
    Regeling.AWB: "BWBR0005537",
    Regeling.BESLUIT_JEUGDWET: "BWBR0035779",
}
BW_BOEKEN = {"1": "BWBR0002656", "7": "BWBR0005290"}
AVG_URL = "https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:32016R0679"


def juriconnect(regeling: Regeling, artikel: str, lid: str | None) -> str | None:
    """The article's URL: Juriconnect on wetten.overheid.nl, EUR-Lex for the AVG."""
    if regeling is Regeling.AVG:
        return AVG_URL
    if regeling is Regeling.HANDREIKING:
        return None
    if regeling is Regeling.BW:
        boek, _, nummer = artikel.partition(":")
        bwbr = BW_BOEKEN[boek]
        ref = f"jci1.3:c:{bwbr}&boek={boek}&artikel={nummer}"
    else:
        ref = f"jci1.3:c:{BWBR[regeling]}&artikel={artikel}"
    if lid:
        ref += f"&lid={lid}"
    return f"https://wetten.overheid.nl/{ref}"


@attrs.frozen(cache_hash=True)
class Bron:
    """A citation: a law article (with lid) or a handreiking section (with page)."""

    regeling: Regeling
    artikel: str
    lid: str | None = None
    pagina: int | None = None
    titel: str | None = None

    @property
    def url(self) -> str | None:
        return juriconnect(self.regeling, self.artikel, self.lid)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"regeling": self.regeling.value, "artikel": self.artikel}
        if self.lid:
            out["lid"] = self.lid
        if self.pagina is not None:
            out["pagina"] = self.pagina
        if self.titel:
            out["titel"] = self.titel
        url = self.url
        if url:
            out["url"] = url
        return out

    def label(self) -> str:
        if self.regeling is Regeling.HANDREIKING:
            page = f", p. {self.pagina}" if self.pagina else ""
            return f"handreiking §{self.artikel}{page}"
        lid = f" lid {self.lid}" if self.lid else ""
        return f"{self.regeling.value} {self.artikel}{lid}"


@attrs.frozen
class Tekst:
    """A paraphrase in Dutch and English (our own words)."""

    nl: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


@attrs.frozen
class Waar:
    """Where in a spec file something was written (for file:line messages)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@attrs.frozen
class Gevolg:
    """A duty or open condition attached by a rule, optionally conditional."""

    code: str
    als: Expr = TRUE


@attrs.frozen
class Grens:
    """A note explaining why an obvious ground does not reach a case."""

    als: Expr
    uitleg: Tekst


@attrs.frozen
class Regel:
    """One normative rule."""

    id: str
    titel: Tekst
    laag: Laag
    effect: Effect
    als: Expr
    uitleg: Tekst
    bronnen: tuple[Bron, ...]
    sectie: str
    uitzondering_op: tuple[str, ...] = ()
    noodzaak: bool = False
    plichten: tuple[Gevolg, ...] = ()
    voorwaarden: tuple[Gevolg, ...] = ()
    grenzen: tuple[Grens, ...] = ()
    dekt_bijzondere_gegevens: bool = False
    waar: Waar = Waar("?", 0)

    @property
    def rang(self) -> int:
        return LAAG_RANG[self.laag]

    @property
    def permissief(self) -> bool:
        return self.effect is not Effect.VERBOD


@attrs.frozen
class Aanvulling:
    """Duties or conditions added to any decision with a given verdict."""

    id: str
    bij: frozenset[Oordeel]
    als: Expr
    plichten: tuple[Gevolg, ...]
    voorwaarden: tuple[Gevolg, ...]
    behalve_bij_dekking: bool
    uitleg: Tekst
    bronnen: tuple[Bron, ...]
    sectie: str
    waar: Waar = Waar("?", 0)


@attrs.frozen
class Toekenning:
    """Assigns a controller or an AVG ground to the receiving task."""

    id: str
    kenmerk: str  # 'verwerkingsverantwoordelijke' | 'grondslag'
    waarde: Verwerkingsverantwoordelijke | Grondslag
    als: Expr
    uitleg: Tekst
    bronnen: tuple[Bron, ...]
    sectie: str
    waar: Waar = Waar("?", 0)


@attrs.frozen
class Definitie:
    """A named derived predicate, reusable in rules and properties."""

    naam: str
    als: Expr
    uitleg: Tekst
    bronnen: tuple[Bron, ...]
    sectie: str
    waar: Waar = Waar("?", 0)


@attrs.frozen
class CodeTekst:
    """Text of a duty or condition code."""

    code: str
    tekst: Tekst


@attrs.frozen
class Sectie:
    """A section of the handreiking."""

    id: str
    titel: str
    pagina: int
    hoofdstuk: int


@attrs.frozen
class Specs:
    """Everything the loader read, validated and resolved."""

    regels: tuple[Regel, ...]
    definities: tuple[Definitie, ...]
    aanvullingen: tuple[Aanvulling, ...]
    toekenningen: tuple[Toekenning, ...]
    verzamelingen: dict[str, tuple[str, frozenset[str]]]
    plichten: dict[str, CodeTekst]
    voorwaarden: dict[str, CodeTekst]
    secties: dict[str, Sectie]
    digest: str

    def regel(self, rule_id: str) -> Regel:
        for r in self.regels:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def exception_structure(
    regels: tuple[Regel, ...],
) -> tuple[dict[str, list[Regel]], list[Regel]]:
    """Who is an exception to whom, and an order in which every exception comes
    before the rule it defeats (the graph is acyclic: the loader rejects cycles).

    Both interpreters use this to compute "effective" in dependency order.
    """
    exceptors: dict[str, list[Regel]] = {r.id: [] for r in regels}
    for r in regels:
        for target in r.uitzondering_op:
            exceptors[target].append(r)
    done: set[str] = set()
    order: list[Regel] = []

    def visit(r: Regel) -> None:
        if r.id in done:
            return
        done.add(r.id)
        for x in exceptors[r.id]:
            visit(x)
        order.append(r)

    for r in regels:
        visit(r)
    return exceptors, order


__all__ = [
    "Aanvulling",
    "Bron",
    "CodeTekst",
    "Definitie",
    "Gevolg",
    "Grens",
    "Plicht",
    "Regel",
    "Sectie",
    "Specs",
    "Tekst",
    "Toekenning",
    "Voorwaarde",
    "Waar",
    "exception_structure",
]
