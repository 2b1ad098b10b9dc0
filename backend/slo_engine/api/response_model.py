"""The base of every response body: a key the model does not declare is an error, not
something a client finds undocumented (a route that returns one fails its tests)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimeWindow(ResponseModel):
    start: str
    end: str
