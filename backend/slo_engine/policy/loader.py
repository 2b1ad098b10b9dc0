"""Reads the recommendation policy shipped with the package (or a file given at start-up)."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import yaml

from slo_engine.policy.recommendation_policy import RecommendationPolicy


def load_policy(path: Path | None = None) -> RecommendationPolicy:
    text = (path.read_text() if path else resources.files("slo_engine.policy")
            .joinpath("recommendation-policy.yaml").read_text())
    return RecommendationPolicy.from_mapping(yaml.safe_load(text),
                                             hashlib.sha256(text.encode()).hexdigest())
