"""Webhook POSTs over httpx; transport failures become DeliveryFailed (the job retries)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from slo_engine.domain.errors import DeliveryFailed


class HttpWebhookSender:
    def __init__(self, timeout_s: float = 10.0) -> None:
        self._timeout_s = timeout_s

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        try:
            response = httpx.post(url, content=body, headers=dict(headers),
                                  timeout=self._timeout_s, follow_redirects=False)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        return response.status_code
