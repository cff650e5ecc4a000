"""The vocabulary of pettenlogic, defined once.

Every enum here is the single source for the flow JSON and the decision JSON of the
contract (docs/contract.md), the generated JSON Schema, the rule validator and the Z3 sorts.
Values are the Dutch contract spellings; each member carries a short description
used in generated docs.
"""

from __future__ import annotations

from enum import StrEnum


class Described(StrEnum):
    """A StrEnum whose members carry a one-line description (for docs)."""

    description: str

    def __new__(cls, value: str, description: str = "") -> Described:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.description = description
        return obj


class Categorie(Described):
    """Category of the personal data that would flow."""

    IDENTIFICATIE = "identificatie", "NAW, BSN en andere identificerende gegevens"
    HULPVRAAG = "hulpvraag", "de hulpvraag van de inwoner"
    ADVIES_VOORZIENING = "advies_voorziening", "advies over de meest aangewezen voorziening"
    VOORTGANG = "voortgang", "voortgang van hulp of ondersteuning"
    BESCHIKKING = "beschikking", "besluit over toekenning van een voorziening"
    FINANCIEEL = "financieel", "financiële gegevens (inkomen, schulden)"
    BEHANDELGEGEVENS = "behandelgegevens", "gegevens uit de behandeling of hulpverlening"
    DIAGNOSE = "diagnose", "diagnostische gegevens"
    BEHANDELPLAN = "behandelplan", "het behandelplan"
    GEZONDHEID = "gezondheid", "gegevens over gezondheid (bijzondere gegevens)"
    BIJZONDER = "bijzonder", "andere bijzondere persoonsgegevens (AVG art. 9)"
    STRAFRECHTELIJK = "strafrechtelijk", "strafrechtelijke gegevens (AVG art. 10)"
    SIGNALEN_HUISELIJK_GEWELD = (
        "signalen_huiselijk_geweld",
        "signalen van huiselijk geweld of kindermishandeling",
    )
    SIGNALEN_FRAUDE = "signalen_fraude", "signalen van fraude of strafbare feiten"
    # issue 7 item 4: billing data, which the AP treats apart from care data (D49)
    DECLARATIE = (
        "declaratie",
        "declaratie- en bekostigingsgegevens: BSN, product of productcode, omvang of uren, periode",
    )


class Taak(Described):
    """A task (pet): the context in which data sits or to which it would go."""

    # on behalf of the college van B&W
    TOELEIDING = "toeleiding", "toeleiding en beslissing namens het college"
    REGIE_TOELEIDING = "regie_toeleiding", "regie vanuit de toeleidingstaak van het college"
    BEGELEIDING_PLAN_VAN_AANPAK = (
        "begeleiding_plan_van_aanpak",
        "begeleiden van het plan van aanpak (Participatiewet) namens het college",
    )
    KINDERBESCHERMINGSVERZOEK = (
        "kinderbeschermingsverzoek",
        "verzoek tot onderzoek bij de Raad door het college",
    )
    HANDHAVING = "handhaving", "fraudebestrijding en handhaving door het college"
    BELEIDSINFORMATIE = "beleidsinformatie", "beleids- en sturingsinformatie van het college"
    VROEGSIGNALERING = "vroegsignalering", "vroegsignalering door het college"
    ANDER_COLLEGE_DOEL = "ander_college_doel", "een ander doel of andere taak van het college"
    BEKOSTIGING = "bekostiging", "bekostiging en verantwoording van geleverde hulp door het college"
    # hulpverlening by a provider (aanbieder)
    JEUGDHULP = "jeugdhulp", "verlenen van jeugdhulp"
    MAATSCHAPPELIJK_WERK = "maatschappelijk_werk", "maatschappelijk werk (algemene voorziening)"
    MAATWERKVOORZIENING = "maatwerkvoorziening", "leveren van een maatwerkvoorziening (Wmo)"
    REINTEGRATIE = "reintegratie", "re-integratie (Participatiewet)"
    SCHULDHULPVERLENING = "schuldhulpverlening", "schuldhulpverlening"
    REGIE_HULPVERLENING = "regie_hulpverlening", "regie vanuit de hulpverlenerstaak"
    DESKUNDIGENADVIES = "deskundigenadvies", "deskundigenadvies ter voorbereiding van een besluit"
    MEDEBEHANDELING = "medebehandeling", "medebehandeling door een medebehandelaar"
    # others
    ALGEMEEN_ADVIES = "algemeen_advies", "algemeen advies of doorverwijzing (route a)"
    VEILIG_THUIS = "veilig_thuis", "Veilig Thuis"
    RAAD_KINDERBESCHERMING = "raad_kinderbescherming", "Raad voor de Kinderbescherming"
    GECERTIFICEERDE_INSTELLING = (
        "gecertificeerde_instelling",
        "gecertificeerde instelling (jeugdbescherming, OTS)",
    )
    INSPECTIE = "inspectie", "Inspectie Gezondheidszorg en Jeugd (toezicht)"
    VERWIJSINDEX = "verwijsindex", "Verwijsindex Risicojongeren"
    POLITIE_JUSTITIE = "politie_justitie", "politie en openbaar ministerie"
    # statutory recipients the handreiking leaves out (issue 7 item 2; D37-D44)
    OPENBAAR_MINISTERIE = (
        "openbaar_ministerie",
        "de officier van justitie (of een door hem aangewezen hulpofficier)",
    )
    TOEZICHTHOUDER_WMO = (
        "toezichthouder_wmo",
        "toezichthoudende ambtenaar onder de Wmo 2015 (toezicht op aanbieders)",
    )
    RIJK_BELEIDSINFORMATIE = (
        "rijk_beleidsinformatie",
        "beleidsinformatie en statistiek voor het Rijk (de ministers, ook via het CBS)",
    )
    # recipients practitioners ask about (issue 7 item 4, D48)
    ONDERWIJS = "onderwijs", "school of samenwerkingsverband passend onderwijs"
    OUDER_GEZAG = "ouder_gezag", "ouder of voogd met gezag over de minderjarige betrokkene"
    DERDE_PERSOON = "derde_persoon", "familielid, mantelzorger, buur of andere particulier"
    HUISARTS = (
        "huisarts",
        "de huisarts, niet rechtstreeks bij deze hulp betrokken (wie dat wel is: medebehandeling)",
    )
    # law versions (peildatum): recipients and senders that exist only in a later version
    SCHULDEISER = (
        "schuldeiser",
        "schuldeiser die een betalingsachterstand signaleert (verhuurder, zorgverzekeraar, "
        "energie- of waterbedrijf; Wgs vroegsignalering)",
    )


class Taakgroep(Described):
    """Which side of the pettenvraagstuk a task lies on (derived from Taak)."""

    COLLEGE = "college", "namens het college van B&W"
    HULPVERLENING = "hulpverlening", "hulpverlening door een aanbieder"
    OVERIG = "overig", "overige partijen"


TAAKGROEP: dict[Taak, Taakgroep] = {
    **{
        t: Taakgroep.COLLEGE
        for t in (
            Taak.TOELEIDING,
            Taak.REGIE_TOELEIDING,
            Taak.BEGELEIDING_PLAN_VAN_AANPAK,
            Taak.KINDERBESCHERMINGSVERZOEK,
            Taak.HANDHAVING,
            Taak.BELEIDSINFORMATIE,
            Taak.VROEGSIGNALERING,
            Taak.ANDER_COLLEGE_DOEL,
            Taak.BEKOSTIGING,
        )
    },
    **{
        t: Taakgroep.HULPVERLENING
        for t in (
            Taak.JEUGDHULP,
            Taak.MAATSCHAPPELIJK_WERK,
            Taak.MAATWERKVOORZIENING,
            Taak.REINTEGRATIE,
            Taak.SCHULDHULPVERLENING,
            Taak.REGIE_HULPVERLENING,
            Taak.DESKUNDIGENADVIES,
            Taak.MEDEBEHANDELING,
        )
    },
    **{
        t: Taakgroep.OVERIG
        for t in (
            Taak.ALGEMEEN_ADVIES,
            Taak.VEILIG_THUIS,
            Taak.RAAD_KINDERBESCHERMING,
            Taak.GECERTIFICEERDE_INSTELLING,
            Taak.INSPECTIE,
            Taak.VERWIJSINDEX,
            Taak.POLITIE_JUSTITIE,
            Taak.OPENBAAR_MINISTERIE,
            Taak.TOEZICHTHOUDER_WMO,
            Taak.RIJK_BELEIDSINFORMATIE,
            Taak.ONDERWIJS,
            Taak.OUDER_GEZAG,
            Taak.DERDE_PERSOON,
            Taak.HUISARTS,
            Taak.SCHULDEISER,
        )
    },
}


class Wet(Described):
    """The sociaal-domeinwet under which a toeleiding or regie task is carried out."""

    JEUGDWET = "jeugdwet", "Jeugdwet"
    WMO = "wmo", "Wet maatschappelijke ondersteuning 2015"
    PARTICIPATIEWET = "participatiewet", "Participatiewet"
    WGS = "wgs", "Wet gemeentelijke schuldhulpverlening"


#: Tasks that may name a ``wet`` (the flow JSON of docs/contract.md). Well-formedness, used by the
#: input schema and (later) by the solver: ``wet`` is absent on every other task.
#: ``handhaving`` takes a wet since D34: a control or fraud inquiry under a named act
#: (Jeugdwet 7.4.0 lid 1 onder d, Wmo 2.3.10, Participatiewet) triggers that act's duties;
#: ``bekostiging`` likewise (Jeugdwet 7.4.0 lid 1 onder c, Wmo 5.2.2 onder a; D49).
#: ``beleidsinformatie`` takes one since D41: Jeugdwet 7.4.1 lid 2 covers Jeugdwet policy only.
TAKEN_MET_WET: frozenset[Taak] = frozenset(
    {
        Taak.TOELEIDING,
        Taak.REGIE_TOELEIDING,
        Taak.REGIE_HULPVERLENING,
        Taak.HANDHAVING,
        Taak.BEKOSTIGING,
        Taak.BELEIDSINFORMATIE,
    }
)


class Registratie(Described):
    """Professional register the professional is in."""

    SKJ = "skj", "Kwaliteitsregister Jeugd"
    BIG = "big", "BIG-register"
    GEEN = "geen", "niet geregistreerd"


class Werkgever(Described):
    """Who employs the professional. Never decisive (handreiking §1)."""

    GEMEENTE = "gemeente", "de gemeente"
    WIJKTEAMORGANISATIE = "wijkteamorganisatie", "een aparte wijkteamorganisatie"
    AANBIEDER = "aanbieder", "een aanbieder"
    OVERIG = "overig", "een andere werkgever"


class StrafbaarFeit(Described):
    """What the signal concerns in criminal law (Sv 161 and 162); D37."""

    MISDRIJF = "misdrijf", "een misdrijf"
    OVERTREDING = "overtreding", "een overtreding"
    GEEN = "geen", "geen strafbaar feit"


class Toestemming(Described):
    """Whether the resident consented to this flow."""

    GEGEVEN = "gegeven", "toestemming gegeven"
    GEWEIGERD = "geweigerd", "toestemming geweigerd"
    NIET_GEVRAAGD = "niet_gevraagd", "niet gevraagd"


class Informeren(Described):
    """When the resident was (or will be) told about the flow."""

    VOORAF = "vooraf", "vooraf geïnformeerd"
    ACHTERAF = "achteraf", "achteraf geïnformeerd"
    NIET = "niet", "niet geïnformeerd"


class ToestemmingDoor(Described):
    """Who gave the consent (issue 7 item 4, D45); absent: whoever had to give it."""

    BETROKKENE = "betrokkene", "de betrokkene zelf"
    GEZAG = "gezag", "de ouder(s) of voogd met gezag"
    BETROKKENE_EN_GEZAG = "betrokkene_en_gezag", "de betrokkene en het gezag samen"
    WETTELIJK_VERTEGENWOORDIGER = (
        "wettelijk_vertegenwoordiger",
        "een wettelijk vertegenwoordiger van een meerderjarige (curator, mentor)",
    )
    ANDER = "ander", "iemand anders (telt nooit als toestemming)"


class Relatie(Described):
    """Whose data it is, seen from the client of the source task (D47); absent: the client's."""

    CLIENT = "client", "de cliënt of jeugdige zelf"
    OUDER = "ouder", "een ouder van de cliënt"
    HUISGENOOT = "huisgenoot", "een partner, kind of andere huisgenoot van de cliënt"
    DERDE = "derde", "een ander (geen ouder of huisgenoot)"


class Oordeel(Described):
    """The verdict of a decision (the decision JSON of docs/contract.md)."""

    VERBODEN = "verboden", "een expliciet verbod is van toepassing"
    NIET_TOEGESTAAN = "niet_toegestaan", "er is geen grondslag"
    TOEGESTAAN = "toegestaan", "de verstrekking is toegestaan"
    VERPLICHT = "verplicht", "de verstrekker moet verstrekken"


class Laag(Described):
    """Layer of a rule; a higher layer is never overridden by a lower one."""

    WET = "wet", "wet- en regelgeving"
    RICHTLIJN = "richtlijn", "beroepscode, vuistregel of richtlijn uit de handreiking"
    LOKAAL = "lokaal", "keuze of beleid van de gemeente"


LAAG_RANG: dict[Laag, int] = {Laag.WET: 3, Laag.RICHTLIJN: 2, Laag.LOKAAL: 1}


class Effect(Described):
    """What a rule does when it applies."""

    GROND = "grond", "geeft een grond: de verstrekking mag"
    PLICHT = "plicht", "verplicht de verstrekker te verstrekken"
    VERBOD = "verbod", "verbiedt de verstrekking"


class Verwerkingsverantwoordelijke(Described):
    """Controller (AVG art. 4(7)) of the processing in the receiving task."""

    COLLEGE = "college", "het college van B&W"
    AANBIEDER = "aanbieder", "de aanbieder van hulp of ondersteuning"
    VEILIG_THUIS = "veilig_thuis", "Veilig Thuis"
    RAAD_KINDERBESCHERMING = "raad_kinderbescherming", "de Raad voor de Kinderbescherming"
    GECERTIFICEERDE_INSTELLING = "gecertificeerde_instelling", "de gecertificeerde instelling"
    INSPECTIE = "inspectie", "de Inspectie Gezondheidszorg en Jeugd"
    BEHEERDER_VERWIJSINDEX = "beheerder_verwijsindex", "de beheerder van de Verwijsindex"
    POLITIE_JUSTITIE = "politie_justitie", "politie of openbaar ministerie"
    # D39, D41
    TOEZICHTHOUDER = "toezichthouder", "de toezichthouder, onder het bestuursorgaan dat hem aanwees"
    RIJK = "rijk", "de ministers (beleidsinformatie)"
    ONDERWIJSINSTELLING = (
        "onderwijsinstelling",
        "het bevoegd gezag van de school of het samenwerkingsverband",
    )
    HUISARTS = "huisarts", "de huisarts (zorgaanbieder)"
    PARTICULIER = "particulier", "een particulier die de gegevens voor zichzelf ontvangt"
    ONBEPAALD = "onbepaald", "hangt af van een keuze van de gemeente"


class Grondslag(Described):
    """AVG art. 6(1) grounds as W3C DPV GDPR identifiers."""

    A6_1_A = "eu-gdpr:A6-1-a", "toestemming"
    A6_1_B = "eu-gdpr:A6-1-b", "uitvoering van een overeenkomst"
    A6_1_C = "eu-gdpr:A6-1-c", "wettelijke verplichting"
    A6_1_D = "eu-gdpr:A6-1-d", "vitaal belang"
    A6_1_E_OFFICIAL_AUTHORITY = (
        "eu-gdpr:A6-1-e-official-authority",
        "uitoefening van openbaar gezag",
    )
    A6_1_E_PUBLIC_INTEREST = "eu-gdpr:A6-1-e-public-interest", "taak van algemeen belang"
    A6_1_F = "eu-gdpr:A6-1-f", "gerechtvaardigd belang"


class Regeling(Described):
    """Sources a citation may name (the decision JSON of docs/contract.md)."""

    JEUGDWET = "jeugdwet", "Jeugdwet (BWBR0034925)"
    WMO = "wmo", "Wet maatschappelijke ondersteuning 2015 (BWBR0035362)"
    PARTICIPATIEWET = "participatiewet", "Participatiewet (BWBR0015703)"
    WGS = "wgs", "Wet gemeentelijke schuldhulpverlening (BWBR0031331)"
    AVG = "avg", "Algemene verordening gegevensbescherming (CELEX 32016R0679)"
    UAVG = "uavg", "Uitvoeringswet AVG (BWBR0040940)"
    BW = "bw", "Burgerlijk Wetboek Boek 1 en 7 (BWBR0002656, BWBR0005290)"
    WET_BIG = "wet_big", "Wet BIG (BWBR0006251)"
    SV = "sv", "Wetboek van Strafvordering (BWBR0001903)"
    AWB = "awb", "Algemene wet bestuursrecht (BWBR0005537)"
    BESLUIT_JEUGDWET = "besluit_jeugdwet", "Besluit Jeugdwet (BWBR0035779)"
    HANDREIKING = "handreiking", "Wijkteams en het pettenvraagstuk (VNG/PSD)"


class Plicht(Described):
    """Duty codes a decision can attach; texts live in specs/codes.yaml."""

    INWONER_VOORAF_INFORMEREN = "inwoner_vooraf_informeren"
    MELDCODE_VOLGEN = "meldcode_volgen"
    KINDCHECK = "kindcheck"
    COLLEGA_RAADPLEGEN = "collega_raadplegen"
    JEUGDIGE_INFORMEREN = "jeugdige_informeren"
    AFWEGING_BEROEPSCODE = "afweging_beroepscode"
    ALLEEN_NOODZAKELIJKE_GEGEVENS = "alleen_noodzakelijke_gegevens"
    TOESTEMMING_VRAGEN = "toestemming_vragen"
    ROL_DUIDELIJK_MAKEN = "rol_duidelijk_maken"
    VERENIGBAARHEID_TOETSEN = "verenigbaarheid_toetsen"
    DOSSIERS_SCHEIDEN = "dossiers_scheiden"
    ANONIMISEREN = "anonimiseren"
    ONVERWIJLD_MELDEN = "onverwijld_melden"
    AANGIFTE_DOEN = "aangifte_doen"


class Voorwaarde(Described):
    """Open judgements a decision depends on; texts live in specs/codes.yaml."""

    NOODZAKELIJKHEID = "noodzakelijkheid"
    UITZONDERING_BIJZONDERE_GEGEVENS = "uitzondering_bijzondere_gegevens"
    VERENIGBAARHEID = "verenigbaarheid"
    MELDCODE_DOORLOPEN = "meldcode_doorlopen"
    ZWAARWEGENDE_REDENEN = "zwaarwegende_redenen"
    AANGIFTEAFSPRAAK_162 = "aangifteafspraak_162"
    # issue 7 item 4 (D45, D48, D49)
    VERTEGENWOORDIGING = "vertegenwoordiging"
    BELANG_MINDERJARIGE = "belang_minderjarige"
    BINNEN_REGELING_JEUGDWET = "binnen_regeling_jeugdwet"
    # law versions (peildatum)
    AANGEWEZEN_SIGNAAL = "aangewezen_signaal"
