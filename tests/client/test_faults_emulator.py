"""Under injected 503s and timeouts, one order still gets one invoice and one refund, and every
result the client returned is what Cascad (the emulator's truth) holds.

The client's read timeout (1 s) is below the emulator's held answer (2 s), so timeouts are real:
the change is applied and the answer never arrives. A call that still fails after the client's own
retries is repeated by the test with the same ``reference_id``, as a caller or reconciler would.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import TypeVar

import pytest

from cascad_wagtail.exceptions import CascadError

from .emulated import client_for, truth

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

FAULTS = {"seed": 7, "api_error": 0.3, "api_timeout": 0.1, "api_timeout_s": 2}
CREATES = 200
REFUNDS = 50
WORKERS = 8
CALLER_ATTEMPTS = 20

T = TypeVar("T")
ORDERS = [
    (f"cw_fault_{n:03d}", currency, amount)
    for n in range(CREATES)
    for currency, amount in [
        [("RUB", Decimal("1500.50") + n), ("JPY", Decimal(1000 + n)), ("KWD", Decimal("12.345") + n)][n % 3]
    ]
]


def test_faults_never_duplicate_invoices_or_refunds(emulator):
    calls = []
    caller_retries = Counter()
    client = client_for(emulator, read_timeout=1.0, on_call=calls.append)

    def until_done(kind: str, call: Callable[[], T]) -> T:
        for _ in range(CALLER_ATTEMPTS):
            try:
                return call()
            except CascadError as error:
                if not error.retryable:
                    raise
                caller_retries[kind] += 1
        raise AssertionError(f"{kind} never succeeded")

    def create(order):
        reference, currency, amount = order
        return until_done(
            "create",
            lambda: client.create_invoice(
                reference_id=reference, amount=amount, currency=currency, description=f"Order {reference}"
            ),
        )

    def refund_amount(invoice):
        """Half the invoices are refunded in full (then ``refunded``), half in part."""
        if int(invoice.reference_id[-3:]) % 2:
            return invoice.amount
        return invoice.amount - Decimal(1)

    def refund(invoice):
        return until_done(
            "refund",
            lambda: client.refund(
                invoice.id,
                amount=refund_amount(invoice),
                currency=invoice.currency,
                reference_id=f"rf_{invoice.reference_id}",
            ),
        )

    started = time.monotonic()
    emulator.control("faults", FAULTS)
    with ThreadPoolExecutor(WORKERS) as pool:
        created = list(pool.map(create, ORDERS))
        to_refund = created[:REFUNDS]
        for invoice in to_refund:
            emulator.control(f"invoices/{invoice.id}/pay", {"outcome": "processed"})
        refunds = list(pool.map(refund, to_refund))
    elapsed = time.monotonic() - started
    emulator.control("faults", {})

    statuses = Counter(call.status for call in calls)
    errors = Counter(call.error for call in calls if call.error)
    print(
        f"\n{len(calls)} HTTP attempts in {elapsed:.1f} s; retried attempts: {sum(c.attempt > 1 for c in calls)}; "
        f"503s: {statuses[503]}; timeouts: {errors['CascadTimeout']}; errors by class: {dict(errors)}; "
        f"duplicate lookups: {sum(c.query.startswith('filter[reference_id]') for c in calls)}; "
        f"calls repeated by the caller: {dict(caller_retries)}"
    )
    assert statuses[503] > 0 and errors["CascadTimeout"] > 0, "the faults really happened"

    held = truth(emulator)
    references = [invoice.reference_id for invoice in held.values()]
    assert len(held) == CREATES
    assert len(set(references)) == CREATES, "no reference_id has two invoices"
    assert sorted(references) == sorted(order[0] for order in ORDERS)

    for (reference, currency, amount), invoice in zip(ORDERS, created, strict=True):
        assert (invoice.reference_id, invoice.currency, invoice.amount) == (reference, currency, amount)
        assert held[invoice.id].reference_id == reference
    for invoice in created[REFUNDS:]:
        assert held[invoice.id] == invoice, "an unpaid invoice is exactly what the client returned"

    all_refunds = [item for invoice in held.values() for item in invoice.refunds]
    assert len(all_refunds) == REFUNDS
    assert len({item.reference_id for item in all_refunds}) == REFUNDS, "no refund was made twice"
    for invoice, refund in zip(to_refund, refunds, strict=True):
        now = held[invoice.id]
        (item,) = now.refunds
        assert (item.id, item.reference_id, item.amount) == (refund.id, refund.reference_id, refund.amount)
        assert (refund.amount, refund.currency) == (refund_amount(invoice), invoice.currency)
        assert item.status == refund.status == "processed"
        assert now.refunded_amount == refund.amount
        assert now.status == ("refunded" if refund.amount == invoice.amount else "partially_refunded")
