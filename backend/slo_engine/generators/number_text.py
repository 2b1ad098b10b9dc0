"""Numbers as generated files show them to people."""

from __future__ import annotations


def percent(ratio: float, significant: int = 6) -> str:
    """0.999 -> '99.9%', to `significant` digits."""
    return f"{ratio * 100:.{significant}g}%"
