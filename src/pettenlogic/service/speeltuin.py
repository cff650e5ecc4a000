"""``GET /speeltuin``: the playground, a page where a person tries a flow in a browser.

Plain HTML, CSS and JavaScript shipped in ``static/`` (no build step, nothing
loaded from elsewhere). The page builds its form from the flow's JSON Schema
(``/v1/schema/verstrekking``), decides with ``/v1/beslissingen`` and asks
``/v1/beslissingen/alternatieven`` what would change the verdict, so it uses
exactly the API any other client has. A page for people, not a resource of the
API: it is not versioned and not in the OpenAPI document.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from ..model.vocabulary import Grondslag, Oordeel, Verwerkingsverantwoordelijke
from ..rules.spec import KORTE_NAAM

router = APIRouter(include_in_schema=False)

BASE = "/speeltuin"
#: the page runs only its own script and style, talks only to this service, and is never framed
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def woorden() -> dict[str, dict[str, str]]:
    """Descriptions of the codes a decision shows, and the short names of the laws a
    citation names, from the vocabulary (the page words citations as Bron.label does)."""
    return {
        "oordeel": {o.value: o.description for o in Oordeel},
        "grondslag": {g.value: g.description for g in Grondslag},
        "verwerkingsverantwoordelijke": {
            v.value: v.description for v in Verwerkingsverantwoordelijke
        },
        "korte_naam": {r.value: name for r, name in KORTE_NAAM.items()},
    }


@cache
def html() -> bytes:
    """The page with the vocabulary's words inlined as JSON data (not script: the CSP holds)."""
    data = json.dumps(woorden(), ensure_ascii=False).replace("<", "\\u003c")
    return asset("speeltuin.html").replace(b"__WOORDEN__", data.encode("utf-8"))


@cache
def asset(name: str) -> bytes:
    """One file of the playground, read once from the installed package."""
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _send(content: bytes, media_type: str) -> Response:
    return Response(content, media_type=media_type, headers=SECURITY_HEADERS)


@router.get(BASE)
async def page() -> Response:
    return _send(html(), "text/html; charset=utf-8")


@router.get(BASE + "/speeltuin.js")
async def script() -> Response:
    return _send(asset("speeltuin.js"), "text/javascript; charset=utf-8")


@router.get(BASE + "/speeltuin.css")
async def style() -> Response:
    return _send(asset("speeltuin.css"), "text/css; charset=utf-8")
