"""``GET /v1/regels`` (the rule catalogue) and ``GET /v1/regels/{id}`` (one rule)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from ...model.convert import suggest
from ...model.intake import show
from ...rules.catalogue import catalogue_json, regel_json
from ..inputs import JSON_MEDIA, RegelsetNaam, regelset
from ..models import Catalogus, Regel
from ..problems import ApiProblem
from ..settings import STANDAARD
from . import problem_responses

router = APIRouter(tags=["regels"])

RegelId = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9][a-z0-9.:_-]*$",
        max_length=200,
        description="The id of a rule, as the catalogue lists it.",
    ),
]


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), media_type=JSON_MEDIA)


@router.get(
    "/regels",
    summary="The rule catalogue",
    description="Every rule of the rule set in short, and the names of its definitions, "
    "aanvullingen, toekenningen and value sets.",
    operation_id="regels",
    response_model=Catalogus,
    responses=problem_responses(400),
)
async def regels(request: Request, regelset_: RegelsetNaam = STANDAARD) -> Any:
    return _json(catalogue_json(regelset(request, regelset_).rulebook.specs))


@router.get(
    "/regels/{id}",
    summary="One rule",
    description="One rule with its condition, effect, duties, citations and explanation.",
    operation_id="regel",
    response_model=Regel,
    responses=problem_responses(400, 404),
)
async def regel(request: Request, id: RegelId, regelset_: RegelsetNaam = STANDAARD) -> Any:
    specs = regelset(request, regelset_).rulebook.specs
    for rule in specs.regels:
        if rule.id == id:
            return _json(regel_json(rule))
    known = [r.id for r in specs.regels]
    raise ApiProblem(404, f"no rule {show(id)}{suggest(id, known)} in this rule set")
