"""The typed inrichting of a gemeente (handreiking ch. 2), as the loader produces it.

The attrs classes below are the single definition of the ``gemeente.yaml`` format:
their fields, types, defaults and ``doc`` metadata drive the loader's validation
and the JSON Schema (:mod:`.schema`). Values come from the vocabulary
(:mod:`pettenlogic.model.vocabulary`, :mod:`pettenlogic.model.keuzes`); ``None``
means the gemeente has not (yet) made the choice, which the audit reports.

Other modules (audit, synthesis, casus timelines) read this model only; it is kept
small and stable on purpose.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..model.keuzes import DossierSoort, Organisatievorm, RegieDoel, RegieVanuit, RouteB, RouteD
from ..model.vocabulary import (
    TAAKGROEP,
    Categorie,
    Taak,
    Taakgroep,
    Werkgever,
    Wet,
)


def _doc(text: str, required: bool = False) -> dict[str, object]:
    return {"doc": text, "required": required}


@attrs.frozen
class Organisatie:
    """How the wijkteam is organised."""

    vorm: Organisatievorm | None = attrs.field(
        default=None, metadata=_doc("organisatievorm van het wijkteam")
    )


@attrs.frozen
class Regie:
    """The team's regie or coördinatie, when it has one (handreiking §1.6)."""

    vanuit: RegieVanuit | None = attrs.field(
        default=None, metadata=_doc("de taak van waaruit het team regie voert")
    )
    doel: RegieDoel | None = attrs.field(default=None, metadata=_doc("het doel van de regie"))
    wetten: tuple[Wet, ...] = attrs.field(
        default=(), metadata=_doc("de sociaal-domeinwetten waarvoor het team regie voert")
    )


@attrs.frozen
class Taken:
    """The tasks (petten) the wijkteam performs."""

    toeleiding: tuple[Wet, ...] = attrs.field(
        default=(), metadata=_doc("toeleiding namens het college, per sociaal-domeinwet")
    )
    hulpverlening: tuple[Taak, ...] = attrs.field(
        default=(), metadata=_doc("soorten hulpverlening die het team zelf verleent")
    )
    regie: Regie | None = attrs.field(
        default=None, metadata=_doc("regie of coördinatie door het team (weglaten als geen)")
    )


@attrs.frozen
class RouteKeuzeD:
    """Route d of figure 1: vraagverheldering."""

    keuze: RouteD | None = attrs.field(default=None, metadata=_doc("keuze 1, 2 of 3"))
    instemming_inwoner: bool = attrs.field(
        default=False,
        metadata=_doc(
            "bij keuze 2: de gesprekken vinden alleen met instemming van de inwoner plaats"
        ),
    )


@attrs.frozen
class Routes:
    """The route choices of figure 1 (routes a and c need no choice)."""

    b_jeugd: RouteB | None = attrs.field(
        default=None, metadata=_doc("route b bij jeugdigen: direct toeleiding of eerst hulp")
    )
    d: RouteKeuzeD = attrs.field(factory=RouteKeuzeD, metadata=_doc("route d"))


@attrs.frozen
class Dossier:
    """One dossier (or separated part of one) in the information household."""

    naam: str = attrs.field(metadata=_doc("naam van het dossier, uniek", required=True))
    soort: DossierSoort = attrs.field(metadata=_doc("soort dossier", required=True))
    taken: tuple[Taak, ...] = attrs.field(
        metadata=_doc("de taken waarvan de gegevens in dit dossier staan", required=True)
    )
    systeem: str = attrs.field(default="", metadata=_doc("het ICT-systeem waarin het staat"))
    categorieen: tuple[Categorie, ...] | None = attrs.field(
        default=None,
        metadata=_doc("categorieën die het dossier mag bevatten (weglaten: alle)"),
    )
    per_gezinslid: bool = attrs.field(
        default=False,
        metadata=_doc("bij een gezinsdossier: het gezinsdeel staat apart van de gezinsleden"),
    )

    def mag_bevatten(self) -> tuple[Categorie, ...]:
        """The categories the dossier may hold (every category when not restricted)."""
        return tuple(Categorie) if self.categorieen is None else self.categorieen


@attrs.frozen
class Leesrecht:
    """Which dossiers a professional may read while wearing one pet."""

    rol: Taak = attrs.field(metadata=_doc("de taak (pet) van wie leest", required=True))
    dossiers: tuple[str, ...] = attrs.field(
        metadata=_doc("namen van de dossiers die deze rol mag lezen", required=True)
    )


@attrs.frozen
class Autorisatie:
    """How access to the dossiers is arranged (§2.12)."""

    per_dossier: bool = attrs.field(
        default=False, metadata=_doc("autorisaties zijn per dossier ingeregeld")
    )
    lezen: tuple[Leesrecht, ...] = attrs.field(default=(), metadata=_doc("leesrechten per rol"))


@attrs.frozen
class Mandaat:
    """A college task the team carries out for the college (§1.2)."""

    taak: Taak = attrs.field(metadata=_doc("de taak van het college", required=True))
    uitvoerder: Werkgever = attrs.field(metadata=_doc("wie de taak uitvoert", required=True))
    wetten: tuple[Wet, ...] = attrs.field(default=(), metadata=_doc("onder welke wetten"))
    verwerkersovereenkomst: bool = attrs.field(
        default=False,
        metadata=_doc("de uitvoerder is verwerker voor het college, vastgelegd"),
    )


@attrs.frozen
class Inrichting:
    """A gemeente's inrichting of its wijkteam: the choices of handreiking ch. 2."""

    gemeente: str = attrs.field(metadata=_doc("naam van de gemeente", required=True))
    beschrijving: str = attrs.field(default="", metadata=_doc("vrije toelichting"))
    organisatie: Organisatie = attrs.field(factory=Organisatie, metadata=_doc("organisatie"))
    taken: Taken = attrs.field(factory=Taken, metadata=_doc("de taken van het wijkteam"))
    routes: Routes = attrs.field(factory=Routes, metadata=_doc("de routekeuzes van figuur 1"))
    dossiers: tuple[Dossier, ...] = attrs.field(
        default=(), metadata=_doc("de dossiers van de informatiehuishouding")
    )
    autorisatie: Autorisatie = attrs.field(
        factory=Autorisatie, metadata=_doc("autorisaties op de dossiers")
    )
    mandaten: tuple[Mandaat, ...] = attrs.field(
        default=(), metadata=_doc("collegetaken die het team uitvoert")
    )
    beleid: Any = attrs.field(
        default=None,
        eq=False,
        metadata=_doc(
            "lokaal beleid: een mapping met 'regels' (en eventueel 'verzamelingen', "
            "'definities', 'aanvullingen') in het formaat van de regelbestanden, alle "
            "regels met laag: lokaal"
        ),
    )

    # -- derived views used by the audit, synthesis and werkinstructie ----------------
    def team_taken(self) -> frozenset[Taak]:
        """Every task the team itself performs."""
        out: set[Taak] = set(self.taken.hulpverlening)
        if self.taken.toeleiding:
            out.add(Taak.TOELEIDING)
        regie = self.taken.regie
        if regie is not None:
            out.add(
                Taak.REGIE_TOELEIDING
                if regie.vanuit is RegieVanuit.TOELEIDING
                else Taak.REGIE_HULPVERLENING
            )
        for m in self.mandaten:
            out.add(m.taak)
        return frozenset(out)

    def beide_kanten(self) -> bool:
        """Whether the team does both toeleiding (college) and hulpverlening."""
        groups = {TAAKGROEP[t] for t in self.team_taken()}
        return Taakgroep.COLLEGE in groups and Taakgroep.HULPVERLENING in groups

    def dossier(self, naam: str) -> Dossier | None:
        return next((d for d in self.dossiers if d.naam == naam), None)


#: ``gemeente.yaml`` paths of the choices, for messages and the synthesis
KEUZE_PADEN = (
    "organisatie.vorm",
    "routes.b_jeugd",
    "routes.d.keuze",
    "routes.d.instemming_inwoner",
    "taken.regie.vanuit",
    "taken.regie.doel",
    "autorisatie.per_dossier",
)


@attrs.frozen
class Gemeente:
    """A loaded ``gemeente.yaml``: the inrichting with where each choice was written."""

    inrichting: Inrichting
    #: the file as shown in messages (``specs/gemeenten/x.yaml`` or the given path)
    bestand: str
    #: line of each dotted path in the file (``routes.d.keuze``, ``dossiers[1].taken``)
    regels: dict[str, int] = attrs.field(factory=dict, eq=False)
    #: the bytes of the file (for the rule set's digest)
    bron: bytes = attrs.field(default=b"", eq=False, repr=False)

    def line(self, path: str) -> int:
        """The line of ``path``, or of its nearest written parent (1: the file)."""
        while path:
            if path in self.regels:
                return self.regels[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return 1

    def waar(self, path: str) -> str:
        """``file:line`` of a choice."""
        return f"{self.bestand}:{self.line(path)}"
