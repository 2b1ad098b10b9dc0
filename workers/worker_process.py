"""`slo-engine worker`: an RQ worker serving every queue, jobs run in this process.

A SimpleWorker (no fork per job) keeps one container, its connections and the loaded
graph snapshot across jobs; the job timeout is enforced with signals instead. RQ's own
scheduler runs inside it, so retries with a delay come back on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis
from prometheus_client import start_http_server
from rq import Queue, SimpleWorker

from slo_engine.adapters.rq_jobs import QUEUE_NAMES
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.job_context import JobContext, install_for_process
from slo_engine.runtime.running_servers import joining_running_servers, redis_url_of
from slo_engine.runtime.settings import Settings

log = logging.getLogger(__name__)


def run_worker(settings: Settings, burst: bool = False, name: str | None = None) -> None:
    settings = joining_running_servers(settings)
    container = bootstrap(settings)
    if settings.worker_metrics_port is not None:
        start_http_server(settings.worker_metrics_port, settings.worker_metrics_host,
                          registry=container.metrics.registry)
    loop = asyncio.new_event_loop()
    install_for_process(JobContext(container, loop.run_until_complete))
    # No socket timeout: the worker blocks on the queues for minutes at a time.
    connection = redis.Redis.from_url(redis_url_of(settings))
    queues = [Queue(queue_name, connection=connection) for queue_name in QUEUE_NAMES]
    worker = SimpleWorker(queues, connection=connection, name=name)
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    finally:
        if container.history is not None:
            with contextlib.suppress(Exception):
                loop.run_until_complete(container.history.telemetry.close())
        loop.close()
        container.close()
        connection.close()
