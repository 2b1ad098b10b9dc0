"""The layers hold: every module's imports, read from its source, obey its layer's rule.

- domain: the standard library, numpy and the domain itself (pure rules and maths);
- generators: those, a YAML serialiser and the generators themselves (a pure pipeline:
  no file, socket or clock);
- application: those, the application itself, the package version, the policy's data
  type and the pure generators (never a library: a library-bound step is a port with
  an adapter);
- adapters, api: never the entry points (runtime's server, cli, workers, bench); the
  api reaches no adapter but the metrics registry it serves;
- runtime (the composition root) never imports the api, but for the server hosting it
  and the simulation codec: a worker renders a queued simulation's answer exactly as
  the API would, so the one composition root hands RunSimulation the API's codec (it
  imports no router, app or runtime module: no cycle).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "backend" / "slo_engine"
STDLIB = frozenset(sys.stdlib_module_names)
ENTRY_POINTS = ("slo_engine.cli", "slo_engine.bench", "slo_engine.runtime.server", "workers")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found - {"__future__"}


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _outside(imports: set[str], allowed: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imports
                  if name.split(".")[0] not in STDLIB
                  and not any(name == a or name.startswith(a + ".") for a in allowed))


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_and_numpy(path: Path) -> None:
    assert _outside(_imports(path), ("numpy", "slo_engine.domain")) == []


@pytest.mark.parametrize("path", _modules("generators"), ids=lambda p: p.name)
def test_generators_import_only_values_and_a_yaml_serialiser(path: Path) -> None:
    imports = _imports(path)
    assert _outside(imports, ("numpy", "yaml", "slo_engine.domain",
                              "slo_engine.generators")) == []
    assert not imports & {"os", "pathlib", "subprocess", "socket", "time", "io"}


@pytest.mark.parametrize("path", _modules("application"), ids=lambda p: p.name)
def test_use_cases_import_no_library(path: Path) -> None:
    imports = _imports(path)
    imports.discard("slo_engine")  # the package's __version__
    assert _outside(imports, ("numpy", "slo_engine.domain", "slo_engine.application",
                              "slo_engine.generators",
                              "slo_engine.policy.recommendation_policy")) == []


@pytest.mark.parametrize("path", _modules("adapters") + _modules("api"),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_adapters_and_the_api_import_no_entry_point(path: Path) -> None:
    imports = _imports(path)
    assert [n for n in imports if n.startswith(ENTRY_POINTS)] == []
    if path.is_relative_to(PACKAGE / "api"):
        assert [n for n in imports if n.startswith("slo_engine.adapters")
                and n != "slo_engine.adapters.engine_metrics"] == []
    else:
        assert [n for n in imports if n.startswith(("slo_engine.api", "slo_engine.runtime"))
                ] == []


@pytest.mark.parametrize("path", _modules("runtime"), ids=lambda p: p.name)
def test_the_composition_root_does_not_import_the_api(path: Path) -> None:
    if path.name == "server.py":  # it hosts the app
        return
    assert [n for n in _imports(path) if n.startswith("slo_engine.api")
            and n != "slo_engine.api.simulation_codec"] == []


def test_the_simulation_codec_reaches_no_router_app_or_runtime() -> None:
    """What the composition root may import from the api stays free of routers, the app
    and the runtime, so importing it can never close a cycle."""
    allowed = ("slo_engine.api.simulation_codec", "slo_engine.api.simulation_document",
               "slo_engine.api.simulation_schemas", "slo_engine.api.what_if_document",
               "slo_engine.api.what_if_schemas", "slo_engine.api.response_model",
               "slo_engine.api.timestamps", "slo_engine.api.units")
    seen, todo = set(), ["slo_engine.api.simulation_codec"]
    while todo:
        module = todo.pop()
        seen.add(module)
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        for name in _imports(path):
            if name.startswith("slo_engine.api") and name not in seen:
                todo.append(name)
            assert not name.startswith("slo_engine.runtime"), (module, name)
    assert sorted(seen - set(allowed)) == []


def test_every_layer_has_modules_to_check() -> None:
    assert all(len(_modules(layer)) >= 3 for layer in ("domain", "application", "adapters",
                                                       "api", "runtime"))
