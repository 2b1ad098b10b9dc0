"""Correlated failures (issue 19 item 3): services that share a failure domain (metadata
such as zone, cluster, database, node_pool) fail together.

The model keeps every service's own availability a_i and couples services through their
domains (a comonotone mixture). Each failure domain d, a metadata key and value that two
or more counted services share (e.g. `zone=eu-1a`), has a "bad moment" U_d ~ U(0, 1) per
draw. Service i is driven by domain d with probability w_id, the key's correlation (a
service's weights are scaled down to sum to 1 when they exceed it), else by its own
uniform; driven, it is up when U_d <= a_i. So:

- P(i up) = a_i at every correlation: only the joint failures change;
- correlation 0: services are independent (the composite's own maths);
- correlation 1, one domain per service: services of a domain fail together, the least
  available whenever any does: P(all of d up) = min_{i in d} a_i, one factor per domain
  (the shared-domain product).

Given the U's, services are independent with P(i up | U) = (1 - sum_d w_id) a_i +
sum_d w_id [U_d <= a_i]. Each draw's value is the product of those over the essential
components (exact given U: the root needs all of them) times whether the rest (under
redundancy groups) holds on states sampled from them, propagated through the composite's
own structure (composite.py). The mean over draws estimates the correlated composite,
with standard error sd / sqrt(draws).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from slo_engine.domain.composite import CompositeStructure, Dependency, composite_structure

DRAWS_PER_BLOCK = 1000  # bounds the draws x services matrix held at once


@dataclass(frozen=True)
class CorrelatedComposite:
    availability_ratio: float
    standard_error_ratio: float
    draws: int
    shared_domains: dict[str, tuple[str, ...]]  # domain -> the counted services in it


def failure_domain_weights(metadata: Mapping[str, Mapping[str, object]],
                           correlations: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """service -> {"key=value": weight} for each key with a correlation that the service's
    metadata gives a value for; weights scaled to sum to 1 where they exceed it."""
    weights: dict[str, dict[str, float]] = {}
    for service, values in metadata.items():
        found = {f"{key}={values[key]}": float(rho) for key, rho in correlations.items()
                 if rho > 0 and values.get(key) not in (None, "")}
        total = sum(found.values())
        if total > 1.0:
            found = {domain: w / total for domain, w in found.items()}
        if found:
            weights[service] = found
    return weights


def correlated_composite(root: str, dependencies: Iterable[Dependency],
                         availability: Mapping[str, float],
                         weights: Mapping[str, Mapping[str, float]], draws: int = 10_000,
                         seed: int = 0) -> CorrelatedComposite:
    """P(root and all it needs are up) with failures correlated through shared domains.
    Services missing from `availability` count as 1.0, as in the composite."""
    structure = composite_structure(root, dependencies)
    counted = [s for c in structure.order for s in structure.members[c]]
    shared = _shared_domains(counted, weights)
    model = _Model.of(structure, counted, availability, weights, shared)
    rng = np.random.default_rng(seed)
    values = np.concatenate([model.draw_values(rng, min(DRAWS_PER_BLOCK, draws - start))
                             for start in range(0, draws, DRAWS_PER_BLOCK)])
    error = float(values.std(ddof=1) / np.sqrt(draws)) if draws > 1 else float("nan")
    return CorrelatedComposite(float(values.mean()), error, draws, shared)


def _shared_domains(counted: list[str], weights: Mapping[str, Mapping[str, float]]
                    ) -> dict[str, tuple[str, ...]]:
    """Domains at least two counted services are driven by: a domain of one service
    changes nothing (its own uniform and the domain's are alike to it)."""
    members: dict[str, list[str]] = {}
    for service in counted:
        for domain in weights.get(service, {}):
            members.setdefault(domain, []).append(service)
    return {d: tuple(sorted(m)) for d, m in sorted(members.items()) if len(m) > 1}


@dataclass(frozen=True)
class _Model:
    structure: CompositeStructure
    own: np.ndarray  # a_i per counted service
    base: np.ndarray  # (1 - sum of the service's shared-domain weights) x a_i
    domain_count: int
    driven: np.ndarray  # the services in a shared domain
    # Per driven service, its domains' columns (padded with `domain_count`, a column no
    # moment satisfies) and weights (padded with 0): [driven service, slot].
    columns: np.ndarray
    weights: np.ndarray
    essential_mask: np.ndarray  # 1.0 for services in essential components, else 0.0
    rest: list[tuple[int, np.ndarray]]  # per other component: (component, its services)

    @classmethod
    def of(cls, structure: CompositeStructure, counted: list[str],
           availability: Mapping[str, float], weights: Mapping[str, Mapping[str, float]],
           shared: Mapping[str, tuple[str, ...]]) -> _Model:
        index = {s: k for k, s in enumerate(counted)}
        own = np.array([availability.get(s, 1.0) for s in counted], dtype=float)
        column = {domain: k for k, domain in enumerate(shared)}
        slots: dict[int, list[tuple[int, float]]] = {}
        for domain, services in shared.items():
            for service in services:
                slots.setdefault(index[service], []).append((column[domain],
                                                             weights[service][domain]))
        driven = np.array(sorted(slots), dtype=int)
        width = max((len(v) for v in slots.values()), default=0)
        columns = np.full((driven.size, width), len(shared), dtype=int)
        pad = np.zeros((driven.size, width))
        for row, service in enumerate(driven):
            for slot, (col, w) in enumerate(slots[int(service)]):
                columns[row, slot], pad[row, slot] = col, w
        followed_weight = np.zeros(len(counted))
        followed_weight[driven] = pad.sum(axis=1)
        by_component = {c: np.array([index[s] for s in structure.members[c]])
                        for c in structure.order}
        essential = [by_component[c] for c in structure.order if c in structure.essential]
        rest = [(c, by_component[c]) for c in structure.order if c not in structure.essential]
        return cls(structure, own, (1.0 - followed_weight) * own, len(shared), driven,
                   columns, pad, _mask(np.concatenate(essential), len(counted)), rest)

    def draw_values(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Per draw: P(essential all up | U) x [the rest holds on states drawn given U]."""
        up = np.broadcast_to(self.base, (draws, self.own.size)).copy()
        if self.driven.size:
            moments = np.ones((draws, self.domain_count + 1)) * 2.0  # the pad: never <= a_i
            moments[:, :-1] = rng.random((draws, self.domain_count))
            below = moments[:, self.columns] <= self.own[self.driven][:, None]
            up[:, self.driven] += (below * self.weights).sum(axis=2)
        holds = self._rest_holds(rng, up, draws)
        # In place, then one dot product: the draws x services matrix is not copied again.
        np.log(np.maximum(up, 1e-300, out=up), out=up)
        essential = np.exp(up @ self.essential_mask)
        return np.asarray(essential if holds is None else essential * holds)

    def _rest_holds(self, rng: np.random.Generator, up: np.ndarray, draws: int
                    ) -> np.ndarray | None:
        """Whether the part under redundancy groups holds, on states drawn given U."""
        if not self.rest:
            return None
        states: dict[int, np.ndarray] = {c: np.ones(draws, dtype=bool)
                                         for c in self.structure.essential}
        for component, rows in self.rest:
            states[component] = np.asarray(
                (rng.random((draws, rows.size)) < up[:, rows]).all(axis=1))
        return np.asarray(self.structure.up_given_states(states))


def _mask(rows: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size)
    mask[rows] = 1.0
    return mask
