"""Reading flow documents for ``decide``: bounded reads, JSON parsing and
validation of every flow before any is decided."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..model.convert import InvalidInput, Problem, flow_from_json
from ..model.flow import Flow
from ..model.intake import show
from .common import fail
from .jsonl import parse_json

#: default cap on a decide input, in MiB (``--max-input``); a flow is ~300 bytes
MAX_INPUT_MIB = 16
#: most flows in one input document (``--max-flows``)
MAX_FLOWS = 50_000
#: most problem lines printed for one input; the rest is counted
MAX_ERROR_LINES = 50


def _read_capped(stream: Any, limit: int) -> bytes:
    """At most ``limit + 1`` bytes, read in chunks (an endless stream never fills memory)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_json(source: str, max_bytes: int = MAX_INPUT_MIB << 20) -> Any:
    """The JSON value in a file (or stdin for ``-``); exits 2 when unreadable, too
    large, too deeply nested or invalid."""
    shown = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin
            raw = _read_capped(stream, max_bytes)
        else:
            with Path(source).open("rb") as handle:
                raw = _read_capped(handle, max_bytes)
    except OSError as exc:
        fail(f"cannot read {shown}: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        fail(
            f"{shown}: input larger than {max_bytes >> 20} MiB (the --max-input limit); "
            "split it into smaller documents or raise the limit"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{shown}: not UTF-8 text (byte {exc.start})")
    try:
        return parse_json(text)
    except json.JSONDecodeError as exc:
        fail(f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}")
    except RecursionError:
        fail(f"{shown}: invalid flow: JSON nested too deeply (a flow is 4 levels deep)")
    except ValueError as exc:
        fail(f"{shown}: invalid JSON: {show(str(exc), 200)}")


def _indexed(index: int, problem: Problem) -> str:
    path = f"[{index}].{problem.path}" if problem.path else f"[{index}]"
    return f"{path}: {problem.message}"


def _capped_lines(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_ERROR_LINES:
        return lines
    return [*lines[:MAX_ERROR_LINES], f"…and {len(lines) - MAX_ERROR_LINES} more problem lines"]


def flows_from(data: Any, shown: str, max_flows: int = MAX_FLOWS) -> tuple[list[Flow], bool]:
    """Validate every flow (all of them, before any is decided): (flows, was_array)."""
    if isinstance(data, dict):
        try:
            return [flow_from_json(data)], False
        except InvalidInput as exc:
            fail(f"{shown}: invalid flow:", [str(p) for p in exc.problems])
    if isinstance(data, list):
        if len(data) > max_flows:
            fail(
                f"{shown}: {len(data)} flows in one document, more than the --max-flows "
                f"limit of {max_flows}; split the input or raise the limit"
            )
        flows: list[Flow] = []
        lines: list[str] = []
        bad = 0
        for i, item in enumerate(data):
            try:
                flows.append(flow_from_json(item))
            except InvalidInput as exc:
                bad += 1
                lines.extend(_indexed(i, p) for p in exc.problems)
        if lines:
            fail(f"{shown}: {bad} of {len(data)} flows are invalid:", _capped_lines(lines))
        return flows, True
    kind = "null" if data is None else type(data).__name__
    fail(f"{shown}: expected a flow (JSON object) or an array of flows, got {kind}")
