"""A generation promtool refuses stores no valid artifact, keeps the failures as records
marked invalid, and answers with promtool's report (real promtool, in-memory stores)."""

from __future__ import annotations

import pytest

from slo_engine.adapters.json_schemas import JsonSchemaValidator
from slo_engine.adapters.promtool import Promtool
from slo_engine.application.generate_artifacts import GenerateArtifacts, GenerationRequest
from slo_engine.application.runbook_context import RunbookContexts
from slo_engine.application.slo_rule_files import SloRuleFiles
from slo_engine.domain.artifact import ArtifactType, ValidationStatus, artifact_id
from slo_engine.domain.errors import ArtifactInvalid
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.generators.meta_rules import GENERATOR_VERSION
from slo_engine.policy.loader import load_alert_windows
from tests.fakes import InMemoryArtifacts
from tests.fakes_world import FakeWorld
from tests.rule_samples import SAMPLES


def test_rules_promtool_refuses_are_kept_as_invalid_and_nothing_valid_is_stored() -> None:
    world = FakeWorld()
    store = InMemoryArtifacts(lambda _slo_id: True)  # its SLO version exists
    rule_files = SloRuleFiles(world.ledger, world.store, lambda _s: SliDefinition(),
                              load_alert_windows(), Promtool())
    generate = GenerateArtifacts(rule_files, store, world.ledger, world.clock,
                                 JsonSchemaValidator(), RunbookContexts(world.ledger,
                                                                         world.snapshots))
    (spec,) = SAMPLES["checkout-availability-30d"]
    request = GenerationRequest("sre", service_ids=("checkout",), artifact_types=(
        ArtifactType.PROMETHEUS_RULES, ArtifactType.SLOTH_SPEC))
    with pytest.raises(ArtifactInvalid, match="no valid artifact was stored") as failure:
        generate.generate(request, [[spec, spec]])  # the same SLI twice: duplicate rules
    assert "is repeated in the same file" in failure.value.output
    kept = store.get_artifact(artifact_id(spec.slo_id, ArtifactType.PROMETHEUS_RULES,
                                          GENERATOR_VERSION))
    assert kept is not None
    assert kept.validation_status is ValidationStatus.INVALID
    assert "is repeated in the same file" in kept.validation_output
    assert store.get_artifact(artifact_id(spec.slo_id, ArtifactType.SLOTH_SPEC,
                                          GENERATOR_VERSION)) is None
