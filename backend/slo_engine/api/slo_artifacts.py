"""SLO as code (TRD FR-10): the active SLO's rules as a file a tool loads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.security import access
from slo_engine.api.wiring import Presence, RuleFiles
from slo_engine.application.slo_rule_files import RenderedRules, RuleFormat
from slo_engine.domain.access import Action

router = APIRouter(prefix="/api/v1/services", tags=["slo as code"])
YAML = "application/yaml"


def _body(rendered: RenderedRules) -> str:
    """The generator's warnings are in the file's header already; an unchecked file says so
    on its first line."""
    if rendered.checked:
        return rendered.text
    return "# warning: promtool was not available: these rules are unchecked\n" + rendered.text


@router.get(
    "/{service_id}/slos/alerts", dependencies=[access(Action.READ, "slos")],
    summary="The active SLO's recording rules and burn-rate alerts, as a file",
    response_class=Response,
    responses={200: {"content": {YAML: {"schema": {"type": "string"}}},
                     "description": "The rules; `X-Rules-Checked: promtool` when promtool "
                                    "passed them"},
               **problem_responses(404, 422)})
async def slo_alert_rules(
    service_id: Annotated[str, Path(min_length=1, max_length=253)],
    rule_files: RuleFiles,
    presence: Presence,
    rule_format: Annotated[RuleFormat, Query(
        alias="format", description="prometheus: a rule file; prometheus-operator: a "
                                    "PrometheusRule; sloth: a Sloth prometheus/v1 spec; "
                                    "openslo: OpenSLO v1 documents")
    ] = RuleFormat.PROMETHEUS,
) -> Response:
    specs = await run_in_threadpool(rule_files.specs, service_id)
    if presence is not None:
        await presence.require(specs)
    rendered = await run_in_threadpool(rule_files.render, service_id, rule_format, specs)
    return Response(_body(rendered), media_type=YAML, headers={
        "X-Slo-Id": rendered.slo_id, "X-Slo-Version": str(rendered.slo_version),
        "X-Rules-Checked": "promtool" if rendered.checked else "unchecked"})
