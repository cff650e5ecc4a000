"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the service gives, from a malformed flow to an unknown path or an
unexpected fault, leaves through here: status, title, detail, a ``type`` URI
and the request path as ``instance``. Invalid input also lists every invalid
field in ``errors`` (where: body, query or path; a JSON Pointer; the message;
and as data the library's path, the offending value and the allowed values),
taken from :attr:`pettenlogic.InvalidInput.problems`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from ..model.intake import MAX_PROBLEMS, Problem, as_data
from .settings import API_VERSION

PROBLEM_MEDIA = "application/problem+json"
TYPE_BASE = "https://pettenlogic.example/problemen/"

#: the problem types of this API: slug → title (Dutch, the interface language)
TITLES = {
    "ongeldige-invoer": "Ongeldige invoer",
    "niet-gevonden": "Niet gevonden",
    "methode-niet-toegestaan": "Methode niet toegestaan",
    "verzoek-te-groot": "Verzoek te groot",
    "mediatype-niet-ondersteund": "Mediatype niet ondersteund",
    "niet-aanvaardbaar": "Niet aanvaardbaar",
    "interne-fout": "Interne fout",
}
_BY_STATUS = {
    400: "ongeldige-invoer",
    404: "niet-gevonden",
    405: "methode-niet-toegestaan",
    406: "niet-aanvaardbaar",
    413: "verzoek-te-groot",
    415: "mediatype-niet-ondersteund",
}

log = logging.getLogger("pettenlogic.service")


class ApiProblem(Exception):
    """Raise to answer with a problem document instead of a result."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})


def pointer(path: str) -> str:
    """The library's field path (``naar.wet``, ``verstrekkingen[2].van``) as a JSON Pointer."""
    parts = [p for p in re.split(r"\.|\[(\d+)\]", path) if p]
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def field_error(where: str, problem: Problem, prefix: str = "") -> dict[str, Any]:
    """One entry of ``errors`` for a library :class:`Problem` found in ``where``."""
    path = f"{prefix}.{problem.path}" if prefix and problem.path else prefix or problem.path
    return {
        "in": where,
        "location": {"pointer": pointer(path)} if where == "body" else {"name": path},
        "detail": problem.message,
        **{k: v for k, v in problem.to_dict().items() if k != "message"},
        "path": path,
    }


def invalid(detail: str, errors: Iterable[dict[str, Any]]) -> ApiProblem:
    """A 400 problem listing at most :data:`MAX_PROBLEMS` invalid fields (the rest counted)."""
    listed = list(errors)
    if len(listed) > MAX_PROBLEMS:
        rest = len(listed) - MAX_PROBLEMS + 1
        more = field_error("body", Problem("", f"…and {rest} more problems"))
        listed = [*listed[: MAX_PROBLEMS - 1], more]
    return ApiProblem(400, detail, listed)


def problem_body(
    path: str, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> bytes:
    """The problem document for ``status`` (its type and title follow from the status)."""
    slug = _BY_STATUS.get(status, "interne-fout" if status >= 500 else "ongeldige-invoer")
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": TITLES[slug],
        "status": status,
        "detail": detail,
        "instance": path,
    }
    if errors is not None:
        body["errors"] = errors
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # an echoed lone surrogate: escape it (still valid JSON)
        return json.dumps(body).encode("ascii")


def problem_response(
    request: Request,
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem response; it carries ``API-Version`` itself, since a 500 leaves the
    app outside the middleware that adds it to every other response."""
    content = problem_body(request.url.path, status, detail, errors)
    all_headers = {**(headers or {}), "API-Version": API_VERSION}
    return Response(content, status, headers=all_headers, media_type=PROBLEM_MEDIA)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return problem_response(request, exc.status, exc.detail, exc.errors, exc.headers)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404:
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"method {request.method} is not allowed on {request.url.path}"
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


async def _on_validation(request: Request, exc: Exception) -> Response:
    """FastAPI's own parameter checks (query and path), worded like the library's."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        where = loc[0] if loc and loc[0] in ("query", "path", "header", "body") else "query"
        name = ".".join(loc[1:])
        allowed = err.get("ctx", {}).get("expected", "")
        options = re.findall(r"'([^']*)'", allowed) if isinstance(allowed, str) else []
        value = as_data(err.get("input"))
        message = f"{err.get('msg', 'invalid value')}: got {json.dumps(value, ensure_ascii=False)}"
        errors.append(field_error(where, Problem(name, message, value, options)))
    detail = "; ".join(f"{e['path']}: {e['detail']}" for e in errors) or "invalid request"
    return problem_response(request, 400, detail, errors)


async def _on_crash(request: Request, exc: Exception) -> Response:
    # the cause goes to the log, never to the client (no traceback, no internals)
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "the service could not answer this request")


def install(app: FastAPI) -> None:
    """Route every error of ``app`` through problem details."""
    app.add_exception_handler(ApiProblem, _on_problem)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_crash)
