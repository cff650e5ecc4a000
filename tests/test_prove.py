"""``pettenlogic prove``: outcomes, JSON shape, exit codes, and properties that can fail.

The heart of this file is ``BREAKAGES``: for each core property (specs/properties/
kern.yaml) and several from beslissingen.yaml and mutation.yaml, one or more
deliberately broken copies of the rules, each made by editing the YAML text of ONE
rule (or definition / toekenning / aanvulling) in a temporary copy of the bundled
spec folder. On each broken copy the property must come out with a counterexample;
that counterexample must be valid contract flow input, and replaying it through the
Python evaluator on the broken rules must show the violation by an independent
check written here (not by the prover's own replay).

Two core properties cannot be refuted by any rule set, because they follow from the
semantics itself (docs/verification.md explains this):

* ``nooit-verplicht-en-verboden``: an effective verbod of the top layer is never
  overridden, so it always makes the verdict ``verboden``;
* ``noodzakelijk-onwaar-nooit-op-noodzaak``: a rule that rests on necessity never
  applies when ``noodzakelijk`` is false.

For those, ``test_semantic_invariants_survive_every_broken_copy`` shows they hold on
every broken copy, the first one is refuted when the layer order itself is broken
(local above law), and mutation.yaml adds a property that does catch a ground that
lost its ``noodzaak: true``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator

from broken_rules import add_rules, copy_specs, drop_item, edit_rule
from pettenlogic import Rulebook, flow_from_json, flow_to_json
from pettenlogic.cli import main
from pettenlogic.evaluate import Evaluator, Trace
from pettenlogic.model.fields import flow_fields
from pettenlogic.model.schema import flow_schema
from pettenlogic.model.vocabulary import Laag
from pettenlogic.rules.loader import load_specs
from pettenlogic.rules.spec import Regel
from pettenlogic.solver.properties import Eigenschap, load_properties
from pettenlogic.solver.prove import InternalMismatch, Outcome, Prover, prove_all

BEHANDEL = {"behandelgegevens", "diagnose", "behandelplan"}
TOELEIDINGSKANT = {"toeleiding", "regie_toeleiding"}
COLLEGETAKEN = {
    "toeleiding",
    "regie_toeleiding",
    "begeleiding_plan_van_aanpak",
    "kinderbeschermingsverzoek",
    "handhaving",
    "beleidsinformatie",
    "vroegsignalering",
    "ander_college_doel",
    "bekostiging",  # paying for delivered care is the college's task (D49)
}
PERMITS = {"toegestaan", "verplicht"}
OUTCOME_KEYS = {"naam", "verwacht", "uitkomst", "tegenvoorbeeld", "seconden"}
#: the core property whose refutation is expected (a legal fact, see kern.yaml)
REFUTED = "noodzakelijk-onwaar-nooit-verplicht"
GEHEIM = "beroepsgeheim-zonder-toestemming"
ROL = "rol-onbekend-geen-collegebevoegdheid"
JW740 = "jw-7.4.0-verstrekking-college"
VVO = 'als: "naar_college"'
NOT_BEHANDEL = "and not behandelgegevens and not fraudesignaal"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


# -- replaying a counterexample independently ------------------------------------------------


#: optional omstandigheden, which the normal JSON of a counterexample leaves out when null
ABSENT_OMSTANDIGHEDEN: dict[str, None] = {
    path.split(".", 1)[1]: None
    for path, spec in flow_fields().items()
    if path.startswith("omstandigheden.") and path.count(".") == 1 and spec.optional
}


@attrs.frozen
class Side:
    """One replayed flow: its full JSON, the evaluator's decision JSON and trace."""

    flow: dict[str, Any]
    d: dict[str, Any]
    t: Trace
    rules: dict[str, Regel]

    def effective(self, laag: Laag, effect: str) -> bool:
        """An effective rule of that layer and effect (before overriding)."""
        return any(
            self.rules[i].laag is laag and self.rules[i].effect.value == effect
            for i in self.t.effective
        )

    @property
    def oordeel(self) -> str:
        return str(self.d["oordeel"])

    @property
    def om(self) -> dict[str, Any]:
        """The omstandigheden, an optional value the normal JSON leaves out read as null."""
        return {**ABSENT_OMSTANDIGHEDEN, **self.flow["omstandigheden"]}

    @property
    def cat(self) -> str:
        return str(self.flow["gegevens"]["categorie"])

    @property
    def van(self) -> str:
        return str(self.flow["van"]["taak"])

    @property
    def naar(self) -> str:
        return str(self.flow["naar"]["taak"])

    def plicht(self, code: str) -> bool:
        return any(p["code"] == code for p in self.d["plichten"])

    def cites(self, regeling: str, artikel: str, lid: str | None = None) -> bool:
        return any(
            b["regeling"] == regeling
            and b["artikel"] == artikel
            and (lid is None or b.get("lid") == lid)
            for b in self.d["bronnen"]
        )


@attrs.frozen
class Replay:
    """The counterexample replayed: ``a`` (and ``b`` for a pair property)."""

    a: Side
    b: Side | None = None


def _valid_flow(data: Any) -> dict[str, Any]:
    """Assert ``data`` is valid contract flow input in normal form; return it."""
    assert isinstance(data, dict)
    errors = list(Draft202012Validator(flow_schema()).iter_errors(data))
    assert not errors, [e.message for e in errors]
    flow = flow_from_json(data)  # strict validation, raises on anything malformed
    assert flow_to_json(flow) == data, "counterexample is not in the normal JSON form"
    return data


def replay(rb: Rulebook, outcome: Outcome, prop: Eigenschap) -> Replay:
    """Validate the counterexample and decide it again with the evaluator."""
    example = outcome.tegenvoorbeeld
    assert example is not None

    def side(data: dict[str, Any]) -> Side:
        flow = flow_from_json(_valid_flow(data))
        rules = {r.id: r for r in rb.specs.regels}
        return Side(data, rb.decide(flow).to_dict(), rb.trace(flow), rules)

    if prop.paar:
        assert set(example) == {"a", "b"}
        a, b = side(example["a"]), side(example["b"])
        for path in _leaf_paths(a.flow):
            if path not in prop.verschil:
                assert _get(a.flow, path) == _get(b.flow, path), f"pair differs in {path}"
        return Replay(a, b)
    return Replay(side(example))


def _leaf_paths(d: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for k, v in d.items():
        p = f"{prefix}{k}"
        out += _leaf_paths(v, p + ".") if isinstance(v, dict) else [p]
    return out


def _get(d: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        d = d.get(part, {}) if isinstance(d, dict) else {}
    return d if d != {} else None


# -- edits: one rule's YAML text -------------------------------------------------------------

Edit = Callable[[Path], None]


def sub(item: str, *pairs: tuple[str, str]) -> Edit:
    def edit(folder: Path) -> None:
        for old, new in pairs:
            edit_rule(folder, item, old, new)

    return edit


def flip(item: str, old: str, new: str) -> Edit:
    return sub(item, (f"effect: {old}", f"effect: {new}"))


def drop(item: str) -> Edit:
    return lambda folder: drop_item(folder, item)


LOKAAL_PLICHT = """\
thema: Lokaal (kapot)
regels:
  - id: lokaal-plicht-fraude-handhaving
    titel: {nl: Lokale meldplicht fraude, en: Local duty to report fraud}
    laag: lokaal
    effect: plicht
    als: "fraudesignaal and naar.taak == 'handhaving'"
    sectie: "3.12"
    bronnen:
      - {regeling: avg, artikel: "6", lid: "1"}
    uitleg: {nl: Kapotte lokale meldplicht., en: Broken local reporting duty.}
"""


@attrs.frozen
class Breakage:
    prop: str
    what: str
    edit: Edit
    violated: Callable[[Replay], bool]
    uitkomst: str = "tegenvoorbeeld"
    layers_upside_down: bool = False


def valid_consent(flow: dict[str, Any]) -> bool:
    """Consent by whoever suffices for the data subject's age (D45), written independently."""
    om = flow["omstandigheden"]
    if om["toestemming"] != "gegeven":
        return False
    door, age = om.get("toestemming_door"), flow["gegevens"]["betrokkene"].get("leeftijd")
    if door in (None, "betrokkene_en_gezag"):
        return True
    if age is None or door == "ander":
        return False
    return {"gezag": age < 12, "betrokkene": age >= 16, "wettelijk_vertegenwoordiger": age >= 18}[
        door
    ]


def _k1(r: Replay) -> bool:
    a = r.a
    return (
        a.cat in BEHANDEL
        and a.naar in TOELEIDINGSKANT
        and not valid_consent(a.flow)
        and a.oordeel in PERMITS
    )


NOODZAAK_BEHANDEL = "behandelgegevens-naar-toeleidingskant-alleen-als-noodzakelijk"


def _treatment_without_necessity(r: Replay) -> bool:
    """Treatment data enters the toeleiding side without consent although necessity is denied,
    or left open without the decision saying so (D4)."""
    a = r.a
    open_necessity = any(v["code"] == "noodzakelijkheid" for v in a.d["voorwaarden"])
    return (
        _k1(r)
        and a.om["noodzakelijk"] is not True
        and not open_necessity
        and "conflict-van-plichten" not in a.d["regels"]
    )


def _werkgever(r: Replay) -> bool:
    assert r.b is not None
    a, b = r.a, r.b
    assert a.flow["professional"]["werkgever"] != b.flow["professional"]["werkgever"]
    keys = ("oordeel", "plichten", "voorwaarden", "grondslag", "bronnen", "regels")
    keys += ("beroepsgeheim", "verwerkingsverantwoordelijke")
    return any(a.d[k] != b.d[k] for k in keys)


def _wet_contradiction(r: Replay) -> bool:
    return r.a.effective(Laag.WET, "plicht") and r.a.effective(Laag.WET, "verbod")


LISTED_EXCEPTIONS = {
    "jw-7.4.0-verstrekking-college": ("jeugdwet", "7.4.0", "1"),
    "jw-7.4.0-lid1d-controle-fraude": ("jeugdwet", "7.4.0", "2"),
    "deskundigenadvies-aan-college": ("jeugdwet", "7.4.0", "1"),
    "medebehandelaar": ("bw", "7:457", "2"),
    "wmo-5.2.2-desgevraagd": ("wmo", "5.2.2", None),
    "wmo-5.2.2-toezicht-desgevraagd": ("wmo", "5.2.2", None),
    "beleidsinformatie-niet-herleidbaar": ("avg", "4", None),
    "wmo-5.2.6-melding-veilig-thuis": ("wmo", "5.2.6", None),
    "wmo-5.2.6-informatie-veilig-thuis": ("wmo", "5.2.6", None),
    "bw-1:240-raad-kinderbescherming": ("bw", "1:240", None),
    "jw-7.1.4.1-verwijsindex": ("jeugdwet", "7.1.4.1", None),
    "jw-7.3.11-lid4-ots-desgevraagd": ("jeugdwet", "7.3.11", "4"),
    "jw-7.3.11-lid4-ots-eigen-beweging": ("jeugdwet", "7.3.11", "4"),
    "jw-4.1.8-lid1-melding-calamiteit-geweld": ("jeugdwet", "4.1.8", "1"),
    "jw-4.1.8-lid2-informatie-onderzoek": ("jeugdwet", "4.1.8", "2"),
    "conflict-van-plichten": ("handreiking", "3.10", None),
    "jw-7.4.0-lid1c-bekostiging": ("jeugdwet", "7.4.0", "2"),
    "geheim-niet-tegenover-gezag": ("jeugdwet", "7.3.11", "2"),
    "wmo-5.3.2-lid3-wettelijk-vertegenwoordiger": ("wmo", "5.3.2", "3"),
}


def _secret_leaves(r: Replay) -> bool:
    a = r.a
    if not (
        a.d["beroepsgeheim"]
        and not valid_consent(a.flow)
        and not (
            a.van == a.naar
            and a.flow["van"].get("wet") == a.flow["naar"].get("wet")
            and not a.om["andere_organisatie"]
        )
        and a.oordeel in PERMITS
    ):
        return False
    return not any(
        rule in a.d["regels"] and a.cites(*cite) for rule, cite in LISTED_EXCEPTIONS.items()
    )


PW65 = "participatiewet-geheim-wijkt-alleen-voor-de-wet"
PW_TASKS = {"reintegratie", "begeleiding_plan_van_aanpak"}
#: what lets Participatiewet data leave the act's execution without consent (D11)
PW65_EXCEPTIONS = {
    "bw-1:243-inlichtingen-raad",
    "sv-162-lid1c-aangifteplicht",
    "sv-162-lid2-inlichtingen-om",
    "jw-7.3.11-lid4-ots-desgevraagd",
    "jw-7.3.11-lid4-ots-eigen-beweging",
    "wmo-5.2.6-melding-veilig-thuis",
    "wmo-5.2.6-informatie-veilig-thuis",
    "bw-1:240-raad-kinderbescherming",
    "jw-7.1.4.1-verwijsindex",
    "conflict-van-plichten",
    "pw-65-lid3-statistiek",
    "reintegratie-verstrekking-derden",
    "reintegratie-verstrekking-derden-onder-27",
    "college-verstrekking-voor-eigen-taak",
    "wgs-8d-hergebruik-sociaal-domein",
}


def _pw65_leaves(r: Replay) -> bool:
    """Participatiewet data leaves the act's execution, traceable, without consent and without
    one of the listed provisions deciding (Participatiewet 65, written from the article)."""
    a, f = r.a, r.a.flow
    van_pw = f["van"].get("wet") == "participatiewet" or a.van in PW_TASKS
    naar_pw = f["naar"].get("wet") == "participatiewet" or a.naar in PW_TASKS
    same_task = (
        a.van == a.naar
        and f["van"].get("wet") == f["naar"].get("wet")
        and not a.om["andere_organisatie"]
    )
    enforcement = (
        a.naar in {"politie_justitie", "openbaar_ministerie"}
        and a.om["fraude_gerelateerd_aan_taak"]
    )
    if not (
        van_pw
        and not naar_pw
        and not same_task
        and not enforcement
        and a.om["herleidbaar"]
        and not valid_consent(f)
        and a.oordeel in PERMITS
    ):
        return False
    return not any(rule in a.d["regels"] for rule in PW65_EXCEPTIONS)


FRAUDE_OP_VERZOEK = "fraudeplicht-alleen-op-verzoek-uit-de-wet"
JW740D = "jw-7.4.0-lid1d-controle-fraude"
#: the statutory duties that may oblige giving fraud signals to enforcement (D34)
FRAUD_DUTIES = {
    JW740D: ("jeugdwet", "7.4.0", "2"),
    "wmo-5.2.2-desgevraagd": ("wmo", "5.2.2", None),
    "reintegratie-verstrekking-college": ("participatiewet", "64", "1"),
    # the same duty for a young person, from Participatiewet 7 lid 3 onder a (D56)
    "reintegratie-verstrekking-college-onder-27": ("participatiewet", "64", "1"),
}


def _fraud_duty_unlisted(r: Replay) -> bool:
    a = r.a
    if not (a.cat == "signalen_fraude" and a.naar == "handhaving" and a.oordeel == "verplicht"):
        return False
    return not (
        a.om["desgevraagd"]
        and any(rule in a.d["regels"] and a.cites(*c) for rule, c in FRAUD_DUTIES.items())
    )


AANGIFTE = "aangifteplicht-alleen-ambtenaar-uit-sv-162"
SV162 = ("sv-162-lid1c-aangifteplicht", "sv-162-lid2-inlichtingen-om")


def _aangifteplicht_unlisted(r: Replay) -> bool:
    """A duty towards police or prosecutor not carried by an official's Sv 162 duty (D37)."""
    a = r.a
    if not (a.naar in {"politie_justitie", "openbaar_ministerie"} and a.oordeel == "verplicht"):
        return False
    official = a.flow["professional"]["ambtenaar"] and a.van in COLLEGETAKEN
    lid1 = (
        a.om["strafbaar_feit"] == "misdrijf"
        and a.om["fraude_gerelateerd_aan_taak"]
        and a.om["aangifte_beperkt"] is not True
        and SV162[0] in a.d["regels"]
        and a.cites("sv", "162", "1")
    )
    lid2 = (
        a.om["desgevraagd"]
        and a.naar == "openbaar_ministerie"
        and a.om["strafbaar_feit"] in {"misdrijf", "overtreding"}
        and SV162[1] in a.d["regels"]
        and a.cites("sv", "162", "2")
    )
    return not (official and a.om["inwoner_kende_rol"] and (lid1 or lid2))


def _without_statutory_fraud_duties(folder: Path) -> None:
    """Jeugdwet 7.4.0 onder d switched off; Wmo 5.2.2 and Pw 64 back to their pre-D34 reach.

    The rule stays (properties name it); its condition can no longer hold.
    """
    edit_rule(
        folder,
        JW740D,
        "and not behandelgegevens and omstandigheden.desgevraagd",
        "and not behandelgegevens and omstandigheden.desgevraagd and False",
    )
    edit_rule(
        folder,
        "maatwerk_naar_wmo_college",
        "\n           or naar.taak == 'handhaving'\n           or",
        " and not fraudesignaal\n           or",
    )
    edit_rule(
        folder,
        "reintegratie-verstrekking-college",
        "\n           or naar.taak == 'handhaving' and naar.wet == 'participatiewet')",
        ")",
    )
    for rule in SV162:  # Sv 162 (D37) switched off the same way
        edit_rule(folder, rule, "and not behandelgegevens", "and not behandelgegevens and False")
    edit_rule(  # and its version for young people (D56)
        folder,
        "reintegratie-verstrekking-college-onder-27",
        "\n           or naar.taak == 'handhaving' and naar.wet == 'participatiewet')",
        ")",
    )


def _both_on_necessity(folder: Path) -> None:
    """The duties that do not rest on necessity (Jeugdwet 4.1.8 lid 1, BW 1:243, Sv 162) made to."""
    for rule in ("jw-4.1.8-lid1-melding-calamiteit-geweld", "bw-1:243-inlichtingen-raad", *SV162):
        edit_rule(folder, rule, "    effect: plicht\n", "    effect: plicht\n    noodzaak: true\n")


def _file_matching_allowed(r: Replay) -> bool:
    return (
        r.a.naar == "vroegsignalering" and r.a.om["bestandskoppeling"] and r.a.oordeel != "verboden"
    )


BREAKAGES: list[Breakage] = [
    # -- kern.yaml ------------------------------------------------------------------------
    Breakage(
        NOODZAAK_BEHANDEL,
        "7.4.0 no longer rests on necessity",
        sub("jw-7.4.0-verstrekking-college", ("    noodzaak: true\n", "")),
        _treatment_without_necessity,
    ),
    Breakage(
        NOODZAAK_BEHANDEL,
        "the Wmo 5.2.2 duty no longer rests on necessity",
        sub("wmo-5.2.2-desgevraagd", ("    noodzaak: true\n", "")),
        _treatment_without_necessity,
    ),
    Breakage(
        "werkgever-nooit-beslissend",
        "maatschappelijk werk ground conditioned on the employer",
        sub(
            "maatschappelijk-werk-verstrekking",
            (
                "and not binnen_eigen_taak and not beroepsgeheim",
                "and not binnen_eigen_taak and not beroepsgeheim"
                " and professional.werkgever != 'gemeente'",
            ),
        ),
        _werkgever,
    ),
    Breakage(
        "werkgever-nooit-beslissend",
        "controller toekenning vvo-college conditioned on the employer",
        sub(
            "vvo-college",
            (
                'als: "naar_college"',
                "als: \"naar_college and professional.werkgever != 'aanbieder'\"",
            ),
        ),
        _werkgever,
    ),
    Breakage(
        "werkgever-nooit-beslissend",
        "the kindcheck duty of a Veilig Thuis report depends on the employer",
        sub(
            "wmo-5.2.6-melding-veilig-thuis",
            (
                'or gegevens.betrokkene.leeftijd >= 18"',
                "or gegevens.betrokkene.leeftijd >= 18 and professional.werkgever == 'gemeente'\"",
            ),
        ),
        _werkgever,
    ),
    Breakage(
        "werkgever-nooit-beslissend",
        "the beroepscode aanvulling skipped for one employer",
        sub(
            "beroepscode-afweging",
            (
                'als: "gebonden_aan_beroepscode and not binnen_eigen_taak"',
                'als: "gebonden_aan_beroepscode and not binnen_eigen_taak'
                " and professional.werkgever != 'overig'\"",
            ),
        ),
        _werkgever,
    ),
    Breakage(
        "nooit-verplicht-en-verboden",
        "a lokaal reporting duty, with the layer order upside down (lokaal above wet)",
        lambda folder: add_rules(folder, "95_lokaal.yaml", LOKAAL_PLICHT),
        lambda r: r.a.oordeel == "verplicht" and r.a.effective(Laag.WET, "verbod"),
        layers_upside_down=True,
    ),
    Breakage(
        "geen-tegenspraak-in-de-wetslaag",
        "7.4.0 no longer an exception to the secrecy verbod",
        sub(
            "jw-7.4.0-verstrekking-college",
            ("    uitzondering_op: [beroepsgeheim-zonder-toestemming]\n", ""),
        ),
        _wet_contradiction,
    ),
    Breakage(
        "geen-tegenspraak-in-de-wetslaag",
        "OTS information duty loses its exception to rol-onbekend-geen-collegebevoegdheid",
        sub(
            "jw-7.3.11-lid4-ots-desgevraagd",
            (
                f"uitzondering_op: [{GEHEIM}, {ROL}, ",
                f"uitzondering_op: [{GEHEIM}, ",
            ),
        ),
        _wet_contradiction,
    ),
    Breakage(
        "geen-tegenspraak-in-de-wetslaag",
        "re-integration duty to the college loses its behandelgegevens exclusion",
        sub(
            "reintegratie-verstrekking-college",
            ("      and not behandelgegevens\n", ""),
        ),
        _wet_contradiction,
    ),
    Breakage(
        "meldrechten-zijn-geen-meldplichten",
        "the Wmo 5.2.6 meldrecht turned into a duty",
        flip("wmo-5.2.6-melding-veilig-thuis", "grond", "plicht"),
        lambda r: r.a.naar == "veilig_thuis" and r.a.oordeel == "verplicht",
    ),
    Breakage(
        "meldrechten-zijn-geen-meldplichten",
        "the BW 1:240 meldrecht turned into a duty",
        flip("bw-1:240-raad-kinderbescherming", "grond", "plicht"),
        lambda r: r.a.naar == "raad_kinderbescherming" and r.a.oordeel == "verplicht",
    ),
    Breakage(
        "meldrechten-zijn-geen-meldplichten",
        "the Verwijsindex meldrecht turned into a duty",
        flip("jw-7.1.4.1-verwijsindex", "grond", "plicht"),
        lambda r: r.a.naar == "verwijsindex" and r.a.oordeel == "verplicht",
    ),
    Breakage(
        AANGIFTE,
        "Sv 161 (anyone may report) turned into a reporting duty",
        flip("sv-161-aangifte", "grond", "plicht"),
        _aangifteplicht_unlisted,
    ),
    Breakage(
        AANGIFTE,
        "the Sv 162 lid 1 onder c duty no longer needs an official",
        sub(SV162[0], ("professional.ambtenaar and van_college and rol", "van_college and rol")),
        lambda r: _aangifteplicht_unlisted(r) and not r.a.flow["professional"]["ambtenaar"],
    ),
    Breakage(
        AANGIFTE,
        "the Sv 162 lid 1 onder c duty ignores an agreed limit (lid 6)",
        sub(SV162[0], ("      and omstandigheden.aangifte_beperkt != True\n", "")),
        lambda r: _aangifteplicht_unlisted(r) and r.a.om["aangifte_beperkt"] is True,
    ),
    Breakage(
        AANGIFTE,
        "the Sv 162 lid 2 duty also on a police request",
        sub(
            SV162[1],
            (
                "and naar.taak == 'openbaar_ministerie'",
                "and naar.taak in ['openbaar_ministerie', 'politie_justitie']",
            ),
        ),
        lambda r: _aangifteplicht_unlisted(r) and r.a.naar == "politie_justitie",
    ),
    Breakage(
        FRAUDE_OP_VERZOEK,
        "the richtlijn 'no duty to report to enforcement' turned into a duty",
        flip("fraude-geen-meldplicht-handhaving", "verbod", "plicht"),
        lambda r: _fraud_duty_unlisted(r) and r.a.naar == "handhaving",
    ),
    Breakage(
        FRAUDE_OP_VERZOEK,
        "the Jeugdwet 7.4.0 onder d duty no longer waits for the college's request",
        sub(
            JW740D,
            ("and not behandelgegevens and omstandigheden.desgevraagd", "and not behandelgegevens"),
        ),
        lambda r: _fraud_duty_unlisted(r) and not r.a.om["desgevraagd"],
    ),
    Breakage(
        "fraude-nooit-verplicht-naar-handhaving-of-politie",
        "the statutory fraud duties (three on request, two of Sv 162) taken out (no refutation)",
        _without_statutory_fraud_duties,
        lambda r: True,
        uitkomst="geldt",
    ),
    Breakage(
        "geheim-wijkt-alleen-voor-genoemde-uitzondering",
        "an unlisted exception: regie-hulpverlening-afstemming set against the secrecy verbod",
        sub(
            "regie-hulpverlening-afstemming",
            (
                "    noodzaak: true\n",
                "    noodzaak: true\n    uitzondering_op: [beroepsgeheim-zonder-toestemming]\n",
            ),
        ),
        _secret_leaves,
    ),
    Breakage(
        "geheim-wijkt-alleen-voor-genoemde-uitzondering",
        "7.4.0 no longer cites article 7.4.0 lid 1",
        sub(
            "jw-7.4.0-verstrekking-college",
            ('      - {regeling: jeugdwet, artikel: "7.4.0", lid: "1", onderdeel: a,', "      #"),
            ('      - {regeling: jeugdwet, artikel: "7.4.0", lid: "1", onderdeel: b,', "      #"),
        ),
        _secret_leaves,
    ),
    Breakage(
        "geheim-wijkt-alleen-voor-genoemde-uitzondering",
        "consent ground accepts any answer but a refusal and lifts secrecy",
        sub(
            "toestemming-inwoner",
            ("  toestemming and naar", "  omstandigheden.toestemming != 'geweigerd' and naar"),
            (
                "    dekt_bijzondere_gegevens: true",
                "    uitzondering_op: [beroepsgeheim-zonder-toestemming]\n"
                "    dekt_bijzondere_gegevens: true",
            ),
        ),
        _secret_leaves,
    ),
    Breakage(
        PW65,
        "Participatiewet 65 demoted to richtlijn, so the college's compatibility test overrides it",
        sub("pw-65-geheimhouding", ("    laag: wet", "    laag: richtlijn")),
        _pw65_leaves,
    ),
    Breakage(
        PW65,
        "Sv 161 (a mere power) made an exception to Participatiewet 65",
        sub(
            "sv-161-aangifte",
            (
                "wmo-5.2.1-lid2-beperkte-ontvangers]",
                "wmo-5.2.1-lid2-beperkte-ontvangers, pw-65-geheimhouding]",
            ),
        ),
        _pw65_leaves,
    ),
    Breakage(
        "vroegsignalering-bestandskoppeling-altijd-verboden",
        "the file-matching verbod lifted by consent",
        sub(
            "vroegsignalering-bestandskoppeling-verbod",
            (
                'and omstandigheden.bestandskoppeling"',
                'and omstandigheden.bestandskoppeling and not toestemming"',
            ),
        ),
        _file_matching_allowed,
    ),
    Breakage(
        "vroegsignalering-bestandskoppeling-altijd-verboden",
        "the consent ground made an exception to the file-matching verbod",
        sub(
            "toestemming-inwoner",
            (
                "    dekt_bijzondere_gegevens: true",
                "    uitzondering_op: [vroegsignalering-bestandskoppeling-verbod]\n"
                "    dekt_bijzondere_gegevens: true",
            ),
        ),
        _file_matching_allowed,
    ),
    Breakage(
        "vroegsignalering-bestandskoppeling-altijd-verboden",
        "the file-matching verbod demoted to richtlijn",
        sub("vroegsignalering-bestandskoppeling-verbod", ("laag: wet", "laag: richtlijn")),
        _file_matching_allowed,
    ),
    Breakage(
        "toeleidingsgegevens-geen-beroepsgeheim-bij-gekende-rol",
        "definition beroepsgeheim ignores whether the resident knew the role",
        sub("beroepsgeheim", (" and not omstandigheden.inwoner_kende_rol\n", "\n")),
        lambda r: (
            r.a.van in COLLEGETAKEN and r.a.om["inwoner_kende_rol"] and r.a.d["beroepsgeheim"]
        ),
    ),
    Breakage(
        "toeleidingsgegevens-geen-beroepsgeheim-bij-gekende-rol",
        "definition beroepsgeheim counts toeleiding among the secret tasks",
        sub(
            "beroepsgeheim",
            ("van.taak in ['jeugdhulp',", "van.taak in ['toeleiding', 'jeugdhulp',"),
        ),
        lambda r: (
            r.a.van in COLLEGETAKEN and r.a.om["inwoner_kende_rol"] and r.a.d["beroepsgeheim"]
        ),
    ),
    Breakage(
        "collegetaak-college-verantwoordelijk",
        "vvo-college made conditional (only for traceable data)",
        sub(
            "vvo-college",
            ('als: "naar_college"', 'als: "naar_college and omstandigheden.herleidbaar"'),
        ),
        lambda r: r.a.naar in COLLEGETAKEN and r.a.d["verwerkingsverantwoordelijke"] != "college",
    ),
    Breakage(
        "collegetaak-college-verantwoordelijk",
        "vvo-college narrowed to the toeleiding side",
        sub("vvo-college", ('als: "naar_college"', 'als: "naar.taak in toeleidingskant"')),
        lambda r: r.a.naar in COLLEGETAKEN and r.a.d["verwerkingsverantwoordelijke"] != "college",
    ),
    Breakage(
        "collegetaak-college-verantwoordelijk",
        "vvo-college dropped",
        drop("vvo-college"),
        lambda r: r.a.naar in COLLEGETAKEN and r.a.d["verwerkingsverantwoordelijke"] != "college",
    ),
    Breakage(
        "noodzakelijk-onwaar-nooit-verplicht",
        "calamity report duty, BW 1:243 and Sv 162 made to rest on necessity (no refutation)",
        _both_on_necessity,
        lambda r: True,
        uitkomst="geldt",
    ),
    # -- mutation.yaml: what kern's necessity property cannot see -------------------------
    Breakage(
        "niet-noodzakelijk-alleen-noodzaakvrije-gronden",
        "college-eigen-taak loses its 'noodzaak: true'",
        sub("college-eigen-taak", ("    noodzaak: true\n", "")),
        lambda r: (
            r.a.om["noodzakelijk"] is False
            and r.a.oordeel in PERMITS
            and "college-eigen-taak" in r.a.d["regels"]
        ),
    ),
    Breakage(
        "niet-noodzakelijk-alleen-noodzaakvrije-gronden",
        "the OTS information duty loses its 'noodzaak: true'",
        sub("jw-7.3.11-lid4-ots-desgevraagd", ("    noodzaak: true\n", "")),
        lambda r: r.a.om["noodzakelijk"] is False and r.a.oordeel == "verplicht",
    ),
    Breakage(
        "niet-noodzakelijk-heft-geen-verbod-op",
        "the rol-onbekend verbod made to rest on necessity",
        sub(ROL, ("    effect: verbod\n", "    effect: verbod\n    noodzaak: true\n")),
        lambda r: (
            r.b is not None
            and r.a.om["noodzakelijk"] is True
            and r.b.om["noodzakelijk"] is False
            and r.a.oordeel == "verboden"
            and r.b.oordeel != "verboden"
        ),
    ),
    # -- beslissingen.yaml -------------------------------------------------------------------
    Breakage(
        "verwijsindex-alleen-meldingsbevoegd-onder-23",
        "the Verwijsindex age limit off by one (<= 23)",
        sub(
            "jw-7.1.4.1-verwijsindex",
            ("gegevens.betrokkene.leeftijd < 23", "gegevens.betrokkene.leeftijd <= 23"),
        ),
        lambda r: (
            r.a.naar == "verwijsindex"
            and r.a.oordeel in PERMITS
            and r.a.flow["gegevens"]["betrokkene"]["leeftijd"] == 23
        ),
    ),
    Breakage(
        "verwijsindex-alleen-meldingsbevoegd-onder-23",
        "anyone may report to the Verwijsindex",
        sub("jw-7.1.4.1-verwijsindex", ("and professional.meldingsbevoegd and", "and")),
        lambda r: (
            r.a.naar == "verwijsindex"
            and r.a.oordeel in PERMITS
            and not r.a.flow["professional"]["meldingsbevoegd"]
        ),
    ),
    Breakage(
        "ots-op-verzoek-verplicht",
        "the OTS information duty weakened to a ground",
        flip("jw-7.3.11-lid4-ots-desgevraagd", "plicht", "grond"),
        lambda r: r.a.naar == "gecertificeerde_instelling" and r.a.oordeel != "verplicht",
    ),
    Breakage(
        "melding-veilig-thuis-volgt-meldcode",
        "a Veilig Thuis report no longer asks to follow the meldcode",
        sub("wmo-5.2.6-melding-veilig-thuis", ("      - meldcode_volgen\n", "")),
        lambda r: (
            "wmo-5.2.6-melding-veilig-thuis" in r.a.d["regels"]
            and not r.a.plicht("meldcode_volgen")
        ),
    ),
    Breakage(
        "hulpverlening-aanbieder-verantwoordelijk",
        "vvo-college also claims regie vanuit hulpverlening",
        sub(
            "vvo-college",
            ('als: "naar_college"', "als: \"naar_college or naar.taak == 'regie_hulpverlening'\""),
        ),
        lambda r: (
            r.a.naar == "regie_hulpverlening"
            and r.a.d["verwerkingsverantwoordelijke"] != "aanbieder"
        ),
    ),
    Breakage(
        "toestemming-maakt-nooit-strenger",
        "the secrecy verbod's consent atom negated (it now bites with consent)",
        sub(
            "beroepsgeheim-zonder-toestemming",
            ('als: "beroepsgeheim and not toestemming', 'als: "beroepsgeheim and toestemming'),
        ),
        lambda r: (
            r.b is not None
            and r.a.oordeel in PERMITS
            and r.b.oordeel not in PERMITS
            and r.a.om["toestemming"] == "niet_gevraagd"
            and r.b.om["toestemming"] == "gegeven"
        ),
    ),
    Breakage(
        "route-a-nooit-verwerking",
        "the consent ground no longer excludes general advice",
        sub(
            "toestemming-inwoner",
            (
                "naar.taak not in ['algemeen_advies', 'verwijsindex',",
                "naar.taak not in ['verwijsindex',",
            ),
        ),
        lambda r: r.a.naar == "algemeen_advies" and r.a.oordeel in PERMITS,
    ),
    Breakage(
        "rol-onbekend-geen-collegebevoegdheid",
        "college-eigen-taak no longer needs a known role",
        sub(
            "college-eigen-taak",
            (
                'als: "van_college and binnen_eigen_taak and rol_gekend"',
                'als: "van_college and binnen_eigen_taak"',
            ),
        ),
        lambda r: not r.a.om["inwoner_kende_rol"] and "college-eigen-taak" in r.a.d["regels"],
    ),
    Breakage(
        "conflict-van-plichten-vraagt-alle-criteria-en-collega",
        "conflict van plichten without the proportionality criterion",
        sub(
            "conflict-van-plichten",
            ("      and omstandigheden.conflict_van_plichten.proportioneel\n", ""),
        ),
        lambda r: (
            "conflict-van-plichten" in r.a.d["regels"]
            and not r.a.om["conflict_van_plichten"]["proportioneel"]
        ),
    ),
    Breakage(
        "beleidsinformatie-alleen-niet-herleidbaar",
        "Jeugdwet 7.4.1 for policy information taken out (the refutation disappears)",
        sub(
            "jw-7.4.1-beleidsinformatie", ("van_college and van_jeugdwet", "False and van_jeugdwet")
        ),
        lambda r: True,
        uitkomst="geldt",
    ),
    Breakage(
        "niet-herleidbaar-overzicht-los-van-verstrekker",
        "the untraceable-overview ground limited to college senders again (pre-D41)",
        sub(
            "beleidsinformatie-niet-herleidbaar",
            ('als: "naar.taak in', 'als: "van_college and naar.taak in'),
        ),
        lambda r: r.b is not None and r.a.oordeel != r.b.oordeel and not r.a.om["herleidbaar"],
    ),
    Breakage(
        "niet-herleidbaar-overzicht-los-van-verstrekker",
        "the untraceable-overview ground no longer an exception to the Wmo 5.3.3 refusal",
        sub(
            "beleidsinformatie-niet-herleidbaar",
            (
                "rol-onbekend-geen-collegebevoegdheid, wmo-5.3.3-weigering-aanbieder,",
                "rol-onbekend-geen-collegebevoegdheid,",
            ),
        ),
        lambda r: r.b is not None and r.a.oordeel != r.b.oordeel and not r.a.om["herleidbaar"],
    ),
    Breakage(
        "wmo-hergebruik-andere-wet-alleen-met-toestemming",
        "the Wmo 5.1.1 lid 4 consent requirement dropped (compatibility suffices again)",
        drop("wmo-5.1.1-lid4-toestemming-vereist"),
        lambda r: (
            r.a.flow["naar"].get("wet") == "wmo"
            and r.a.van in COLLEGETAKEN
            and r.a.om["toestemming"] != "gegeven"
            and r.a.oordeel in PERMITS
        ),
    ),
    Breakage(
        "toezicht-plicht-alleen-op-vordering-of-calamiteit",
        "the Wmo 5.2.2 onder d power of one's own accord turned into a duty",
        flip("wmo-5.2.2-toezicht-eigen-beweging", "grond", "plicht"),
        lambda r: (
            r.a.naar in {"inspectie", "toezichthouder_wmo"}
            and r.a.oordeel == "verplicht"
            and not r.a.om["desgevraagd"]
        ),
    ),
]


def _door_widens(r: Replay) -> bool:
    assert r.b is not None
    return (
        r.a.om.get("toestemming_door") is None
        and r.b.oordeel in PERMITS
        and r.a.oordeel not in PERMITS
    )


def _wrong_giver_counts(r: Replay) -> bool:
    assert r.b is not None
    a, b = r.a, r.b
    assert a.om["toestemming"] == "niet_gevraagd" and b.om["toestemming"] == "gegeven"
    assert not valid_consent(b.flow)
    return any(a.d[k] != b.d[k] for k in ("oordeel", "plichten", "voorwaarden", "regels"))


#: the duties that name their data subjects (jeugdige or ouders; the client), D47
NAMED_SUBJECT_RULES = {
    "jw-7.4.0-verstrekking-college",
    "jw-7.4.0-lid1d-controle-fraude",
    "jw-7.4.0-lid1c-bekostiging",
    "wmo-5.2.2-desgevraagd",
    "wmo-5.2.2-eigen-beweging",
    "jw-7.1.4.1-verwijsindex",
}


def _third_party_data_under_duty(r: Replay) -> bool:
    relatie = r.a.flow["gegevens"]["betrokkene"].get("relatie")
    return relatie in ("huisgenoot", "derde") and bool(NAMED_SUBJECT_RULES & set(r.a.d["regels"]))


def _treatment_to_funding(r: Replay) -> bool:
    a = r.a
    return (
        a.cat in BEHANDEL
        and a.naar == "bekostiging"
        and not valid_consent(a.flow)
        and a.oordeel in PERMITS
        and "conflict-van-plichten" not in a.d["regels"]
    )


PRACTICE_BREAKAGES = [
    Breakage(
        "toestemming-door-scherpt-alleen-aan",
        "the gezag rule also fires on the gezag's consent at 16 and over",
        sub(
            "geheim-niet-tegenover-gezag",
            (
                "naar.taak == 'ouder_gezag' and gegevens.betrokkene.leeftijd < 16",
                "naar.taak == 'ouder_gezag' and (gegevens.betrokkene.leeftijd < 16"
                " or omstandigheden.toestemming_door == 'gezag')",
            ),
        ),
        _door_widens,
    ),
    Breakage(
        "toestemming-van-de-verkeerde-is-geen-toestemming",
        "the secrecy prohibition reads the raw consent field, not valid consent",
        sub(
            GEHEIM,
            (
                'als: "beroepsgeheim and not toestemming',
                "als: \"beroepsgeheim and omstandigheden.toestemming != 'gegeven'",
            ),
        ),
        _wrong_giver_counts,
    ),
    Breakage(
        "plichten-met-genoemde-betrokkenen-reiken-niet-verder",
        "Jeugdwet 7.4.0 to the toeleiding no longer limited to the jeugdige or the ouders",
        sub(JW740, ("      and gegevens_jeugdige_of_ouders\n", "")),
        _third_party_data_under_duty,
    ),
    Breakage(
        "behandelgegevens-niet-naar-bekostiging-zonder-toestemming",
        "the bekostiging duty no longer limited to billing categories",
        sub(
            "jw-7.4.0-lid1c-bekostiging",
            ("and gegevens.categorie in bekostigingsgegevens and", "and"),
        ),
        _treatment_to_funding,
    ),
]
BREAKAGES += PRACTICE_BREAKAGES


UPSIDE_DOWN = {Laag.WET: 1, Laag.RICHTLIJN: 2, Laag.LOKAAL: 3}
CORE = [
    NOODZAAK_BEHANDEL,
    "werkgever-nooit-beslissend",
    "nooit-verplicht-en-verboden",
    "geen-tegenspraak-in-de-wetslaag",
    "meldrechten-zijn-geen-meldplichten",
    "fraude-nooit-verplicht-naar-handhaving-of-politie",
    "fraudeplicht-alleen-op-verzoek-uit-de-wet",
    "geheim-wijkt-alleen-voor-genoemde-uitzondering",
    "vroegsignalering-bestandskoppeling-altijd-verboden",
    "toeleidingsgegevens-geen-beroepsgeheim-bij-gekende-rol",
    "collegetaak-college-verantwoordelijk",
    "noodzakelijk-onwaar-nooit-op-noodzaak",
    "noodzakelijk-onwaar-nooit-verplicht",
]
#: core properties that hold for every rule set (consequences of the semantics)
SEMANTIC = ("nooit-verplicht-en-verboden", "noodzakelijk-onwaar-nooit-op-noodzaak")


def _broken(tmp_path: Path, case: Breakage) -> Path:
    folder = copy_specs(tmp_path)
    case.edit(folder)
    return folder


@pytest.fixture(scope="module")
def bundled() -> tuple[Any, list[Eigenschap], list[Outcome]]:
    specs = load_specs(None)
    props = load_properties(specs)
    return specs, props, prove_all(specs, props)


# -- the bundled properties ------------------------------------------------------------------


def test_bundled_properties_all_as_expected(bundled: Any) -> None:
    _specs, props, outcomes = bundled
    assert len(props) >= 25
    wrong = [(o.naam, o.verwacht, o.uitkomst) for o in outcomes if not o.as_expected]
    assert not wrong
    assert {o.naam for o in outcomes} >= set(CORE)
    for o in outcomes:
        assert (o.tegenvoorbeeld is None) == (o.uitkomst == "geldt")


def test_expected_counterexample_is_replayable(bundled: Any) -> None:
    specs, props, outcomes = bundled
    rb = Rulebook(specs)
    for o in outcomes:
        prop = next(p for p in props if p.naam == o.naam)
        if o.uitkomst != "tegenvoorbeeld" or prop.keten is not None:
            continue  # chains are replayed in test_reach.py
        r = replay(rb, o, prop)
        assert r.a.d == o.beslissing
    refuted = next(o for o in outcomes if o.naam == "noodzakelijk-onwaar-nooit-verplicht")
    assert refuted.tegenvoorbeeld is not None
    assert refuted.tegenvoorbeeld["omstandigheden"]["noodzakelijk"] is False
    assert refuted.beslissing is not None and refuted.beslissing["oordeel"] == "verplicht"
    # the handreiking's "no duty to give fraud signals" is refuted by a statutory duty: on
    # the college's request towards handhaving (D34), or an official's Sv 162 duty (D37)
    fraud = next(
        o for o in outcomes if o.naam == "fraude-nooit-verplicht-naar-handhaving-of-politie"
    )
    assert fraud.tegenvoorbeeld is not None and fraud.beslissing is not None
    assert fraud.beslissing["oordeel"] == "verplicht"
    naar = fraud.tegenvoorbeeld["naar"]["taak"]
    if naar == "handhaving":
        assert fraud.tegenvoorbeeld["omstandigheden"]["desgevraagd"] is True
        assert set(fraud.beslissing["regels"]) & set(FRAUD_DUTIES)
    else:
        assert naar in {"politie_justitie", "openbaar_ministerie"}
        assert fraud.tegenvoorbeeld["professional"]["ambtenaar"] is True
        assert set(fraud.beslissing["regels"]) & set(SV162)
    # "policy information never identifiable" is refuted by Jeugdwet 7.4.1 (D41)
    beleid = next(o for o in outcomes if o.naam == "beleidsinformatie-alleen-niet-herleidbaar")
    assert beleid.tegenvoorbeeld is not None and beleid.beslissing is not None
    assert beleid.tegenvoorbeeld["omstandigheden"]["herleidbaar"] is True
    assert beleid.beslissing["regels"] == ["jw-7.4.1-beleidsinformatie"]


def test_every_property_has_a_paraphrase_and_section(bundled: Any) -> None:
    specs, props, _ = bundled
    for p in props:
        assert p.uitleg.nl.strip() and p.uitleg.en.strip(), p.naam
        assert p.sectie in specs.secties, p.naam
        if p.verwacht == "tegenvoorbeeld":
            assert p.toelichting, f"{p.naam}: an expected counterexample needs its legal reason"


# -- broken copies: every core property can fail ------------------------------------------------


def test_every_core_property_has_a_breakage() -> None:
    broken = {c.prop for c in BREAKAGES}
    missing = [p for p in CORE if p not in broken and p not in SEMANTIC]
    assert not missing
    assert "nooit-verplicht-en-verboden" in broken  # via the layer order
    assert len({c.prop for c in BREAKAGES} - set(CORE)) >= 8  # several from beslissingen


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.prop}: {c.what}") for c in BREAKAGES])
def test_property_fails_on_broken_copy(
    case: Breakage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _broken(tmp_path, case)
    if case.layers_upside_down:
        monkeypatch.setattr("pettenlogic.rules.spec.LAAG_RANG", UPSIDE_DOWN)
    specs = load_specs(folder)
    props = {p.naam: p for p in load_properties(specs, folder)}
    prop = props[case.prop]
    # a generous solver limit: the tests share two busy cores, and a time-out ('onbekend')
    # would say nothing about the broken rule
    outcome = Prover(specs, timeout_ms=180_000).prove(prop)
    assert outcome.uitkomst == case.uitkomst, f"{case.what}: {outcome.uitkomst}"
    assert not outcome.as_expected
    if case.uitkomst == "geldt":
        assert outcome.tegenvoorbeeld is None
        return
    r = replay(Rulebook(specs), outcome, prop)
    assert case.violated(r), (
        f"{case.what}: the replayed counterexample does not violate {case.prop}:\n"
        + json.dumps(outcome.tegenvoorbeeld, ensure_ascii=False)
    )
    # the prover's stored decision is the evaluator's decision of that flow
    if prop.paar:
        assert outcome.beslissing == {"a": r.a.d, "b": r.b.d if r.b else None}
    else:
        assert outcome.beslissing == r.a.d


def test_breakages_leave_bundled_rules_alone(bundled: Any) -> None:
    """The broken copies live in tmp folders: the bundled properties still hold."""
    _specs, _props, outcomes = bundled
    assert all(o.as_expected for o in outcomes)


def test_semantic_invariants_survive_every_broken_copy(tmp_path: Path) -> None:
    """No rule edit can refute the two semantic core properties (see module docstring)."""
    for i, case in enumerate(BREAKAGES):
        folder = _broken(tmp_path / str(i), case)
        specs = load_specs(folder)
        props = load_properties(specs, folder)
        outcomes = prove_all(specs, props, list(SEMANTIC))
        assert [o.uitkomst for o in outcomes] == ["geldt", "geldt"], case.what


def test_layer_order_breakage_needs_the_upside_down_layers(tmp_path: Path) -> None:
    """With the real layer order the same broken copy still proves the property."""
    case = next(c for c in BREAKAGES if c.layers_upside_down)
    folder = _broken(tmp_path, case)
    specs = load_specs(folder)
    props = load_properties(specs, folder)
    assert prove_all(specs, props, [case.prop])[0].uitkomst == "geldt"


# -- the command line ----------------------------------------------------------------------------


def test_cli_prove_bundled_text() -> None:
    result = run("prove")
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith(("ok", "FAIL"))]
    assert len(lines) >= 25 and all(ln.startswith("ok") for ln in lines)
    assert "tegenvoorbeeld:" in result.output  # the expected refutation is printed
    assert f"{len(lines)} van {len(lines)} eigenschappen zoals verwacht" in result.output


def test_cli_prove_in_english_is_english_throughout() -> None:
    """``--lang en``: labels and the explanations of counterexample decisions in English;
    the values (property names, verdicts, rule ids) stay the contract's codes."""
    # two properties, one with a counterexample: the labels and the explanation show
    names = (REFUTED, "werkgever-nooit-beslissend")
    result = run("prove", "--lang", "en", *names)
    assert result.exit_code == 0, result.output
    assert "counterexample:" in result.output and "tegenvoorbeeld:" not in result.output
    assert "(expected " in result.output and "verwacht" not in result.output
    assert "properties as expected" in result.output
    dutch = run("prove", *names)
    explanation = [ln for ln in dutch.output.splitlines() if ln.startswith("       ")]
    english = [ln for ln in result.output.splitlines() if ln.startswith("       ")]
    assert explanation and english and explanation != english


def test_cli_prove_json_shape() -> None:
    result = run("prove", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, list) and len(data) >= 25
    for item in data:
        assert set(item) >= OUTCOME_KEYS
        assert item["verwacht"] in ("geldt", "tegenvoorbeeld")
        assert item["uitkomst"] in ("geldt", "tegenvoorbeeld", "onbekend")
        assert item["uitkomst"] == item["verwacht"]
        assert isinstance(item["seconden"], int | float) and item["seconden"] >= 0
        if item["uitkomst"] == "geldt":
            assert item["tegenvoorbeeld"] is None
        elif "keten" in item["tegenvoorbeeld"]:  # a chain property: a list of flows
            assert item["tegenvoorbeeld"]["keten"]
            for flow in item["tegenvoorbeeld"]["keten"]:
                _valid_flow(flow)
        else:
            _valid_flow(item["tegenvoorbeeld"])


def test_cli_prove_selected_names() -> None:
    result = run("prove", "--json", "route-a-nooit-verwerking", "werkgever-nooit-beslissend")
    assert result.exit_code == 0, result.output
    assert [o["naam"] for o in json.loads(result.output)] == [
        "route-a-nooit-verwerking",
        "werkgever-nooit-beslissend",
    ]


def test_cli_prove_unknown_name_exit_2() -> None:
    result = run("prove", "route-a-nooit-verwerkin")
    assert result.exit_code == 2
    assert "route-a-nooit-verwerking" in result.stderr  # did you mean


def test_cli_prove_broken_copy_exit_1(tmp_path: Path) -> None:
    case = next(c for c in BREAKAGES if c.prop == "meldrechten-zijn-geen-meldplichten")
    folder = _broken(tmp_path, case)
    result = run("prove", "--rules", str(folder), "--json", case.prop, "werkgever-nooit-beslissend")
    assert result.exit_code == 1, result.output
    data = {o["naam"]: o for o in json.loads(result.output)}
    assert data["werkgever-nooit-beslissend"]["uitkomst"] == "geldt"
    bad = data[case.prop]
    assert bad["uitkomst"] == "tegenvoorbeeld" and bad["verwacht"] == "geldt"
    flow = _valid_flow(bad["tegenvoorbeeld"])
    assert flow["naar"]["taak"] == "veilig_thuis"
    text = run("prove", "--rules", str(folder), case.prop)
    assert text.exit_code == 1
    assert text.output.startswith("FAIL meldrechten-zijn-geen-meldplichten: tegenvoorbeeld")
    assert (
        "tegenvoorbeeld:" in text.output
        and "verplicht via wmo-5.2.6-melding-veilig-thuis" in text.output
    )


FRAUD_CHAIN = "fraudesignalen-uit-jeugdhulp-bereiken-politie-via-handhaving"


def test_cli_prove_in_workers_gives_the_same_outcomes_in_order(tmp_path: Path) -> None:
    """``--workers 2`` proves in forked processes (the chain properties together, the
    others one by one): the same outcomes, in the same order, with the same exit code;
    on a broken copy, so that a counterexample and a witness chain come back too."""
    case = next(c for c in BREAKAGES if c.prop == "meldrechten-zijn-geen-meldplichten")
    folder = _broken(tmp_path, case)
    names = [FRAUD_CHAIN, case.prop, "werkgever-nooit-beslissend", "route-a-nooit-verwerking"]
    args = ["prove", "--rules", str(folder), "--json", *names]
    one, two = run(*args), run(*args, "--workers", "2")
    assert one.exit_code == two.exit_code == 1, two.output
    seen = [json.loads(r.output) for r in (one, two)]
    # the order of the property files, as without workers
    assert sorted(o["naam"] for o in seen[0]) == sorted(names)
    assert [(o["naam"], o["uitkomst"], o["verwacht"]) for o in seen[0]] == [
        (o["naam"], o["uitkomst"], o["verwacht"]) for o in seen[1]
    ]
    got = {o["naam"]: o for o in seen[1]}
    assert len(got[FRAUD_CHAIN]["tegenvoorbeeld"]["keten"]) == 2
    assert _valid_flow(got[case.prop]["tegenvoorbeeld"])["naar"]["taak"] == "veilig_thuis"


def test_a_mismatch_in_a_worker_stops_the_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """An InternalMismatch in a forked worker reaches the caller as one."""
    from pettenlogic.model.vocabulary import Oordeel
    from pettenlogic.solver.edges import Finder

    specs = load_specs(None)
    monkeypatch.setattr(Finder, "z3_verdict", lambda self, flow: Oordeel.VERBODEN)
    with pytest.raises(InternalMismatch, match="Z3 says verboden"):
        prove_all(
            specs, load_properties(specs), [FRAUD_CHAIN, "route-a-nooit-verwerking"], workers=2
        )


def test_cli_counterexample_decides_the_same(tmp_path: Path) -> None:
    """A printed counterexample is valid input for ``decide`` and gives the printed verdict."""
    case = next(c for c in BREAKAGES if c.prop == FRAUDE_OP_VERZOEK)
    folder = _broken(tmp_path, case)
    out = json.loads(run("prove", "--rules", str(folder), "--json", case.prop).output)[0]
    result = CliRunner().invoke(
        main,
        ["decide", "--json", "--rules", str(folder), "-"],
        input=json.dumps(out["tegenvoorbeeld"]),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["oordeel"] == "verplicht"


BAD_PROPERTY = """\
thema: kapot
eigenschappen:
  - naam: goed
    sectie: "1.7"
    verwacht: geldt
    geldt: "oordeel != 'verplicht' or True"
    uitleg: {nl: goed, en: good}
"""

BAD_CASES = {
    "unknown key": ("    verwachting: geldt\n", "unknown key"),
    "unknown field": ("    voor: \"van.taakk == 'jeugdhulp'\"\n", "unknown field 'van.taakk'"),
    "unknown function": (
        "    voor: \"plichtje('meldcode_volgen')\"\n",
        "unknown function 'plichtje'",
    ),
    "unknown rule in regel()": (
        "    voor: \"regel('bestaat-niet')\"\n",
        "regel(): unknown 'bestaat-niet'",
    ),
    "bad verwacht": (None, "verwacht must be one of geldt, tegenvoorbeeld"),
    "comment in a condition": (
        "    voor: \"van.taak == 'jeugdhulp' # and naar.taak == 'toeleiding'\"\n",
        "'#' is not allowed in a condition",
    ),
    "look-alike letter": ("    voor: \"\uff56an.taak == 'jeugdhulp'\"\n", "U+FF56"),
    "YAML tag": ("    voor: !!str \"van.taak == 'jeugdhulp'\"\n", "explicit YAML tags"),
}


@pytest.mark.parametrize("kind", list(BAD_CASES))
def test_cli_prove_invalid_property_file_exit_2(kind: str, tmp_path: Path) -> None:
    extra, message = BAD_CASES[kind]
    text = BAD_PROPERTY
    if extra is None:
        text = text.replace("verwacht: geldt", "verwacht: misschien")
        line = 5
    else:
        text = text.replace("    geldt:", extra + "    geldt:")
        line = 6
    folder = copy_specs(tmp_path)
    (folder / "properties" / "zz_kapot.yaml").write_text(text, encoding="utf-8")
    result = run("prove", "--rules", str(folder))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"properties/zz_kapot.yaml:{line}:" in result.stderr, result.stderr
    assert message in result.stderr, result.stderr


def test_cli_prove_invalid_rules_exit_2(tmp_path: Path) -> None:
    folder = copy_specs(tmp_path)
    edit_rule(folder, "sv-161-aangifte", "effect: grond", "effect: misschien")
    result = run("prove", "--rules", str(folder))
    assert result.exit_code == 2
    assert "rules/70_conflict_fraude.yaml:" in result.stderr


# -- exit 3: the two interpreters disagree ----------------------------------------------------


def _lying_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the evaluator report 'toegestaan' wherever it would say 'verplicht'."""
    original = Evaluator.decision

    def decision(self: Evaluator, t: Trace, lang: str = "nl") -> Any:
        d = original(self, t, lang)
        if d.oordeel.value == "verplicht":
            from pettenlogic.model.vocabulary import Oordeel

            d = attrs.evolve(d, oordeel=Oordeel.TOEGESTAAN)
        return d

    monkeypatch.setattr(Evaluator, "decision", decision)


def test_internal_mismatch_api(monkeypatch: pytest.MonkeyPatch) -> None:
    _lying_decision(monkeypatch)
    specs = load_specs(None)
    prop = next(
        p for p in load_properties(specs) if p.naam == "noodzakelijk-onwaar-nooit-verplicht"
    )
    with pytest.raises(
        InternalMismatch, match="Z3 says verplicht but the evaluator says toegestaan"
    ):
        Prover(specs).prove(prop)


def test_internal_mismatch_cli_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    _lying_decision(monkeypatch)
    result = run("prove", REFUTED)
    assert result.exit_code == 3, result.output
    assert "disagree" in result.stderr


def test_unconfirmed_counterexample_is_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same verdict, but the evaluator's reading of the property says it holds: exit 3."""
    monkeypatch.setattr("pettenlogic.solver.prove.holds", lambda e, sides, ev, side="a": True)
    result = run("prove", REFUTED)
    assert result.exit_code == 3
    assert "does not confirm" in result.stderr


# -- the generated documentation ----------------------------------------------------------------


def test_generated_property_catalogue_and_whatif_tables(tmp_path: Path) -> None:
    from pettenlogic.docgen.verification import compact_flow, write_verify_docs

    root = Path(__file__).resolve().parents[1]
    paths = write_verify_docs(tmp_path, root / "specs", root / "specs" / "whatif")
    props_md, whatif_md = (p.read_text(encoding="utf-8") for p in paths)
    specs = load_specs(None)
    names = [p.naam for p in load_properties(specs)]
    assert f"{len(names)} of {len(names)} came out as expected" in props_md
    for name in names:
        assert f"#### {name}\n" in props_md
    assert "Counterexample (fields at their default left out):" in props_md
    assert "### zonder-7.4.0" in whatif_md and "### wams-coordinatie" in whatif_md
    assert "groups** of differing flows (complete" in whatif_md
    # the compact form of a flow decides exactly like the full one
    full = {
        "gegevens": {"categorie": "hulpvraag", "betrokkene": {"leeftijd": 15}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding", "wet": "jeugdwet"},
        "omstandigheden": {"noodzakelijk": True, "herleidbaar": True},
    }
    short = compact_flow(full)
    assert "herleidbaar" not in short["omstandigheden"]  # the default
    assert flow_to_json(flow_from_json(short)) == flow_to_json(flow_from_json(full))
