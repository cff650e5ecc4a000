"""Load test of the HTTP API on this machine (not a test): requests/s and p50/p99 latency.

Run: ``python benchmarks/bench_service.py [--workers N] [--requests N] [--batch N]
[--concurrency N] [--seconds S]``.

Starts ``pettenlogic serve`` on 127.0.0.1 (a free port, ``--prove-on-request`` so no
proving competes), waits for it, then with an asynchronous httpx client keeping
``--concurrency`` requests in flight:

* ``single`` - ``POST /v1/beslissingen`` with seeded random flows (``--requests``);
* ``batch``  - ``POST /v1/beslissingen/batch`` of ``--batch`` flows each
  (``--requests`` / 10 of them).

Every run is bounded by its request count and by ``--seconds``; the server is
stopped at the end. Only loopback traffic. The client shares the machine's cores
with the server, so the figures are a floor for a dedicated host.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_decide import SEED, random_flow

RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


def start(workers: int) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "pettenlogic", "serve", "--port", "0"]
    command += ["--workers", str(workers), "--prove-on-request", "--no-access-log"]
    command += ["--max-batch", "1000"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            match = RUNNING.search(line)
            if match:
                found.append(match.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120) or not found:
        proc.kill()
        raise SystemExit("the server did not start")
    return proc, found[0]


async def wait_healthy(client: httpx.AsyncClient, workers: int) -> None:
    """Until every worker answers (uvicorn reports running before its workers are ready)."""
    deadline = time.monotonic() + 120
    ok = 0
    while ok < 4 * workers and time.monotonic() < deadline:
        try:
            response = await client.get("/v1/gezondheid")
            ok += response.status_code == 200
        except httpx.TransportError:
            await asyncio.sleep(0.2)


async def run(
    client: httpx.AsyncClient,
    path: str,
    bodies: list[Any],
    concurrency: int,
    seconds: float,
) -> tuple[list[float], float, int]:
    """(latencies in ms, elapsed seconds, failures) for sending ``bodies`` to ``path``."""
    latencies: list[float] = []
    failures = 0
    queue = iter(bodies)
    stop_at = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal failures
        for body in queue:
            if time.monotonic() > stop_at:
                return
            t0 = time.perf_counter()
            response = await client.post(path, json=body)
            latencies.append((time.perf_counter() - t0) * 1000)
            failures += response.status_code != 200

    start_t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start_t, failures


def report(name: str, latencies: list[float], elapsed: float, failures: int, per: int) -> None:
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<7} {len(latencies):>6} req  {len(latencies) / elapsed:>8.1f} req/s  "
        f"{len(latencies) * per / elapsed:>9.1f} flows/s  p50 {q[49]:>7.2f} ms  "
        f"p99 {q[98]:>7.2f} ms  failures {failures}"
    )


async def main_async(args: argparse.Namespace, url: str) -> None:
    rng = random.Random(SEED)
    flows = [random_flow(rng) for _ in range(max(args.requests, args.batch))]
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        await wait_healthy(client, args.workers)
        await run(client, "/v1/beslissingen", flows[:200], args.concurrency, args.seconds)  # warm
        lat, took, bad = await run(
            client, "/v1/beslissingen", flows[: args.requests], args.concurrency, args.seconds
        )
        report("single", lat, took, bad, 1)
        batches = [{"verstrekkingen": flows[: args.batch]}] * max(1, args.requests // 10)
        lat, took, bad = await run(
            client, "/v1/beslissingen/batch", batches, args.concurrency, args.seconds
        )
        report(f"batch{args.batch}", lat, took, bad, args.batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0, help="cap per run")
    args = parser.parse_args()
    proc, url = start(args.workers)
    print(f"pettenlogic serve --workers {args.workers} at {url}; concurrency {args.concurrency}")
    try:
        asyncio.run(main_async(args, url))
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
