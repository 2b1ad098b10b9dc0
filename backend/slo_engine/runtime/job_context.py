"""What a background job runs against: the process's container, and a way to run its
async work on the right event loop.

A worker process installs one context with an event loop of its own. In inline mode a
job runs in the thread that enqueued it, inside the API process: it borrows the API's
container and submits async work to the API's event loop (the telemetry client belongs
to that loop).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from slo_engine.runtime.bootstrap import Container

T = TypeVar("T")
AsyncRunner = Callable[[Coroutine[Any, Any, Any]], Any]


@dataclass(frozen=True)
class JobContext:
    container: Container
    run_async: AsyncRunner

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        result: T = self.run_async(work)
        return result


_process_context: JobContext | None = None
_inline_context: ContextVar[JobContext | None] = ContextVar("slo_engine_job_context",
                                                            default=None)


def install_for_process(context: JobContext) -> None:
    global _process_context  # noqa: PLW0603 - one context per worker process, by design
    _process_context = context


def current() -> JobContext:
    context = _inline_context.get() or _process_context
    if context is None:
        raise RuntimeError("no job context: jobs run in `slo-engine worker`, or inline "
                           "inside the process that enqueued them")
    return context


@contextlib.contextmanager
def inline_jobs(container: Container) -> Iterator[None]:
    token = _inline_context.set(JobContext(container, lambda work: _on_api_loop(container,
                                                                                work)))
    try:
        yield
    finally:
        _inline_context.reset(token)


def _on_api_loop(container: Container, work: Coroutine[Any, Any, Any]) -> Any:
    loop = container.event_loop
    if loop is None or not loop.is_running():
        work.close()
        raise RuntimeError("an inline job with async work needs the API's running event loop")
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a worker thread has no loop of its own
        running = None
    if running is loop:
        work.close()
        raise RuntimeError("an inline job cannot wait on the event loop it runs on: "
                           "enqueue it from a worker thread")
    return asyncio.run_coroutine_threadsafe(work, loop).result()
