"""SLO as code, stored: each active SLO version's artifacts generated, validated by the
tools they are for, and kept as immutable records linked to that version.

All or nothing: when any artifact of a request fails validation, none is stored and the
validators' reports come back; generating again for an unchanged SLO version returns the
artifacts stored the first time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slo_engine.application.audit_events import append_engine_event
from slo_engine.application.ports import ArtifactStore, Clock, RuleCheck, SloLedger
from slo_engine.application.slo_rule_files import RULE_FILE_NAME, RuleFileSet, SloRuleFiles
from slo_engine.domain.artifact import (
    Artifact,
    ArtifactType,
    ValidationStatus,
    artifact_id,
    content_hash,
)
from slo_engine.domain.errors import ArtifactInvalid, SloNotActive
from slo_engine.generators.meta_rules import GENERATOR_VERSION
from slo_engine.generators.slo_spec import SloSpec

YAML = "application/yaml"
TEST_FILE_NAME = "rules.test.yaml"


@dataclass(frozen=True)
class GenerationRequest:
    actor: str
    slo_ids: tuple[str, ...] = ()
    service_ids: tuple[str, ...] = ()
    artifact_types: tuple[ArtifactType, ...] = tuple(ArtifactType)
    validation_only: bool = False


@dataclass(frozen=True)
class GeneratedArtifact:
    artifact: Artifact
    stored: bool  # False when only validated
    created: bool  # False when this SLO version's artifact already existed
    warnings: tuple[str, ...] = ()


Validated = tuple[ValidationStatus, str]


class GenerateArtifacts:
    """Knows how to generate, validate and keep the artifacts of active SLO versions."""

    def __init__(self, rule_files: SloRuleFiles, store: ArtifactStore, ledger: SloLedger,
                 clock: Clock) -> None:
        self._rule_files = rule_files
        self._store = store
        self._ledger = ledger
        self._clock = clock

    def generate(self, request: GenerationRequest) -> list[GeneratedArtifact]:
        now = self._clock.now_ms()
        drafts = [(specs, self._drafts(specs, request.artifact_types, now))
                  for specs in self._targets(request)]
        invalid = [a for _, batch in drafts for a, _ in batch
                   if a.validation_status is ValidationStatus.INVALID]
        if invalid:
            raise ArtifactInvalid(
                f"{len(invalid)} generated artifact(s) failed validation; nothing was stored.",
                "\n\n".join(f"{a.artifact_type} of {a.service_id}:\n{a.validation_output}"
                            for a in invalid))
        if request.validation_only:
            return [GeneratedArtifact(a, False, False, w) for _, b in drafts for a, w in b]
        return [result for specs, batch in drafts
                for result in self._keep(specs, batch, request.actor, now)]

    def get(self, artifact_id_: str) -> Artifact | None:
        return self._store.get_artifact(artifact_id_)

    def _targets(self, request: GenerationRequest) -> list[list[SloSpec]]:
        services = list(dict.fromkeys(request.service_ids))
        if request.slo_ids:
            active = {row["slo_id"]: service
                      for service, row in self._ledger.all_active_slos().items()}
            missing = [s for s in request.slo_ids if s not in active]
            if missing:
                raise SloNotActive(
                    f"Not an active SLO version: {', '.join(missing[:10])}.",
                    [{"pointer": "/slo_ids", "message": f"'{s}' is no service's active SLO "
                      "(superseded or unknown): generate from the active version"}
                     for s in missing[:10]])
            services += [active[s] for s in request.slo_ids if active[s] not in services]
        return [self._rule_files.specs(service) for service in services]

    def _drafts(self, specs: list[SloSpec], types: tuple[ArtifactType, ...], now: int
                ) -> list[tuple[Artifact, tuple[str, ...]]]:
        files = self._rule_files.files(specs)
        contents = _contents(files)
        checks = self._validations(files, types)
        first = specs[0]
        drafts = []
        for kind in dict.fromkeys(types):
            status, output = checks[kind]
            text = contents[kind]
            drafts.append((Artifact(
                artifact_id(first.slo_id, kind, GENERATOR_VERSION), kind, first.service_id,
                first.slo_id, first.version, GENERATOR_VERSION, YAML, text,
                content_hash(text), status, output, now), files.warnings))
        return drafts

    def _validations(self, files: RuleFileSet, types: tuple[ArtifactType, ...]
                     ) -> dict[ArtifactType, Validated]:
        checker = self._rule_files.checker
        unchecked: Validated = (ValidationStatus.UNCHECKED, "no validator for this type")
        if checker is None:
            missing: Validated = (ValidationStatus.UNCHECKED, "promtool is not installed")
            return dict.fromkeys(ArtifactType, missing)
        rules = _status(checker.check_rules({RULE_FILE_NAME: files.rules}))
        tests: Validated = unchecked
        if ArtifactType.PROMTOOL_TESTS in types:
            tests = _status(checker.test_rules({RULE_FILE_NAME: files.rules,
                                                TEST_FILE_NAME: files.tests},
                                               [TEST_FILE_NAME]))
        return {ArtifactType.PROMETHEUS_RULES: rules, ArtifactType.PROMTOOL_TESTS: tests,
                ArtifactType.PROMETHEUS_OPERATOR_RULE: rules,  # the same groups
                ArtifactType.SLOTH_SPEC: unchecked}

    def _keep(self, specs: list[SloSpec], batch: list[tuple[Artifact, tuple[str, ...]]],
              actor: str, now: int) -> list[GeneratedArtifact]:
        kept = []
        for draft, warnings in batch:
            result = self._store.store_artifact(draft)
            if result is None:  # the version vanished while we generated
                raise SloNotActive(f"SLO {draft.slo_id} is no longer stored.", [{
                    "pointer": "/slo_ids", "message": "generate from the active version"}])
            stored, created = result
            kept.append(GeneratedArtifact(stored, True, created, warnings))
        new = [k.artifact for k in kept if k.created]
        if new:
            first = specs[0]
            append_engine_event(self._ledger, first.service_id, "artifacts_generated", {
                "slo_id": first.slo_id, "requested_by": actor,
                "artifact_ids": [a.artifact_id for a in new],
                "artifact_types": [a.artifact_type.value for a in new]}, now)
        return kept


def _status(check: RuleCheck) -> Validated:
    return (ValidationStatus.VALID if check.passed else ValidationStatus.INVALID,
            check.output)


def _contents(files: RuleFileSet) -> Mapping[ArtifactType, str]:
    return {ArtifactType.PROMETHEUS_RULES: files.rules,
            ArtifactType.PROMTOOL_TESTS: files.tests,
            ArtifactType.PROMETHEUS_OPERATOR_RULE: files.operator_rule,
            ArtifactType.SLOTH_SPEC: files.sloth}


