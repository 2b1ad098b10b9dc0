"""Auto-approval rules (TRD FR-11). Rules start disabled unless created enabled; only an
administrator may create, change or delete them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.response_model import ResponseModel
from slo_engine.api.security import access
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.wiring import Rules
from slo_engine.domain.access import Action, Principal
from slo_engine.domain.auto_approval import AutoApprovalRule, RuleConditions

Administrator = Annotated[Principal, access(Action.ADMINISTER, "default")]
router = APIRouter(prefix="/api/v1/auto-approval-rules", tags=["auto-approval"])

RuleId = Annotated[str, Path(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=255)]


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criticality: list[Literal["critical", "high", "medium", "low"]] = Field(
        default_factory=list, description="Services of these criticalities; empty: any")
    teams: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list, description="Services of these teams; empty: any")
    confidence_min: float = Field(0.85, ge=0, le=1, description=(
        "Data completeness the recommendation must reach; low-confidence (cold-start) "
        "recommendations never match"))
    tier: Literal["conservative", "balanced", "aggressive"] = "balanced"

    def domain(self) -> RuleConditions:
        return RuleConditions(tuple(self.criticality), tuple(self.teams), self.confidence_min,
                              self.tier)


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    conditions: Conditions
    enabled: bool = False


class RuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    conditions: Conditions | None = None
    enabled: bool | None = None


class RuleView(ResponseModel):
    rule_id: str
    name: str
    conditions: Conditions
    enabled: bool
    created_by: str | None
    created_at: str
    updated_at: str


class RuleList(ResponseModel):
    items: list[RuleView] = Field(description="Oldest first: the oldest match wins")


def _view(rule: AutoApprovalRule) -> RuleView:
    return RuleView(rule_id=rule.rule_id, name=rule.name,
                    conditions=Conditions.model_validate(rule.conditions.to_record()),
                    enabled=rule.enabled, created_by=rule.created_by,
                    created_at=iso_from_ms(rule.created_at_ms),
                    updated_at=iso_from_ms(rule.updated_at_ms))


@router.get("", dependencies=[access(Action.READ, "default")],
            summary="Every auto-approval rule, oldest first (the oldest match wins)")
def list_rules(rules: Rules) -> RuleList:
    return RuleList(items=[_view(r) for r in rules.list()])


@router.post("", status_code=201, summary="Create a rule (disabled unless `enabled`)")
def create_rule(body: RuleCreate, rules: Rules, principal: Administrator) -> RuleView:
    return _view(rules.create(body.name, body.conditions.domain(), body.enabled,
                              principal.actor))


@router.get("/{rule_id}", dependencies=[access(Action.READ, "default")],
            summary="One rule", responses=problem_responses(404))
def get_rule(rule_id: RuleId, rules: Rules) -> RuleView:
    return _view(rules.get(rule_id))


@router.patch("/{rule_id}", dependencies=[access(Action.ADMINISTER, "default")],
              summary="Rename, change conditions, enable or disable",
              responses=problem_responses(404))
def update_rule(rule_id: RuleId, body: RuleUpdate, rules: Rules) -> RuleView:
    return _view(rules.update(rule_id, body.name,
                              body.conditions.domain() if body.conditions else None,
                              body.enabled))


@router.delete("/{rule_id}", dependencies=[access(Action.ADMINISTER, "default")],
               status_code=204, summary="Delete a rule", responses=problem_responses(404))
def delete_rule(rule_id: RuleId, rules: Rules) -> Response:
    rules.delete(rule_id)
    return Response(status_code=204)
