"""`slo-engine serve --demo`: the demo's history, identity, graph (declared or discovered
from its own metrics) and first API key, set up before the API serves."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import typer

from slo_engine.api.dependency_graph import to_submission
from slo_engine.api.ingestion_schemas import GraphSubmissionIn
from slo_engine.domain.access import Role
from slo_engine.fleet.files import ensure_demo_history
from slo_engine.runtime.demo_identity import DEMO_AUDIENCE, DEMO_ISSUER, demo_identity
from slo_engine.samples import demo_topology

log = logging.getLogger("slo_engine.demo")


def with_demo_identity(settings: Any) -> Any:
    """Trust the demo's own signing key, so people's actions can be tried locally."""
    identity = demo_identity(settings.state_dir)
    identity.signing_key()
    typer.echo("Demo identity provider: act as a person with\n  Authorization: Bearer "
               "$(.venv/bin/slo-engine demo-token --subject jane --role sre_admin)", err=True)
    return settings.model_copy(update={"oidc_issuer": DEMO_ISSUER,
                                       "oidc_audience": DEMO_AUDIENCE,
                                       "oidc_jwks_url": identity.jwks_url})


def prepare_demo_history(state_dir: Path, days: int) -> None:
    summary = ensure_demo_history(json.loads(demo_topology()), state_dir, days)
    if summary:
        log.info(
            "demo history: %s days of %s services, %s samples backfilled in %.1f s",
            days, summary["services"], summary["samples"],
            summary["write_s"] + summary["backfill_s"])


def _load_demo(container: Any) -> None:
    body = GraphSubmissionIn.model_validate_json(demo_topology())
    submission = to_submission(body, container.clock.now_ms())
    ingestion_id = container.ingest.accept(submission)
    container.ingest.process(ingestion_id, submission)
    # At once rather than by a worker: the demo's cycles should be there on the first read.
    result = container.analyse.run(ingestion_id)
    log.info(
        "demo topology loaded: %s services, %s edges, %s cycles",
        result["nodes_upserted"], result["edges_upserted"], result["cycles"]["total"])


def _discover_demo(container: Any) -> None:
    """The demo graph from its own metrics, as the scheduled discovery would find it."""
    result = asyncio.run(container.require_history("demo discovery").discover_graph.run())
    for ingestion in result["ingestions"]:
        container.analyse.run(ingestion["ingestion_id"])
    log.info(
        "demo topology discovered: %s edges observed, ingestions %s", result["edges_observed"],
        [(i["source"], i["edges"], i["services"]) for i in result["ingestions"]])


def issue_first_demo_key(container: Any) -> None:
    """A new demo store has no keys yet: issue an sre_admin one and show it once."""
    if container.api_keys.list_keys():
        return
    raw, _ = container.api_keys.issue("demo admin", Role.SRE_ADMIN, (), "slo-engine serve --demo")
    typer.echo(f"\nDemo API key (sre_admin), shown once; keep it:\n  X-API-Key: {raw}\n"
               "More keys: slo-engine apikey create --name NAME --role viewer\n", err=True)


def load_demo_graph(container: Any, graph: str) -> None:
    """declared: the demo topology POSTed as a person would; discovered: from its metrics."""
    _load_demo(container) if graph == "declared" else _discover_demo(container)

