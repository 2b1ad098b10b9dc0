"""The impact-analysis document, whole, against a golden file (`pytest --update-golden`
rewrites it): every relationship, risk and note an SRE reads."""

from __future__ import annotations

from slo_engine.api.impact import ImpactAnalysisView, impact_document
from slo_engine.application.impact_analysis import ImpactAnalysis, ImpactedService
from tests.golden import GOLDEN, Golden

ANALYSIS = ImpactAnalysis(
    analysis_id="0b7c0f3e-5d7a-4c1e-9a55-1d2f3e4a5b6c", service_id="payment-api",
    current_ratio=0.9995, current_source="active_slo", proposed_ratio=0.999,
    impacted=[
        # calls it directly; its SLO is now at risk
        ImpactedService("checkout", 1, True, 0.9991, 0.9986, 0.999, False, "serial"),
        # further up, no SLO: nothing to risk
        ImpactedService("web-frontend", 2, True, 0.9989, 0.9984, None, False, "exact"),
        # in a cycle with the changed service
        ImpactedService("fraud-check", 1, True, 0.9993, 0.9988, 0.998, True, "serial"),
        # reaches it only asynchronously
        ImpactedService("email", 3, False, 0.9999, 0.9999, 0.995, False, "serial"),
    ],
    cycle=("fraud-check", "payment-api"),
    availability_sources={"active_slo": 3, "observed": 1, "published_sla": 1},
    generated_at_ms=1_796_166_900_000)


def test_the_impact_document_is_its_golden_file(golden: Golden) -> None:
    document = impact_document(ANALYSIS)
    ImpactAnalysisView.model_validate(document)
    golden.check_json(GOLDEN / "impact" / "payment-api.json", document)


def test_the_summary_counts_only_services_whose_slo_is_at_risk() -> None:
    summary = impact_document(ANALYSIS)["summary"]
    assert (summary["total_impacted"], summary["slos_at_risk"]) == (4, 1)
    assert summary["recommendation"] == ("Reducing payment-api to 99.9% puts 1 upstream "
                                         "service(s) at risk of SLO breach.")
