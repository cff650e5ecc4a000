"""``GET /v1/kaarten/{categorie}``: the flow map of a data category as an SVG image,
for the playground and for anyone who wants the van × naar overview of a rule set."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from ...docgen.flowmap import flow_map, flow_map_svg
from ...model.vocabulary import Categorie, Wet
from ...rules.spec import Specs
from ..inputs import RegelsetNaam, regelset
from ..settings import STANDAARD
from . import problem_responses

router = APIRouter(tags=["kaarten"])

SVG_MEDIA = "image/svg+xml"

CategorieNaam = Annotated[
    Categorie,
    Path(description="The data category whose flows the map shows."),
]
WetNaam = Annotated[
    Wet,
    Query(description="The law under which every task that takes a law acts."),
]


#: maps made so far, by (rule set digest, category, law): a map decides ~3,000 flows
_MADE: dict[tuple[str, Categorie, Wet], bytes] = {}
_MAX_MADE = 256


def _svg(specs: Specs, categorie: Categorie, wet: Wet) -> bytes:
    key = (specs.digest, categorie, wet)
    if key not in _MADE:
        if len(_MADE) >= _MAX_MADE:
            _MADE.clear()
        _MADE[key] = flow_map_svg(flow_map(specs, categorie, wet)).encode("utf-8")
    return _MADE[key]


@router.get(
    "/kaarten/{categorie}",
    summary="Flow map of a data category",
    description="For every task where the data sits (rows) and every task it would go to "
    "(columns) the verdict three times: plain, with consent and on request (noodzakelijk "
    "true, other circumstances at their defaults). An SVG image.",
    operation_id="kaart",
    response_class=Response,
    responses={
        200: {
            "description": "The flow map as an SVG image.",
            "content": {SVG_MEDIA: {"schema": {"type": "string"}}},
        },
        **problem_responses(400),
    },
)
def kaart(
    request: Request,
    categorie: CategorieNaam,
    wet: WetNaam = Wet.JEUGDWET,
    regelset_: RegelsetNaam = STANDAARD,
) -> Any:
    specs = regelset(request, regelset_).rulebook.specs
    return Response(_svg(specs, categorie, wet), media_type=SVG_MEDIA)
