"""The rule catalogue as JSON data: the list of rules and one rule, definition,
aanvulling or toekenning, as the command line and the HTTP API both give them."""

from __future__ import annotations

from typing import Any

from .expr import TRUE, unparse
from .spec import Aanvulling, Definitie, Gevolg, Regel, Specs, Toekenning


def gevolg_json(g: Gevolg) -> dict[str, Any]:
    """A duty or open condition of a rule: its code, and its condition when it has one."""
    out: dict[str, Any] = {"code": g.code}
    if g.als != TRUE:
        out["als"] = unparse(g.als)
    return out


def regel_json(r: Regel) -> dict[str, Any]:
    """One rule with its condition, effect, citations and explanations."""
    return {
        "soort": "regel",
        "id": r.id,
        "titel": {"nl": r.titel.nl, "en": r.titel.en},
        "laag": r.laag.value,
        "effect": r.effect.value,
        "sectie": r.sectie,
        "als": unparse(r.als),
        "uitzondering_op": list(r.uitzondering_op),
        "noodzaak": r.noodzaak,
        "geldig_van": r.geldig_van,
        "geldig_tot": r.geldig_tot,
        "dekt_bijzondere_gegevens": r.dekt_bijzondere_gegevens,
        "plichten": [gevolg_json(g) for g in r.plichten],
        "voorwaarden": [gevolg_json(g) for g in r.voorwaarden],
        "bronnen": [b.to_dict() for b in r.bronnen],
        "uitleg": {"nl": r.uitleg.nl, "en": r.uitleg.en},
        "grenzen": [
            {"als": unparse(g.als), "uitleg": {"nl": g.uitleg.nl, "en": g.uitleg.en}}
            for g in r.grenzen
        ],
        "waar": str(r.waar),
    }


def item_json(thing: Definitie | Aanvulling | Toekenning) -> dict[str, Any]:
    """A definition, aanvulling or toekenning, with its condition and citations."""
    out: dict[str, Any]
    if isinstance(thing, Definitie):
        out = {"soort": "definitie", "naam": thing.naam}
    elif isinstance(thing, Aanvulling):
        out = {
            "soort": "aanvulling",
            "id": thing.id,
            "bij": sorted(o.value for o in thing.bij),
            "behalve_bij_dekking": thing.behalve_bij_dekking,
            "plichten": [gevolg_json(g) for g in thing.plichten],
            "voorwaarden": [gevolg_json(g) for g in thing.voorwaarden],
        }
    else:
        out = {
            "soort": "toekenning",
            "id": thing.id,
            "kenmerk": thing.kenmerk,
            "waarde": thing.waarde.value,
        }
    out.update(
        sectie=thing.sectie,
        als=unparse(thing.als),
        bronnen=[b.to_dict() for b in thing.bronnen],
        uitleg={"nl": thing.uitleg.nl, "en": thing.uitleg.en},
        waar=str(thing.waar),
    )
    return out


def catalogue_json(specs: Specs) -> dict[str, Any]:
    """The catalogue of a rule set: every rule in short, and the names of the rest."""
    return {
        "rulebook": specs.digest,
        "regels": [
            {
                "id": r.id,
                "laag": r.laag.value,
                "effect": r.effect.value,
                "titel": r.titel.nl,
                "sectie": r.sectie,
                "bestand": r.waar.file,
            }
            for r in specs.regels
        ],
        "definities": [d.naam for d in specs.definities],
        "aanvullingen": [a.id for a in specs.aanvullingen],
        "toekenningen": [t.id for t in specs.toekenningen],
        "verzamelingen": {
            name: {"soort": kind, "waarden": sorted(values)}
            for name, (kind, values) in specs.verzamelingen.items()
        },
    }
