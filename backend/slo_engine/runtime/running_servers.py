"""Settings for a process that joins servers another one started (a worker, the
scheduler, a CLI command next to `make run`): URLs left unset are looked up in the
state directory, where the embedded servers record their pid and port."""

from __future__ import annotations

from slo_engine.runtime.processes import running_server_url
from slo_engine.runtime.settings import Settings


class NoRunningServer(RuntimeError):
    pass


def joining_running_servers(settings: Settings) -> Settings:
    """The same settings with every server URL filled in; raises when one cannot be found
    (this process must not start servers of its own: it would hold a second copy)."""
    found: dict[str, str] = {}
    wanted = {"redis_url": "redis"}
    if settings.graph_backend == "falkordb":
        wanted["falkordb_url"] = "falkordb"
    if settings.embedded_prometheus:
        wanted["prometheus_url"] = "prometheus"
    for field, directory in wanted.items():
        if getattr(settings, field) is not None:
            continue
        url = running_server_url(settings.state_dir / directory)
        if url is None:
            variable = field.removesuffix("_url").upper() + "_URL"
            raise NoRunningServer(
                f"no running {directory} under {settings.state_dir}: start `slo-engine "
                f"serve` first, or set {variable}")
        found[field] = url
    return settings.model_copy(update=found)


def redis_url_of(settings: Settings) -> str:
    """The Redis a worker or the scheduler joins (its settings come from
    joining_running_servers, which found or was given one)."""
    if settings.redis_url is None:
        raise NoRunningServer("no Redis URL: start `slo-engine serve` first, or set REDIS_URL")
    return settings.redis_url
