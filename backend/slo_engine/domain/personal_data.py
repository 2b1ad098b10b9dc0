"""What looks like personal data in a value bound for the metrics store's query logs
(TRD SEC-008): an e-mail address, a card number, a phone number."""

from __future__ import annotations

import re

PERSONAL_DATA_PATTERNS = {
    "an e-mail address": re.compile(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}"),
    "a card number": re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    "a phone number": re.compile(r"\+?\d[\d ().-]{8,}\d"),
}
METRIC_NAME_PATTERN = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"


def looks_like(value: str) -> str | None:
    """The kind of personal data the value looks like, or None."""
    return next((kind for kind, pattern in PERSONAL_DATA_PATTERNS.items()
                 if pattern.search(value)), None)
