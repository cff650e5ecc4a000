"""The HTTP API (NL API Design Rules) on FastAPI and uvicorn; needs the ``service`` extra.

Modules: :mod:`.app` (the app factory), :mod:`.routes` (one module per
resource), :mod:`.problems` (RFC 9457 errors), :mod:`.middleware` (API-Version
header, size cap, access log), :mod:`.inputs` (body, rule set, language),
:mod:`.models` (response types), :mod:`.openapi` (the published document),
:mod:`.proofs` (properties proved in the background), :mod:`.settings`,
:mod:`.state` and :mod:`.logs` (JSON log lines).
"""
