"""Ratios and seconds inside, percent and milliseconds at the API edge (one place)."""

from __future__ import annotations

import math


def percent(ratio: float | None, digits: int = 4) -> float | None:
    if ratio is None or math.isnan(ratio):
        return None
    return round(ratio * 100, digits)


def milliseconds(seconds: float | None, digits: int = 3) -> float | None:
    return None if seconds is None else round(seconds * 1000, digits)


def milliseconds_up(seconds: float) -> int:
    return math.ceil(seconds * 1000 - 1e-9)
