"""Types of the response bodies, from which the OpenAPI document is generated.

They describe, and do not produce, the JSON: responses are written by the
library (``Decision.to_json()``, the rule catalogue), and the Schemathesis test
checks every response against these types. Enums come from the vocabulary, so a
new code there shows up here without an edit.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from ..model.vocabulary import (
    Effect,
    Grondslag,
    Laag,
    Oordeel,
    Plicht,
    Regeling,
    Verwerkingsverantwoordelijke,
    Voorwaarde,
)

Digest = Annotated[
    str, Field(pattern=r"^sha256:[0-9a-f]{64}$", description="sha256 of the rule set")
]


class Bron(TypedDict):
    """A citation: a law article (with lid, onderdeel and version) or a handreiking section."""

    regeling: Regeling
    artikel: str
    lid: NotRequired[str]
    onderdeel: NotRequired[str]
    sub: NotRequired[str]
    aanhef: NotRequired[bool]
    versie: NotRequired[Annotated[str, Field(description="date of the law version encoded")]]
    pagina: NotRequired[int]
    titel: NotRequired[str]
    url: NotRequired[Annotated[str, Field(description="link to the article (Juriconnect)")]]


class PlichtTekst(TypedDict):
    """A duty the flow brings, with its text and the sources it rests on."""

    code: Plicht
    tekst: str
    bronnen: list[Bron]


class VoorwaardeTekst(TypedDict):
    """An open condition: a judgement the caller must still make."""

    code: Voorwaarde
    tekst: str


class Beslissing(TypedDict):
    """The decision on one flow (the decision JSON of the contract)."""

    oordeel: Oordeel
    grondslag: list[Grondslag]
    plichten: list[PlichtTekst]
    voorwaarden: list[VoorwaardeTekst]
    bronnen: list[Bron]
    beroepsgeheim: bool
    verwerkingsverantwoordelijke: Verwerkingsverantwoordelijke
    regels: list[str]
    uitleg: str
    rulebook: Digest


class Beslissingen(TypedDict):
    """The decisions on a batch, in the order of the flows."""

    beslissingen: list[Beslissing]


class Tekst(TypedDict):
    """A text in Dutch and English."""

    nl: str
    en: str


class GevolgCode(TypedDict):
    """A duty or open condition a rule attaches, and when (if not always)."""

    code: str
    als: NotRequired[str]


class Grens(TypedDict):
    """Why an obvious ground does not reach a case."""

    als: str
    uitleg: Tekst


class Regel(TypedDict):
    """One rule: condition, effect, layer, duties, citations and explanation."""

    soort: Literal["regel"]
    id: str
    titel: Tekst
    laag: Laag
    effect: Effect
    sectie: str
    als: str
    uitzondering_op: list[str]
    noodzaak: bool
    dekt_bijzondere_gegevens: bool
    plichten: list[GevolgCode]
    voorwaarden: list[GevolgCode]
    bronnen: list[Bron]
    uitleg: Tekst
    grenzen: list[Grens]
    waar: Annotated[str, Field(description="file:line of the rule in its spec folder")]


class RegelKort(TypedDict):
    """A rule in the catalogue."""

    id: str
    laag: Laag
    effect: Effect
    titel: str
    sectie: str
    bestand: str


class Verzameling(TypedDict):
    """A named set of values that conditions can refer to."""

    soort: str
    waarden: list[str]


class Catalogus(TypedDict):
    """The rule catalogue of a rule set."""

    rulebook: Digest
    regels: list[RegelKort]
    definities: list[str]
    aanvullingen: list[str]
    toekenningen: list[str]
    verzamelingen: dict[str, Verzameling]


class Bewijs(TypedDict):
    """The outcome of proving one property with Z3."""

    uitkomst: Literal["geldt", "tegenvoorbeeld", "onbekend"]
    zoals_verwacht: bool
    tegenvoorbeeld: Annotated[
        dict[str, Any] | None, Field(description="a flow (or pair of flows) that breaks it")
    ]
    beslissing: Annotated[
        dict[str, Any] | None, Field(description="the decision(s) on the counterexample")
    ]
    seconden: float


class Eigenschap(TypedDict):
    """A property of the rule set and its last proof (null while not yet proved)."""

    naam: str
    sectie: str
    verwacht: Literal["geldt", "tegenvoorbeeld"]
    uitleg: Tekst
    bewijs: Bewijs | None


class Eigenschappen(TypedDict):
    """The properties of a rule set and how far proving them has come."""

    status: Literal["niet_gestart", "bezig", "klaar", "mislukt"]
    rulebook: Digest
    solver_tijdslimiet_seconden: float
    fout: str | None
    eigenschappen: list[Eigenschap]


class RegelsetStatus(TypedDict):
    """A rule set the service decides against."""

    naam: str
    rulebook: Digest
    regels: int


class Gezondheid(TypedDict):
    """Whether the service is up, and what it serves."""

    status: Literal["ok"]
    versie: Annotated[str, Field(description="version of the API (semver)")]
    pettenlogic: Annotated[str, Field(description="version of the pettenlogic library")]
    regelsets: list[RegelsetStatus]


class Locatie(TypedDict):
    """Where an invalid value is: a JSON Pointer into the body, or a parameter name."""

    pointer: NotRequired[str]
    name: NotRequired[str]


# 'in' is a Python keyword, hence the functional form
OngeldigVeld = TypedDict(
    "OngeldigVeld",
    {
        "in": Annotated[
            Literal["body", "query", "path", "header"], Field(description="part of the request")
        ],
        "location": Locatie,
        "detail": Annotated[str, Field(description="what is wrong, and what is allowed")],
        "path": Annotated[str, Field(description="the field as the library names it")],
        "value": Annotated[Any, Field(description="the offending value (shortened when long)")],
        "allowed": Annotated[list[Any], Field(description="the values that are allowed")],
    },
)
OngeldigVeld.__doc__ = "One invalid field of a request: where, what is wrong, what is allowed."


class Probleem(TypedDict):
    """An error (RFC 9457 problem details)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: NotRequired[list[OngeldigVeld]]
