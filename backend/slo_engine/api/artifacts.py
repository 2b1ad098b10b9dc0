"""Generated artifacts (SLO as code): generate and validate, then read what was stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from slo_engine.api.dry_run_schemas import DryRunView, dry_run_view
from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.response_model import ResponseModel
from slo_engine.api.security import access
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.wiring import Artifacts, DryRuns, Presence
from slo_engine.application.generate_artifacts import GeneratedArtifact, GenerationRequest
from slo_engine.domain.access import Action, Principal
from slo_engine.domain.artifact import Artifact, ArtifactType, ValidationStatus
from slo_engine.domain.errors import ArtifactNotFound, DependencyUnavailable

router = APIRouter(prefix="/api/v1/artifacts", tags=["slo as code"])
MAX_DRY_RUNS = 20
Id = Annotated[str, Field(min_length=1, max_length=253)]
ArtifactId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Administrator = Annotated[Principal, access(Action.ADMINISTER, "artifacts")]


class GenerationRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slo_ids: list[Id] | None = Field(default=None, max_length=5_000, description=(
        "Active SLO versions (give these or service_ids)"))
    service_ids: list[Id] | None = Field(default=None, max_length=5_000, description=(
        "Services whose active SLO versions to generate from"))
    artifact_types: list[ArtifactType] = Field(default_factory=lambda: list(ArtifactType),
                                               min_length=1)
    validation_only: bool = Field(default=False, description=(
        "Generate and validate, store nothing"))
    dry_run: bool = Field(default=False, description=(
        f"Also replay each SLO's alerts on the last 30 days of history (at most "
        f"{MAX_DRY_RUNS} SLOs a request; each takes seconds)"))

    @model_validator(mode="after")
    def _one_selection(self) -> GenerationRequestIn:
        if not (self.slo_ids or self.service_ids):
            raise ValueError("give slo_ids or service_ids (at least one id)")
        if self.dry_run and len(self.slo_ids or ()) + len(self.service_ids or ()) > MAX_DRY_RUNS:
            raise ValueError(f"dry runs are for at most {MAX_DRY_RUNS} SLOs a request: "
                             "name fewer, or leave dry_run out")
        return self


class ArtifactView(ResponseModel):
    artifact_id: str
    artifact_type: ArtifactType
    service_id: str
    slo_id: str
    slo_version: int
    generator_version: str
    media_type: str
    content_hash: str = Field(description="SHA-256 of the content")
    validation_status: ValidationStatus
    validation_output: str
    created_at: str
    content_url: str


class GeneratedArtifactView(ArtifactView):
    stored: bool = Field(description="False with validation_only")
    created: bool = Field(description="False when this SLO version's artifact existed")
    warnings: list[str]


class GeneratedArtifacts(ResponseModel):
    artifacts: list[GeneratedArtifactView]
    dry_runs: list[DryRunView] | None = Field(
        default=None, description="With dry_run: each SLO's alerts replayed on its history")


def _view(artifact: Artifact) -> ArtifactView:
    return ArtifactView(
        artifact_id=artifact.artifact_id, artifact_type=artifact.artifact_type,
        service_id=artifact.service_id, slo_id=artifact.slo_id,
        slo_version=artifact.slo_version, generator_version=artifact.generator_version,
        media_type=artifact.media_type, content_hash=artifact.content_hash,
        validation_status=artifact.validation_status,
        validation_output=artifact.validation_output,
        created_at=iso_from_ms(artifact.created_at_ms) or "",
        content_url=f"/api/v1/artifacts/{artifact.artifact_id}/content")


def _generated_view(result: GeneratedArtifact) -> GeneratedArtifactView:
    return GeneratedArtifactView(**_view(result.artifact).model_dump(), stored=result.stored,
                                 created=result.created, warnings=list(result.warnings))


@router.post("/generate", status_code=201, response_model=GeneratedArtifacts,
             summary="Generate, validate and store the artifacts of active SLO versions",
             responses=problem_responses(400, 404, 422))
async def generate(body: GenerationRequestIn, artifacts: Artifacts, presence: Presence,
                   dry_runs: DryRuns, principal: Administrator) -> GeneratedArtifacts:
    """All or nothing: when any artifact fails its validator, none is stored (422 with the
    validator's report). The same SLO version gives the same artifacts."""
    request = GenerationRequest(principal.actor, tuple(body.slo_ids or ()),
                                tuple(body.service_ids or ()),
                                tuple(body.artifact_types), body.validation_only)
    targets = await run_in_threadpool(artifacts.targets, request)
    if presence is not None:
        for specs in targets:
            await presence.require(specs)
    results = await run_in_threadpool(artifacts.generate, request, targets)
    generated = GeneratedArtifacts(artifacts=[_generated_view(r) for r in results])
    if body.dry_run:
        if dry_runs is None:
            raise DependencyUnavailable("metrics store", "no Prometheus is configured: "
                                        "leave dry_run out")
        generated.dry_runs = [dry_run_view(await dry_runs.replay_specs(specs))
                              for specs in targets]
    return generated


def _found(artifacts: Artifacts, artifact_id: str) -> Artifact:
    artifact = artifacts.get(artifact_id)
    if artifact is None:
        raise ArtifactNotFound(artifact_id)
    return artifact


@router.get("/{artifact_id}", dependencies=[access(Action.READ, "default")],
            response_model=ArtifactView, summary="A generated artifact's record",
            responses=problem_responses(404))
def get_artifact(artifact_id: ArtifactId, artifacts: Artifacts) -> ArtifactView:
    return _view(_found(artifacts, artifact_id))


@router.get("/{artifact_id}/content", dependencies=[access(Action.READ, "default")],
            response_class=Response, summary="A generated artifact's content",
            responses={200: {"content": {"application/yaml": {"schema": {"type": "string"}}},
                             "description": "The file"}, **problem_responses(404)})
def get_artifact_content(artifact_id: ArtifactId, artifacts: Artifacts) -> Response:
    artifact = _found(artifacts, artifact_id)
    return Response(artifact.content, media_type=artifact.media_type,
                    headers={"ETag": f'"{artifact.content_hash}"'})
