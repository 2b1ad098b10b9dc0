"""Webhook notifications to the owning team (drift), signed, retried by the job queue, and
recorded in the audit chain whether they were delivered or given up on."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from slo_engine.application.audit_events import append_engine_event
from slo_engine.application.ports import Clock, SloLedger, WebhookSender
from slo_engine.domain.errors import DeliveryFailed
from slo_engine.domain.webhook_signature import signature

log = logging.getLogger(__name__)

# Statuses worth another attempt; any other 4xx means the receiver will never take it.
RETRYABLE = frozenset({408, 425, 429})


@dataclass(frozen=True)
class WebhookTargets:
    default_url: str | None
    secret: str | None
    team_urls: Mapping[str, str] = field(default_factory=dict)

    def url_for(self, team: str | None) -> str | None:
        return self.team_urls.get(team or "", self.default_url)


class DeliverNotification:
    def __init__(self, targets: WebhookTargets, sender: WebhookSender, ledger: SloLedger,
                 clock: Clock) -> None:
        self._targets = targets
        self._sender = sender
        self._ledger = ledger
        self._clock = clock

    def deliver(self, notification: Mapping[str, Any], attempt: int, last_attempt: bool
                ) -> dict[str, Any]:
        """Raises DeliveryFailed to be retried, unless this is the last attempt (then the
        failure is recorded and returned)."""
        url = self._targets.url_for(notification.get("team"))
        if url is None:
            return {"delivered": False, "reason": "no webhook URL is configured"}
        body = json.dumps(notification, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode()
        now_ms = self._clock.now_ms()
        headers = {"Content-Type": "application/json",
                   "User-Agent": "slo-engine-webhooks",
                   "X-SLO-Engine-Event": str(notification.get("event", "")),
                   "X-SLO-Engine-Delivery": str(uuid.uuid4()),
                   "X-SLO-Engine-Timestamp": str(now_ms // 1000)}
        if self._targets.secret:
            headers["X-SLO-Engine-Signature"] = signature(self._targets.secret, now_ms // 1000,
                                                          body)
        try:
            status = self._sender.post(url, body, headers)
        except DeliveryFailed as error:
            return self._failed(notification, url, attempt, last_attempt, str(error), None)
        if 200 <= status < 300:
            return self._record(notification, url, attempt, "notification_delivered", status,
                                None)
        retryable = status >= 500 or status in RETRYABLE
        return self._failed(notification, url, attempt, last_attempt or not retryable,
                            f"HTTP {status}", status)

    def _failed(self, notification: Mapping[str, Any], url: str, attempt: int,
                give_up: bool, reason: str, status: int | None) -> dict[str, Any]:
        if not give_up:
            log.info("webhook to %s failed (attempt %d), will retry: %s", url, attempt, reason)
            raise DeliveryFailed(reason)
        log.warning("webhook to %s given up after attempt %d: %s", url, attempt, reason)
        return self._record(notification, url, attempt, "notification_failed", status, reason)

    def _record(self, notification: Mapping[str, Any], url: str, attempt: int, action: str,
                status: int | None, reason: str | None) -> dict[str, Any]:
        details = {"notification_id": notification.get("notification_id"),
                   "notification_event": notification.get("event"),
                   # The host only: webhook URLs often carry their receiver's token.
                   "webhook_host": urlsplit(url).netloc,
                   "attempts": attempt, "http_status": status, "rationale": reason}
        sequence = append_engine_event(self._ledger, str(notification["service_id"]), action,
                                       details, self._clock.now_ms())
        return {"delivered": action == "notification_delivered", "audit_sequence": sequence,
                **{k: v for k, v in details.items() if v is not None}}
