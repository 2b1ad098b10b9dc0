"""Sample data shipped with the package: the demo topology (`make run`, evaluations)."""

from importlib import resources


def demo_topology() -> bytes:
    return resources.files(__name__).joinpath("demo-topology.json").read_bytes()
