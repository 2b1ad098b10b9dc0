"""The fleet generators an evaluation can judge on, by name: a rule tuned on one must be
judged on another (`evaluate --generator`, `bench frontier --generator`).

- `simulation`: incidents as a Poisson process, about one a month, ~15 minutes each
  (`simulation.py`);
- `bursty`: self-exciting, heavy-tailed, regime-switching incidents, shared
  infrastructure outages, slow degradations, quiet services (`bursty_simulation.py`).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from slo_engine.fleet.bursty_simulation import simulate_bursty_fleet
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet

GeneratorName = Literal["simulation", "bursty"]


class FleetGenerator(Protocol):
    """Knows how to simulate a topology's telemetry for `days` up to `end_s`."""

    def __call__(self, topology: dict[str, Any], days: int, end_s: int, step_s: int = 300,
                 seed: int = 7, unreliable_external: str | None = None) -> FleetHistory: ...


GENERATORS: dict[str, FleetGenerator] = {"simulation": simulate_fleet,
                                         "bursty": simulate_bursty_fleet}
