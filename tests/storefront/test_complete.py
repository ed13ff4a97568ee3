"""``checkoutComplete``'s lifecycle against the real emulator (``spec/saleor-sdk.md``), paid through its
control API as a customer would pay on Cascad's Checkout page."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cascad_wagtail import checkout as checkouts
from cascad_wagtail import services, storefront
from cascad_wagtail.models import ChargeStatus, Checkout, CheckoutCompletion, Payment
from tests.testshop.models import Order

from .conftest import FAILED_CARD, PAID_CARD, PENDING_CARD, RETURN_URL, codes, paid_for, ready

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def pay(emulator, payment: Payment, body: dict) -> dict:
    return emulator.control(f"invoices/{payment.invoice_id}/pay", body).json()


def invoices(emulator) -> list[dict]:
    return emulator.control("invoices", method="GET").json()["data"]


def confirmation(result) -> dict:
    assert result.errors == [], result.errors
    assert result.confirmation_needed is True and result.order is None
    return json.loads(result.confirmation_data)


def test_first_call_creates_the_order_and_invoice_and_asks_for_the_redirect(cascad, channel, variant, emulator):
    """Behaviour: the first ``complete`` places the order (stock taken, status UNCONFIRMED, payment PENDING),
    creates one Cascad invoice for the total with the storefront's return URL, freezes the checkout and
    answers "confirmation needed" with a JSON string naming Cascad Checkout's URL."""
    checkout = ready(channel, [(variant, 2)])
    paid_for(checkout)

    result = checkouts.complete(checkout.token)

    data = confirmation(result)
    payment = result.payment
    assert data == {"type": "redirect", "method": "GET", "url": payment.hpp_url}
    assert payment.hpp_url.startswith(f"{emulator.url}/hpp/?cpi=cpi_")
    assert payment.amount == Decimal("1300.00") and payment.currency == "RUB"  # 2 × 500 + 300 courier
    assert payment.return_url == RETURN_URL
    order = Order.objects.get()
    assert order.total == Decimal("1300.00") and order.lines.get().quantity == 2
    assert services.order_payment_status(order) == ChargeStatus.PENDING
    info = storefront.get_adapter().get_order_info(order)
    assert info.status == "UNCONFIRMED"
    variant.refresh_from_db()
    assert variant.stock == 8
    checkout = Checkout.objects.get(token=checkout.token)
    assert checkout.frozen and checkout.order_id == order.pk and checkout.payment_id == payment.pk
    assert checkouts.payment_intent(checkout).token == payment.invoice_id
    (invoice,) = invoices(emulator)
    assert invoice["id"] == payment.invoice_id
    assert Decimal(str(invoice["attributes"]["amount"])) == Decimal("1300.00")


def test_frozen_checkout_refuses_changes(cascad, channel, variant, emulator):
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    confirmation(checkouts.complete(checkout.token))

    for result in (
        checkouts.lines_update(checkout.token, [(str(variant.pk), 3)]),
        checkouts.email_update(checkout.token, "other@example.com"),
        checkouts.promo_code_add(checkout.token, "TEN"),
        checkouts.shipping_method_update(checkout.token, "ru-post"),
    ):
        assert codes(result) == ["INVALID"] and result.checkout is None
    assert Checkout.objects.get(token=checkout.token).lines.get().quantity == 1


def test_still_unpaid_answers_the_same_confirmation_and_makes_nothing_new(cascad, channel, variant, emulator):
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    first = confirmation(checkouts.complete(checkout.token))

    again = confirmation(checkouts.complete(checkout.token))

    assert again == first
    assert Order.objects.count() == 1 and Payment.objects.count() == 1 and len(invoices(emulator)) == 1


def test_paid_answers_the_order_deletes_the_checkout_and_stays_idempotent(cascad, channel, variant, emulator):
    """Behaviour: after paying, the next call refreshes from Cascad, answers the order (UNFULFILLED, paid)
    and deletes the checkout; every later call answers the same order from the completion record."""
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    payment = checkouts.complete(checkout.token).payment
    pay(emulator, payment, PAID_CARD)

    result = checkouts.complete(checkout.token)

    assert result.errors == [] and not result.confirmation_needed and result.confirmation_data is None
    order = Order.objects.get()
    assert result.order.order.pk == order.pk and result.order.token == order.token
    assert result.order.status == "UNFULFILLED"
    assert services.order_payment_status(order) == ChargeStatus.FULLY_CHARGED
    assert not Checkout.objects.filter(token=checkout.token).exists()
    assert CheckoutCompletion.objects.get(checkout_token=checkout.token).order_id == order.pk

    later = checkouts.complete(checkout.token)
    assert later.errors == [] and later.order.order.pk == order.pk and later.order.status == "UNFULFILLED"
    assert Order.objects.count() == 1 and len(invoices(emulator)) == 1


def test_paid_by_callback_without_the_customer_returning_still_answers_the_order(cascad, channel, variant, emulator):
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    payment = checkouts.complete(checkout.token).payment
    pay(emulator, payment, PAID_CARD)
    services.refresh_payment(payment, source="callback")  # what a callback triggers

    order = Order.objects.get()
    assert services.order_payment_status(order) == ChargeStatus.FULLY_CHARGED
    result = checkouts.complete(checkout.token)
    assert result.order.order.pk == order.pk and result.order.status == "UNFULFILLED"


def test_processing_answers_the_order_with_its_payment_pending(cascad, channel, variant, emulator):
    """Behaviour: a payment still processing at Cascad answers the order (no confirmation): the SDK then
    forgets the checkout and the storefront follows the order with ``orderByToken``."""
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    payment = checkouts.complete(checkout.token).payment
    assert pay(emulator, payment, PENDING_CARD)["data"]["attributes"]["status"] == "process_pending"

    result = checkouts.complete(checkout.token)

    assert result.errors == [] and not result.confirmation_needed
    assert result.order.status == "UNCONFIRMED"
    assert services.order_payment_status(result.order.order) == ChargeStatus.PENDING
    assert Checkout.objects.get(token=checkout.token).frozen
    info = storefront.get_adapter().order_for_token(result.order.token)
    assert info.order.pk == result.order.order.pk


@pytest.mark.parametrize(
    ("body", "reason"),
    [(FAILED_CARD, "not enough funds"), ({"outcome": "expired"}, "time to pay has run out")],
    ids=["declined", "expired"],
)
def test_failed_payment_gives_payment_error_and_a_new_payment_succeeds(
    cascad, channel, variant, emulator, body, reason
):
    """Behaviour: a declined or expired payment answers ``PAYMENT_ERROR`` with the reason in words and
    unfreezes the checkout; a new ``payment_create`` and ``complete`` reuse the same (unchanged) order with a
    new invoice, which is then paid."""
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    first = checkouts.complete(checkout.token).payment
    pay(emulator, first, body)

    failed = checkouts.complete(checkout.token)

    assert codes(failed) == ["PAYMENT_ERROR"] and failed.order is None and not failed.confirmation_needed
    assert reason in failed.errors[0].message
    stored = Checkout.objects.get(token=checkout.token)
    assert not stored.frozen and checkouts.payment_intent(stored) is None
    again = checkouts.complete(checkout.token)  # no new payment yet: the same error again
    assert codes(again) == ["PAYMENT_ERROR"]

    paid_for(stored)
    second = checkouts.complete(checkout.token)
    confirmation(second)
    assert second.payment.pk != first.pk
    assert Order.objects.count() == 1 and second.payment.order_id == first.order_id
    pay(emulator, second.payment, PAID_CARD)
    done = checkouts.complete(checkout.token)
    assert done.order.status == "UNFULFILLED" and len(invoices(emulator)) == 2
    variant.refresh_from_db()
    assert variant.stock == 9


def test_a_checkout_changed_after_a_failed_payment_gets_a_new_order_and_releases_the_old(
    cascad, channel, make_variant, emulator
):
    mug, bag = make_variant(stock=5), make_variant(price="1000.00", stock=5)
    checkout = ready(channel, [(mug, 2)])
    paid_for(checkout)
    first = checkouts.complete(checkout.token).payment
    pay(emulator, first, FAILED_CARD)
    assert codes(checkouts.complete(checkout.token)) == ["PAYMENT_ERROR"]
    mug.refresh_from_db()
    assert mug.stock == 3

    assert checkouts.lines_update(checkout.token, [(str(mug.pk), 1), (str(bag.pk), 1)]).errors == []
    paid_for(Checkout.objects.get(token=checkout.token))
    second = checkouts.complete(checkout.token)

    confirmation(second)
    old, new = Order.objects.order_by("pk")
    assert old.cancelled and not new.cancelled
    assert new.total == Decimal("1800.00") and second.payment.order_id == new.pk
    mug.refresh_from_db()
    bag.refresh_from_db()
    assert (mug.stock, bag.stock) == (4, 4)


def test_a_new_payment_on_an_abandoned_checkout_page_cancels_the_unpaid_invoice(cascad, channel, variant, emulator):
    """Behaviour: the customer left Cascad's page without paying and wants to change the checkout: a new
    ``payment_create`` cancels the unpaid invoice at Cascad and unfreezes the checkout."""
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    first = checkouts.complete(checkout.token).payment

    result = checkouts.payment_create(checkout.token, checkouts.GATEWAY_ID, Decimal("800.00"), RETURN_URL)

    assert result.errors == []
    first.refresh_from_db()
    assert first.cascad_status == "terminated" and first.charge_status == ChargeStatus.CANCELLED
    assert not Checkout.objects.get(token=checkout.token).frozen
    assert checkouts.lines_update(checkout.token, [(str(variant.pk), 2)]).errors == []


def test_a_new_payment_while_one_is_processing_is_refused(cascad, channel, variant, emulator):
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    payment = checkouts.complete(checkout.token).payment
    pay(emulator, payment, PENDING_CARD)

    result = checkouts.payment_create(checkout.token, checkouts.GATEWAY_ID, Decimal("800.00"), RETURN_URL)

    assert [str(e.code) for e in result.errors] == ["PAYMENT_ERROR"] and result.checkout is None
    assert Checkout.objects.get(token=checkout.token).frozen


def test_complete_refuses_what_is_not_ready_and_changes_nothing(cascad, channel, make_variant, emulator):
    variant = make_variant(stock=3)
    checkout = ready(channel, [(variant, 2)])
    assert codes(checkouts.complete(checkout.token)) == ["CHECKOUT_NOT_FULLY_PAID"]  # no payment yet

    paid_for(checkout)
    checkouts.shipping_method_update(checkout.token, "ru-post")  # the total changes after the payment
    assert codes(checkouts.complete(checkout.token)) == ["CHECKOUT_NOT_FULLY_PAID"]

    paid_for(Checkout.objects.get(token=checkout.token))
    variant.stock = 1
    variant.save()
    result = checkouts.complete(checkout.token)
    assert codes(result) == ["INSUFFICIENT_STOCK"] and result.errors[0].variants == (str(variant.pk),)

    variant.stock = 3
    variant.published = False
    variant.save()
    assert codes(checkouts.complete(checkout.token)) == ["PRODUCT_NOT_PUBLISHED"]
    assert Order.objects.count() == 0 and Payment.objects.count() == 0 and invoices(emulator) == []
    assert not Checkout.objects.get(token=checkout.token).frozen


def test_stock_gone_between_the_check_and_the_order_is_insufficient_stock(
    cascad, channel, variant, emulator, monkeypatch
):
    """Behaviour: when the adapter finds the stock gone while placing the order (another customer bought
    it after the check), ``complete`` answers ``INSUFFICIENT_STOCK`` naming the variant and changes nothing."""
    checkout = ready(channel, [(variant, 2)])
    paid_for(checkout)
    adapter = storefront.get_adapter()
    original = adapter.create_order

    def sold_meanwhile(request):
        type(variant).objects.filter(pk=variant.pk).update(stock=1)
        return original(request)

    monkeypatch.setattr(adapter, "create_order", sold_meanwhile)
    result = checkouts.complete(checkout.token)

    assert codes(result) == ["INSUFFICIENT_STOCK"] and result.errors[0].variants == (str(variant.pk),)
    assert Order.objects.count() == 0 and invoices(emulator) == []
    stored = Checkout.objects.get(token=checkout.token)
    assert not stored.frozen and stored.order_id is None


def test_a_price_changed_while_placing_the_order_rolls_it_back(cascad, channel, variant, emulator, monkeypatch):
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    adapter = storefront.get_adapter()
    original = adapter.create_order

    def repriced(request):
        type(variant).objects.filter(pk=variant.pk).update(prices={"RUB": "550.00"})
        return original(request)

    monkeypatch.setattr(adapter, "create_order", repriced)
    result = checkouts.complete(checkout.token)

    assert codes(result) == ["CHECKOUT_NOT_FULLY_PAID"]
    assert Order.objects.count() == 0 and invoices(emulator) == []
    variant.refresh_from_db()
    assert variant.stock == 10


def test_cascad_switched_off_refuses_the_payment(site, channel, variant, emulator):
    checkout = ready(channel, [(variant, 1)])
    assert checkouts.available_gateways(checkout) == []
    result = checkouts.payment_create(checkout.token, checkouts.GATEWAY_ID, Decimal("800.00"), RETURN_URL)
    assert [str(e.code) for e in result.errors] == ["NOT_SUPPORTED_GATEWAY"]


def test_unknown_checkout(db):
    assert codes(checkouts.complete("00000000-0000-0000-0000-000000000000")) == ["NOT_FOUND"]
    assert codes(checkouts.complete("not-a-uuid")) == ["NOT_FOUND"]


def test_a_call_that_overtakes_the_invoice_creation_answers_the_payment_link_to_it(cascad, channel, variant, emulator):
    """Behaviour: while another call is still creating the invoice (the payment row saved, Cascad's answer
    not yet in), ``complete`` does not create a second one: it answers the order's payment link, a shop URL
    that sends the customer to that same invoice on Cascad Checkout."""
    from django.test import Client

    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    payment = checkouts.complete(checkout.token).payment
    hpp_url = payment.hpp_url
    Payment.objects.filter(pk=payment.pk).update(creation="pending", hpp_url="")  # as seen mid-creation

    data = confirmation(checkouts.complete(checkout.token))

    assert data["url"] == services.payment_link(payment.order) and "/cascad/pay/" in data["url"]
    assert Payment.objects.count() == 1 and len(invoices(emulator)) == 1
    Payment.objects.filter(pk=payment.pk).update(creation="created", hpp_url=hpp_url)  # the creation finished
    response = Client().get(data["url"].replace(cascad.site.root_url, ""))
    assert response.status_code == 302 and response["Location"] == hpp_url


def test_an_order_paid_elsewhere_after_a_failed_payment_is_the_answer(cascad, channel, variant, emulator):
    """Behaviour: after a failed payment the customer pays the same order another way (the shop's order
    page, a payment link); the next ``complete`` answers that paid order instead of placing another."""
    checkout = ready(channel, [(variant, 1)])
    paid_for(checkout)
    first = checkouts.complete(checkout.token).payment
    pay(emulator, first, FAILED_CARD)
    assert codes(checkouts.complete(checkout.token)) == ["PAYMENT_ERROR"]
    order = Order.objects.get()
    other = services.start_payment(order)  # e.g. the payment link
    pay(emulator, other, PAID_CARD)
    services.refresh_payment(other)

    paid_for(Checkout.objects.get(token=checkout.token))
    result = checkouts.complete(checkout.token)

    assert result.errors == [] and result.order.order.pk == order.pk and result.order.status == "UNFULFILLED"
    assert Order.objects.count() == 1 and len(invoices(emulator)) == 2
    assert not Checkout.objects.filter(token=checkout.token).exists()
