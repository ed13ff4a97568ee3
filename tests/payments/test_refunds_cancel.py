"""Refunds and cancels against the running emulator, including answers that never come."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cascad_wagtail import services
from cascad_wagtail.exceptions import (
    CancelNotAllowed,
    InvalidAmount,
    PaymentUnavailable,
    RefundExceedsBalance,
    RefundNotAllowed,
)
from cascad_wagtail.models import ChargeStatus, Payment, Refund

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paid(cascad, make_order, emulator):
    payment = services.start_payment(make_order(total="1500.00"))
    emulator.control(f"invoices/{payment.invoice_id}/pay", {"card": "5519283812030000", "expiry": "12/30"})
    return services.refresh_payment(payment)


def emulator_invoice(emulator, payment):
    invoices = emulator.control("invoices", method="GET").json()["data"]
    return next(i["attributes"] for i in invoices if i["id"] == payment.invoice_id)


def test_partial_then_full_refund(paid, emulator, signals_log):
    first = services.refund_payment(paid, Decimal("500.00"), reason="one item returned")
    assert first.status == Refund.Status.PROCESSED and first.cascad_refund_id.startswith("ref_")
    paid.refresh_from_db()
    assert paid.refunded_amount == Decimal("500.00")
    assert paid.charge_status == ChargeStatus.PARTIALLY_REFUNDED
    assert paid.balance == Decimal("1000.00")
    services.refund_payment(paid, "1000.00")
    paid.refresh_from_db()
    assert paid.charge_status == ChargeStatus.FULLY_REFUNDED and paid.balance == Decimal("0.00")
    truth = emulator_invoice(emulator, paid)
    assert truth["status"] == "refunded" and truth["refunded_amount"] == Decimal("1500.00")
    assert [name for name, _ in signals_log].count("order_refunded") == 2


def test_a_refund_above_the_balance_is_refused_and_changes_nothing(paid, emulator):
    services.refund_payment(paid, Decimal("1000.00"))
    with pytest.raises(RefundExceedsBalance) as info:
        services.refund_payment(paid, Decimal("500.01"))
    assert "500.01 RUB" in info.value.message and "500.00 RUB" in info.value.message
    assert paid.refunds.count() == 1
    assert len(emulator_invoice(emulator, paid)["refunds"]) == 1


@pytest.mark.parametrize("amount", ["10.001", "0", "-5", "abc"])
def test_a_refund_with_a_bad_amount_is_refused_and_changes_nothing(paid, emulator, amount):
    with pytest.raises(InvalidAmount):
        services.refund_payment(paid, amount)
    assert paid.refunds.count() == 0
    assert emulator_invoice(emulator, paid)["refunds"] == []


def test_an_unpaid_payment_cannot_be_refunded(cascad, make_order):
    payment = services.start_payment(make_order())
    with pytest.raises(RefundNotAllowed):
        services.refund_payment(payment, Decimal("1.00"))
    assert payment.refunds.count() == 0


def test_a_refund_whose_answer_never_came_is_settled_from_the_invoice(paid, emulator, settings):
    settings.CASCAD_TIMEOUT = (1, 0.3)
    emulator.control("faults", {"seed": 1, "api_timeout": 1, "api_timeout_s": 1})
    refund = services.refund_payment(paid, Decimal("200.00"))
    assert refund.status == Refund.Status.UNKNOWN
    emulator.control("faults", {})
    settled = services.settle_refund(refund)
    assert settled.status == Refund.Status.PROCESSED
    paid.refresh_from_db()
    assert paid.refunded_amount == Decimal("200.00")
    truth = emulator_invoice(emulator, paid)
    assert len(truth["refunds"]) == 1 and truth["refunds"][0]["reference_id"] == refund.reference_id


def test_a_refund_that_was_never_received_is_sent_again_with_the_same_reference(paid, emulator, settings):
    settings.CASCAD_TIMEOUT = (1, 2)
    emulator.control("faults", {"seed": 2, "api_error": 1})
    refund = services.refund_payment(paid, Decimal("300.00"))
    assert refund.status == Refund.Status.UNKNOWN
    assert emulator_invoice(emulator, paid)["refunds"] == []
    emulator.control("faults", {})
    assert services.settle_refund(refund).status == Refund.Status.PROCESSED
    truth = emulator_invoice(emulator, paid)
    assert [r["reference_id"] for r in truth["refunds"]] == [refund.reference_id]


def test_a_failed_refund_frees_the_balance(paid, emulator):
    emulator.control("config", {"refund_mode": "manual"})
    refund = services.refund_payment(paid, Decimal("1500.00"))
    assert refund.status == Refund.Status.PROCESSING
    with pytest.raises(RefundExceedsBalance):
        services.refund_payment(paid, Decimal("1.00"))
    emulator.control(f"refunds/{refund.cascad_refund_id}/settle", {"outcome": "failed"})
    services.refresh_payment(paid)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    again = services.refund_payment(paid, Decimal("100.00"))
    assert again.status == Refund.Status.PROCESSING


def test_cancel_an_unpaid_invoice(cascad, make_order, emulator, signals_log):
    payment = services.start_payment(make_order())
    payment = services.cancel_payment(payment)
    assert payment.cascad_status == "terminated" and payment.charge_status == ChargeStatus.CANCELLED
    assert emulator_invoice(emulator, payment)["status"] == "terminated"
    assert "order_payment_failed" in [name for name, _ in signals_log]


def test_a_paid_or_paying_invoice_cannot_be_cancelled(paid, cascad, make_order, emulator):
    with pytest.raises(CancelNotAllowed):
        services.cancel_payment(paid)
    pending = services.start_payment(make_order())
    emulator.control(f"invoices/{pending.invoice_id}/pay", {"card": "5519283812030000", "expiry": "07/77"})
    with pytest.raises(CancelNotAllowed):
        services.cancel_payment(pending)
    pending.refresh_from_db()
    assert pending.cascad_status == "process_pending"


def test_cancel_answered_too_late_reads_the_truth(cascad, make_order, emulator):
    """The customer pays between our last read and the cancel: Cascad says 409, we apply what it has."""
    payment = services.start_payment(make_order())
    emulator.control(f"invoices/{payment.invoice_id}/pay", {"card": "5519283812030000", "expiry": "12/30"})
    with pytest.raises(CancelNotAllowed):
        services.cancel_payment(payment)
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED


def test_a_create_that_times_out_is_settled_by_reference_never_twice(cascad, make_order, emulator, settings):
    settings.CASCAD_TIMEOUT = (1, 0.3)
    order = make_order()
    services.available_services(cascad, "RUB")  # the offered methods are known (cached) before the outage
    emulator.control("faults", {"seed": 3, "api_timeout": 1, "api_timeout_s": 1})
    with pytest.raises(PaymentUnavailable):
        services.start_payment(order)
    payment = Payment.objects.get(order=order)
    assert payment.creation == "unknown" and payment.is_open and payment.invoice_id is None
    emulator.control("faults", {})
    again = services.start_payment(order)
    assert again.pk == payment.pk and again.creation == "created"
    invoices = emulator.control("invoices", method="GET").json()["data"]
    assert [i["attributes"]["reference_id"] for i in invoices] == [payment.reference_id]


def test_reconcile_settles_an_unknown_create(cascad, make_order, emulator, settings):
    settings.CASCAD_TIMEOUT = (1, 0.3)
    order = make_order()
    services.available_services(cascad, "RUB")
    emulator.control("faults", {"seed": 4, "api_timeout": 1, "api_timeout_s": 1})
    with pytest.raises(PaymentUnavailable):
        services.start_payment(order)
    emulator.control("faults", {})
    report = services.reconcile(everything=True)
    assert report.refreshed == 1 and report.errors == 0
    payment = Payment.objects.get(order=order)
    assert payment.creation == "created" and payment.invoice_id


def test_an_invoice_cascad_never_created_frees_the_order_after_its_lifetime(cascad, make_order, emulator):
    order = make_order()
    payment = Payment.objects.create(
        order=order, site=cascad.site, mode="sandbox", amount=Decimal("1500.00"), currency="RUB", creation="unknown"
    )
    past_lifetime = datetime.timedelta(seconds=cascad.lifetime_seconds + 60)
    Payment.objects.filter(pk=payment.pk).update(created_at=payment.created_at - past_lifetime)
    services.refresh_payment(payment)
    payment.refresh_from_db()
    assert payment.creation == "failed" and not payment.is_open and payment.charge_status == ChargeStatus.REFUSED
    assert services.start_payment(order).pk != payment.pk


def test_a_mode_mismatch_needs_review_and_is_never_paid(cascad, make_order, emulator, signals_log):
    payment = services.start_payment(make_order())
    emulator.control(f"invoices/{payment.invoice_id}/pay", {"card": "5519283812030000", "expiry": "12/30"})
    # The payment claims live mode while Cascad's invoice is a test one (a misconfiguration).
    Payment.objects.filter(pk=payment.pk).update(mode="live")
    cascad.live_account_id, cascad.live_api_key = cascad.sandbox_account_id, cascad.sandbox_api_key
    cascad.save()
    payment = services.refresh_payment(Payment.objects.get(pk=payment.pk))
    assert payment.needs_review and payment.charge_status == ChargeStatus.PARTIALLY_CHARGED
    assert "order_paid" not in [name for name, _ in signals_log]
