from slo_engine.domain.cycles import Cycle, find_cycles, strongly_connected_components


def adjacency_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    adjacency: dict[str, list[str]] = {}
    for source, target in pairs:
        adjacency.setdefault(source, []).append(target)
        adjacency.setdefault(target, [])
    return adjacency


def components(pairs: list[tuple[str, str]]) -> list[set[str]]:
    return sorted((set(c) for c in strongly_connected_components(adjacency_from_pairs(pairs))),
                  key=sorted)


def test_a_diamond_has_no_cycle() -> None:
    pairs = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]
    assert find_cycles(adjacency_from_pairs(pairs)) == []
    assert components(pairs) == [{"a"}, {"b"}, {"c"}, {"d"}]


def test_a_three_service_loop_is_one_component_with_its_path() -> None:
    cycles = find_cycles(adjacency_from_pairs([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]))
    assert cycles == [Cycle(members=("a", "b", "c"), path=("a", "b", "c", "a"))]


def test_two_separate_loops_are_two_cycles() -> None:
    pairs = [("a", "b"), ("b", "a"), ("b", "x"), ("x", "y"), ("y", "z"), ("z", "x")]
    cycles = find_cycles(adjacency_from_pairs(pairs))
    assert [c.members for c in cycles] == [("a", "b"), ("x", "y", "z")]
    assert cycles[1].path == ("x", "y", "z", "x")


def test_the_reported_path_is_a_shortest_cycle_through_the_first_member() -> None:
    # a->b->c->d->a is long; a->e->a is the short way round.
    pairs = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a"), ("a", "e"), ("e", "a")]
    (cycle,) = find_cycles(adjacency_from_pairs(pairs))
    assert cycle.members == ("a", "b", "c", "d", "e")
    assert cycle.path == ("a", "e", "a")


def test_a_self_loop_is_a_cycle_but_a_lone_service_is_not() -> None:
    cycles = find_cycles({"a": ["a"], "b": []})
    assert cycles == [Cycle(members=("a",), path=("a", "a"))]


def test_a_long_chain_does_not_exhaust_the_stack() -> None:
    chain = [(f"s{i}", f"s{i + 1}") for i in range(20_000)] + [("s20000", "s0")]
    (cycle,) = find_cycles(adjacency_from_pairs(chain))
    assert len(cycle.members) == 20_001
    assert cycle.path[0] == cycle.path[-1] == "s0"


def test_the_cycle_id_depends_only_on_the_member_set() -> None:
    first = Cycle(members=("a", "b"), path=("a", "b", "a"))
    same_members = Cycle(members=("a", "b"), path=("b", "a", "b"))
    other = Cycle(members=("a", "c"), path=("a", "c", "a"))
    assert first.cycle_id == same_members.cycle_id
    assert first.cycle_id != other.cycle_id
    assert first.cycle_id.startswith("scc-")
    assert len(first.cycle_id) == 20


def test_components_match_networkx_on_a_random_graph() -> None:
    import random

    networkx = __import__("pytest").importorskip("networkx")
    rng = random.Random(5)
    pairs = {(f"n{rng.randrange(300)}", f"n{rng.randrange(300)}") for _ in range(700)}
    graph = networkx.DiGraph(list(pairs))
    expected = sorted((set(c) for c in networkx.strongly_connected_components(graph)), key=sorted)
    assert components(sorted(pairs)) == expected
