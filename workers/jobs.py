"""The functions RQ workers run, one per job kind (named `workers.jobs.<kind>`).

Thin on purpose: each takes ids, finds the process's container, calls one use case, and
lets failures fail the job (RQ retries it, then keeps it in the failed-job registry).
"""

from __future__ import annotations

from typing import Any

from rq import get_current_job

from slo_engine.runtime.job_context import current


def analyse_graph(ingestion_id: str) -> dict[str, Any]:
    result = current().container.analyse.run(ingestion_id)
    return {"ingestion_id": ingestion_id, "cycles": result.get("cycles"),
            "edges_marked_stale": result.get("edges_marked_stale")}


def regenerate_recommendations(service_ids: list[str]) -> dict[str, Any]:
    context = current()
    regenerate = context.container.require_history("nothing to regenerate from").regenerate
    total = len(service_ids)
    outcome = context.run(regenerate.regenerate(
        service_ids, lambda done, failed: _report_progress(done, total, failed)))
    _report_progress(total - len(outcome.failed), total, len(outcome.failed))
    return outcome.as_dict()


def aggregate_slis() -> dict[str, Any]:
    context = current()
    aggregate = context.container.require_history("nothing to aggregate").aggregate
    result = context.run(aggregate.run())
    context.container.metrics.aggregation_finished(result["timings"]["total_s"])
    return result


def fit_forecast_priors() -> dict[str, Any]:
    context = current()
    fit = context.container.require_history("no history to fit").fit_priors
    return context.run(fit.run())


def discover_graph() -> dict[str, Any]:
    context = current()
    discover = context.container.require_history("no metrics to discover from").discover_graph
    return context.run(discover.run())


def detect_drift(service_ids: list[str] | None = None) -> dict[str, Any]:
    """Without services (the scheduler's sweep): splits the fleet into chunk jobs."""
    context = current()
    detect = context.container.require_history("no series to judge").detect_drift
    if service_ids is None:
        return {"sweep_job_id": detect.plan_sweep()}
    return context.run(detect.sweep(service_ids))


def simulate_slo(simulation_id: str, service_id: str, inputs: dict[str, Any],
                 requested_by: str, estimated_seconds: float) -> dict[str, Any]:
    """A simulation too long for a request; its result is the stored simulation."""
    context = current()
    job = get_current_job()  # taken here: the simulation reports from the event loop

    def report(done: int, total: int) -> None:
        if job is not None:
            job.meta["progress"] = {"done": done, "total": total, "failed": 0}
            job.save_meta()  # type: ignore[no-untyped-call]

    record = context.run(context.container.simulations.run_job(
        simulation_id, service_id, inputs, requested_by, estimated_seconds, report))
    return {"simulation_id": record.simulation_id,
            "simulation_url": f"/api/v1/simulations/{record.simulation_id}",
            "content_hash": record.content_hash, "summary": dict(record.summary)}


def deliver_notification(notification: dict[str, Any]) -> dict[str, Any]:
    container = current().container
    job = get_current_job()
    # RQ counts retries_left down before each retry; None: no retries (inline jobs).
    retries_left = job.retries_left if job is not None else None
    attempt = 1 if retries_left is None else container.settings.job_retries - retries_left + 1
    return container.notifications.deliver(notification, attempt,
                                           last_attempt=not retries_left)


def _report_progress(done: int, total: int, failed: int) -> None:
    """Visible at GET /api/v1/jobs/{id} while the job runs."""
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = {"done": done, "total": total, "failed": failed}
        job.save_meta()  # type: ignore[no-untyped-call]
