"""``GET /v1/gezondheid``: is the service up, and which rule sets does it serve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ... import __version__
from ..models import Gezondheid
from ..settings import API_VERSION
from ..state import service_state
from . import problem_responses

router = APIRouter(tags=["gezondheid"])


@router.get(
    "/gezondheid",
    summary="Health",
    description="Answers 200 while the service can decide; lists the rule sets it serves.",
    operation_id="gezondheid",
    response_model=Gezondheid,
    responses=problem_responses(),
)
async def gezondheid(request: Request) -> Any:
    sets = service_state(request).regelsets
    return {
        "status": "ok",
        "versie": API_VERSION,
        "pettenlogic": __version__,
        "regelsets": [
            {"naam": s.name, "rulebook": s.rulebook.digest, "regels": len(s.rulebook.specs.regels)}
            for s in sets.values()
        ],
    }
