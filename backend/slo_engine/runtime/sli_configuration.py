"""Which PromQL conventions each service's SLIs follow: an SLI a person approved (GET and
PATCH /api/v1/sli) when there is one; else the settings' defaults with the fields a
service's own `sli` metadata overrides (validated at ingestion)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

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
        # By the stored approval's text: read once, not once per service of every query.
        self._approvals: dict[str, _Approval | None] = {}

    def __call__(self, service_id: str) -> SliQueries:
        row = self._snapshots.loaded.services.get(service_id)
        approval = self._approval(service_id, row)
        if approval is not None:
            return approval.queries
        text = row.get("sli_queries") if row else None
        return self._cached(service_id, text) if text else self._defaults

    def source_of(self, service_id: str) -> dict[str, str]:
        """configured_default, or the approved SLI's id and convention."""
        approval = self._approval(service_id, self._snapshots.loaded.services.get(service_id))
        return dict(CONFIGURED_DEFAULT) if approval is None else dict(approval.source)

    def _approval(self, service_id: str, row: dict[str, object] | None) -> _Approval | None:
        text = row.get("approved_sli") if row else None
        if not isinstance(text, str) or not text:
            return None
        if text not in self._approvals:
            approved = _approved(text)
            self._approvals[text] = None if approved is None else _Approval(
                self._cached(service_id, json.dumps(approved["definition"], sort_keys=True)),
                approved_source(str(approved["sli_id"]), str(approved["convention"])))
        return self._approvals[text]

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


@dataclass(frozen=True)
class _Approval:
    queries: SliQueries
    source: dict[str, str]


def _approved(text: str) -> dict[str, object] | None:
    try:
        approved = json.loads(text)
    except ValueError:
        return None
    return approved if isinstance(approved, dict) and "definition" in approved else None
