"""SLO as code, stored: each active SLO version's artifacts generated, validated by the
tools they are for, and kept as immutable records linked to that version.

All or nothing: when any artifact of a request fails validation, no valid one is stored;
the failures are kept as records marked invalid and the validators' reports come back.
Generating again for an unchanged SLO version returns the artifacts stored the first
time."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slo_engine.application.audit_events import append_engine_event
from slo_engine.application.ports import (
    ArtifactStore,
    Clock,
    DocumentValidator,
    RuleCheck,
    SloLedger,
)
from slo_engine.application.runbook_context import RunbookContexts
from slo_engine.application.slo_rule_files import RULE_FILE_NAME, RuleFileSet, SloRuleFiles
from slo_engine.domain.artifact import (
    Artifact,
    ArtifactType,
    ValidationStatus,
    artifact_id,
    content_hash,
)
from slo_engine.domain.errors import ArtifactInvalid, SloNotActive
from slo_engine.generators.grafana_dashboards import slo_dashboard
from slo_engine.generators.meta_rules import GENERATOR_VERSION
from slo_engine.generators.openslo import openslo_export
from slo_engine.generators.runbooks import runbooks
from slo_engine.generators.slo_spec import SloSpec

YAML = "application/yaml"
JSON = "application/json"
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


@dataclass(frozen=True)
class Draft:
    content: str
    media_type: str
    validation: Validated


class GenerateArtifacts:
    """Knows how to generate, validate and keep the artifacts of active SLO versions."""

    def __init__(self, rule_files: SloRuleFiles, store: ArtifactStore, ledger: SloLedger,
                 clock: Clock, documents: DocumentValidator | None,
                 contexts: RunbookContexts) -> None:
        self._rule_files = rule_files
        self._store = store
        self._ledger = ledger
        self._clock = clock
        self._documents = documents
        self._contexts = contexts

    def generate(self, request: GenerationRequest,
                 targets: list[list[SloSpec]] | None = None) -> list[GeneratedArtifact]:
        """`targets`: the request's SLO versions as `targets(request)` gave them, when the
        caller has looked at them first."""
        now = self._clock.now_ms()
        # Runbooks name each dependency's SLO: the fleet's active SLOs are read once.
        active = (self._ledger.all_active_slos()
                  if ArtifactType.RUNBOOKS in request.artifact_types else {})
        drafts = [(specs, self._drafts(specs, request.artifact_types, now, active))
                  for specs in (targets if targets is not None else self.targets(request))]
        invalid = [a for _, batch in drafts for a, _ in batch
                   if a.validation_status is ValidationStatus.INVALID]
        if invalid:
            # The failures are kept as records (validation_status invalid, the validator's
            # report); no valid artifact of the request is stored beside them.
            kept = [] if request.validation_only else [
                a.artifact_id for a in invalid if self._store.store_artifact(a) is not None]
            stored = f" The failed ones are kept as {', '.join(kept)}." if kept else ""
            raise ArtifactInvalid(
                f"{len(invalid)} generated artifact(s) failed validation; no valid artifact "
                f"was stored.{stored}",
                "\n\n".join(f"{a.artifact_type} of {a.service_id}:\n{a.validation_output}"
                            for a in invalid))
        if request.validation_only:
            return [GeneratedArtifact(a, False, False, w) for _, b in drafts for a, w in b]
        return [result for specs, batch in drafts
                for result in self._keep(specs, batch, request.actor, now)]

    def get(self, artifact_id_: str) -> Artifact | None:
        return self._store.get_artifact(artifact_id_)

    def targets(self, request: GenerationRequest) -> list[list[SloSpec]]:
        """The SLIs of each SLO version the request names, by service."""
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

    def _drafts(self, specs: list[SloSpec], types: tuple[ArtifactType, ...], now: int,
                active: Mapping[str, Mapping[str, Any]]
                ) -> list[tuple[Artifact, tuple[str, ...]]]:
        files = self._rule_files.files(specs)
        wanted = tuple(dict.fromkeys(types))
        rule_drafts = self._rule_drafts(files, wanted)
        first = specs[0]
        drafts = []
        for kind in wanted:
            draft = rule_drafts.get(kind) or self._document_draft(kind, specs, active)
            status, output = draft.validation
            drafts.append((Artifact(
                artifact_id(first.slo_id, kind, GENERATOR_VERSION), kind, first.service_id,
                first.slo_id, first.version, GENERATOR_VERSION, draft.media_type,
                draft.content, content_hash(draft.content), status, output, now),
                files.warnings))
        return drafts

    def _rule_drafts(self, files: RuleFileSet, types: tuple[ArtifactType, ...]
                     ) -> dict[ArtifactType, Draft]:
        checker = self._rule_files.checker
        if checker is None:
            missing: Validated = (ValidationStatus.UNCHECKED, "promtool is not installed")
            rules = tests = missing
        else:
            rules = _status(checker.check_rules({RULE_FILE_NAME: files.rules}))
            tests = (_status(checker.test_rules({RULE_FILE_NAME: files.rules,
                                                 TEST_FILE_NAME: files.tests},
                                                [TEST_FILE_NAME]))
                     if ArtifactType.PROMTOOL_TESTS in types else rules)
        return {ArtifactType.PROMETHEUS_RULES: Draft(files.rules, YAML, rules),
                ArtifactType.PROMTOOL_TESTS: Draft(files.tests, YAML, tests),
                ArtifactType.PROMETHEUS_OPERATOR_RULE: Draft(files.operator_rule, YAML, rules),
                ArtifactType.SLOTH_SPEC: Draft(files.sloth, YAML, (
                    ValidationStatus.UNCHECKED, "Sloth specs have no validator here"))}

    def _document_draft(self, kind: ArtifactType, specs: list[SloSpec],
                        active: Mapping[str, Mapping[str, Any]]) -> Draft:
        windows, options = self._rule_files.windows, self._rule_files.options
        if kind is ArtifactType.GRAFANA_DASHBOARD:
            dashboard = slo_dashboard(specs, windows)
            return Draft(json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n", JSON,
                         self._validated("grafana_dashboard", [dashboard]))
        if kind is ArtifactType.OPENSLO:
            export = openslo_export(specs, windows, options.alerts)
            return Draft(export.text, YAML, self._validated("openslo", list(export.documents)))
        context = self._contexts.of(specs[0].service_id, active)
        books = [book for spec in specs for book in runbooks(
            spec, windows[spec.period_days], context, options.alerts)]
        return Draft("".join(f"---\n{book.yaml}" for book in books), YAML,
                     self._validated("runbook", [book.document for book in books]))

    def _validated(self, kind: str, documents: list[Any]) -> Validated:
        if self._documents is None:
            return ValidationStatus.UNCHECKED, "no schema validator is configured"
        return _status(self._documents.check(kind, documents))

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
