"""A checkout costs the same number of queries with 50 lines as with one: the adapter is asked once
per kind (variants, shipping methods, voucher), and order lines are written in bulk."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascad_wagtail import checkout as checkouts

from .conftest import PAID_CARD, paid_for, ready

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def counted(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        value = call()
    return len(captured), value


def costs(channel, make_variant, emulator, lines: int) -> dict[str, int]:
    variants = [make_variant(stock=100) for _ in range(lines)]
    checkout = ready(channel, [(variant, 2) for variant in variants])
    checkouts.promo_code_add(checkout.token, "TEN")
    cost = {}
    cost["totals"], summary = counted(lambda: checkouts.checkout_summary(checkouts.get_checkout(checkout.token)))
    assert len(summary.lines) == lines and summary.discount > 0
    cost["lines_update"], result = counted(
        lambda: checkouts.lines_update(checkout.token, [(str(v.pk), 3) for v in variants])
    )
    assert result.errors == []
    paid_for(result.checkout)
    cost["complete"], first = counted(lambda: checkouts.complete(checkout.token))
    assert first.confirmation_needed, first.errors
    emulator.control(f"invoices/{first.payment.invoice_id}/pay", PAID_CARD)
    cost["complete_paid"], done = counted(lambda: checkouts.complete(checkout.token))
    assert done.order is not None and len(done.order.lines) == lines
    cost["complete_again"], again = counted(lambda: checkouts.complete(checkout.token))
    assert again.order is not None
    return cost


def test_fifty_lines_cost_the_same_queries_as_one(cascad, channel, make_variant, emulator):
    costs(channel, make_variant, emulator, 1)  # warm the per-process caches (offered methods, content types)
    one = costs(channel, make_variant, emulator, 1)
    fifty = costs(channel, make_variant, emulator, 50)
    assert one == fifty, f"1 line: {one}, 50 lines: {fifty}"
    print(f"queries per call, 1 line and 50 lines: {one}")
