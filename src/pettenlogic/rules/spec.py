"""The typed rule set (Rulebook contents): rules, definitions, citations.

These frozen objects are what the loader produces and what both interpreters
(the evaluator and the Z3 compiler) read.
"""

from __future__ import annotations

import attrs

from ..model.peildatum import geldt_op
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

#: the short names of the regelingen in citation labels ("Jeugdwet 7.4.0 lid 1")
KORTE_NAAM: dict[Regeling, str] = {
    Regeling.JEUGDWET: "Jeugdwet",
    Regeling.WMO: "Wmo 2015",
    Regeling.PARTICIPATIEWET: "Participatiewet",
    Regeling.WGS: "Wgs",
    Regeling.AVG: "AVG",
    Regeling.UAVG: "UAVG",
    Regeling.BW: "BW",
    Regeling.WET_BIG: "Wet BIG",
    Regeling.SV: "Sv",
    Regeling.AWB: "Awb",
    Regeling.BESLUIT_JEUGDWET: "Besluit Jeugdwet",
    Regeling.HANDREIKING: "handreiking",
}
#: the AVG's Dutch text on EUR-Lex. EUR-Lex has no stable link to one article, so
#: every AVG citation links to the whole text and names the article in its label (D8).
AVG_URL = "https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:32016R0679"


def juriconnect(
    regeling: Regeling, bwb: str, artikel: str, lid: str | None, versie: str | None
) -> str:
    """A Juriconnect link on wetten.overheid.nl to the article as in force on ``versie``.

    ``&g=`` (geldigheidsdatum) selects the version valid on that date; BW links name
    the book (``&boek=7&artikel=457``). Onderdelen are not part of the link.
    """
    if regeling is Regeling.BW:
        boek, _, nummer = artikel.partition(":")
        ref = f"jci1.3:c:{bwb}&boek={boek}&artikel={nummer}"
    else:
        ref = f"jci1.3:c:{bwb}&artikel={artikel}"
    if lid:
        ref += f"&lid={lid}"
    if versie:
        ref += f"&g={versie}"
    return f"https://wetten.overheid.nl/{ref}"


@attrs.frozen(cache_hash=True)
class Bron:
    """A citation: a law article (lid, onderdeel, version) or a handreiking section (page).

    ``versie`` is the date of the consolidated version the citation encodes and
    ``bwb`` the id of its text; both are filled in by the loader from the article
    inventory (``specs/artikelen.yaml``).
    """

    regeling: Regeling
    artikel: str
    lid: str | None = None
    pagina: int | None = None
    titel: str | None = None
    onderdeel: str | None = None
    sub: str | None = None
    aanhef: bool = False
    versie: str | None = None
    bwb: str | None = None

    @property
    def url(self) -> str | None:
        if self.regeling is Regeling.AVG:
            return AVG_URL
        if self.regeling is Regeling.HANDREIKING or not self.bwb:
            return None
        return juriconnect(self.regeling, self.bwb, self.artikel, self.lid, self.versie)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"regeling": self.regeling.value, "artikel": self.artikel}
        if self.lid:
            out["lid"] = self.lid
        if self.onderdeel:
            out["onderdeel"] = self.onderdeel
        if self.sub:
            out["sub"] = self.sub
        if self.aanhef:
            out["aanhef"] = True
        if self.versie:
            out["versie"] = self.versie
        if self.pagina is not None:
            out["pagina"] = self.pagina
        if self.titel:
            out["titel"] = self.titel
        url = self.url
        if url:
            out["url"] = url
        return out

    def label(self) -> str:
        """The citation as read: ``Jeugdwet 7.4.0 lid 1 aanhef en onder a``, ``AVG 4 onder 7``.

        A handreiking section reads ``handreiking §2.8, p. 22``.
        """
        if self.regeling is Regeling.HANDREIKING:
            page = f", p. {self.pagina}" if self.pagina else ""
            return f"handreiking §{self.artikel}{page}"
        parts = [KORTE_NAAM[self.regeling], self.artikel]
        if self.lid:
            parts.append(f"lid {self.lid}")
        if self.onderdeel:
            parts.append(f"{'aanhef en ' if self.aanhef else ''}onder {self.onderdeel}")
        if self.sub:
            parts.append(f"sub {self.sub}°")
        return " ".join(parts)


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
    """A note explaining why an obvious ground does not reach a case.

    ``geldig_van`` / ``geldig_tot`` bound the note to a version of the law, like a rule's.
    """

    als: Expr
    uitleg: Tekst
    geldig_van: str | None = None
    geldig_tot: str | None = None

    def geldt_op(self, dag: str) -> bool:
        return geldt_op(self.geldig_van, self.geldig_tot, dag)


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
    #: the rule states what the handreiking says without a statutory basis (laag richtlijn)
    alleen_handreiking: bool = False
    waar: Waar = Waar("?", 0)
    #: the version of the law the rule encodes holds from this date (None: at every date
    #: before ``geldig_tot``); ISO dates, see :mod:`pettenlogic.model.peildatum`
    geldig_van: str | None = None
    #: ... up to, not including, this date (None: open-ended)
    geldig_tot: str | None = None

    def geldt_op(self, dag: str) -> bool:
        """Whether the version this rule encodes is the law on ``dag``."""
        return geldt_op(self.geldig_van, self.geldig_tot, dag)

    @property
    def versiegebonden(self) -> bool:
        return self.geldig_van is not None or self.geldig_tot is not None

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
    """Text of a duty or condition code, with the citations behind a duty."""

    code: str
    tekst: Tekst
    bronnen: tuple[Bron, ...] = ()


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


def versiegrenzen(specs: Specs) -> tuple[str, ...]:
    """Every date at which some rule or limit starts or stops holding, ascending.

    Between two consecutive dates (and before the first, after the last) the same
    rules hold: these are the *epochs* of the rule set. A flow's peildatum matters
    only through the epoch it falls in.
    """
    dates: set[str] = set()
    spans: list[tuple[str | None, str | None]] = []
    for r in specs.regels:
        spans.append((r.geldig_van, r.geldig_tot))
        spans.extend((g.geldig_van, g.geldig_tot) for g in r.grenzen)
    for span in spans:
        dates.update(d for d in span if d is not None)
    return tuple(sorted(dates))


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
    "versiegrenzen",
]
