"""A real Celery worker takes a real callback to a paid order, end to end."""

from __future__ import annotations

import pytest

from cascad_wagtail import services
from cascad_wagtail.models import CallbackEvent, ChargeStatus, Payment, PaymentEvent
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def test_a_callback_goes_through_the_worker_to_a_paid_order(worker, live_site, make_order, emulator):
    emulator.control("config", {"callback_mode": "auto"})
    order = make_order()
    payment = services.start_payment(order)
    emulator.control(f"invoices/{payment.invoice_id}/pay", {"card": "5519283812030000", "expiry": "12/30"})

    paid = wait_until(
        lambda: Payment.objects.filter(pk=payment.pk, charge_status=ChargeStatus.FULLY_CHARGED).first(),
        timeout=30,
        message="the payment marked paid by the worker",
    )
    assert paid.paid_at is not None
    wait_until(
        lambda: not PaymentEvent.objects.filter(payment=paid, dispatched_at__isnull=True).exclude(effect="").exists(),
        timeout=30,
        message="every effect dispatched",
    )
    assert PaymentEvent.objects.filter(payment__order=order, effect="order_paid").count() == 1
    order.refresh_from_db()
    assert ["PENDING", "FULLY_CHARGED"] in order.status_log
    # created, processing, processed: each stored, each only a trigger, each processed by the worker
    events = CallbackEvent.objects.filter(invoice_id=paid.invoice_id)
    wait_until(
        lambda: events.count() >= 3 and not events.exclude(status=CallbackEvent.Status.PROCESSED).exists(),
        timeout=30,
        message="every callback stored and processed by the worker",
    )
    assert set(events.values_list("payment_id", flat=True)) == {paid.pk}
    deliveries = emulator.control("callbacks", method="GET").json()["data"]
    assert {row["http_status"] for row in deliveries} == {200}
    assert any("process_callback" in line and "succeeded" in line for line in worker.lines)
    assert worker.failures() == []
