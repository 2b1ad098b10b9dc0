"""Burn-rate window pairs per severity, from a versioned data file that cites its source
(policy/alert-windows/): the SRE workbook's multiwindow, multi-burn-rate alerts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slo_engine.domain.promql_text import parse_duration
from slo_engine.domain.time_units import HOUR_SECONDS


@dataclass(frozen=True)
class WindowPair:
    long_seconds: int
    short_seconds: int
    budget_share: float  # of the period's error budget spent within the long window

    def factor(self, period_days: int) -> float:
        """The burn rate that spends `budget_share` of the budget in the long window:
        share x period / long window (SRE workbook, table 5-8: 2% in 1h of 30d -> 14.4)."""
        return round(self.budget_share * period_days * 24 * HOUR_SECONDS / self.long_seconds,
                     6)


@dataclass(frozen=True)
class SeverityWindows:
    severity: str
    pairs: tuple[WindowPair, ...]


@dataclass(frozen=True)
class AlertWindows:
    """Knows which window pairs page and which open a ticket, for one period length."""

    period_days: int
    source: str
    version: int
    severities: tuple[SeverityWindows, ...]

    @property
    def windows_seconds(self) -> tuple[int, ...]:
        """Every window an alert reads, shortest first: the SLI rules to record."""
        return tuple(sorted({w for s in self.severities for p in s.pairs
                             for w in (p.long_seconds, p.short_seconds)}))

    @property
    def fastest_page(self) -> SeverityWindows:
        return self.severities[0]


def parse_alert_windows(document: Mapping[str, Any]) -> AlertWindows:
    """Validates a window file: pairs with a short window shorter than the long one, a
    share of the budget in (0, 1], and a long window within the period."""
    period_days = int(document["period_days"])
    severities = []
    for entry in document["severities"]:
        pairs = tuple(WindowPair(parse_duration(p["long"]), parse_duration(p["short"]),
                                 float(p["budget_share"])) for p in entry["pairs"])
        for pair in pairs:
            _check(pair, period_days)
        severities.append(SeverityWindows(str(entry["severity"]), pairs))
    if not severities:
        raise ValueError("an alert-window file needs at least one severity")
    return AlertWindows(period_days, str(document["source"]), int(document["version"]),
                        tuple(severities))


def _check(pair: WindowPair, period_days: int) -> None:
    if not pair.short_seconds < pair.long_seconds:
        raise ValueError("a short window must be shorter than its long window")
    if not 0 < pair.budget_share <= 1:
        raise ValueError(f"budget_share {pair.budget_share} is not in (0, 1]")
    if pair.long_seconds > period_days * 86_400:
        raise ValueError("a long window cannot exceed the SLO period")
