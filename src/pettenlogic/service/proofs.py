"""The properties of a rule set with their last proof outcome, proved once per
process in a background thread and then served from memory.

Proving takes a few seconds of Z3 time; each property has the solver time limit
of the settings, so a hard property ends as ``onbekend`` instead of holding a
worker. Requests never wait for Z3: they see the outcomes so far and whether
proving is still running.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..rulebook import Rulebook


class ProofCache:
    """Outcomes of ``prove`` for one rulebook, filled by one background run."""

    def __init__(self, rulebook: Rulebook, rules: str | None, timeout_s: float) -> None:
        self.rulebook = rulebook
        self.rules = rules
        self.timeout_ms = max(1, int(timeout_s * 1000))
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._outcomes: dict[str, dict[str, Any]] = {}
        self._properties: list[dict[str, Any]] = []
        self._status = "niet_gestart"
        self._error: str | None = None
        self._started: float | None = None
        self._finished: float | None = None

    def start(self) -> None:
        """Begin proving in the background (once; later calls do nothing)."""
        with self._lock:
            if self._thread is not None:
                return
            self._status = "bezig"
            self._started = time.time()
            self._thread = threading.Thread(target=self._run, name="pettenlogic-prove", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the run to end (for tests and shutdown); True when it has."""
        thread = self._thread
        if thread is None:
            return False
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self) -> None:
        from ..solver.properties import load_properties
        from ..solver.prove import Prover

        try:
            props = load_properties(self.rulebook.specs, self.rules)
            with self._lock:
                self._properties = [_describe(p) for p in props]
            from ..solver.guard import Z3_LOCK

            with Z3_LOCK:
                prover = Prover(self.rulebook.specs, self.timeout_ms)
            for prop in props:
                outcome = _prove_one(prover, prop)
                with self._lock:
                    self._outcomes[prop.naam] = outcome
            status = "klaar"
        except Exception as exc:  # reported in the resource, never raised into a request
            with self._lock:
                self._error = f"{type(exc).__name__}: {exc}"
            status = "mislukt"
        with self._lock:
            self._status = status
            self._finished = time.time()

    def snapshot(self) -> dict[str, Any]:
        """The properties, the outcomes so far, and the state of the run."""
        with self._lock:
            return {
                "status": self._status,
                "rulebook": self.rulebook.digest,
                "solver_tijdslimiet_seconden": self.timeout_ms / 1000,
                "fout": self._error,
                "eigenschappen": [
                    {**p, "bewijs": self._outcomes.get(p["naam"])} for p in self._properties
                ],
            }


def _describe(prop: Any) -> dict[str, Any]:
    return {
        "naam": prop.naam,
        "sectie": prop.sectie,
        "verwacht": prop.verwacht,
        "uitleg": {"nl": prop.uitleg.nl, "en": prop.uitleg.en},
    }


def _prove_one(prover: Any, prop: Any) -> dict[str, Any]:
    from ..solver.guard import Z3_LOCK

    with Z3_LOCK:  # one property at a time, so deciding with Z3 elsewhere is not starved
        outcome = prover.prove(prop)
    out = {k: v for k, v in outcome.to_dict().items() if k not in ("naam", "verwacht")}
    out["zoals_verwacht"] = outcome.as_expected
    return out
