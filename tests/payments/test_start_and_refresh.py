"""start_payment and refresh_payment against the running emulator, outcome by outcome."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cascad_wagtail import services
from cascad_wagtail.models import ChargeStatus, Creation, Payment

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def pay(emulator, payment, **body):
    return emulator.control(f"invoices/{payment.invoice_id}/pay", body).json()


def truth(emulator, payment):
    invoices = emulator.control("invoices", method="GET").json()["data"]
    return [i for i in invoices if i["attributes"]["reference_id"] == payment.reference_id]


def test_start_payment_saves_the_row_then_creates_the_invoice(cascad, make_order, emulator):
    order = make_order()
    payment = services.start_payment(order)
    assert payment.creation == Creation.CREATED
    assert payment.invoice_id.startswith("cpi_")
    assert payment.hpp_url == f"{emulator.url}/hpp/?cpi={payment.invoice_id}"
    assert payment.amount == Decimal("1500.00") and payment.currency == "RUB" and payment.mode == "sandbox"
    assert payment.cascad_status == "created" and payment.charge_status == ChargeStatus.PENDING and payment.is_open
    (invoice,) = truth(emulator, payment)
    attributes = invoice["attributes"]
    assert attributes["callback_url"] == f"{cascad.site.root_url}/cascad/callback/"
    assert attributes["return_url"] == f"{cascad.site.root_url}/cascad/return/{payment.uuid}/"
    assert attributes["customer"] == {"email": "buyer@example.com"}
    assert attributes["metadata"] == {"order_id": str(order.pk), "payment": str(payment.uuid)}
    assert attributes["service"] is None  # every method offered: Checkout shows them all


def test_a_reload_reuses_the_open_invoice(cascad, make_order, emulator):
    order = make_order()
    first = services.start_payment(order)
    again = services.start_payment(order)
    assert again.pk == first.pk
    assert len(emulator.control("invoices", method="GET").json()["data"]) == 1


def test_a_changed_amount_cancels_the_old_invoice_first(cascad, make_order, emulator):
    order = make_order()
    first = services.start_payment(order)
    order.total = Decimal("1600.00")
    order.save()
    second = services.start_payment(order)
    assert second.pk != first.pk and second.amount == Decimal("1600.00")
    first.refresh_from_db()
    assert first.cascad_status == "terminated" and first.charge_status == ChargeStatus.CANCELLED
    assert not first.is_open


@pytest.mark.parametrize(
    ("body", "status", "charge"),
    [
        ({"card": "5519283812030000", "expiry": "12/30"}, "processed", ChargeStatus.FULLY_CHARGED),
        ({"card": "4302912837020000", "expiry": "05/29"}, "process_failed", ChargeStatus.REFUSED),
        ({"card": "5519283812030000", "expiry": "07/77"}, "process_pending", ChargeStatus.PENDING),
        ({"outcome": "expired"}, "expired", ChargeStatus.CANCELLED),
        ({"outcome": "terminated"}, "terminated", ChargeStatus.CANCELLED),
    ],
)
def test_refresh_applies_each_outcome(cascad, make_order, emulator, signals_log, body, status, charge):
    order = make_order()
    payment = services.start_payment(order)
    pay(emulator, payment, **body)
    payment = services.refresh_payment(payment)
    assert payment.cascad_status == status
    assert payment.charge_status == charge
    assert payment.is_open == (status == "process_pending")
    names = [name for name, _ in signals_log]
    assert names.count("order_paid") == (1 if charge == ChargeStatus.FULLY_CHARGED else 0)
    assert names.count("order_payment_failed") == (1 if charge in (ChargeStatus.REFUSED, ChargeStatus.CANCELLED) else 0)
    order.refresh_from_db()
    assert (
        order.status_log[-1] == ["PENDING", charge]
        if charge != ChargeStatus.PENDING
        else order.status_log == [["NOT_CHARGED", "PENDING"]]
    )


def test_pending_then_paid(cascad, make_order, emulator, signals_log):
    payment = services.start_payment(make_order())
    pay(emulator, payment, card="5519283812030000", expiry="07/77")
    assert services.refresh_payment(payment).charge_status == ChargeStatus.PENDING
    pay(emulator, payment, outcome="processed")
    payment = services.refresh_payment(payment)
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED and payment.paid_at is not None
    assert [name for name, _ in signals_log].count("order_paid") == 1


def test_partial_payment_needs_review_and_is_never_paid(cascad, make_order, emulator, signals_log):
    payment = services.start_payment(make_order())
    pay(emulator, payment, outcome="partially_processed", processed_amount=Decimal("500.00"))
    payment = services.refresh_payment(payment)
    assert payment.needs_review and "part" in payment.review_reason
    assert payment.charge_status == ChargeStatus.PARTIALLY_CHARGED
    assert "order_paid" not in [name for name, _ in signals_log]


def test_a_processed_amount_that_differs_needs_review(cascad, make_order, emulator, signals_log):
    payment = services.start_payment(make_order())
    pay(emulator, payment, outcome="processed", processed_amount=Decimal("1400.00"))
    payment = services.refresh_payment(payment)
    assert payment.needs_review
    assert payment.charge_status == ChargeStatus.PARTIALLY_CHARGED
    assert "order_paid" not in [name for name, _ in signals_log]


def test_after_a_failure_try_again_makes_a_new_payment(cascad, make_order, emulator):
    order = make_order()
    first = services.start_payment(order)
    pay(emulator, first, card="4302912837020000", expiry="09/33")
    services.refresh_payment(first)
    second = services.start_payment(order)
    assert second.pk != first.pk and second.is_open
    assert Payment.objects.filter(order=order, is_open=True).count() == 1


def test_a_paid_order_cannot_start_another_payment(cascad, make_order, emulator):
    order = make_order()
    payment = services.start_payment(order)
    pay(emulator, payment, card="5519283812030000", expiry="12/30")
    services.refresh_payment(payment)
    from cascad_wagtail.exceptions import OrderAlreadyPaid

    with pytest.raises(OrderAlreadyPaid):
        services.start_payment(order)


def test_a_payment_in_progress_is_not_replaced(cascad, make_order, emulator):
    from cascad_wagtail.exceptions import PaymentInProgress

    order = make_order()
    payment = services.start_payment(order)
    pay(emulator, payment, card="5519283812030000", expiry="07/77")
    services.refresh_payment(payment)
    order.total = Decimal("10.00")
    order.save()
    with pytest.raises(PaymentInProgress):
        services.start_payment(order)
    assert Payment.objects.filter(order=order).count() == 1
