"""The vocabulary of a gemeente's inrichting (handreiking ch. 2), defined once.

These enums are the allowed values of the choices in a ``gemeente.yaml``; the
inrichting model (:mod:`pettenlogic.gemeente.inrichting`), its JSON Schema, the
audit and the synthesis all read them from here. Tasks, laws and categories are
not repeated: the inrichting uses :mod:`.vocabulary` for those.
"""

from __future__ import annotations

from .vocabulary import Described


class Organisatievorm(Described):
    """How the wijkteam is organised (handreiking §1.2)."""

    ONDERDEEL_GEMEENTE = "onderdeel_gemeente", "het wijkteam is een onderdeel van de gemeente"
    STICHTING = "stichting", "een aparte wijkteamorganisatie (bijvoorbeeld een stichting)"
    SAMENWERKINGSVERBAND = (
        "samenwerkingsverband_aanbieders",
        "een samenwerkingsverband van aanbieders",
    )


class RouteB(Described):
    """Route b for youth (figure 1): where the first conversations of a youth's request sit."""

    TOELEIDING = "toeleiding", "direct toeleiding namens het college (Jeugdwet)"
    VRIJ_TOEGANKELIJK = (
        "vrij_toegankelijke_jeugdhulp",
        "eerst gesprekken als vrij toegankelijke jeugdhulp, met instemming; "
        "daarna zo nodig toeleiding",
    )


class RouteD(Described):
    """Route d (vraagverheldering, figure 1): keuze 1, 2 or 3 of the handreiking."""

    TOELEIDING = "toeleiding", "keuze 1: vraagverheldering is toeleiding namens het college"
    HULPVERLENING = (
        "hulpverlening",
        "keuze 2: vraagverheldering is vrij toegankelijke jeugdhulp of maatschappelijk werk, "
        "met instemming van de inwoner",
    )
    DESKUNDIGENADVIES = (
        "deskundigenadvies",
        "keuze 3: het college vraagt een deskundigenadvies en ontvangt alleen het advies",
    )


class RegieVanuit(Described):
    """The task from which the team's regie or coördinatie is done (handreiking §1.6)."""

    HULPVERLENING = (
        "hulpverlening",
        "regie vanuit de hulpverlenerstaak (aanbieder verantwoordelijk)",
    )
    TOELEIDING = "toeleiding", "regie vanuit de toeleidingstaak (college verantwoordelijk)"


class RegieDoel(Described):
    """The purpose of the regie, which decides where its dossier belongs (§2.12)."""

    AFSTEMMING = "afstemming", "inhoudelijke afstemming tussen hulp- en ondersteuningstrajecten"
    MONITORING = "monitoring", "monitoring en evaluatie van de afgegeven beschikkingen"


class DossierSoort(Described):
    """Kinds of dossier the handreiking keeps apart (§1.6, §2.12)."""

    TOELEIDING = "toeleiding", "toeleidingsdossier (college)"
    HULPVERLENING = "hulpverlening", "hulpverleningsdossier (aanbieder)"
    REGIE = "regie", "regiedossier"
    GEZIN = "gezin", "gezinsdossier (het gezinsdeel, naast de dossiers van de gezinsleden)"


class Ernst(Described):
    """Severity of an audit finding."""

    FOUT = "fout", "in strijd met de wet of een keuze die ontbreekt"
    WAARSCHUWING = "waarschuwing", "een risico dat de handreiking noemt"
    INFO = "info", "ter informatie"


class Keuzegevolg(Described):
    """How a local choice bore on one decision (the decision's ``inrichting`` field)."""

    BESLISSEND = "beslissend", "een lokale regel van de gemeente besliste mee"
    OPZIJ_GEZET = "opzij_gezet", "een lokale regel was van toepassing, maar de wet zet haar opzij"
    BUITEN_INRICHTING = (
        "buiten_inrichting",
        "de verstrekking past niet in de inrichting die de gemeente koos",
    )
    KADER = "kader", "de keuze bepaalt het juridisch kader van een taak in deze verstrekking"
