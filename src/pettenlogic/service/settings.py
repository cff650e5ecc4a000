"""What a running service is configured with: its rulebooks, limits and contact.

Everything is fixed when the app is created (no rule upload over HTTP): a
what-if question can only be asked of a rule set named here at start. The
settings travel to uvicorn's worker processes as JSON in an environment
variable, so every worker serves the same configuration.
"""

from __future__ import annotations

import json
import os
from typing import Any

import attrs

#: the version of the HTTP API (semver; its major is the ``/v1`` in every path)
API_VERSION = "1.0.0"
#: path prefix of every resource (NL API Design Rules: major version in the URI)
PREFIX = "/v1"
#: name of the rule set decided against when a request names none
STANDAARD = "standaard"
#: environment variable through which ``pettenlogic serve`` hands settings to workers
ENV_SETTINGS = "PETTENLOGIC_SERVICE_SETTINGS"

#: largest request body, in bytes (a flow is ~300 bytes; a full batch fits easily)
MAX_BODY_BYTES = 1 << 20
#: most flows in one batch request
MAX_BATCH = 1_000
#: seconds Z3 may spend on one property (or on any other solver question)
SOLVER_TIMEOUT_S = 20.0


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(name), str(path)) for name, path in value)


@attrs.frozen
class Contact:
    """Who answers questions about this deployment (OpenAPI ``info.contact``)."""

    name: str = "pettenlogic developers"
    url: str = "https://pettenlogic.example"
    email: str = "pettenlogic@pettenlogic.example"


@attrs.frozen
class Settings:
    """The configuration of one service.

    ``rules`` is the spec folder of the standard rule set (``None``: the bundled
    rules); ``regelsets`` adds named rule sets (name, spec folder) that a
    request selects with ``?regelset=NAME``.
    """

    rules: str | None = None
    regelsets: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    max_body_bytes: int = MAX_BODY_BYTES
    max_batch: int = MAX_BATCH
    solver_timeout_s: float = SOLVER_TIMEOUT_S
    prove_at_startup: bool = True
    contact: Contact = Contact()

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self, recurse=True))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        data["contact"] = Contact(**data.get("contact", {}))
        return cls(**data)

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings ``pettenlogic serve`` left for its workers (defaults when none)."""
        text = os.environ.get(ENV_SETTINGS)
        return cls.from_json(text) if text else cls()
