"""Resolving "needs review": an editor's decision, recorded once, never reopened by the same finding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cascad_wagtail import services
from cascad_wagtail.exceptions import ReviewNotOpen
from cascad_wagtail.models import ChargeStatus, Payment, PaymentEvent

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

PAID_CARD = {"card": "5519283812030000", "expiry": "12/30"}


@pytest.fixture
def mismatched(cascad, make_order, emulator):
    """A payment whose order total changed after the invoice was made: Cascad's amount differs."""
    payment = services.start_payment(make_order(total="1500.00"))
    emulator.control(f"invoices/{payment.invoice_id}/pay", PAID_CARD)
    Payment.objects.filter(pk=payment.pk).update(amount=Decimal("1400.00"))
    payment = services.refresh_payment(payment)
    assert payment.needs_review and payment.paid_at is None
    return payment


def test_resolving_an_overpaid_payment_counts_it_paid_once_and_the_finding_does_not_come_back(
    mismatched, admin_user, signals_log
):
    resolved = services.resolve_review(mismatched, note="Customer agreed to the old price", user=admin_user)
    assert not resolved.needs_review and resolved.review_reason == ""
    assert "is for 1500.00 RUB, the payment for 1400.00 RUB" in resolved.resolved_review
    event = resolved.events.get(kind=PaymentEvent.Kind.RESOLVED)
    assert event.user == admin_user and event.message == "Customer agreed to the old price"
    for _ in range(2):  # the same answer, read again, is not a new finding
        again = services.refresh_payment(resolved)
        assert not again.needs_review
    assert [name for name, _ in signals_log].count("order_paid") == 1  # at least the amount arrived
    assert again.charge_status == ChargeStatus.FULLY_CHARGED and again.paid_at is not None


def test_resolving_a_payment_paid_in_full_sends_order_paid_once(cascad, make_order, emulator, signals_log):
    payment = services.start_payment(make_order(total="700.00"))
    emulator.control(f"invoices/{payment.invoice_id}/pay", PAID_CARD)
    payment = services.refresh_payment(payment)
    Payment.objects.filter(pk=payment.pk).update(needs_review=True, review_reason="Looked odd", paid_at=None)
    PaymentEvent.objects.filter(payment=payment, effect=PaymentEvent.Effect.ORDER_PAID).delete()
    signals_log.clear()
    resolved = services.resolve_review(Payment.objects.get(pk=payment.pk), note="Fine")
    services.refresh_payment(resolved)
    assert resolved.paid_at is not None
    assert [name for name, _ in signals_log].count("order_paid") == 1


@pytest.mark.parametrize("note", ["", "   "])
def test_a_resolution_without_a_note_is_refused_and_changes_nothing(mismatched, note):
    with pytest.raises(ReviewNotOpen):
        services.resolve_review(mismatched, note=note)
    assert Payment.objects.get(pk=mismatched.pk).needs_review


def test_a_payment_not_in_review_cannot_be_resolved(mismatched):
    services.resolve_review(mismatched, note="done")
    with pytest.raises(ReviewNotOpen) as info:
        services.resolve_review(mismatched, note="again")
    assert "does not need review" in str(info.value)
    assert mismatched.events.filter(kind=PaymentEvent.Kind.RESOLVED).count() == 1
