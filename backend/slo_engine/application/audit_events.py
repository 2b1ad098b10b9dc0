"""Events appended to the tamper-evident audit chain outside the SLO decisions: the
engine's own (drift, webhook deliveries) and people's SLI approvals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from slo_engine.application.ports import SloLedger
from slo_engine.domain.audit_chain import chained
from slo_engine.domain.errors import SloConflict

MAX_ATTEMPTS = 8


def append_engine_event(ledger: SloLedger, service_id: str, action: str,
                        details: Mapping[str, Any], now_ms: int) -> int:
    """Appends {action, service_id, actor: slo-engine, ...details}; returns its sequence."""
    return append_event(ledger, service_id, action, "slo-engine", details, now_ms)


def append_event(ledger: SloLedger, service_id: str, action: str, actor: str,
                 details: Mapping[str, Any], now_ms: int) -> int:
    """Appends {action, service_id, actor, ...details} (actor: the engine, or the person
    who decided); returns its sequence. Retries while other writers move the chain's head."""
    for _ in range(MAX_ATTEMPTS):
        sequence, previous_hash = ledger.audit_head()
        content = {"event_id": str(uuid.uuid4()), "action": action, "service_id": service_id,
                   "actor": actor, "occurred_at": now_ms, **details}
        event = chained(content, sequence + 1, previous_hash)
        if ledger.append_audit_event(service_id, event, now_ms):
            return event.sequence
    raise SloConflict("The audit chain kept moving; the event was not appended.", None)
