"""The whole graph's divergences (GraphDivergences) on the in-memory graph store: edges one
source alone reports are judged from the in-process snapshot, the others from their stored
provenance, and the answer is the one every edge's full provenance gives."""

from __future__ import annotations

from slo_engine.application.graph_divergences import GraphDivergences
from slo_engine.domain.divergence import Divergence, DivergenceKind, graph_divergences
from slo_engine.domain.model import DiscoverySource, Observation, ServiceRecord
from slo_engine.domain.provenance import resolve_edge
from tests.fakes_world import FakeWorld

WEEK = 7 * 86_400_000
DAY = 86_400_000
MANUAL = DiscoverySource.MANUAL
MESH = DiscoverySource.SERVICE_MESH
OTEL = DiscoverySource.OTEL_SERVICE_GRAPH


def store_edges(world: FakeWorld, edges: dict[tuple[str, str], dict[DiscoverySource,
                                                                     Observation]]) -> None:
    now = world.clock.now_ms()
    world.store.upsert_dependencies(
        [resolve_edge(*pair, provenance, now, WEEK) for pair, provenance in edges.items()], now)
    world.store.bump_graph_version(now)


def mixed_graph() -> tuple[FakeWorld, int]:
    """Declared only, observed only (fresh, and older than the window), declared and
    observed alike, and declared async but observed sync."""
    world = FakeWorld()
    world.add_services(ServiceRecord("web", team="shop"), ServiceRecord("cart", team="shop"),
                       ServiceRecord("db", team="data"), ServiceRecord("mail", team="ops"))
    now = world.clock.now_ms()
    sync, asynchronous = {"communication_mode": "sync"}, {"communication_mode": "async"}
    store_edges(world, {
        ("web", "cart"): {MANUAL: Observation(sync, now, 1.0)},
        ("cart", "db"): {OTEL: Observation(sync, now - DAY, 0.9)},
        ("db", "mail"): {MESH: Observation(sync, now - 8 * DAY, 0.95)},
        ("web", "db"): {MANUAL: Observation(sync, now, 1.0), OTEL: Observation(sync, now, 0.9)},
        ("cart", "mail"): {MANUAL: Observation(asynchronous, now, 1.0),
                           MESH: Observation(sync, now, 0.95)},
    })
    return world, now


def answer(found: list[Divergence]) -> list[tuple[str, str, str, str | None]]:
    return [(d.kind.value, d.source, d.target, d.attribute) for d in found]


def test_each_kind_of_divergence_is_found_across_the_graph() -> None:
    world, _ = mixed_graph()
    found = GraphDivergences(world.store, world.snapshots, world.clock, WEEK).list()
    assert answer(found) == [
        ("observed_not_declared", "cart", "db", None),
        ("attribute_disagreement", "cart", "mail", "communication_mode"),
        ("declared_not_observed", "web", "cart", None),
    ]


def test_the_answer_is_the_one_every_edges_full_provenance_gives() -> None:
    world, _ = mixed_graph()
    listed = GraphDivergences(world.store, world.snapshots, world.clock, WEEK).list()
    pairs = [(row["source"], row["target"]) for row in world.store.all_dependencies()]
    full = graph_divergences(world.store.edge_provenance(pairs), world.clock.now, WEEK)
    assert [d.as_dict() for d in listed] == [d.as_dict() for d in full]


def test_filters_keep_one_kind_and_the_edges_a_team_owns_either_end_of() -> None:
    world, _ = mixed_graph()
    divergences = GraphDivergences(world.store, world.snapshots, world.clock, WEEK)
    assert answer(divergences.list(kind=DivergenceKind.DECLARED_NOT_OBSERVED)) == [
        ("declared_not_observed", "web", "cart", None)]
    assert answer(divergences.list(team="data")) == [("observed_not_declared", "cart", "db",
                                                      None)]


def test_an_edge_written_by_another_process_is_judged_at_once() -> None:
    """The snapshot is version-checked on each read, so a change it has not loaded yet
    (another replica's ingestion) is in the very next answer."""
    world, now = mixed_graph()
    divergences = GraphDivergences(world.store, world.snapshots, world.clock, WEEK)
    divergences.list()
    store_edges(world, {("web", "cart"): {MANUAL: Observation({}, now, 1.0),
                                          MESH: Observation({}, now, 0.95)}})
    assert ("declared_not_observed", "web", "cart", None) not in answer(divergences.list())
