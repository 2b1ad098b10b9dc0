"""Reads the policy shipped with the package (or files given at start-up): the
recommendation policy and the burn-rate alert windows."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import yaml

from slo_engine.generators.alert_windows import AlertWindows, parse_alert_windows
from slo_engine.policy.recommendation_policy import RecommendationPolicy


def load_policy(path: Path | None = None) -> RecommendationPolicy:
    text = (path.read_text() if path else resources.files("slo_engine.policy")
            .joinpath("recommendation-policy.yaml").read_text())
    return RecommendationPolicy.from_mapping(yaml.safe_load(text),
                                             hashlib.sha256(text.encode()).hexdigest())


def load_alert_windows(directory: Path | None = None) -> dict[int, AlertWindows]:
    """The burn-rate window files by SLO period length: those shipped (the SRE workbook's,
    for 28 and 30 days), or every `*.yaml` of a directory given at start-up."""
    if directory is None:
        files = sorted(resources.files("slo_engine.policy").joinpath("alert-windows")
                       .iterdir(), key=lambda f: f.name)
        texts = [f.read_text() for f in files if f.name.endswith(".yaml")]
    else:
        texts = [f.read_text() for f in sorted(directory.glob("*.yaml"))]
    windows = [parse_alert_windows(yaml.safe_load(text)) for text in texts]
    by_period = {w.period_days: w for w in windows}
    if len(by_period) != len(windows):
        raise ValueError("two alert-window files are for the same period length")
    return by_period
