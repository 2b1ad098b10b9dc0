"""Request and response bodies of dependency-graph ingestion (TRD FR-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from typing_extensions import TypedDict

from slo_engine.api.response_model import ResponseModel
from slo_engine.domain.model import (
    CommunicationMode,
    DependencyCriticality,
    DiscoverySource,
    ServiceCriticality,
    ServiceType,
)
from slo_engine.domain.personal_data import LABEL_NAME_PATTERN, METRIC_NAME_PATTERN, looks_like

SERVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$"
ServiceId = Annotated[str, Field(pattern=SERVICE_ID_PATTERN, examples=["checkout-service"],
                                 description="Letters, digits, '.', '_', ':' or '-'; 1-253 chars.")]
ShortText = Annotated[str, Field(min_length=1, max_length=255)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


MetricName = Annotated[str, Field(pattern=METRIC_NAME_PATTERN, max_length=200)]
LabelName = Annotated[str, Field(pattern=LABEL_NAME_PATTERN, max_length=100)]


class SliQueryOverrides(Strict):
    """Where this service's SLIs live, when it differs from the engine's settings (see
    the README for the classic, OpenTelemetry and span-metrics conventions)."""

    requests_metric: MetricName | None = None
    duration_bucket_metric: MetricName | None = None
    duration_unit_seconds: Annotated[float, Field(gt=0, le=3600)] | None = None
    service_label: LabelName | None = None
    code_label: LabelName | None = None
    error_code_regex: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.|]{1,100}$")] | None = None
    extra_matchers: dict[LabelName, Annotated[str, Field(max_length=200)]] | None = None

    @field_validator("extra_matchers")
    @classmethod
    def _no_personal_data(cls, matchers: dict[str, str] | None) -> dict[str, str] | None:
        for label, value in (matchers or {}).items():
            if (kind := looks_like(value)) is not None:
                raise ValueError(f"the value of '{label}' looks like {kind}; personal data "
                                 "is never sent to the metrics store")
        return matchers


class NodeMetadata(BaseModel):
    """Known keys are typed; any other key is kept as free-form metadata."""

    model_config = ConfigDict(extra="allow")

    team: ShortText | None = None
    criticality: ServiceCriticality | None = None
    tier: Annotated[int, Field(ge=0, le=10)] | None = None
    service_type: ServiceType = ServiceType.INTERNAL
    sli: SliQueryOverrides | None = None


class NodeIn(Strict):
    service_id: ServiceId
    metadata: NodeMetadata = Field(default_factory=NodeMetadata)


# Edges are TypedDicts: pydantic validates them just as strictly but hands back plain
# dicts, which matters at 50,000 edges a request. Enums arrive as their values. Keys
# beyond the known ones (call counts, evidence, notes, interface lists: what exporters
# write) are kept as the edge's free-form metadata, as node metadata is.
EDGE_CONFIG = ConfigDict(extra="forbid", use_enum_values=True)
OPEN_EDGE_CONFIG = ConfigDict(extra="allow", use_enum_values=True)
CONFIDENCE_WORDS = {"high": 0.9, "medium": 0.6, "low": 0.3}


def _score_from_word(value: Any) -> Any:
    """Exporters often say how sure they are in words: map the documented ones."""
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word in CONFIDENCE_WORDS:
        return CONFIDENCE_WORDS[word]
    try:
        return float(word)
    except ValueError:
        raise ValueError(f"'{value}' is not a confidence: give a score from 0 to 1, or high "
                         "(0.9), medium (0.6) or low (0.3)") from None


Confidence = Annotated[float, Field(ge=0.0, le=1.0, description=(
    "A score from 0 to 1, or a word: high (0.9), medium (0.6), low (0.3)")),
    BeforeValidator(_score_from_word)]


class RetryConfig(TypedDict):
    __pydantic_config__ = EDGE_CONFIG  # type: ignore[misc]

    max_retries: Annotated[int, Field(ge=0, le=100)]
    backoff_strategy: NotRequired[Literal["exponential", "linear", "fixed", "none"]]


class EdgeAttributes(TypedDict, total=False):
    """What the source observed; omitted attributes fall to other sources or the defaults
    (sync, hard: the conservative reading for availability maths). Confidence may be a
    score in [0, 1] or a word: high = 0.9, medium = 0.6, low = 0.3."""

    __pydantic_config__ = OPEN_EDGE_CONFIG  # type: ignore[misc]

    communication_mode: CommunicationMode | None
    criticality: DependencyCriticality | None
    protocol: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9+._-]{0,31}$")] | None
    timeout_ms: Annotated[int, Field(ge=1, le=3_600_000)] | None
    retry_config: RetryConfig | None
    redundancy_group: ShortText | None
    confidence_score: Confidence | None
    confidence: Confidence | None  # what several exporters call it


class EdgeIn(TypedDict):
    __pydantic_config__ = OPEN_EDGE_CONFIG  # type: ignore[misc]

    source: ServiceId
    target: ServiceId
    attributes: NotRequired[EdgeAttributes]


class GraphSubmissionIn(Strict):
    source: DiscoverySource
    timestamp: datetime | None = Field(
        default=None, description="When the source observed this graph; defaults to now.")
    nodes: list[NodeIn] = Field(default_factory=list)
    edges: list[EdgeIn] = Field(default_factory=list)


class IngestionAccepted(ResponseModel):
    ingestion_id: str
    status: Literal["processing"]
    nodes_received: int
    edges_received: int
    estimated_completion_seconds: float
    status_url: str


class IngestionStatus(ResponseModel):
    ingestion_id: str
    source: DiscoverySource
    status: Literal["processing", "completed", "failed"]
    nodes_received: int
    edges_received: int
    received_at: str
    completed_at: str | None
    result: dict[str, Any] = Field(
        description="Counts, conflicts between sources, discovered services, new cycles, "
                    "edges marked stale and timings; an error message when failed.")
