"""Which PromQL conventions each service's SLIs follow: the settings' defaults, with the
fields a service's own `sli` metadata overrides (validated at ingestion)."""

from __future__ import annotations

import json
import logging

from slo_engine.adapters.promql import SliQueries, UnsafeQuery
from slo_engine.application.graph_snapshot import SnapshotHolder

log = logging.getLogger(__name__)


class SliQueryResolver:
    """Knows the SliQueries of a service. Reads the snapshot loaded last (no store round
    trip per service: the telemetry adapter asks once per service of a fleet query)."""

    def __init__(self, defaults: SliQueries, snapshots: SnapshotHolder) -> None:
        self._defaults = defaults
        self._snapshots = snapshots
        self._parsed: dict[str, SliQueries] = {}  # by the override's JSON text

    def __call__(self, service_id: str) -> SliQueries:
        row = self._snapshots.loaded.services.get(service_id)
        text = row.get("sli_queries") if row else None
        if not text:
            return self._defaults
        found = self._parsed.get(text)
        if found is None:
            found = self._parse(service_id, text)
            self._parsed[text] = found
        return found

    def _parse(self, service_id: str, text: str) -> SliQueries:
        try:
            return self._defaults.overridden_with(json.loads(text))
        except (UnsafeQuery, ValueError, TypeError) as error:  # stored before validation
            log.warning("service %s: ignoring its SLI overrides: %s", service_id, error)
            return self._defaults
