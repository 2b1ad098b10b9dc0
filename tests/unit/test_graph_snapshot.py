"""The in-process snapshot after a committed change: reloaded when services or edges may
have changed, relabelled when only the graph version moved on."""

from __future__ import annotations

from slo_engine.application.analyse_graph import AnalyseGraph
from slo_engine.domain.model import ServiceRecord
from tests.discovery_wiring import WEEK_MS, NoLock
from tests.fakes_world import FakeWorld


class CountingLoads:
    """Counts the snapshot's full reads of the edges."""

    def __init__(self, world: FakeWorld) -> None:
        self.loads = 0
        read = world.store.all_dependencies

        def counted() -> list[dict[str, object]]:
            self.loads += 1
            return read()

        world.store.all_dependencies = counted  # type: ignore[method-assign]


def graph_of_two(world: FakeWorld) -> None:
    world.add_services(ServiceRecord("web"), ServiceRecord("cart"))
    world.depend("web", "cart")


def analysis(world: FakeWorld) -> AnalyseGraph:
    return AnalyseGraph(world.store, NoLock(), world.clock, world.snapshots, WEEK_MS, 10_000)


def ingestion(world: FakeWorld) -> str:
    world.store.create_ingestion("i-1", "manual", 2, 1, world.clock.now_ms())
    world.store.finish_ingestion("i-1", "processing", {"stage": "analysing"},
                                 world.clock.now_ms())
    return "i-1"


def test_a_snapshot_of_the_previous_version_is_relabelled_without_a_reload() -> None:
    world = FakeWorld()
    graph_of_two(world)
    before = world.snapshots.refresh()
    loads = CountingLoads(world)
    version = world.store.bump_graph_version(world.clock.now_ms())
    after = world.snapshots.advance(version - 1, version)
    assert (after.version, loads.loads) == (version, 0)
    assert after.out_edges == before.out_edges
    assert world.snapshots.current() is after


def test_a_snapshot_another_change_overtook_is_reloaded() -> None:
    world = FakeWorld()
    graph_of_two(world)
    world.snapshots.refresh()
    world.add_services(ServiceRecord("mail"))  # another writer's change, version + 1
    loads = CountingLoads(world)
    version = world.store.bump_graph_version(world.clock.now_ms())
    after = world.snapshots.advance(version - 1, version)
    assert (after.version, loads.loads) == (version, 1)
    assert "mail" in after.services


def test_an_analysis_that_marks_nothing_stale_does_not_reload_the_snapshot() -> None:
    world = FakeWorld()
    graph_of_two(world)
    world.snapshots.refresh()
    loads = CountingLoads(world)
    result = analysis(world).run(ingestion(world))
    assert (result["edges_marked_stale"], loads.loads) == (0, 0)
    assert world.snapshots.loaded.version == result["graph_version"]
    assert world.snapshots.current().version == world.store.graph_version()


def test_an_analysis_that_marks_edges_stale_reloads_the_snapshot_showing_them() -> None:
    world = FakeWorld()
    graph_of_two(world)
    world.snapshots.refresh()
    world.clock.now += WEEK_MS + 1
    loads = CountingLoads(world)
    result = analysis(world).run(ingestion(world))
    assert (result["edges_marked_stale"], loads.loads) == (1, 1)
    (edge,) = world.snapshots.loaded.out_edges["web"]
    assert edge["is_stale"] is True
