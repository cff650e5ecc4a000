"""``POST /v1/beslissingen`` (one flow) and ``POST /v1/beslissingen/batch`` (many)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ...decision import kept_json
from ...model.convert import InvalidInput
from ...model.intake import Problem, show
from ...rulebook import Rulebook
from ..inputs import JSON_MEDIA, RegelsetNaam, Taal, json_body, regelset
from ..models import Beslissing, Beslissingen
from ..problems import field_error, invalid
from ..settings import STANDAARD
from ..state import service_state
from . import problem_responses

router = APIRouter(tags=["beslissingen"])

#: the engine behind every HTTP decision: the interpreter's answers, shared per signature
ENGINE = "compiled"
#: a batch this small is decided on the event loop; larger ones in a worker thread
INLINE_BATCH = 8

FLOW_BODY = {"$ref": "#/components/schemas/Verstrekking"}
BATCH_BODY = {"$ref": "#/components/schemas/BatchVerzoek"}


def _body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {JSON_MEDIA: {"schema": schema}},
        }
    }


@router.post(
    "/beslissingen",
    summary="Decide one flow",
    description=(
        "Decides whether the proposed data flow may happen, on which AVG ground, with "
        "which duties and open conditions, and why. A malformed flow gives a 400 "
        "listing every invalid field; never a decision."
    ),
    operation_id="beslis",
    response_model=Beslissing,
    responses=problem_responses(400, 413, 415),
    openapi_extra=_body(FLOW_BODY, "One flow (verstrekking), as the JSON Schema of a flow says."),
)
async def beslis(request: Request, taal: Taal = "nl", regelset_: RegelsetNaam = STANDAARD) -> Any:
    book = regelset(request, regelset_).rulebook
    data = await json_body(request)
    try:
        decision = book.decide(data, taal, engine=ENGINE)
    except InvalidInput as exc:
        errors = [field_error("body", p) for p in exc.problems]
        raise invalid(f"invalid flow: {exc}", errors) from None
    return Response(kept_json(decision), media_type=JSON_MEDIA)


@router.post(
    "/beslissingen/batch",
    summary="Decide many flows",
    description=(
        "Decides every flow of `verstrekkingen`, in order. All flows are validated "
        "before any is decided: one invalid flow gives a 400 listing the invalid "
        "fields of every flow (as `verstrekkingen[i].…`), and no decisions."
    ),
    operation_id="beslisBatch",
    response_model=Beslissingen,
    responses=problem_responses(400, 413, 415),
    openapi_extra=_body(BATCH_BODY, "The flows to decide, at most the service's batch limit."),
)
async def beslis_batch(
    request: Request, taal: Taal = "nl", regelset_: RegelsetNaam = STANDAARD
) -> Any:
    book = regelset(request, regelset_).rulebook
    flows = _flows(await json_body(request), service_state(request).settings.max_batch)
    if len(flows) <= INLINE_BATCH:
        body = _decide_all(book, flows, taal)
    else:
        body = await run_in_threadpool(_decide_all, book, flows, taal)
    return Response(body, media_type=JSON_MEDIA)


def _flows(data: Any, limit: int) -> list[Any]:
    """The list of flows in a batch body; 400 when the envelope is wrong."""
    if not isinstance(data, dict):
        raise _bad_batch("", f'expected an object {{"verstrekkingen": [...]}}, got {show(data)}')
    extra = sorted(set(data) - {"verstrekkingen"}, key=str)
    if extra:
        raise _bad_batch(
            extra[0], f"unknown key {show(extra[0])}; allowed keys: verstrekkingen", extra[0]
        )
    flows = data.get("verstrekkingen")
    if not isinstance(flows, list):
        raise _bad_batch("verstrekkingen", f"expected an array of flows, got {show(flows)}", flows)
    if not flows:
        raise _bad_batch("verstrekkingen", "the batch is empty; give at least one flow", flows)
    if len(flows) > limit:
        raise _bad_batch(
            "verstrekkingen",
            f"{len(flows)} flows in one batch, more than the limit of {limit}; split the batch",
            len(flows),
        )
    return flows


def _bad_batch(path: str, message: str, value: Any = None) -> Exception:
    allowed: tuple[str, ...] = () if path == "verstrekkingen" else ("verstrekkingen",)
    problem = Problem(path, message, value, allowed)
    return invalid(f"invalid batch: {message}", [field_error("body", problem)])


def _decide_all(book: Rulebook, flows: list[Any], taal: str) -> bytes:
    """Every flow's decision JSON, or a 400 naming the invalid fields of every flow."""
    parts: list[bytes] = []
    errors: list[dict[str, Any]] = []
    for index, flow in enumerate(flows):
        try:
            decision = book.decide(flow, taal, engine=ENGINE)
        except InvalidInput as exc:
            prefix = f"verstrekkingen[{index}]"
            errors.extend(field_error("body", p, prefix) for p in exc.problems)
            continue
        if not errors:
            parts.append(kept_json(decision))
    if errors:
        bad = len({e["path"].split("]")[0] for e in errors})
        raise invalid(f"{bad} of {len(flows)} flows are invalid", errors)
    return b'{"beslissingen":[' + b",".join(parts) + b"]}"
