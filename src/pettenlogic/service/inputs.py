"""Reading what a request brings: the JSON body, the rule set and the language.

The body is parsed strictly (no duplicate keys, no NaN) after the size cap of
:mod:`.middleware`; the flow inside is validated by the library itself
(:meth:`pettenlogic.Rulebook.decide`), so HTTP fails closed exactly as Python
and the command line do.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import Query, Request

from ..model.convert import suggest
from ..model.intake import Problem, parse_json, show
from .problems import ApiProblem, field_error, invalid
from .settings import STANDAARD
from .state import Loaded, service_state

JSON_MEDIA = "application/json"

Taal = Annotated[
    Literal["nl", "en"],
    Query(description="Language of the texts and the explanation (nl or en)."),
]
RegelsetNaam = Annotated[
    str,
    Query(
        alias="regelset",
        max_length=100,
        description="The rule set to decide against: one configured when the service started.",
    ),
]


def regelset(request: Request, naam: str) -> Loaded:
    """The configured rule set called ``naam``; 400 naming the allowed ones otherwise."""
    sets = service_state(request).regelsets
    found = sets.get(naam)
    if found is None:
        allowed = sorted(sets)
        message = f"unknown rule set {show(naam)}{suggest(naam, allowed)}; allowed: "
        message += ", ".join(allowed)
        problem = Problem("regelset", message, naam, allowed)
        raise invalid(message, [field_error("query", problem)])
    return found


async def json_body(request: Request) -> Any:
    """The request body as a JSON value; 415 for another media type, 400 for bad JSON."""
    given = request.headers.get("content-type", "")
    if given.split(";")[0].strip().lower() != JSON_MEDIA:
        shown = show(given) if given else "no Content-Type"
        raise ApiProblem(415, f"send the body as {JSON_MEDIA}, got {shown}")
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad_body(f"the body is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise _bad_body("the body is empty; expected a JSON object")
    try:
        return parse_json(text)
    except json.JSONDecodeError as exc:
        raise _bad_body(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise _bad_body("JSON nested too deeply (a flow is 4 levels deep)") from None
    except ValueError as exc:
        raise _bad_body(f"invalid JSON: {show(str(exc), 200)}") from None


def _bad_body(message: str) -> ApiProblem:
    return invalid(message, [field_error("body", Problem("", message))])


__all__ = ["STANDAARD", "RegelsetNaam", "Taal", "json_body", "regelset"]
