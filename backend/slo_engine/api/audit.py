"""The audit trail's integrity check."""

from __future__ import annotations

from fastapi import APIRouter

from slo_engine.api.security import access
from slo_engine.api.slo_schemas import AuditVerification, BrokenLink
from slo_engine.api.wiring import Records
from slo_engine.domain.access import Action

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/verify", dependencies=[access(Action.READ, "default")],
            summary="Recompute the audit hash chain and report the first broken link")
def verify(records: Records) -> AuditVerification:
    result = records.verify_chain()
    broken = None if result.valid else BrokenLink(sequence=result.first_broken_sequence,
                                                  reason=result.reason)
    return AuditVerification(valid=result.valid, events_checked=result.events_checked,
                             first_broken_link=broken)
