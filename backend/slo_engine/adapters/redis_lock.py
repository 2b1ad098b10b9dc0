"""A graph write lock held in Redis so API replicas never interleave read-merge-write cycles.

When Redis does not answer, the lock degrades to a process-local one: a single replica
stays correct and keeps serving, and the degradation is logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis

log = logging.getLogger(__name__)


class RedisGraphWriteLock:
    def __init__(self, client: redis.Redis, name: str = "slo-engine:graph-write",
                 lease_seconds: int = 300) -> None:
        self._client = client
        self._name = name
        self._lease_seconds = lease_seconds
        self._local = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        # The local lock is always taken too: it orders this process's own writers cheaply
        # and is all that is left when Redis is down.
        with self._local:
            lock = self._client.lock(self._name, timeout=self._lease_seconds,
                                     blocking_timeout=self._lease_seconds)
            try:
                acquired = lock.acquire()
            except redis.exceptions.ConnectionError as error:
                log.warning("graph write lock falls back to this process only: %s", error)
                yield
                return
            if not acquired:
                raise TimeoutError(f"graph write lock not acquired in {self._lease_seconds} s")
            try:
                yield
            finally:
                try:
                    lock.release()
                except (redis.exceptions.LockError, redis.exceptions.ConnectionError) as error:
                    log.warning("graph write lock release failed (lease expires): %s", error)
