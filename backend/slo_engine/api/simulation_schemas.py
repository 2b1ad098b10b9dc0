"""The simulation request and document (issue 19 item 1): percent and milliseconds, ISO
times. `simulations.py` renders the document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.response_model import ResponseModel, TimeWindow
from slo_engine.api.what_if_schemas import WhatIfBody, WhatIfView
from slo_engine.domain.slo import SloPeriodDays

Probability = Annotated[float, Field(ge=0, le=1)]


class LatencyTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percentile: Annotated[float, Field(gt=0, lt=100, description=(
        "percent of requests within the threshold: 99 for p99, 99.9 for p999"))]
    threshold_ms: Annotated[float, Field(gt=0, le=600_000)]


class ExplicitTargets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    availability: Annotated[float, Field(gt=0, lt=100, description="percent")] | None = None
    latency: Annotated[list[LatencyTarget], Field(max_length=3)] = []


class SimulationBody(BaseModel):
    """Name exactly one SLO: `slo_id`, `tier` or `targets`; or none with `what_if` alone."""

    model_config = ConfigDict(extra="forbid")

    slo_id: Annotated[str, Field(min_length=1, max_length=64, description=(
        "The service's active SLO"))] | None = None
    tier: Literal["conservative", "balanced", "aggressive"] | None = Field(None, description=(
        "A tier of the service's stored recommendation (all SLIs, 30-day lookback, made "
        "for `period_days`)"))
    targets: ExplicitTargets | None = None
    period_days: SloPeriodDays | None = Field(None, description=(
        "The SLO period for `tier` and `targets` (default 30); an active SLO has its own"))
    historical_window_days: Annotated[int, Field(ge=7, le=365)] = 90
    iterations: Annotated[int, Field(ge=1, le=10_000)] = 1000
    seed: Annotated[int, Field(ge=0, le=2**63 - 1, description=(
        "Seeds the Monte Carlo; default: one derived from the service id"))] | None = None
    what_if: WhatIfBody | None = Field(None, description=(
        "Dependency changes, traffic and replicas, and / or a deploy; without an SLO "
        "named, only the what-if is answered"))
    run: Literal["auto", "queued"] = Field("auto", description=(
        "auto: in the request unless its estimated cost is above the threshold (then a "
        "job, 202); queued: always a job"))

    @property
    def names_an_slo(self) -> bool:
        return any(x is not None for x in (self.slo_id, self.tier, self.targets))


class PeriodView(ResponseModel):
    start: str
    end: str
    requests: float
    bad_events: float = Field(description="Failed requests, or requests slower than the "
                                          "judged bucket")
    budget_consumed: float | None = Field(description="percent of the period's error budget "
                                                      "(over 100: breached); None: no requests")
    breached: bool
    exhausted_at: str | None
    time_to_exhaustion_seconds: int | None = Field(description="From the period's start")


class BreachView(ResponseModel):
    start: str
    end: str | None = Field(description="None: still breached at the window's end")


class BudgetPointView(ResponseModel):
    at: str
    remaining: float | None = Field(description="percent of the period's budget left "
                                                "(negative: overspent)")


class BacktestView(ResponseModel):
    alignment: Literal["rolling", "calendar"]
    periods_total: int
    periods_breached: int
    periods: list[PeriodView]
    breaches: list[BreachView]
    budget_remaining: list[BudgetPointView] = Field(description="A daily series")


class BacktestsView(ResponseModel):
    rolling: BacktestView
    calendar: BacktestView


class MonteCarloView(ResponseModel):
    period: TimeWindow = Field(description="The coming SLO period simulated")
    iterations: int
    budget_consumed_quantiles: dict[str, float] = Field(
        description="percent of the budget, by quantile (p05 ... p99)")
    mean_budget_consumed: float = Field(description="percent")
    breach_probability: Probability
    breach_probability_interval: tuple[Probability, Probability] = Field(
        description="Wilson score interval, 95%: the simulation's error")
    breach_probability_standard_error: float
    expected_breaches_per_quarter: float
    expected_breaches_per_quarter_interval: tuple[float, float]
    periods_per_quarter: float


class SliSimulationView(ResponseModel):
    sli_type: Literal["availability", "latency"]
    target: float = Field(description="percent")
    percentile: str | None = None
    threshold_ms: float | None = None
    judged_at_bucket_ms: float | None = None
    backtest: BacktestsView
    monte_carlo: MonteCarloView | None
    monte_carlo_method: str
    note: str | None = None


class SimulatedSloView(ResponseModel):
    source: Literal["active_slo", "recommendation", "explicit"]
    period_days: int
    slo_id: str | None
    version: int | None
    recommendation_id: str | None
    tier: str | None


class SimulationProvenance(ResponseModel):
    history_window: TimeWindow
    history_step_seconds: int
    days_of_history: float
    forecast_history_days: int = Field(description="The window's last days the "
                                                   "availability forecast is fitted on")
    graph_version: int
    policy_version: int
    policy_digest: str = Field(description="SHA-256 of the recommendation policy file")
    prior_source: str = Field(description="The class prior the forecast pooled with")
    seed: int
    iterations: int
    engine_version: str


class SimulationMethod(ResponseModel):
    backtest: str
    breach_interval: str
    expected_breaches: str


class SimulationDocument(ResponseModel):
    simulation_id: str
    service_id: str
    generated_at: str
    slo: SimulatedSloView | None = Field(description="None: a what-if alone")
    slis: list[SliSimulationView]
    provenance: SimulationProvenance | None
    method: SimulationMethod | None
    what_if: WhatIfView | None = None


class SimulationAccepted(ResponseModel):
    """A simulation queued as a job (202): follow `status_url`, then read
    `simulation_url`."""

    simulation_id: str
    job_id: str
    status_url: str = Field(description="GET: the job's status and progress")
    simulation_url: str = Field(description="GET once the job has finished")
    estimated_seconds: float
    queue_above_seconds: float = Field(description="The threshold it was above (or 0 "
                                                   "when asked to queue)")


class SimulationSummaryView(ResponseModel):
    simulation_id: str
    simulation_url: str
    service_id: str
    created_at: str
    requested_by: str
    run_mode: Literal["inline", "queued"]
    slo_id: str | None
    slo_version: int | None
    estimated_seconds: float | None
    content_hash: str = Field(description="SHA-256 of the stored document (canonical JSON); "
                                          "the audit chain's simulation_stored event holds it")
    inputs: dict[str, object] = Field(description="The request as asked")
    summary: dict[str, object]


class StoredSimulationView(SimulationSummaryView):
    content_intact: bool = Field(description="The stored document still hashes to "
                                             "content_hash")
    document: SimulationDocument = Field(description="The answer, as it was given")


class SimulationList(ResponseModel):
    items: list[SimulationSummaryView]
