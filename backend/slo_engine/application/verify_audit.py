"""Recomputes the audit chain from the store and reports the first link that broke."""

from __future__ import annotations

from collections.abc import Iterator

from slo_engine.application.ports import SloLedger
from slo_engine.domain.audit_chain import ChainedEvent, ChainVerification, verify_chain

PAGE_SIZE = 5_000


def verify_audit_chain(ledger: SloLedger, page_size: int = PAGE_SIZE) -> ChainVerification:
    """Checks every event up to the head read at the start; later appends wait for the
    next verification."""
    head_sequence, head_hash = ledger.audit_head()

    def events() -> Iterator[ChainedEvent]:
        after = 0
        while after < head_sequence:
            page = ledger.audit_events(after, min(page_size, head_sequence - after))
            if not page:
                return
            yield from page
            after = page[-1].sequence

    return verify_chain(events(), head_sequence, head_hash)
