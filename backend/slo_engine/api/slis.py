"""SLI review (issue 20 item 4): candidate SLIs discovered from the metric catalog, and a
person's approval, as is or modified by a PromQL override."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from slo_engine.api.ingestion_schemas import SERVICE_ID_PATTERN
from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.security import access
from slo_engine.api.sli_schemas import SliDecided, SliDecisionRequest, SliList
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.wiring import Catalogue, Slis
from slo_engine.application.review_slis import ReviewSlis, SliOverride
from slo_engine.domain.access import Action, CredentialKind, Principal, Role, authorize
from slo_engine.domain.errors import DependencyUnavailable, InvalidInput, SliNotFound

router = APIRouter(prefix="/api/v1/sli", tags=["sli discovery"])

Person = Annotated[Principal, access(Action.READ, "decide")]  # DECIDE checked per SLI


@router.get("", dependencies=[access(Action.READ, "default")], response_model=SliList,
            summary="A service's candidate and approved SLIs, discovered when none are kept",
            responses=problem_responses(404, 503))
async def list_slis(
        slis: Slis,
        service_id: Annotated[str, Query(pattern=SERVICE_ID_PATTERN)],
        include_evidence: bool = False,
        refresh: Annotated[bool, Query(description="Discover again now")] = False,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    listing = await _required(slis).listing(service_id, refresh)
    page = listing.slis[offset:offset + limit]
    return {"service_id": service_id, "discovered": listing.discovered,
            "stale": listing.stale_reason is not None, "stale_reason": listing.stale_reason,
            "complete": not listing.unfinished, "unfinished": list(listing.unfinished),
            "truncated": list(listing.truncated), "total": len(listing.slis),
            "offset": offset, "limit": limit,
            "items": [sli_view(row, include_evidence) for row in page]}


@router.patch("/{sli_id}", response_model=SliDecided,
              summary="Approve an SLI as it is, or modified by a PromQL override",
              responses=problem_responses(403, 404, 503))
async def decide_sli(sli_id: Annotated[str, Path(min_length=1, max_length=64)],
                     body: SliDecisionRequest, slis: Slis, catalogue: Catalogue,
                     principal: Person) -> dict[str, Any]:
    """Needs a person (an OIDC token: the audit chain names who approved), sre_admin or
    the owning team's service_owner."""
    reviews = _required(slis)
    # Only a service owner's approval depends on whose service it is: everyone else is
    # authorised, and every body checked, before anything is read (a 403 or a 422 stays
    # one when the store is down).
    owner = principal.role is Role.SERVICE_OWNER and principal.kind is CredentialKind.USER
    if not owner:
        authorize(principal, Action.DECIDE, None)
    override = _override(body)
    sli = await reviews.find(sli_id)
    if owner:
        # An SLI that does not exist is no SLI of the owner's team: 403, as for others'.
        authorize(principal, Action.DECIDE,
                  None if sli is None else catalogue.team_of(str(sli["service_id"])))
    if sli is None:
        raise SliNotFound(sli_id)
    approved, sequence = await reviews.approve(sli, principal.actor, override,
                                               body.rationale)
    return {"sli": sli_view(approved, include_evidence=True), "audit_sequence": sequence}


def _required(slis: ReviewSlis | None) -> ReviewSlis:
    if slis is None:
        raise DependencyUnavailable("metrics store", "no Prometheus is configured")
    return slis


def _override(body: SliDecisionRequest) -> SliOverride | None:
    queries = (body.total_query, body.good_query, body.latency_query,
               body.duration_unit_seconds)
    if body.action == "approve":
        if any(q is not None for q in queries):
            raise InvalidInput("approve takes the SLI as it is.", [{
                "pointer": "/action", "message": "send action modify with the queries, "
                "or approve without them"}])
        return None
    if body.total_query is None or body.good_query is None:
        missing = [name for name, q in (("total_query", body.total_query),
                                        ("good_query", body.good_query)) if q is None]
        raise InvalidInput(f"modify needs {' and '.join(missing)}.", [
            {"pointer": f"/{name}", "message": "give the PromQL of the modified SLI"}
            for name in missing])
    return SliOverride(body.total_query, body.good_query, body.latency_query,
                       body.duration_unit_seconds)


def sli_view(row: dict[str, Any], include_evidence: bool) -> dict[str, Any]:
    body = row.get("body") or {}
    return {
        "sli_id": row["sli_id"], "service_id": row["service_id"], "status": row["status"],
        "convention": row["convention"], "rank": row.get("rank"),
        "confidence": row.get("confidence"), "definition": row.get("definition") or {},
        "queries": _queries(body.get("queries")),
        "explanations": body.get("explanations", []),
        "evidence": _evidence(body.get("evidence")) if include_evidence else None,
        "override": row.get("override"), "approved_by": row.get("approved_by"),
        "approved_at": iso_from_ms(row["approved_at"]) if row.get("approved_at") else None,
        "discovered_at": (iso_from_ms(row["discovered_at"]) if row.get("discovered_at")
                          else None)}


def _queries(queries: dict[str, Any] | None) -> dict[str, Any] | None:
    if queries is None:
        return None
    threshold = queries.pop("latency_threshold_seconds", None)
    return {**queries, "latency_threshold_ms": None if threshold is None
            else round(threshold * 1000, 3)}


def _evidence(evidence: dict[str, Any] | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    bounds = evidence.pop("latency_bucket_bounds_seconds", [])
    samples = [{"end": iso_from_ms(s["end_s"] * 1000), "requests": s["requests"],
                "availability_ratio": s["availability_ratio"]}
               for s in evidence.pop("samples", [])]
    return {**evidence, "samples": samples,
            "latency_bucket_bounds_ms": [round(b * 1000, 3) for b in bounds]}
