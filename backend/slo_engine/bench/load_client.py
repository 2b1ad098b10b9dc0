"""The load generator `bench load` runs in its own process, so its CPU and event loop are
not the API's: closed-loop virtual users, each waiting for its answer and then thinking,
as people browsing the Backstage plugin do (an open-loop flood would measure queueing)."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import httpx

# Share of requests per kind: dashboards mostly read recommendations the cache holds.
REQUEST_MIX = {"recommendation": 0.60, "dependencies": 0.25, "listing": 0.15}
THINK_TIME_S = (0.5, 1.5)
REQUEST_TIMEOUT_S = 30.0
TRANSPORT_ERROR = 0  # the status recorded when no HTTP answer came back


@dataclass(frozen=True)
class Sample:
    kind: str
    start_s: float  # since the load started
    latency_s: float
    status: int
    stale: bool | None  # recommendations only: the body said it was served stale
    cached: bool | None  # recommendations only: served from the cache


@dataclass(frozen=True)
class LoadPlan:
    base_url: str
    users: int
    seconds: float
    keys: list[str]
    service_ids: list[str]
    seed: int


def request_path(kind: str, service_id: str) -> str:
    if kind == "recommendation":
        return f"/api/v1/services/{service_id}/slo-recommendations"
    if kind == "dependencies":
        return f"/api/v1/services/{service_id}/dependencies?depth=2"
    return "/api/v1/services?limit=100"


def _recommendation_flags(kind: str, response: httpx.Response
                          ) -> tuple[bool | None, bool | None]:
    """(stale, cached) as the body says; None for other kinds and failed answers."""
    if kind != "recommendation" or response.status_code != 200:
        return None, None
    body = response.json()
    return bool(body.get("stale")), bool(body.get("cached"))


async def _timed_request(client: httpx.AsyncClient, kind: str, path: str, key: str,
                         load_started: float) -> Sample:
    started = time.perf_counter()
    try:
        response = await client.get(path, headers={"X-API-Key": key})
    except httpx.TransportError:
        return Sample(kind, started - load_started, time.perf_counter() - started,
                      TRANSPORT_ERROR, None, None)
    latency = time.perf_counter() - started
    return Sample(kind, started - load_started, latency, response.status_code,
                  *_recommendation_flags(kind, response))


async def _virtual_user(client: httpx.AsyncClient, plan: LoadPlan, user: int,
                        load_started: float, samples: list[Sample]) -> None:
    rng = random.Random(plan.seed * 100_003 + user)
    key = plan.keys[user % len(plan.keys)]
    deadline = load_started + plan.seconds
    # Users arrive spread over one think time, not as one synchronised burst.
    await asyncio.sleep(rng.uniform(0, THINK_TIME_S[1]))
    while time.perf_counter() < deadline:
        kind = rng.choices(list(REQUEST_MIX), weights=list(REQUEST_MIX.values()))[0]
        path = request_path(kind, rng.choice(plan.service_ids))
        samples.append(await _timed_request(client, kind, path, key, load_started))
        await asyncio.sleep(rng.uniform(*THINK_TIME_S))


async def run_load(plan: LoadPlan) -> dict[str, Any]:
    samples: list[Sample] = []
    limits = httpx.Limits(max_connections=plan.users, max_keepalive_connections=plan.users)
    async with httpx.AsyncClient(base_url=plan.base_url, limits=limits,
                                 timeout=REQUEST_TIMEOUT_S) as client:
        started_at_unix = time.time()
        load_started = time.perf_counter()
        # The benchmark process times its own actions (stopping Prometheus) from this line.
        print(json.dumps({"started_at_unix": started_at_unix}), flush=True)
        await asyncio.gather(*(_virtual_user(client, plan, user, load_started, samples)
                               for user in range(plan.users)))
    return {"started_at_unix": started_at_unix,
            "samples": [list(astuple(sample)) for sample in samples]}


def _plan_from_arguments(argv: list[str]) -> tuple[LoadPlan, Path]:
    parser = argparse.ArgumentParser(description="Closed-loop virtual users against the API")
    parser.add_argument("base_url")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--targets", type=Path, required=True,
                        help='JSON file: {"keys": [...], "service_ids": [...]}')
    parser.add_argument("--out", type=Path, required=True, help="Where to write the samples")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    targets = json.loads(args.targets.read_text())
    plan = LoadPlan(args.base_url, args.users, args.seconds, targets["keys"],
                    targets["service_ids"], args.seed)
    return plan, args.out


def main(argv: list[str]) -> None:
    plan, out = _plan_from_arguments(argv)
    out.write_text(json.dumps(asyncio.run(run_load(plan))))


if __name__ == "__main__":
    main(sys.argv[1:])
