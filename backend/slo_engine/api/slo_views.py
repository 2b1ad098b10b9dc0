"""SLO versions and audit events as the API shows them: percent and milliseconds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds, percent
from slo_engine.domain.audit_chain import ChainedEvent
from slo_engine.domain.slo import LEGACY_PERIOD_DAYS


def targets_view(availability_ratio: float | None, latency_seconds: Mapping[str, float]
                 ) -> dict[str, Any]:
    # six digits: a target someone typed (99.95) reads back exactly as typed
    view: dict[str, Any] = {"availability": percent(availability_ratio, 6)}
    view.update({f"latency_{label}_ms": milliseconds(s)
                 for label, s in sorted(latency_seconds.items())})
    return view


def delta_text(change: Mapping[str, Any]) -> str:
    """'+0.05 from recommended 99.9' (percent points) or '+100 ms from recommended 500'."""
    latency = change["target"] != "availability"
    scale, unit = (1000, " ms") if latency else (100, "")
    chosen = change["chosen"] * scale
    if change.get("recommended") is None:
        return f"set to {chosen:g}{unit} (the recommendation had no such target)"
    recommended = change["recommended"] * scale
    return f"{chosen - recommended:+.6g}{unit} from recommended {recommended:.6g}"


def slo_view(slo: Mapping[str, Any]) -> dict[str, Any]:
    delta = slo.get("modification_delta") or []
    return {
        "slo_id": slo["slo_id"], "service_id": slo["service_id"], "version": slo["version"],
        "targets": targets_view(slo.get("availability_target_ratio"),
                                slo.get("latency_targets_seconds") or {}),
        "source": slo.get("source"), "recommendation_id": slo.get("recommendation_id"),
        "selected_tier": slo.get("selected_tier"),
        "period_days": int(slo.get("period_days") or LEGACY_PERIOD_DAYS),
        "modification_delta": {_delta_key(c): delta_text(c) for c in delta} or None,
        "rationale": slo.get("rationale"),
        "activated_at": iso_from_ms(slo["activated_at"]),
        "activated_by": slo.get("activated_by"),
    }


def _delta_key(change: Mapping[str, Any]) -> str:
    return "availability" if change["target"] == "availability" else \
        f"latency_{change['target']}_ms"


def audit_event_view(event: ChainedEvent) -> dict[str, Any]:
    content = event.content

    def decoded(key: str) -> Any:
        text = content.get(key)
        return orjson.loads(text) if isinstance(text, str) else None

    previous, new = decoded("previous_slo"), decoded("new_slo")
    return {
        "event_id": content.get("event_id"), "sequence": event.sequence,
        "action": content.get("action"), "service_id": content.get("service_id"),
        "actor": content.get("actor"), "recommendation_id": content.get("recommendation_id"),
        "selected_tier": content.get("selected_tier"), "rationale": content.get("rationale"),
        "previous_slo": slo_view(previous) if previous else None,
        "new_slo": slo_view(new) if new else None,
        "detail": decoded("detail"),
        "timestamp": iso_from_ms(int(content.get("occurred_at", 0))),
        "hash": event.hash, "previous_hash": event.previous_hash,
    }
