"""Generated artifacts as records: immutable, and the same for the same inputs (an SLO
version, an artifact type and a generator version give one artifact id)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from enum import StrEnum

ARTIFACT_NAMESPACE = uuid.UUID("8c6f3f0e-2b7e-4d1a-9c55-3f1d2f0a6b10")


class ArtifactType(StrEnum):
    PROMETHEUS_RULES = "prometheus_rules"  # recording and alert rules, promtool-checked
    PROMTOOL_TESTS = "promtool_tests"  # `promtool test rules` file for the rules
    PROMETHEUS_OPERATOR_RULE = "prometheus_operator_rule"  # the rules as a PrometheusRule
    SLOTH_SPEC = "sloth_spec"  # a Sloth prometheus/v1 spec
    GRAFANA_DASHBOARD = "grafana_dashboard"  # the SLO version's dashboard (JSON)
    OPENSLO = "openslo"  # OpenSLO v1 documents
    RUNBOOKS = "runbooks"  # one runbook per alert (YAML documents)


class ValidationStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNCHECKED = "unchecked"  # no validator was available


@dataclass(frozen=True)
class Artifact:
    artifact_id: str
    artifact_type: ArtifactType
    service_id: str
    slo_id: str
    slo_version: int
    generator_version: str
    media_type: str
    content: str
    content_hash: str
    validation_status: ValidationStatus
    validation_output: str
    created_at_ms: int


def artifact_id(slo_id: str, artifact_type: ArtifactType, generator_version: str) -> str:
    return str(uuid.uuid5(ARTIFACT_NAMESPACE, f"{slo_id}/{artifact_type}/{generator_version}"))


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
