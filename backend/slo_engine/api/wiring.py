"""Hands each route what the composition root built for it, and nothing else: a route
names the use case it calls (`Catalogue`, `Rules`, ...), never the container. Builds no
use case itself beyond the read-only ones over already-built stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from slo_engine.application.auto_approval import AutoApprovalRules
from slo_engine.application.decide_slo import DecideSlo
from slo_engine.application.manage_cycles import CycleAlerts
from slo_engine.application.service_catalogue import ServiceCatalogue
from slo_engine.application.slo_records import SloRecords
from slo_engine.runtime.bootstrap import Container

T = TypeVar("T")


@dataclass(frozen=True)
class RouteUseCases:
    catalogue: ServiceCatalogue
    slo_records: SloRecords
    decisions: DecideSlo
    rules: AutoApprovalRules
    cycles: CycleAlerts

    @classmethod
    def of(cls, container: Container) -> RouteUseCases:
        return cls(catalogue=ServiceCatalogue(container.graph, container.sli_aggregates),
                   slo_records=SloRecords(container.ledger, container.graph),
                   decisions=container.decisions,
                   rules=AutoApprovalRules(container.approval_rules, container.clock),
                   cycles=CycleAlerts(container.graph, container.clock))


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _use_cases(request: Request) -> RouteUseCases:
    use_cases: RouteUseCases = request.app.state.use_cases
    return use_cases


def _one(pick: Callable[[RouteUseCases], T]) -> Callable[[Request], T]:
    """A route dependency handing over one use case."""

    def dependency(request: Request) -> T:
        return pick(_use_cases(request))

    return dependency


ContainerDep = Annotated[Container, Depends(get_container)]
Catalogue = Annotated[ServiceCatalogue, Depends(_one(lambda u: u.catalogue))]
Records = Annotated[SloRecords, Depends(_one(lambda u: u.slo_records))]
Decisions = Annotated[DecideSlo, Depends(_one(lambda u: u.decisions))]
Rules = Annotated[AutoApprovalRules, Depends(_one(lambda u: u.rules))]
Cycles = Annotated[CycleAlerts, Depends(_one(lambda u: u.cycles))]
