"""What looks like personal data in a value bound for the metrics store's query logs
(TRD SEC-008): an e-mail address, an IP address, a UUID (the usual shape of a user id),
a card number, a phone number."""

from __future__ import annotations

import ipaddress
import re

PERSONAL_DATA_PATTERNS = {
    "an e-mail address": re.compile(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}"),
    "a UUID (a user id?)": re.compile(
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    "an IP address": re.compile(
        r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"),
    "a card number": re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    "a phone number": re.compile(r"\+?\d[\d ().-]{8,}\d"),
}
# Candidates for an IPv6 address: runs of hex digits, colons and dots with 2+ colons.
IPV6_CANDIDATE = re.compile(r"[0-9a-fA-F:.]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")
METRIC_NAME_PATTERN = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"


def looks_like(value: str) -> str | None:
    """The kind of personal data the value looks like, or None."""
    found = next((kind for kind, pattern in PERSONAL_DATA_PATTERNS.items()
                  if pattern.search(value)), None)
    if found is None and any(_is_ipv6(c) for c in IPV6_CANDIDATE.findall(value)):
        return "an IP address"
    return found


def _is_ipv6(candidate: str) -> bool:
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True
