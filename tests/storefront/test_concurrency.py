"""Real concurrency on PostgreSQL: threads released together by a barrier (``run_together`` of the
payments tests), each on its own connection, against the real emulator. Skipped on SQLite."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from cascad_wagtail import checkout as checkouts
from cascad_wagtail.models import Checkout, CheckoutCompletion, Payment
from tests.payments.test_concurrency import errors_of, run_together
from tests.testshop.models import Order

from .conftest import PAID_CARD, paid_for, ready

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=f"concurrency tests need PostgreSQL row locks; the test database is {connection.vendor}",
    ),
    pytest.mark.emulator,
    pytest.mark.django_db(transaction=True),
]
ROUNDS = 3


def invoices(emulator) -> list[dict]:
    return emulator.control("invoices", method="GET").json()["data"]


def test_two_customers_racing_for_the_last_unit_make_one_order(cascad, channel, make_variant, emulator):
    """Behaviour: two checkouts each holding the last unit complete at the same moment: the adapter's
    row-locked stock taking gives the unit to one order; the other checkout gets ``INSUFFICIENT_STOCK``
    naming the variant, no order, no invoice, and stays unfrozen."""
    for _round in range(ROUNDS):
        last = make_variant(stock=1)
        first, second = ready(channel, [(last, 1)]), ready(channel, [(last, 1)])
        paid_for(first)
        paid_for(second)
        before = len(invoices(emulator))

        results = run_together([lambda c=c: checkouts.complete(c.token) for c in (first, second)])

        assert errors_of(results) == []
        answers = [r.value for r in results]
        confirmed = [a for a in answers if a.confirmation_needed]
        refused = [a for a in answers if a.errors]
        assert len(confirmed) == 1 and len(refused) == 1, [a.errors for a in answers]
        (error,) = refused[0].errors
        assert error.code == "INSUFFICIENT_STOCK" and error.variants == (str(last.pk),)
        last.refresh_from_db()
        assert last.stock == 0
        orders = Order.objects.filter(lines__variant=last)
        assert orders.count() == 1
        assert len(invoices(emulator)) == before + 1
        assert sorted(
            Checkout.objects.filter(token__in=[first.token, second.token]).values_list("frozen", flat=True)
        ) == [
            False,
            True,
        ]


@pytest.mark.parametrize("calls", [2, 5], ids=["twice", "five-times"])
def test_complete_called_at_once_makes_one_order_and_one_invoice(cascad, channel, make_variant, emulator, calls):
    """Behaviour: ``complete`` sent several times at once (a double click, a retried request) places one
    order and creates one invoice; every answer asks for the redirect to pay it."""
    for _round in range(ROUNDS):
        variant = make_variant(stock=10)
        checkout = ready(channel, [(variant, 2)])
        paid_for(checkout)
        before = len(invoices(emulator))

        results = run_together([lambda token=checkout.token: checkouts.complete(token)] * calls)

        assert errors_of(results) == []
        answers = [r.value for r in results]
        assert all(a.errors == [] and a.confirmation_needed for a in answers), [a.errors for a in answers]
        (order,) = Order.objects.filter(lines__variant=variant)
        (payment,) = Payment.objects.filter(order=order)
        assert len(invoices(emulator)) == before + 1
        variant.refresh_from_db()
        assert variant.stock == 8
        for answer in answers:
            url = json.loads(answer.confirmation_data)["url"]
            # The invoice itself, or (for a call that overtook its creation) the order's payment link to it.
            assert url == payment.hpp_url or url.startswith(f"{cascad.site.root_url}/cascad/pay/"), url
        stored = Checkout.objects.get(token=checkout.token)
        assert stored.frozen and stored.order_id == order.pk and stored.payment_id == payment.pk


def test_complete_called_at_once_after_paying_answers_one_order(cascad, channel, variant, emulator):
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    payment = checkouts.complete(checkout.token).payment
    emulator.control(f"invoices/{payment.invoice_id}/pay", PAID_CARD)

    results = run_together([lambda: checkouts.complete(checkout.token)] * 4)

    assert errors_of(results) == []
    answers = [r.value for r in results]
    assert all(a.errors == [] and a.order is not None for a in answers), [a.errors for a in answers]
    assert {a.order.order.pk for a in answers} == {payment.order_id}
    assert {a.order.status for a in answers} == {"UNFULFILLED"}
    assert not Checkout.objects.filter(token=checkout.token).exists()
    assert CheckoutCompletion.objects.filter(checkout_token=checkout.token).count() == 1
