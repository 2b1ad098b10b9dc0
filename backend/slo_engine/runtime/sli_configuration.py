"""Which PromQL conventions each service's SLIs follow: an SLI a person approved (GET and
PATCH /api/v1/sli) when there is one; else the settings' defaults with the fields a
service's own `sli` metadata overrides (validated at ingestion)."""

from __future__ import annotations

import json
import logging

from slo_engine.adapters.promql import SliQueries, UnsafeQuery
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.domain.sli_definition import CONFIGURED_DEFAULT, approved_source

log = logging.getLogger(__name__)


class SliQueryResolver:
    """Knows the SliQueries of a service and where they came from. Reads the snapshot
    loaded last (no store round trip per service: the telemetry adapter asks once per
    service of a fleet query)."""

    def __init__(self, defaults: SliQueries, snapshots: SnapshotHolder) -> None:
        self._defaults = defaults
        self._snapshots = snapshots
        self._parsed: dict[str, SliQueries] = {}  # by the override's JSON text

    def __call__(self, service_id: str) -> SliQueries:
        row = self._snapshots.loaded.services.get(service_id)
        approved = _approved(row)
        if approved is not None:
            return self._cached(service_id, json.dumps(approved["definition"], sort_keys=True))
        text = row.get("sli_queries") if row else None
        return self._cached(service_id, text) if text else self._defaults

    def source_of(self, service_id: str) -> dict[str, str]:
        """configured_default, or the approved SLI's id and convention."""
        approved = _approved(self._snapshots.loaded.services.get(service_id))
        if approved is None:
            return dict(CONFIGURED_DEFAULT)
        return approved_source(str(approved["sli_id"]), str(approved["convention"]))

    def _cached(self, service_id: str, text: str) -> SliQueries:
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


def _approved(row: dict[str, object] | None) -> dict[str, object] | None:
    text = row.get("approved_sli") if row else None
    if not isinstance(text, str) or not text:
        return None
    try:
        approved = json.loads(text)
    except ValueError:
        return None
    return approved if isinstance(approved, dict) and "definition" in approved else None
