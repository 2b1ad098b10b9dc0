"""The service catalogue as readers see it: pages of services, one service with its
latest SLI aggregates, a service's team. Read-only."""

from __future__ import annotations

from collections.abc import Mapping

from slo_engine.application.ports import GraphStore, Row, SliAggregateStore
from slo_engine.domain.errors import ServiceNotFound


class ServiceCatalogue:
    def __init__(self, graph: GraphStore, aggregates: SliAggregateStore) -> None:
        self._graph = graph
        self._aggregates = aggregates

    def page(self, after: str, limit: int, filters: Mapping[str, object]) -> list[Row]:
        """Up to `limit` services after the id `after`, in id order."""
        return self._graph.list_services(after, limit, dict(filters))

    def service(self, service_id: str) -> Row:
        row = self._graph.get_service(service_id)
        if row is None:
            raise ServiceNotFound(service_id)
        return row

    def aggregates(self, service_id: str) -> list[Row]:
        """The latest hourly aggregation, one row per window; empty before the first."""
        return self._aggregates.service_aggregates(service_id)

    def team_of(self, service_id: str) -> str | None:
        """None for an unknown service or one without a team."""
        row = self._graph.get_service(service_id)
        return None if row is None else row.get("team")
