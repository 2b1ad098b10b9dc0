"""Listing, acknowledging and resolving cycle alerts."""

from __future__ import annotations

from slo_engine.application.ports import Clock, GraphStore, Row
from slo_engine.domain.errors import CycleAlertNotFound


class CycleAlerts:
    def __init__(self, graph: GraphStore, clock: Clock) -> None:
        self._graph = graph
        self._clock = clock

    def list(self, status: str | None) -> list[Row]:
        return self._graph.list_cycle_alerts(status)

    def update(self, cycle_id: str, status: str, acknowledged_by: str | None,
               resolution_notes: str | None) -> Row:
        if not self._graph.update_cycle_alert(cycle_id, status, acknowledged_by,
                                              resolution_notes, self._clock.now_ms()):
            raise CycleAlertNotFound(cycle_id)
        alert = self._graph.get_cycle_alert(cycle_id)
        if alert is None:  # gone between the update and the read
            raise CycleAlertNotFound(cycle_id)
        return alert
