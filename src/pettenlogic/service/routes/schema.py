"""``GET /v1/schema/verstrekking``: the JSON Schema of a flow."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...model.schema import flow_schema
from . import problem_responses

router = APIRouter(tags=["schema"])


@router.get(
    "/schema/verstrekking",
    summary="JSON Schema of a flow",
    description="The JSON Schema (draft 2020-12) of one flow (verstrekking), generated from "
    "the vocabulary: every field, its allowed values and their descriptions.",
    operation_id="schemaVerstrekking",
    response_model=dict[str, Any],
    responses=problem_responses(),
)
async def schema_verstrekking() -> Any:
    return flow_schema()
