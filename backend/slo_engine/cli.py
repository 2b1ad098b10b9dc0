"""The `slo-engine` command line: serve the API, ingest a graph file, run benchmarks."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import typer

from slo_engine import cli_rules
from slo_engine.samples import demo_topology

app = typer.Typer(help="SLO Recommendation Engine", no_args_is_help=True,
                  pretty_exceptions_enable=False)
bench_app = typer.Typer(help="Benchmarks; each prints one JSON object.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
apikey_app = typer.Typer(help="API keys for services calling the engine (stored hashed).",
                         no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
fleet_app = typer.Typer(help="A simulated fleet whose telemetry follows its graph.",
                        no_args_is_help=True)
app.add_typer(fleet_app, name="fleet")
app.command("rules")(cli_rules.rules)
DemoGraph = Literal["declared", "discovered"]

SettingsFile = Annotated[Path | None, typer.Option(
    "--settings-file", envvar="SLO_ENGINE_SETTINGS_FILE",
    help="A KEY=value file of settings; environment variables win over it.")]


def _print(report: dict[str, Any], as_json: bool) -> None:
    typer.echo(json.dumps(report) if as_json else json.dumps(report, indent=2))


@app.command()
def serve(
    settings_file: SettingsFile = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings)")] = None,
    demo: Annotated[bool, typer.Option(
        help="Load the demo topology, and on first start its simulated history")] = False,
    demo_days: Annotated[int, typer.Option(min=1, max=400,
                                           help="Days of demo history to simulate")] = 30,
    demo_graph: Annotated[DemoGraph, typer.Option(help=(
        "With --demo: POST the demo topology (declared), or discover it from the demo "
        "history's servicegraph and mesh metrics (discovered)"))] = "declared",
    workers: Annotated[int, typer.Option(min=0, max=16, help=(
        "Background workers to run as child processes (make run: 1)"))] = 0,
    scheduler: Annotated[bool, typer.Option(help=(
        "Run the job scheduler as a child process (one per deployment)"))] = False,
) -> None:
    """Run the API; graph store and Redis start embedded unless their URLs are set."""
    import uvicorn

    from slo_engine.api.app import create_app
    from slo_engine.cli_demo import (
        issue_first_demo_key,
        load_demo_graph,
        prepare_demo_history,
        with_demo_identity,
    )
    from slo_engine.runtime.bootstrap import bootstrap
    from slo_engine.runtime.log_format import configure_logging
    from slo_engine.runtime.process_tuning import tune_garbage_collection
    from slo_engine.runtime.settings import load_settings
    from slo_engine.runtime.worker_processes import (
        ChildProcess,
        start_children,
        stop_children,
    )

    tune_garbage_collection()
    settings = load_settings(settings_file)
    configure_logging(settings.log_format, settings.log_level)
    # uvicorn drains requests on SIGTERM, then re-raises the signal with the handler it found
    # installed; this one turns that into SystemExit so the embedded servers are stopped.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if demo and settings.prometheus_url is None and settings.embedded_prometheus:
        prepare_demo_history(settings.state_dir, demo_days)
    if demo and settings.oidc_issuer is None:
        settings = with_demo_identity(settings)
    container = bootstrap(settings)
    children: list[ChildProcess] = []
    try:
        children = start_children(workers, scheduler, container.servers, settings_file)
        if demo:
            load_demo_graph(container, demo_graph)
            issue_first_demo_key(container)
        # log_config=None: uvicorn's own lines go through our (JSON) handler; requests are
        # logged once by the app, with their request id.
        uvicorn.run(create_app(container), host=host or settings.api_host,
                    port=port or settings.api_port, log_config=None, access_log=False,
                    timeout_graceful_shutdown=int(settings.shutdown_grace_seconds))
    finally:
        stop_children(children)
        container.close()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


ApiKeyOption = Annotated[str | None, typer.Option(
    "--api-key", envvar="SLO_ENGINE_API_KEY", help="A key with the sre_admin role")]


@app.command()
def worker(
    settings_file: SettingsFile = None,
    burst: Annotated[bool, typer.Option(help="Stop once the queues are empty")] = False,
    name: Annotated[str | None, typer.Option(help="Worker name (default: host and pid)")
                    ] = None,
) -> None:
    """Run a background worker: graph analysis, aggregation, drift, regeneration."""
    from workers.worker_process import run_worker

    from slo_engine.runtime.log_format import configure_logging
    from slo_engine.runtime.process_tuning import tune_garbage_collection
    from slo_engine.runtime.settings import load_settings

    tune_garbage_collection()
    settings = load_settings(settings_file)
    configure_logging(settings.log_format, settings.log_level)
    run_worker(settings, burst=burst, name=name)


@app.command()
def scheduler(
    settings_file: SettingsFile = None,
    check: Annotated[bool, typer.Option(help=(
        "Do not schedule: exit 0 when a scheduler on this host sent its heartbeat to Redis "
        "within --max-age-seconds, else 1 (a liveness probe)"))] = False,
    max_age_seconds: Annotated[float, typer.Option(min=1)] = 180.0,
) -> None:
    """Enqueue the periodic jobs (hourly aggregation); run one per deployment."""
    import socket

    from workers.schedule import run_scheduler, scheduler_alive

    from slo_engine.runtime.log_format import configure_logging
    from slo_engine.runtime.settings import load_settings

    settings = load_settings(settings_file)
    if check:
        alive = scheduler_alive(settings, socket.gethostname(), max_age_seconds, time.time())
        typer.echo("alive" if alive else "no recent heartbeat from a scheduler on this host")
        raise typer.Exit(0 if alive else 1)
    configure_logging(settings.log_format, settings.log_level)
    run_scheduler(settings)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="A JSON submission, as POST /api/v1/services/dependencies takes it")],
    api: Annotated[str, typer.Option(envvar="SLO_ENGINE_API_URL",
                                     help="Base URL of a running API")] = "http://127.0.0.1:8080",
    wait: Annotated[bool, typer.Option(help="Wait for the ingestion to finish")] = True,
    api_key: ApiKeyOption = None,
) -> None:
    """Submit a dependency graph file to a running API and print the outcome."""
    headers = {"X-API-Key": api_key} if api_key else {}
    with httpx.Client(base_url=api, timeout=300, headers=headers) as client:
        try:
            response = client.post("/api/v1/services/dependencies", content=file.read_bytes(),
                                   headers={"content-type": "application/json"})
        except httpx.ConnectError:
            typer.echo(f"No API answers at {api}; start it with `make run` or pass --api.",
                       err=True)
            raise typer.Exit(2) from None
        if response.status_code != 202:
            typer.echo(json.dumps(response.json(), indent=2), err=True)
            raise typer.Exit(1)
        status = response.json()
        while wait and status["status"] == "processing":
            time.sleep(0.2)
            status = client.get(response.json()["status_url"]).json()
    typer.echo(json.dumps(status, indent=2))
    if status["status"] == "failed":
        raise typer.Exit(1)


JsonFlag = Annotated[bool, typer.Option("--json", help="One line of JSON")]
RoleOption = Annotated[str, typer.Option(help="sre_admin, service_owner or viewer")]


@app.command("demo-token")
def demo_token(
    subject: Annotated[str, typer.Option(help="Who the token names (the audit actor)")],
    role: RoleOption = "sre_admin",
    team: Annotated[list[str] | None, typer.Option(help="Teams (repeatable)")] = None,
    hours: Annotated[float, typer.Option(min=0.1, max=24)] = 8,
    settings_file: SettingsFile = None,
) -> None:
    """A bearer token from the demo identity of `serve --demo` (demo mode only)."""
    from slo_engine.runtime.demo_identity import demo_identity
    from slo_engine.runtime.settings import load_settings

    identity = demo_identity(load_settings(settings_file).state_dir)
    typer.echo(identity.token(subject, [role], list(team or ()), hours))


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="Who uses the key, e.g. backstage-backend")],
    role: RoleOption = "viewer",
    team: Annotated[list[str] | None, typer.Option(
        help="A team whose services a service_owner key acts for (repeatable)")] = None,
    acts_for_end_users: Annotated[bool, typer.Option(help=(
        "A portal's key (Backstage): it may name the person it calls for in X-End-User, "
        "who then gets a rate-limit bucket of their own"))] = False,
    settings_file: SettingsFile = None,
) -> None:
    """Issue a key; the raw key is printed once and never stored."""
    from slo_engine.domain.access import Role
    from slo_engine.runtime.bootstrap import api_key_registry
    from slo_engine.runtime.settings import load_settings

    if role not in {r.value for r in Role}:
        typer.echo(f"--role must be one of {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2)
    with api_key_registry(load_settings(settings_file)) as keys:
        raw, record = keys.issue(name, Role(role), tuple(team or ()), "slo-engine apikey",
                                 acts_for_end_users)
    typer.echo(json.dumps({"key_id": record.key_id, "name": record.name,
                           "role": record.role.value, "teams": list(record.teams),
                           "acts_for_end_users": record.acts_for_end_users,
                           "api_key": str(raw)}, indent=2))


@apikey_app.command("import")
def apikey_import(
    key: Annotated[str, typer.Option(
        "--key", envvar="SLO_ENGINE_BOOTSTRAP_API_KEY", show_default=False,
        help="The key (sloe_<key id>_<secret>); pass it in the environment, not the "
             "command line")],
    name: Annotated[str, typer.Option(help="Who uses the key")] = "bootstrap",
    role: RoleOption = "sre_admin",
    settings_file: SettingsFile = None,
) -> None:
    """Register a key made elsewhere (the Helm chart's Secret) once: a key id already
    stored, revoked or not, is left as it is. Prints the key id, never the key."""
    from slo_engine.domain.access import Role
    from slo_engine.domain.api_key import parse_raw_key
    from slo_engine.domain.errors import InvalidInput
    from slo_engine.runtime.bootstrap import api_key_registry
    from slo_engine.runtime.settings import load_settings

    if role not in {r.value for r in Role}:
        typer.echo(f"--role must be one of {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2)
    with api_key_registry(load_settings(settings_file)) as keys:
        try:
            record = keys.adopt(key, name, Role(role), "slo-engine apikey import")
        except InvalidInput as error:
            typer.echo(f"{error} {error.problems[0]['message']}", err=True)
            raise typer.Exit(2) from None
    raw = parse_raw_key(key)
    typer.echo(json.dumps({"key_id": raw and raw.key_id, "registered": record is not None}))


@apikey_app.command("list")
def apikey_list(settings_file: SettingsFile = None) -> None:
    """Every key: id, name, role, teams, when issued and revoked (never the key)."""
    from slo_engine.runtime.bootstrap import api_key_registry
    from slo_engine.runtime.settings import load_settings

    with api_key_registry(load_settings(settings_file)) as keys:
        records = keys.list_keys()
    typer.echo(json.dumps([{"key_id": r.key_id, "name": r.name, "role": r.role.value,
                            "teams": list(r.teams),
                            "acts_for_end_users": r.acts_for_end_users,
                            "created_at_ms": r.created_at_ms,
                            "revoked_at_ms": r.revoked_at_ms} for r in records], indent=2))


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="The key id (not the key)")],
                  settings_file: SettingsFile = None) -> None:
    """Revoke a key; API replicas stop accepting it within api_key_cache_seconds."""
    from slo_engine.runtime.bootstrap import api_key_registry
    from slo_engine.runtime.settings import load_settings

    with api_key_registry(load_settings(settings_file)) as keys:
        revoked = keys.revoke(key_id)
    if not revoked:
        typer.echo(f"No active key with id {key_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Revoked {key_id}.")


@bench_app.command("ingest")
def bench_ingest(services: int = 5000, edges: int = 50000, runs: int = 3,
                 as_json: JsonFlag = False) -> None:
    """Post a synthetic graph through the API until committed and cycles computed."""
    from slo_engine.bench.graph_benchmarks import bench_ingest as run

    _print(run(services, edges, runs), as_json)


@bench_app.command("discovery")
def bench_discovery(services: int = 5000, edges: int = 50000, runs: int = 3,
                    as_json: JsonFlag = False) -> None:
    """Graph discovery over a fleet's servicegraph metrics (target 30 s), then SLI
    discovery over its requests in a mix of conventions (target 60 s)."""
    from slo_engine.bench.discovery_benchmark import bench_discovery as run

    _print(run(services, edges, runs), as_json)


@bench_app.command("traverse")
def bench_traverse(services: int = 5000, edges: int = 50000, samples: int = 100,
                   as_json: JsonFlag = False) -> None:
    """3-hop and 10-hop subgraph reads through the API: p50/p95."""
    from slo_engine.bench.graph_benchmarks import bench_traverse as run

    _print(run(services, edges, samples), as_json)


@bench_app.command("restart")
def bench_restart(services: int = 5000, edges: int = 50000, runs: int = 5,
                  as_json: JsonFlag = False) -> None:
    """Start of the embedded graph server holding that graph to first answered query."""
    from slo_engine.bench.graph_benchmarks import bench_restart as run

    _print(run(services, edges, runs), as_json)


@fleet_app.command("simulate")
def fleet_simulate(
    out: Annotated[Path, typer.Option(help="Directory for history.om, events.json")],
    topology: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="A graph submission (JSON); default: the demo")] = None,
    days: Annotated[int, typer.Option(min=1, max=400)] = 30,
    seed: int = 7,
) -> None:
    """Write OpenMetrics history for every service of a topology."""
    from slo_engine.fleet.files import simulate_to_directory

    graph = json.loads(topology.read_text() if topology else demo_topology())
    _print(simulate_to_directory(graph, days, out, seed), as_json=True)


@fleet_app.command("load")
def fleet_load(
    fleet_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
    settings_file: SettingsFile = None,
) -> None:
    """Backfill a simulated fleet into the embedded Prometheus (before it starts)."""
    from slo_engine.fleet.files import load_directory
    from slo_engine.runtime.settings import load_settings

    settings = load_settings(settings_file)
    _print(load_directory(fleet_dir, settings.state_dir / "prometheus"), as_json=True)


@bench_app.command("recommend")
def bench_recommend(services: int = 200, days: int = 30, samples: int = 40,
                    as_json: JsonFlag = False) -> None:
    """Fresh (force_regenerate) and cached recommendations over a simulated fleet."""
    from slo_engine.bench.recommend_benchmark import bench_recommend as run

    _print(run(services, days, samples), as_json)


@bench_app.command("simulate")
def bench_simulate(
    days: Annotated[int, typer.Option(min=8, max=365, help="Days of 5-minute history")] = 90,
    samples: int = 20,
    iterations: Annotated[int, typer.Option(min=1, max=10_000)] = 1000,
    what_if_services: Annotated[int, typer.Option(min=20, help=(
        "Services of the synthetic graph the what-if runs on"))] = 5000,
    what_if_edges: int = 50_000,
    as_json: JsonFlag = False,
) -> None:
    """Backtest + Monte Carlo of one service's SLO, and a dependency what-if on the
    synthetic graph, through the API: p50/p95."""
    from slo_engine.bench.simulate_benchmark import bench_simulate as run

    _print(run(days, samples, iterations, what_if_services=what_if_services,
               what_if_edges=what_if_edges), as_json)


@bench_app.command("load")
def bench_load(users: int = 200, seconds: int = 60, services: int = 50, days: int = 30,
               stop_prometheus_halfway: bool = False, seed: int = 11,
               as_json: JsonFlag = False) -> None:
    """Closed-loop users on a served API: requests/s, p50/p95/p99, errors, API RSS."""
    from slo_engine.bench.load_benchmark import bench_load as run

    _print(run(users, seconds, services, days, stop_prometheus_halfway, seed), as_json)


@bench_app.command("degraded")
def bench_degraded(services: int = 40, days: int = 7, requests: int = 200,
                   deadline_s: Annotated[float, typer.Option(
                       min=0.1, max=30, help="The request deadline for PromQL")] = 3.0,
                   as_json: JsonFlag = False) -> None:
    """Cache-miss recommendations while Prometheus is frozen: p95 against the deadline,
    and no 5xx but 503."""
    from slo_engine.bench.degraded_benchmark import bench_degraded as run

    _print(run(services, days, requests, deadline_s), as_json)


@bench_app.command("impact")
def bench_impact(services: int = 5000, edges: int = 50000, samples: int = 40,
                 as_json: JsonFlag = False) -> None:
    """Impact analysis for a deep service and the one with the most upstream dependents."""
    from slo_engine.bench.impact_benchmark import bench_impact as run

    _print(run(services, edges, samples), as_json)


@bench_app.command("fleet")
def bench_fleet(
    services: int = 5000,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes")] = 2,
    days: Annotated[int, typer.Option(min=1, max=60, help="Days of 5-minute history")] = 2,
    seed: int = 17,
    as_json: JsonFlag = False,
) -> None:
    """Aggregation and a full regeneration by worker processes, timed through the API."""
    from slo_engine.bench.fleet_benchmark import bench_fleet as run

    _print(run(services, workers, days, seed), as_json)


@bench_app.command("drift")
def bench_drift(shifted_services: int = 300, service_days: int = 600, seed: int = 1,
                as_json: JsonFlag = False) -> None:
    """The drift vote on simulated one-minute p99 series: delay to confirm a +20% shift,
    false alarms per service-day on unchanged series."""
    from slo_engine.bench.drift_benchmark import bench_drift as run

    _print(run(shifted_services, service_days, seed), as_json)


@bench_app.command("artifacts")
def bench_artifacts(slos: int = 5000, teams: int = 50, days: int = 30, runs: int = 10,
                    as_json: JsonFlag = False) -> None:
    """Rule files for the SLOs generated and promtool-checked (one per team), and a
    dry run of one SLO's alerts over `days` of 5-minute history: p50/p95."""
    from slo_engine.bench.artifacts_benchmark import bench_artifacts as run

    _print(run(slos, teams, days, runs), as_json)


GeneratorOption = Annotated[Literal["simulation", "bursty"], typer.Option(
    help="The fleet generator: judge a rule on one it was not tuned on")]
OracleMonthsOption = Annotated[int | None, typer.Option(
    min=12, max=240, show_default="120",
    help="Periods simulated before the judged ones (and before the engine's history) that "
         "the oracle knows each service's distribution from")]


@bench_app.command("frontier")
def bench_frontier(
    months: Annotated[int, typer.Option(min=6, max=120)] = 60,
    train_days: Annotated[int, typer.Option(min=7, max=365)] = 60,
    services: Annotated[int | None, typer.Option(
        help="A synthetic fleet of this size instead of the demo topology")] = None,
    seed: int = 13,
    policy: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="A recommendation policy YAML to judge")] = None,
    generator: GeneratorOption = "simulation",
    fleets: Annotated[int, typer.Option(
        min=1, max=64, help="Fleets, one seed each (standard errors cluster by fleet)")] = 1,
    oracle_months: OracleMonthsOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The best mean budget use any fixed per-service target reaches at each breach rate
    (an oracle that knows each service's long-run distribution), and where the policy's
    tiers land."""
    from slo_engine.bench.calibration_scores import ORACLE_MONTHS
    from slo_engine.bench.frontier import bench_frontier as run

    _print(run(months, train_days, services, seed, policy, generator, fleets,
               oracle_months or ORACLE_MONTHS), as_json)


@app.command()
def evaluate(
    train_days: Annotated[int, typer.Option(min=7, max=365)] = 60,
    test_days: Annotated[int, typer.Option(min=7, max=365)] = 30,
    months: Annotated[int, typer.Option(
        min=1, max=24, help="Held-out test periods, one after another")] = 6,
    services: Annotated[int | None, typer.Option(
        help="A synthetic fleet of this size instead of the demo topology")] = None,
    seed: int = 13,
    policy: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="A recommendation policy YAML to evaluate")] = None,
    generator: GeneratorOption = "simulation",
    fleets: Annotated[int, typer.Option(
        min=1, max=64, help="Fleets, one seed each (standard errors cluster by fleet)")] = 1,
    oracle_months: OracleMonthsOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Recommend from a training period, then judge the tiers on held-out data."""
    from slo_engine.bench.calibration_scores import ORACLE_MONTHS
    from slo_engine.bench.evaluate import evaluate as run

    _print(run(train_days, test_days, months, services, seed, policy, generator, fleets,
               oracle_months or ORACLE_MONTHS), as_json)


@app.command("synthetic-graph")
def synthetic_graph_command(
    out: Annotated[Path, typer.Option(help="Where to write the JSON submission")],
    services: int = 1000, edges: int = 5000, cycles: int = 10, seed: int = 7,
) -> None:
    """Write a synthetic dependency graph (layered, heavy-tailed, with cycles)."""
    from slo_engine.bench.synthetic import synthetic_graph

    out.write_text(json.dumps(synthetic_graph(services, edges, cycles, seed)))
    typer.echo(f"wrote {out}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
