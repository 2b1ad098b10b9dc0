"""The audit trail's integrity check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from slo_engine.api.security import access
from slo_engine.api.wiring import ContainerDep
from slo_engine.application.verify_audit import verify_audit_chain
from slo_engine.domain.access import Action

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/verify", dependencies=[access(Action.READ, "default")],
            summary="Recompute the audit hash chain and report the first broken link")
def verify(container: ContainerDep) -> dict[str, Any]:
    result = verify_audit_chain(container.ledger)
    broken = None if result.valid else {"sequence": result.first_broken_sequence,
                                        "reason": result.reason}
    return {"valid": result.valid, "events_checked": result.events_checked,
            "first_broken_link": broken}
