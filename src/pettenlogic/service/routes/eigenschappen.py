"""``GET /v1/eigenschappen``: the properties of a rule set with their last proof."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..inputs import RegelsetNaam, regelset
from ..models import Eigenschappen
from ..settings import STANDAARD
from . import problem_responses

router = APIRouter(tags=["eigenschappen"])


@router.get(
    "/eigenschappen",
    summary="The properties and their last proof",
    description=(
        "Every property of the rule set, with the outcome of proving it with Z3 "
        "(`geldt`, `tegenvoorbeeld` with a counterexample flow, or `onbekend` when the "
        "solver time limit ran out). Proving runs once per process in the background; "
        "until it is done `status` is `bezig` and unproved properties have `bewijs: null`."
    ),
    operation_id="eigenschappen",
    response_model=Eigenschappen,
    responses=problem_responses(400),
)
async def eigenschappen(request: Request, regelset_: RegelsetNaam = STANDAARD) -> Any:
    proofs = regelset(request, regelset_).proofs
    proofs.start()
    return proofs.snapshot()
