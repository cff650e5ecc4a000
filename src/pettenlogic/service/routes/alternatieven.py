"""``POST /v1/beslissingen/alternatieven``: what would change the verdict of one flow.

The smallest changes of circumstance that give the flow another verdict, found
by Z3 and each replayed through the evaluator (:mod:`pettenlogic.solver.nearest`).
The search runs in a worker thread (Z3 work is serialised by its own lock) with
the service's solver time limit.
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from typing_extensions import TypedDict

from ...model.convert import InvalidInput
from ...model.fields import flow_fields
from ...model.intake import Problem
from ...model.vocabulary import Oordeel
from ...solver.nearest import MAX_PER_OORDEEL, SearchTimeout, check_velden, nearest
from ..inputs import JSON_MEDIA, RegelsetNaam, Taal, json_body, regelset
from ..models import Beslissing, Digest, Probleem
from ..problems import ApiProblem, field_error, invalid
from ..settings import STANDAARD
from ..state import service_state
from . import problem_responses
from .beslissingen import FLOW_BODY
from .beslissingen import _body as request_body

router = APIRouter(tags=["beslissingen"])

Waarde = Annotated[Any, Field(description="a value of the field (text, boolean, number or null)")]


class Wijziging(TypedDict):
    """One changed field: its dotted path, the value it had and the value it gets."""

    veld: Annotated[str, Field(description="dotted path of the field, e.g. omstandigheden.pgb")]
    was: Waarde
    wordt: Waarde


class Alternatief(TypedDict):
    """A smallest change that gives another verdict, and the decision on the changed flow."""

    oordeel: Oordeel
    wijzigingen: list[Wijziging]
    flow: Annotated[dict[str, Any], Field(description="the changed flow (every field)")]
    beslissing: Beslissing


class Alternatieven(TypedDict):
    """What would change the verdict of a flow."""

    oordeel: Annotated[Oordeel, Field(description="the flow's own verdict")]
    velden: Annotated[list[str], Field(description="the fields the search could change")]
    alternatieven: Annotated[
        list[Alternatief], Field(description="per other verdict its smallest changes, fewest first")
    ]
    onbereikbaar: Annotated[
        list[Oordeel], Field(description="verdicts that no change of these fields gives")
    ]
    rulebook: Digest


Velden = Annotated[
    list[str] | None,
    Query(
        alias="veld",
        max_length=50,
        description="A field the search may change (dotted path; repeat for more). "
        "Default: every field of professional and omstandigheden.",
        # the allowed paths, from the vocabulary (checked again by the library)
        json_schema_extra={"items": {"type": "string", "enum": [*flow_fields()]}},
    ),
]
Aantal = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_PER_OORDEEL,
        description="How many different smallest changes to give per verdict.",
    ),
]


@router.post(
    "/beslissingen/alternatieven",
    summary="What would change the verdict",
    description=(
        "For one flow, the smallest changes of circumstance (fewest changed fields) that "
        "give each other verdict, found with the Z3 solver over the compiled rules and "
        "each replayed through the evaluator, with the decision on the changed flow. "
        "Verdicts no change of the allowed fields can give are listed in `onbereikbaar`."
    ),
    operation_id="alternatieven",
    response_model=Alternatieven,
    responses={
        **problem_responses(400, 413, 415),
        503: {"model": Probleem, "description": "The search took longer than the solver limit."},
    },
    openapi_extra=request_body(FLOW_BODY, "The flow (verstrekking) to search around."),
)
async def alternatieven(
    request: Request,
    taal: Taal = "nl",
    regelset_: RegelsetNaam = STANDAARD,
    veld: Velden = None,
    aantal: Aantal = 1,
) -> Any:
    book = regelset(request, regelset_).rulebook
    try:
        velden = None if veld is None else check_velden(veld)
    except InvalidInput as exc:
        problems = _as_query(exc)
        detail = "; ".join(str(p) for p in problems)
        raise invalid(detail, [field_error("query", p) for p in problems]) from None
    data = await json_body(request)
    timeout_ms = int(service_state(request).settings.solver_timeout_s * 1000)
    try:
        answer = await run_in_threadpool(nearest, book, data, velden, aantal, taal, timeout_ms)
    except InvalidInput as exc:
        errors = [field_error("body", p) for p in exc.problems]
        raise invalid(f"invalid flow: {exc}", errors) from None
    except SearchTimeout as exc:
        raise ApiProblem(503, str(exc)) from None
    return Response(answer.to_json().encode("utf-8"), media_type=JSON_MEDIA)


def _as_query(exc: InvalidInput) -> list[Problem]:
    """The library names the list ``velden[i]``; over HTTP it is the parameter ``veld``."""
    return [attrs.evolve(p, path="veld" + p.path.removeprefix("velden")) for p in exc.problems]
