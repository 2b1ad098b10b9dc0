"""Acknowledging and resolving cycle alerts."""

from __future__ import annotations

from slo_engine.application.ports import Clock, GraphStore, Row
from slo_engine.domain.errors import CycleAlertNotFound


def update_cycle_alert(
    graph: GraphStore, clock: Clock, cycle_id: str, status: str,
    acknowledged_by: str | None, resolution_notes: str | None,
) -> Row:
    if not graph.update_cycle_alert(cycle_id, status, acknowledged_by, resolution_notes,
                                    clock.now_ms()):
        raise CycleAlertNotFound(cycle_id)
    alert = graph.get_cycle_alert(cycle_id)
    assert alert is not None  # just written under the same id
    return alert
