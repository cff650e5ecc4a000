"""The generated JSON Schema of the flow input (docs/contract.md)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from jsonschema import Draft202012Validator

from conftest import DESIGN_EXAMPLE
from pettenlogic import flow_from_json, flow_to_json
from pettenlogic.model.fields import flow_fields
from pettenlogic.model.schema import flow_schema
from pettenlogic.model.vocabulary import (
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
from strategies import WET_TASKS, flow_dicts

# The value lists and defaults of docs/contract.md, written out: the contract, not the code.
DESIGN_ENUMS: dict[str, list[str]] = {
    "gegevens.categorie": [
        "identificatie",
        "hulpvraag",
        "advies_voorziening",
        "voortgang",
        "beschikking",
        "financieel",
        "behandelgegevens",
        "diagnose",
        "behandelplan",
        "gezondheid",
        "bijzonder",
        "strafrechtelijk",
        "signalen_huiselijk_geweld",
        "signalen_fraude",
        "declaratie",
    ],
    "van.taak": [
        "toeleiding",
        "regie_toeleiding",
        "begeleiding_plan_van_aanpak",
        "kinderbeschermingsverzoek",
        "handhaving",
        "beleidsinformatie",
        "vroegsignalering",
        "ander_college_doel",
        "bekostiging",
        "jeugdhulp",
        "maatschappelijk_werk",
        "maatwerkvoorziening",
        "reintegratie",
        "schuldhulpverlening",
        "regie_hulpverlening",
        "deskundigenadvies",
        "medebehandeling",
        "algemeen_advies",
        "veilig_thuis",
        "raad_kinderbescherming",
        "gecertificeerde_instelling",
        "inspectie",
        "verwijsindex",
        "politie_justitie",
        "openbaar_ministerie",
        "toezichthouder_wmo",
        "rijk_beleidsinformatie",
        "onderwijs",
        "ouder_gezag",
        "derde_persoon",
        "huisarts",
        "schuldeiser",
    ],
    "van.wet": ["jeugdwet", "wmo", "participatiewet", "wgs"],
    "professional.registratie": ["skj", "big", "geen"],
    "professional.werkgever": ["gemeente", "wijkteamorganisatie", "aanbieder", "overig"],
    "omstandigheden.toestemming": ["gegeven", "geweigerd", "niet_gevraagd"],
    "omstandigheden.inwoner_geinformeerd": ["vooraf", "achteraf", "niet"],
    "omstandigheden.strafbaar_feit": ["misdrijf", "overtreding", "geen"],
    # issue 7 item 4: optional, null = as before the field existed
    "omstandigheden.toestemming_door": [
        "betrokkene",
        "gezag",
        "betrokkene_en_gezag",
        "wettelijk_vertegenwoordiger",
        "ander",
    ],
    "gegevens.betrokkene.relatie": ["client", "ouder", "huisgenoot", "derde"],
}
DESIGN_ENUMS["naar.taak"] = DESIGN_ENUMS["van.taak"]
DESIGN_ENUMS["naar.wet"] = DESIGN_ENUMS["van.wet"]

DESIGN_DEFAULTS: dict[str, Any] = {
    "professional.registratie": "geen",
    "professional.beroepscode": False,
    "professional.werkgever": "overig",
    "professional.meldingsbevoegd": False,
    "omstandigheden.toestemming": "niet_gevraagd",
    "omstandigheden.inwoner_geinformeerd": "niet",
    "omstandigheden.zwaarwegende_redenen": False,
    "omstandigheden.desgevraagd": False,
    "omstandigheden.noodzakelijk": None,
    "omstandigheden.lopend_onderzoek": False,
    "omstandigheden.vermoeden_huiselijk_geweld": False,
    "omstandigheden.meldcode_doorlopen": False,
    "omstandigheden.ondertoezichtstelling": False,
    "omstandigheden.calamiteit": False,
    "omstandigheden.geweld_in_hulpverlening": False,
    "omstandigheden.risico_jeugdige": False,
    **{
        f"omstandigheden.conflict_van_plichten.{k}": False
        for k in (
            "toestemming_gevraagd",
            "ernstige_schade",
            "gewetensnood",
            "geen_andere_weg",
            "doelmatig",
            "proportioneel",
            "collega_geraadpleegd",
        )
    },
    "omstandigheden.inwoner_kende_rol": True,
    "omstandigheden.fraude_gerelateerd_aan_taak": False,
    "omstandigheden.herleidbaar": True,
    "omstandigheden.bestandskoppeling": False,
    "omstandigheden.verenigbaarheidstoets": False,
    "omstandigheden.pgb": False,
    "omstandigheden.andere_organisatie": False,
    # Sv 161 and 162 (D37)
    "professional.ambtenaar": False,
    "omstandigheden.strafbaar_feit": None,
    "omstandigheden.aangifte_beperkt": None,
}


def node(path: str) -> dict[str, Any]:
    """The subschema of a dotted field path."""
    schema: dict[str, Any] = flow_schema()
    for part in path.split("."):
        assert schema.get("type") == "object", f"{path}: '{part}' is not under an object"
        assert part in schema["properties"], f"{path}: '{part}' missing from the schema"
        schema = schema["properties"][part]
    return schema


def test_schema_is_valid_draft_2020_12() -> None:
    schema = flow_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_design_example_is_valid() -> None:
    Draft202012Validator(flow_schema()).validate(DESIGN_EXAMPLE)


def test_every_leaf_field_is_reachable() -> None:
    for path, spec in flow_fields().items():
        sub = node(path)
        assert "properties" not in sub, path
        assert sub["description"] == spec.doc, path


def test_every_nested_object_is_closed() -> None:
    """additionalProperties: false at every level, so unknown keys are errors."""

    def walk(schema: dict[str, Any], where: str) -> None:
        if schema.get("type") == "object":
            assert schema.get("additionalProperties") is False, where
            for name, sub in schema["properties"].items():
                walk(sub, f"{where}.{name}")

    walk(flow_schema(), "<root>")


def test_required_fields() -> None:
    schema = flow_schema()
    assert set(schema["required"]) == {"gegevens", "van", "naar"}
    assert node("gegevens")["required"] == ["categorie"]
    assert node("van")["required"] == ["taak"]
    assert node("naar")["required"] == ["taak"]
    required = {p for p, s in flow_fields().items() if s.required}
    assert required == {"gegevens.categorie", "van.taak", "naar.taak"}


def test_every_vocabulary_enum_appears() -> None:
    enums = {spec.enum for spec in flow_fields().values() if spec.enum is not None}
    assert enums == {
        Categorie,
        Taak,
        Wet,
        Registratie,
        Werkgever,
        Toestemming,
        Informeren,
        StrafbaarFeit,
        ToestemmingDoor,
        Relatie,
    }
    for path, spec in flow_fields().items():
        if spec.enum is None:
            continue
        listed = [v for v in node(path)["enum"] if v is not None]
        assert listed == [m.value for m in spec.enum], path
        assert (None in node(path)["enum"]) == spec.optional, path


@pytest.mark.parametrize("path", sorted(DESIGN_ENUMS))
def test_enum_values_are_the_design_values(path: str) -> None:
    listed = [v for v in node(path)["enum"] if v is not None]
    assert listed == DESIGN_ENUMS[path]


def test_leeftijd_range() -> None:
    sub = node("gegevens.betrokkene.leeftijd")
    assert sub["minimum"] == 0
    assert sub["maximum"] == 130
    assert sub["type"] == ["integer", "null"]


def test_defaults_equal_the_attrs_defaults() -> None:
    for path, spec in flow_fields().items():
        sub = node(path)
        if spec.required:
            assert "default" not in sub, path
            continue
        want = spec.default.value if isinstance(spec.default, Enum) else spec.default
        assert "default" in sub, path
        assert sub["default"] == want, path
        assert type(sub["default"]) is type(want), path


def test_defaults_are_the_design_defaults() -> None:
    for path, want in DESIGN_DEFAULTS.items():
        assert node(path)["default"] == want, path
    optional_leaves = {p for p, s in flow_fields().items() if not s.required}
    # peildatum: absent means today, a default that no schema can state
    no_default_in_design = {"gegevens.betrokkene.leeftijd", "van.wet", "naar.wet", "peildatum"}
    no_default_in_design |= {"gegevens.betrokkene.relatie", "omstandigheden.toestemming_door"}
    assert optional_leaves - no_default_in_design == set(DESIGN_DEFAULTS)


@pytest.mark.parametrize("taak", sorted(t.value for t in Taak if t.value not in WET_TASKS))
def test_schema_rejects_wet_on_other_tasks(taak: str) -> None:
    flow = {"gegevens": {"categorie": "hulpvraag"}, "van": {"taak": taak, "wet": "wmo"}}
    flow["naar"] = {"taak": "toeleiding"}
    assert not Draft202012Validator(flow_schema()).is_valid(flow)
    flow["van"]["wet"] = None
    assert Draft202012Validator(flow_schema()).is_valid(flow)


@pytest.mark.parametrize("taak", sorted(WET_TASKS))
def test_schema_accepts_wet_on_wet_tasks(taak: str) -> None:
    flow = {"gegevens": {"categorie": "hulpvraag"}, "van": {"taak": "jeugdhulp"}}
    flow["naar"] = {"taak": taak, "wet": "wmo"}
    assert Draft202012Validator(flow_schema()).is_valid(flow)


@settings(max_examples=300, deadline=None)
@given(flow_dicts())
def test_random_wellformed_flows_validate_and_round_trip(data: dict[str, Any]) -> None:
    validator = Draft202012Validator(flow_schema())
    assert list(validator.iter_errors(data)) == []
    flow = flow_from_json(data)
    full = flow_to_json(flow)
    assert list(validator.iter_errors(full)) == []
    assert flow_from_json(full) == flow
    # every leaf is spelled out in the full form, and given values survive
    for path, spec in flow_fields().items():
        if spec.optional and spec.kind != "tribool" and _get(data, path) in (None, _MISSING):
            assert _get(full, path) is _MISSING, path  # an absent optional value is left out
            continue
        assert _get(full, path) is not _MISSING, path
        given_value = _get(data, path)
        if given_value is not _MISSING:
            assert _get(full, path) == given_value, path


_MISSING = object()


def _get(data: dict[str, Any], path: str) -> Any:
    node_: Any = data
    for part in path.split("."):
        if not isinstance(node_, dict) or part not in node_:
            return _MISSING
        node_ = node_[part]
    return node_
