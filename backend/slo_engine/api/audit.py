"""The audit trail's integrity check."""

from __future__ import annotations

from fastapi import APIRouter

from slo_engine.api.security import access
from slo_engine.api.slo_schemas import AuditVerification, BrokenLink
from slo_engine.api.wiring import ContainerDep
from slo_engine.application.verify_audit import verify_audit_chain
from slo_engine.domain.access import Action

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/verify", dependencies=[access(Action.READ, "default")],
            summary="Recompute the audit hash chain and report the first broken link")
def verify(container: ContainerDep) -> AuditVerification:
    result = verify_audit_chain(container.ledger)
    broken = None if result.valid else BrokenLink(sequence=result.first_broken_sequence,
                                                  reason=result.reason)
    return AuditVerification(valid=result.valid, events_checked=result.events_checked,
                             first_broken_link=broken)
