"""The recommendation document rendered from stored records: whole-output golden files
(`pytest --update-golden` rewrites them), and records that round-trip exactly.

The records were stored by the engine from a simulated fleet: `front` (three serial
dependencies, a forecast, latency), `checkout` (no telemetry: an archetype baseline
capped by its dependencies) and `newbie` (ten days of data: a cold start)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slo_engine.api.recommendation_document import recommendation_document
from slo_engine.api.recommendation_schemas import RecommendationDocument
from slo_engine.application.recommendation_record import RecommendationRecord, is_record
from tests.golden import GOLDEN, Golden

RECORDS = GOLDEN / "recommendations"
SERVICES = ("front", "checkout", "newbie")


def _stored(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("service", SERVICES)
def test_a_stored_record_renders_to_its_golden_document(service: str, golden: Golden
                                                         ) -> None:
    record = RecommendationRecord.from_record(_stored(RECORDS / f"{service}.record.json"))
    document = recommendation_document(record)
    RecommendationDocument.model_validate({**document, "cached": False, "stale": False})
    golden.check_json(RECORDS / f"{service}.document.json", document)


@pytest.mark.parametrize("service", SERVICES)
def test_a_record_survives_storage_exactly(service: str) -> None:
    stored = _stored(RECORDS / f"{service}.record.json")
    assert is_record(stored)
    record = RecommendationRecord.from_record(stored)
    assert json.loads(json.dumps(record.to_record())) == stored
    assert RecommendationRecord.from_record(record.to_record()) == record


def test_the_document_main_stored_before_records_is_no_record_and_still_fits() -> None:
    legacy = _stored(RECORDS / "front.stored-by-main-2026-12-01.json")
    assert not is_record(legacy)
    RecommendationDocument.model_validate({**legacy, "cached": False})
