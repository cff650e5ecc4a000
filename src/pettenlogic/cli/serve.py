"""``pettenlogic serve``: the HTTP API on uvicorn (needs the ``service`` extra).

The defaults suit a production start behind a reverse proxy: a worker process
per core (at most 4), keep-alive and shutdown timeouts, a cap on concurrent
connections, JSON log lines on stderr and no ``Server`` header. Rule sets are
loaded and checked before any worker starts, so a broken one stops the start
with exit 2. Exit codes: 0 after a clean shutdown, 2 on invalid options or
rules, 3 when the ``service`` extra is missing.
"""

from __future__ import annotations

import importlib.util
import os

import click

from ..rules.loader import SpecError, bundled_specs
from .common import RULES_OPTION, fail

EXIT_MISSING_EXTRA = 3
DEFAULT_WORKERS = max(1, min(os.cpu_count() or 1, 4))


def _regelset(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
    from ..rules.loader import SpecError
    from ..rules.shipped import whatif_folder

    pairs = []
    for value in values:
        name, sep, folder = value.partition("=")
        if not sep and name:
            # a what-if shipped with the package, by its name
            try:
                folder = str(whatif_folder(name))
            except SpecError as exc:
                raise click.BadParameter(exc.problems[0]) from None
        elif not name or not folder:
            raise click.BadParameter(
                f"expected NAAM=DIR or the name of a shipped what-if, got {value!r}"
            )
        pairs.append((name, folder))
    return pairs


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=DEFAULT_WORKERS,
    show_default=True,
    help="Worker processes (one per core, at most 4, by default).",
)
@RULES_OPTION
@click.option(
    "--regelset",
    "regelsets",
    multiple=True,
    metavar="NAAM=DIR|WHATIF",
    callback=_regelset,
    help="An extra rule set (spec folder, or the name of a shipped what-if) that requests"
    " select with ?regelset=NAAM; repeatable.",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1024),
    default=1 << 20,
    show_default=True,
    help="Largest request body, in bytes.",
)
@click.option(
    "--max-batch",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Most flows in one batch request.",
)
@click.option(
    "--solver-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=20.0,
    show_default=True,
    help="Seconds Z3 may spend on one property.",
)
@click.option(
    "--prove-at-start/--prove-on-request",
    default=True,
    show_default=True,
    help="Prove the properties when a worker starts, or when they are first asked for.",
)
@click.option(
    "--limit-concurrency",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Connections per worker before new ones get 503.",
)
@click.option(
    "--timeout-keep-alive",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Seconds an idle keep-alive connection is held.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
@click.option("--no-access-log", is_flag=True, help="Do not log each request.")
def serve(
    host: str,
    port: int,
    workers: int,
    rules: str | None,
    regelsets: list[tuple[str, str]],
    max_body: int,
    max_batch: int,
    solver_timeout: float,
    prove_at_start: bool,
    limit_concurrency: int,
    timeout_keep_alive: int,
    log_level: str,
    no_access_log: bool,
) -> None:
    """Serve the HTTP API (decisions, rules, properties, schema) under /v1."""
    missing = [m for m in ("fastapi", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        fail(
            f"the HTTP service needs {' and '.join(missing)}, which are not installed; "
            "install the service extra: pip install 'pettenlogic[service]'",
            code=EXIT_MISSING_EXTRA,
        )
    import uvicorn

    from ..service.app import create_app
    from ..service.logs import log_config
    from ..service.settings import ENV_SETTINGS, Settings
    from ..service.state import ServiceState

    settings = Settings(
        rules=rules,
        regelsets=tuple(regelsets),
        max_body_bytes=max_body,
        max_batch=max_batch,
        solver_timeout_s=solver_timeout,
        prove_at_startup=prove_at_start,
    )
    try:
        # every rule set is loaded (and so checked) before a worker starts
        app = create_app(settings) if workers == 1 else ServiceState.load(settings)
    except SpecError as exc:
        fail(f"invalid rule folder {rules or bundled_specs()}:", exc.problems)
    except ValueError as exc:
        fail(str(exc))
    options = {
        "host": host,
        "port": port,
        "log_config": log_config(log_level, not no_access_log),
        "access_log": False,  # the service writes its own, as JSON
        "server_header": False,
        "proxy_headers": True,
        "limit_concurrency": limit_concurrency,
        "timeout_keep_alive": timeout_keep_alive,
        "timeout_graceful_shutdown": 10,
    }
    if workers == 1:
        uvicorn.run(app, **options)  # type: ignore[arg-type]
    else:
        os.environ[ENV_SETTINGS] = settings.to_json()
        uvicorn.run(
            "pettenlogic.service.app:app_from_environment",
            factory=True,
            workers=workers,
            **options,  # type: ignore[arg-type]
        )
