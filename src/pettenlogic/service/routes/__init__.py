"""One module per resource; each exposes a ``router`` that :func:`..app.create_app`
mounts under ``/v1``."""

from __future__ import annotations

from typing import Any

from ..models import Probleem

_WHY = {
    400: "Invalid input: the body, a parameter or the flow itself; every invalid field is listed.",
    404: "No such resource.",
    413: "The request body is larger than the service accepts.",
    415: "The body is not sent as application/json.",
    500: "The service could not answer (the cause is logged, not shown).",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Response declarations for the error statuses an operation can give (always 500).

    Declared as JSON here; the OpenAPI builder moves them to ``application/problem+json``.
    """
    return {code: {"model": Probleem, "description": _WHY[code]} for code in (*codes, 500)}
