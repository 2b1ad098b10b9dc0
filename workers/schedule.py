"""`slo-engine scheduler`: enqueues the periodic jobs (run exactly one per deployment).

Hourly SLI aggregation (TRD FR-6), the drift sweep every 15 minutes (FR-9), graph
discovery every 15 minutes (TRD 6.2) and the daily fit of the forecast priors, all
configurable. RQ's cron scheduler enqueues each job at start and then every interval.
"""

from __future__ import annotations

import redis
from rq.cron import CronScheduler

from slo_engine.adapters.rq_jobs import QUEUE_OF, TIMEOUT_SECONDS
from slo_engine.application.jobs import JobKind
from slo_engine.runtime.running_servers import joining_running_servers, redis_url_of
from slo_engine.runtime.settings import Settings
from workers import jobs


def periodic_jobs(settings: Settings) -> dict[JobKind, int]:
    """Each periodic kind and its interval in seconds."""
    return {JobKind.AGGREGATE_SLIS: settings.aggregation_interval_seconds,
            JobKind.DETECT_DRIFT: settings.drift_interval_seconds,
            JobKind.FIT_FORECAST_PRIORS: settings.forecast_prior_interval_seconds,
            JobKind.DISCOVER_GRAPH: settings.discovery_interval_seconds}


def build_scheduler(settings: Settings, connection: redis.Redis) -> CronScheduler:
    scheduler = CronScheduler(connection=connection, logging_level=settings.log_level)
    for kind, interval in periodic_jobs(settings).items():
        scheduler.register(getattr(jobs, kind.value), QUEUE_OF[kind], interval=interval,
                           job_timeout=TIMEOUT_SECONDS[kind], meta={"kind": kind.value},
                           result_ttl=settings.job_result_ttl_seconds,
                           failure_ttl=settings.job_result_ttl_seconds)
    return scheduler


def run_scheduler(settings: Settings) -> None:
    settings = joining_running_servers(settings)
    connection = redis.Redis.from_url(redis_url_of(settings))
    try:
        build_scheduler(settings, connection).start()  # type: ignore[no-untyped-call]
    finally:
        connection.close()


def scheduler_alive(settings: Settings, hostname: str, max_age_seconds: float,
                    now_seconds: float) -> bool:
    """Whether a cron scheduler on `hostname` sent its heartbeat (at least once a minute
    while it runs) within `max_age_seconds` of `now_seconds`."""
    settings = joining_running_servers(settings)
    connection = redis.Redis.from_url(redis_url_of(settings), socket_timeout=5)
    try:
        schedulers = CronScheduler.all(connection, cleanup=False)
        beats = [s.last_heartbeat for s in schedulers if s.hostname == hostname]
    except redis.RedisError:
        return False
    finally:
        connection.close()
    return any(beat is not None and now_seconds - beat.timestamp() <= max_age_seconds
               for beat in beats)
