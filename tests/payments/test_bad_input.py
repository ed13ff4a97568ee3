"""Every service-level bad input raises its typed error, with words for people, and changes nothing."""

from __future__ import annotations

import pytest

from cascad_wagtail import services
from cascad_wagtail.exceptions import CascadError, InvalidAmount, MethodNotOffered, NotConfigured, PaymentError
from cascad_wagtail.models import Payment

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def assert_nothing_changed(emulator):
    assert Payment.objects.count() == 0
    assert emulator.control("invoices", method="GET").json()["data"] == []


def test_a_site_with_cascad_switched_off(cascad, make_order, emulator):
    cascad.enabled = False
    cascad.save()
    with pytest.raises(NotConfigured) as info:
        services.start_payment(make_order())
    assert "not available" in info.value.message
    assert_nothing_changed(emulator)


def test_a_site_without_keys(cascad, make_order, emulator):
    cascad.sandbox_api_key = ""
    cascad.save()
    with pytest.raises(NotConfigured) as info:
        services.start_payment(make_order())
    assert "key" in info.value.message
    assert_nothing_changed(emulator)


@pytest.mark.parametrize(("total", "currency"), [("10.001", "RUB"), ("1.5", "JPY"), ("0", "RUB"), ("-3", "USD")])
def test_an_amount_that_is_not_exact_positive_money(cascad, make_order, emulator, total, currency):
    with pytest.raises(InvalidAmount):
        services.start_payment(make_order(total=total, currency=currency))
    assert_nothing_changed(emulator)


def test_a_currency_none_of_the_offered_methods_covers(cascad, make_order, emulator):
    cascad.offered_methods = ["sbp"]  # SBP exists only in roubles
    cascad.save()
    with pytest.raises(MethodNotOffered) as info:
        services.start_payment(make_order(currency="USD"))
    assert "USD" in info.value.message
    assert_nothing_changed(emulator)


def test_a_method_the_owner_does_not_offer(cascad, make_order, emulator):
    cascad.offered_methods = ["payment_card"]
    cascad.save()
    with pytest.raises(MethodNotOffered):
        services.start_payment(make_order(), method="wallet")
    assert_nothing_changed(emulator)


def test_an_unknown_currency(cascad, make_order, emulator):
    with pytest.raises(CascadError):
        services.start_payment(make_order(currency="XXX"))
    assert_nothing_changed(emulator)


def test_a_cascad_outage_leaves_the_order_as_it_was(cascad, make_order, emulator, settings):
    from cascad_wagtail.exceptions import PaymentUnavailable

    settings.CASCAD_TIMEOUT = (1, 1)
    emulator.control("faults", {"seed": 1, "api_error": 1})
    with pytest.raises(PaymentUnavailable) as info:
        services.start_payment(make_order())
    assert "try again" in info.value.message
    assert isinstance(info.value, PaymentError) and info.value.retryable
    assert_nothing_changed(emulator)


def test_one_offered_method_is_preselected(cascad, make_order, emulator):
    cascad.offered_methods = ["sbp"]
    cascad.save()
    payment = services.start_payment(make_order())
    assert payment.service == "sbp_rub_hpp"
    invoice = emulator.control("invoices", method="GET").json()["data"][0]["attributes"]
    assert invoice["service"] == "sbp_rub_hpp"


def test_the_customers_choice_is_preselected_when_several_are_offered(cascad, make_order, emulator):
    cascad.offered_methods = ["payment_card", "wallet"]
    cascad.save()
    payment = services.start_payment(make_order(), method="wallet")
    assert payment.service == "wallet_rub_hpp"
