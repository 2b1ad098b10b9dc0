"""The ArtifactStore port over any CypherRunner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.domain.artifact import Artifact, ArtifactType, ValidationStatus

ARTIFACT_QUERIES = ["artifacts/store_artifact", "artifacts/get_artifact"]


def artifact_properties(artifact: Artifact) -> dict[str, Any]:
    values = asdict(artifact)
    return {**values, "artifact_type": artifact.artifact_type.value,
            "validation_status": artifact.validation_status.value}


def artifact_from(properties: Mapping[str, Any]) -> Artifact:
    return Artifact(
        str(properties["artifact_id"]), ArtifactType(properties["artifact_type"]),
        str(properties["service_id"]), str(properties["slo_id"]),
        int(properties["slo_version"]), str(properties["generator_version"]),
        str(properties["media_type"]), str(properties["content"]),
        str(properties["content_hash"]), ValidationStatus(properties["validation_status"]),
        str(properties.get("validation_output") or ""), int(properties["created_at_ms"]))


class GraphArtifacts:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def store_artifact(self, artifact: Artifact) -> tuple[Artifact, bool] | None:
        rows = self._runner.write("artifacts/store_artifact", slo_id=artifact.slo_id,
                                  artifact_id=artifact.artifact_id,
                                  artifact=artifact_properties(artifact))
        if not rows:
            return None
        return artifact_from(rows[0]["properties"]), bool(rows[0]["created"])

    def get_artifact(self, artifact_id: str) -> Artifact | None:
        rows = self._runner.read("artifacts/get_artifact", artifact_id=artifact_id)
        return artifact_from(rows[0]["properties"]) if rows else None
