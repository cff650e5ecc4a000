"""Typed facts of a flow (verstrekking), the flow JSON of docs/contract.md.

The attrs classes below are the single definition of the flow input: their
fields, types, defaults and ``doc`` metadata generate the JSON Schema, drive the
strict JSON conversion and give the rule language its field paths.
"""

from __future__ import annotations

import datetime

import attrs

from .vocabulary import (
    Categorie,
    Informeren,
    Registratie,
    Relatie,
    StrafbaarFeit,
    Taak,
    Toestemming,
    ToestemmingDoor,
    Werkgever,
    Wet,
)


def _doc(text: str, required: bool = False) -> dict[str, object]:
    return {"doc": text, "required": required}


@attrs.frozen
class Betrokkene:
    """The person the data is about."""

    leeftijd: int | None = attrs.field(
        default=None, metadata=_doc("leeftijd in hele jaren (0–130); weglaten als onbekend")
    )
    relatie: Relatie | None = attrs.field(
        default=None,
        metadata=_doc(
            "van wie de gegevens zijn, gezien vanuit de cliënt van de taak waar ze staan; "
            "weglaten: van de cliënt zelf (zoals voorheen)"
        ),
    )


@attrs.frozen
class Gegevens:
    """What would flow."""

    categorie: Categorie = attrs.field(metadata=_doc("categorie van de gegevens", required=True))
    betrokkene: Betrokkene = attrs.field(factory=Betrokkene, metadata=_doc("de betrokkene"))


@attrs.frozen
class Context:
    """A task (pet): where the data sits (van) or where it would go (naar)."""

    taak: Taak = attrs.field(metadata=_doc("de taak (pet)", required=True))
    wet: Wet | None = attrs.field(
        default=None,
        metadata=_doc(
            "de sociaal-domeinwet; alleen bij toeleiding, regie_toeleiding, "
            "regie_hulpverlening, handhaving en beleidsinformatie"
        ),
    )


@attrs.frozen
class Professional:
    """The professional who would provide the data."""

    registratie: Registratie = attrs.field(
        default=Registratie.GEEN, metadata=_doc("registratie in SKJ- of BIG-register")
    )
    beroepscode: bool = attrs.field(default=False, metadata=_doc("gebonden aan een beroepscode"))
    werkgever: Werkgever = attrs.field(
        default=Werkgever.OVERIG, metadata=_doc("werkgever; nooit beslissend")
    )
    meldingsbevoegd: bool = attrs.field(
        default=False, metadata=_doc("meldingsbevoegd voor de Verwijsindex")
    )
    # Sv 162 (D37): never derived from werkgever, which is never decisive
    ambtenaar: bool = attrs.field(
        default=False,
        metadata=_doc(
            "ambtenaar of lid van een openbaar college dat de gegevens in de uitoefening van "
            "zijn bediening kreeg en niet met de opsporing is belast (Sv 162); ook wie namens "
            "het college een wettelijke taak uitvoert kan dat zijn"
        ),
    )


@attrs.frozen
class ConflictVanPlichten:
    """The six criteria of conflict van plichten, plus consulting a colleague."""

    toestemming_gevraagd: bool = attrs.field(
        default=False, metadata=_doc("alles gedaan om toestemming te krijgen")
    )
    ernstige_schade: bool = attrs.field(
        default=False, metadata=_doc("zwijgen leidt waarschijnlijk tot ernstige schade")
    )
    gewetensnood: bool = attrs.field(
        default=False, metadata=_doc("de professional verkeert in gewetensnood")
    )
    geen_andere_weg: bool = attrs.field(
        default=False, metadata=_doc("er is geen andere weg (subsidiariteit)")
    )
    doelmatig: bool = attrs.field(
        default=False, metadata=_doc("doorbreken voorkomt vrijwel zeker de schade")
    )
    proportioneel: bool = attrs.field(
        default=False, metadata=_doc("het geheim wordt zo min mogelijk geschonden")
    )
    collega_geraadpleegd: bool = attrs.field(
        default=False, metadata=_doc("een collega is geraadpleegd")
    )


@attrs.frozen
class Omstandigheden:
    """Circumstances and judgements; unknown judgements stay open (null)."""

    toestemming: Toestemming = attrs.field(
        default=Toestemming.NIET_GEVRAAGD, metadata=_doc("toestemming van de inwoner")
    )
    toestemming_door: ToestemmingDoor | None = attrs.field(
        default=None,
        metadata=_doc(
            "wie de toestemming gaf; weglaten: wie haar moest geven (zoals voorheen). "
            "Opgegeven telt toestemming alleen als die persoon volstaat voor de leeftijd"
        ),
    )
    inwoner_geinformeerd: Informeren = attrs.field(
        default=Informeren.NIET, metadata=_doc("wanneer de inwoner is geïnformeerd")
    )
    zwaarwegende_redenen: bool = attrs.field(
        default=False, metadata=_doc("zwaarwegende redenen om niet vooraf te informeren")
    )
    desgevraagd: bool = attrs.field(
        default=False, metadata=_doc("de ontvanger heeft erom gevraagd")
    )
    noodzakelijk: bool | None = attrs.field(
        default=None, metadata=_doc("is de verstrekking noodzakelijk? null = nog niet beoordeeld")
    )
    lopend_onderzoek: bool = attrs.field(
        default=False, metadata=_doc("lopend onderzoek van Veilig Thuis of de Raad is bekend")
    )
    vermoeden_huiselijk_geweld: bool = attrs.field(
        default=False, metadata=_doc("vermoeden van huiselijk geweld of kindermishandeling")
    )
    meldcode_doorlopen: bool = attrs.field(
        default=False, metadata=_doc("de stappen van de meldcode zijn doorlopen")
    )
    ondertoezichtstelling: bool = attrs.field(
        default=False, metadata=_doc("de jeugdige staat onder toezicht (OTS)")
    )
    calamiteit: bool = attrs.field(
        default=False, metadata=_doc("calamiteit bij jeugdhulp of jeugdbescherming")
    )
    geweld_in_hulpverlening: bool = attrs.field(
        default=False, metadata=_doc("geweld bij de verlening van jeugdhulp")
    )
    risico_jeugdige: bool = attrs.field(
        default=False,
        metadata=_doc("redelijk vermoeden dat de jeugdige door een risico wordt bedreigd"),
    )
    conflict_van_plichten: ConflictVanPlichten = attrs.field(
        factory=ConflictVanPlichten, metadata=_doc("criteria van conflict van plichten")
    )
    inwoner_kende_rol: bool = attrs.field(
        default=True, metadata=_doc("de inwoner wist namens wie de professional optrad")
    )
    fraude_gerelateerd_aan_taak: bool = attrs.field(
        default=False, metadata=_doc("de fraude raakt de voorzieningen van de eigen taak")
    )
    herleidbaar: bool = attrs.field(
        default=True, metadata=_doc("de gegevens zijn tot personen herleidbaar")
    )
    bestandskoppeling: bool = attrs.field(
        default=False, metadata=_doc("bestandsvergelijking tussen domeinen")
    )
    verenigbaarheidstoets: bool = attrs.field(
        default=False, metadata=_doc("de verenigbaarheidstoets is gedaan en positief")
    )
    pgb: bool = attrs.field(default=False, metadata=_doc("de hulp wordt uit een pgb betaald"))
    # Sv 161 and 162 (D37): null = not (yet) qualified, decide as without the field
    strafbaar_feit: StrafbaarFeit | None = attrs.field(
        default=None,
        metadata=_doc("het signaal betreft een misdrijf, een overtreding of geen strafbaar feit"),
    )
    aangifte_beperkt: bool | None = attrs.field(
        default=None,
        metadata=_doc(
            "een afspraak met de officier van justitie (Sv 162 lid 6) sluit dit geval uit van "
            "de aangifteplicht; null = onbekend"
        ),
    )
    andere_organisatie: bool = attrs.field(
        default=False,
        metadata=_doc(
            "de ontvangende taak wordt door een andere organisatie uitgevoerd dan die de "
            "gegevens heeft (bij dezelfde taak: een andere aanbieder of regisseur)"
        ),
    )


@attrs.frozen
class Flow:
    """One proposed transfer of personal data from one task to another."""

    gegevens: Gegevens = attrs.field(metadata=_doc("de gegevens", required=True))
    van: Context = attrs.field(metadata=_doc("de taak waar de gegevens zitten", required=True))
    naar: Context = attrs.field(metadata=_doc("de ontvangende taak", required=True))
    professional: Professional = attrs.field(
        factory=Professional, metadata=_doc("de verstrekkende professional")
    )
    omstandigheden: Omstandigheden = attrs.field(
        factory=Omstandigheden, metadata=_doc("omstandigheden en oordelen")
    )
    peildatum: datetime.date | None = attrs.field(
        default=None,
        metadata=_doc(
            "de dag waarvan de wet geldt (ISO-datum JJJJ-MM-DD); weglaten of null = vandaag"
        ),
    )
