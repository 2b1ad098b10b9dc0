"""Dependency-graph ingestion and subgraph reads (TRD FR-1)."""

from __future__ import annotations

import difflib
import functools
import logging
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, BackgroundTasks, Path, Query
from fastapi.responses import Response

from slo_engine.api.ingestion_schemas import (
    SERVICE_ID_PATTERN,
    EdgeAttributes,
    EdgeIn,
    GraphSubmissionIn,
    IngestionAccepted,
    IngestionStatus,
    NodeMetadata,
)
from slo_engine.api.security import access
from slo_engine.api.services import service_view
from slo_engine.api.subgraph_schemas import Subgraph
from slo_engine.api.timestamps import iso_from_ms, ms_from_datetime
from slo_engine.api.wiring import Ingestion, Subgraphs
from slo_engine.application.ingest_graph import IngestDependencyGraph
from slo_engine.domain.access import Action
from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.ingestion import MAX_REPORTED_PROBLEMS, GraphSubmission
from slo_engine.domain.model import Direction, EdgeReport, ServiceRecord

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/services", tags=["dependencies"])

# Measured: about 20k edges per second end to end on the embedded FalkorDB.
EDGES_PER_SECOND = 20_000


KNOWN_ATTRIBUTES = frozenset(EdgeAttributes.__annotations__) - {"__pydantic_config__"}
EDGE_KEYS = frozenset({"source", "target", "attributes"})


def _observed_attributes(attributes: EdgeAttributes) -> dict[str, Any]:
    """What the source actually said about the known attributes: no nulls, confidence
    kept apart."""
    return {name: value for name, value in attributes.items()
            if value is not None and name in KNOWN_ATTRIBUTES
            and name not in ("confidence_score", "confidence")}


def _confidence(attributes: EdgeAttributes) -> float | None:
    score = attributes.get("confidence_score")
    return attributes.get("confidence") if score is None else score


def _edge_metadata(edge: EdgeIn) -> dict[str, Any]:
    """Every key the schema does not know, in `attributes` or beside it."""
    attributes: dict[str, Any] = dict(edge.get("attributes", {}))
    extra = {k: v for k, v in attributes.items() if k not in KNOWN_ATTRIBUTES}
    extra |= {k: v for k, v in dict(edge).items() if k not in EDGE_KEYS}
    return extra


def misplaced_attribute_problems(edges: list[EdgeIn]) -> list[dict[str, str]]:
    """Unknown keys become metadata, but not a known attribute beside `attributes` (it
    would escape validation) nor one that looks like a misspelt known attribute (a
    `criticallity: soft` kept as metadata would leave the edge hard)."""
    problems = []
    for i, edge in enumerate(edges):
        for key in dict(edge).keys() - EDGE_KEYS:
            if key in KNOWN_ATTRIBUTES:
                problems.append({"pointer": f"/edges/{i}/{key}", "message": (
                    f"'{key}' is an edge attribute: move it into /edges/{i}/attributes.")})
            elif (close := _misspelt(key, EDGE_KEYS | KNOWN_ATTRIBUTES)) is not None:
                problems.append({"pointer": f"/edges/{i}/{key}", "message": (
                    f"unknown key '{key}': did you mean '{close}'?")})
        for key in dict(edge.get("attributes", {})).keys() - KNOWN_ATTRIBUTES:
            if (close := _misspelt(key, KNOWN_ATTRIBUTES)) is not None:
                problems.append({"pointer": f"/edges/{i}/attributes/{key}", "message": (
                    f"unknown attribute '{key}': did you mean '{close}'? Other unknown "
                    "attributes are kept as metadata.")})
    return problems


@functools.lru_cache(maxsize=4096)
def _misspelt(key: str, known: frozenset[str]) -> str | None:
    """The known name a key looks like a misspelling of (cached: a body repeats keys)."""
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
    return close[0] if close else None


def _node_metadata(metadata: NodeMetadata) -> dict[str, Any]:
    """Free-form metadata as given; the SLI overrides only with the fields set."""
    found = metadata.model_dump(mode="json", exclude={"sli"})
    if metadata.sli is not None:
        found["sli"] = metadata.sli.model_dump(mode="json", exclude_none=True)
    return found


def to_submission(body: GraphSubmissionIn, now_ms: int) -> GraphSubmission:
    problems = misplaced_attribute_problems(body.edges)
    if problems:
        raise InvalidInput(f"The submission has {len(problems)} problem(s); nothing was "
                           "written.", problems[:MAX_REPORTED_PROBLEMS])
    observed = ms_from_datetime(body.timestamp) if body.timestamp else now_ms
    services = [
        ServiceRecord(
            service_id=node.service_id,
            team=node.metadata.team,
            criticality=node.metadata.criticality,
            tier=node.metadata.tier,
            service_type=node.metadata.service_type,
            metadata=_node_metadata(node.metadata),
        )
        for node in body.nodes
    ]
    edges = []
    for edge in body.edges:
        attributes = edge.get("attributes", {})
        edges.append(EdgeReport(edge["source"], edge["target"], _observed_attributes(attributes),
                                _confidence(attributes), _edge_metadata(edge)))
    # An observation from the future would keep an edge fresh forever.
    return GraphSubmission(body.source, min(observed, now_ms), services, edges)


def _process_in_background(ingest: IngestDependencyGraph, ingestion_id: str,
                           submission: GraphSubmission) -> None:
    try:
        ingest.process(ingestion_id, submission)
    except Exception:
        log.exception("ingestion %s failed; its status records the error", ingestion_id)


@router.post("/dependencies", dependencies=[access(Action.INGEST, "ingest")],
             status_code=202, response_model=IngestionAccepted,
             summary="Bulk upsert of the dependency graph from one discovery source")
def submit_dependency_graph(
    body: GraphSubmissionIn, ingest: Ingestion, background: BackgroundTasks
) -> IngestionAccepted:
    submission = to_submission(body, ingest.now_ms())
    ingestion_id = ingest.accept(submission)
    background.add_task(_process_in_background, ingest, ingestion_id, submission)
    return IngestionAccepted(
        ingestion_id=ingestion_id,
        status="processing",
        nodes_received=len(submission.services),
        edges_received=len(submission.edges),
        estimated_completion_seconds=round(1 + len(submission.edges) / EDGES_PER_SECOND, 1),
        status_url=f"/api/v1/services/dependencies/ingestions/{ingestion_id}",
    )


@router.get("/dependencies/ingestions/{ingestion_id}",
            dependencies=[access(Action.READ, "default")], response_model=IngestionStatus,
            summary="Status and outcome of an ingestion")
def get_ingestion(ingestion_id: str, ingest: Ingestion) -> IngestionStatus:
    record = ingest.status(ingestion_id)
    return IngestionStatus(
        **{**record, "received_at": iso_from_ms(record["received_at"]),
           "completed_at": iso_from_ms(record["completed_at"])}
    )


def _edge_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": row["source"],
        "target": row["target"],
        "communication_mode": row["communication_mode"],
        "criticality": row["criticality"],
        "protocol": row["protocol"],
        "timeout_ms": row["timeout_ms"],
        "redundancy_group": row["redundancy_group"],
        "sources": row["sources"] or [],
        "confidence_score": row["confidence_score"],
        "last_observed_at": iso_from_ms(row["last_observed_at"]),
        "is_stale": bool(row["is_stale"]),
        **({"metadata": row["metadata"]} if "metadata" in row else {}),  # when asked for
    }


@router.get("/{service_id}/dependencies",
            dependencies=[access(Action.READ, "dependencies")], response_model=Subgraph,
            summary="The dependency subgraph around a service")
def get_dependency_subgraph(
    service_id: Annotated[str, Path(pattern=SERVICE_ID_PATTERN)],
    subgraphs: Subgraphs,
    direction: Direction = Direction.BOTH,
    depth: Annotated[int, Query(ge=1, le=10, description="Hops to follow")] = 3,
    include_external: bool = True,
    include_stale: bool = False,
    include_metadata: Annotated[bool, Query(description=(
        "Each edge's metadata too: discovery's observed latency (server_p50_seconds, "
        "server_p99_seconds) and declared attributes the model does not name; one more "
        "graph read"))] = False,
) -> Response:
    subgraph = subgraphs.around(service_id, direction, depth, include_external, include_stale,
                                include_metadata)
    # Built as plain data and serialised once: a 10-hop answer can hold tens of thousands
    # of edges, and validating each through pydantic would dominate the request.
    subgraph["service"] = service_view(subgraph["service"])
    subgraph["edges"] = [_edge_view(row) for row in subgraph["edges"]]
    return Response(orjson.dumps(subgraph), media_type="application/json")
