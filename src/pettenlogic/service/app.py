"""The app factory: one FastAPI app serving the resources under ``/v1``.

Other parts (the playground) plug in through ``extra_routers``: each router is
mounted under ``/v1`` like the built-in resources, shares their problem
details, ``API-Version`` header, size cap and access log, and appears in the
OpenAPI document unless its routes say ``include_in_schema=False`` (as a page
of HTML should). A router needs the rule sets: :func:`.state.service_state`
gives them for a request, :func:`.inputs.regelset` one by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI

from . import problems, speeltuin
from .middleware import ServiceMiddleware
from .openapi import build
from .routes import (
    alternatieven,
    beslissingen,
    eigenschappen,
    gezondheid,
    kaarten,
    regels,
    schema,
)
from .settings import API_VERSION, PREFIX, Settings
from .state import ServiceState

ROUTERS = (
    beslissingen.router,
    alternatieven.router,
    regels.router,
    eigenschappen.router,
    schema.router,
    gezondheid.router,
    kaarten.router,
)


def create_app(
    settings: Settings | None = None, extra_routers: Sequence[APIRouter] = ()
) -> FastAPI:
    """The service for ``settings`` (defaults: the bundled rules, standard limits).

    Loads every configured rule set first, so a broken one stops the start
    (raising :class:`~pettenlogic.SpecError`) instead of failing requests.
    """
    settings = settings or Settings()
    state = ServiceState.load(settings)
    app = FastAPI(
        title="pettenlogic",
        version=API_VERSION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # the interactive pages would load scripts from elsewhere
        redoc_url=None,
        redirect_slashes=False,  # ADR: a trailing slash is a 404, not a redirect
        lifespan=_lifespan(state),
    )
    app.state.pettenlogic = state
    for router in (*ROUTERS, *extra_routers):
        app.include_router(router, prefix=PREFIX)
    app.include_router(speeltuin.router)  # a page for people, not a versioned resource
    problems.install(app)
    names = sorted(state.regelsets)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app, settings, names)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(
        ServiceMiddleware, api_version=API_VERSION, max_body_bytes=settings.max_body_bytes
    )
    return app


def _lifespan(state: ServiceState) -> Any:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        if state.settings.prove_at_startup:
            for loaded in state.regelsets.values():
                loaded.proofs.start()
        yield

    return lifespan


def app_from_environment() -> FastAPI:
    """The app for uvicorn's workers, configured by ``pettenlogic serve``."""
    return create_app(Settings.from_environment())
