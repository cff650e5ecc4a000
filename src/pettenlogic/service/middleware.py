"""One ASGI middleware around the whole app: the ``API-Version`` header on every
response, the request-size cap, and the structured access log.

It is plain ASGI rather than Starlette's ``BaseHTTPMiddleware`` because that one
buffers bodies and costs a task per request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from .problems import PROBLEM_MEDIA, ApiProblem, problem_body

ACCESS_LOG = logging.getLogger("pettenlogic.service.access")
_VERSION_HEADER = b"api-version"

Scope = dict[str, Any]
Message = dict[str, Any]


def too_large(limit: int) -> ApiProblem:
    return ApiProblem(413, f"request body larger than {limit} bytes (the service's limit)")


class ServiceMiddleware:
    """Adds ``API-Version``, caps request bodies at ``max_body_bytes``, logs each request."""

    def __init__(self, app: Any, api_version: str, max_body_bytes: int) -> None:
        self.app = app
        self.version = api_version.encode("ascii")
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        seen = {"status": 500, "sent": 0, "received": 0}

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                headers = list(message.get("headers", []))
                if not any(k.lower() == _VERSION_HEADER for k, _ in headers):
                    headers.append((_VERSION_HEADER, self.version))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                seen["sent"] += len(message.get("body", b""))
            await send(message)

        async def capped_receive() -> Message:
            message: Message = await receive()
            if message["type"] == "http.request":
                seen["received"] += len(message.get("body", b""))
                if seen["received"] > self.limit:
                    raise too_large(self.limit)
            return message

        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.limit:
                await self._reject(scope, send_with_version, too_large(self.limit))
            else:
                await self.app(scope, capped_receive, send_with_version)
        finally:
            _log(scope, seen, time.perf_counter() - start)

    async def _reject(self, scope: Scope, send: Any, problem: ApiProblem) -> None:
        body = problem_body(scope.get("path", ""), problem.status, problem.detail)
        headers = [
            (b"content-type", PROBLEM_MEDIA.encode("ascii")),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": problem.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _log(scope: Scope, seen: dict[str, int], seconds: float) -> None:
    if not ACCESS_LOG.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    ACCESS_LOG.info(
        "%s %s %s",
        scope.get("method", ""),
        scope.get("path", ""),
        seen["status"],
        extra={
            "access": {
                "method": scope.get("method", ""),
                "path": scope.get("path", ""),
                "status": seen["status"],
                "duration_ms": round(seconds * 1000, 3),
                "request_bytes": seen["received"],
                "response_bytes": seen["sent"],
                "client": client[0] if client else None,
                "http_version": scope.get("http_version"),
            }
        },
    )
