"""Lengths of time in seconds, defined once."""

from __future__ import annotations

MINUTE_SECONDS = 60
HOUR_SECONDS = 3_600
DAY_SECONDS = 86_400
