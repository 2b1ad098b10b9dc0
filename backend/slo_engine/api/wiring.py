"""Hands route functions what the composition root built; builds nothing itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from slo_engine.runtime.bootstrap import Container


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]
