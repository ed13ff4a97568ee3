"""The checkout services, path by path and error code by error code: what each accepts, what it refuses
(with Saleor's code, the field and a message), and that a refused input changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cascad_wagtail import checkout as checkouts
from cascad_wagtail.models import Checkout, CheckoutLine
from tests.testshop.models import Variant

from .conftest import ADDRESS, RETURN_URL, paid_for, ready, vid

pytestmark = pytest.mark.django_db

DE_ADDRESS = {**ADDRESS, "city": "Berlin", "postalCode": "10115", "country": "DE"}


def lines_of(token) -> dict[str, int]:
    return {line.variant_id: line.quantity for line in CheckoutLine.objects.filter(checkout__token=token)}


def fields(result) -> list[tuple[str, str | None]]:
    return [(str(error.code), error.field) for error in result.errors]


# -- create ------------------------------------------------------------------------------------------


def test_create_with_lines_email_and_addresses(channel, make_variant):
    mug, bag = make_variant(), make_variant(price="1200.00")
    address = {**ADDRESS, "postalCode": " 101 000 ", "country": "ru"}

    result = checkouts.create(
        channel,
        [(vid(mug), 1), (vid(bag), 2), (vid(mug), 1)],  # a repeated variant is added up
        email="ada@example.com",
        shipping_address=address,
        billing_address=address,
    )

    assert result.errors == [] and result.created
    checkout = result.checkout
    assert checkout.channel == "default-channel" and checkout.currency == "RUB" and checkout.email == "ada@example.com"
    assert lines_of(checkout.token) == {vid(mug): 2, vid(bag): 2}
    assert checkout.shipping_address["postal_code"] == "101000" and checkout.shipping_address["country"] == "RU"
    summary = checkouts.checkout_summary(checkout)
    assert summary.subtotal == Decimal("3400.00") and summary.total == Decimal("3400.00")
    assert summary.is_shipping_required and summary.shipping_method is None
    assert [method.id for method in summary.available_shipping_methods] == ["courier", "ru-post"]


def test_create_without_anything_but_the_channel(channel):
    result = checkouts.create(channel, [])
    assert result.errors == [] and result.checkout.lines.count() == 0
    summary = checkouts.checkout_summary(result.checkout)
    assert summary.total == Decimal("0.00") and not summary.is_shipping_required


def test_create_takes_the_only_channel_when_none_is_named(channel):
    assert checkouts.create(None, []).checkout.channel == "default-channel"


@pytest.mark.parametrize(
    ("channels", "slug", "expected"),
    [
        (
            {"a": {"site": "default", "currency": "RUB"}, "b": {"site": "default", "currency": "USD"}},
            None,
            "MISSING_CHANNEL_SLUG",
        ),
        ({"default-channel": {"site": "default", "currency": "RUB"}}, "other-channel", "NOT_FOUND"),
        ({"default-channel": {"site": "nowhere.test", "currency": "RUB"}}, "default-channel", "CHANNEL_INACTIVE"),
    ],
    ids=["missing", "unknown", "inactive"],
)
def test_create_refuses_a_channel(settings, site, channels, slug, expected):
    settings.CASCAD_CHANNELS = channels
    result = checkouts.create(slug, [])
    assert fields(result) == [(expected, "channel")] and result.checkout is None
    assert not Checkout.objects.exists()


def test_create_refuses_bad_lines_naming_each_variant(channel, make_variant):
    unpublished = make_variant(published=False)
    dollars_only = make_variant(currency="USD")
    scarce = make_variant(stock=2)
    plenty = make_variant(stock=100)

    result = checkouts.create(
        channel,
        [("999999", 1), ("not-an-id", 1), (vid(unpublished), 1), (vid(dollars_only), 1), (vid(scarce), 3)],
    )

    errors = {str(error.code): error for error in result.errors}
    assert set(errors) == {"NOT_FOUND", "PRODUCT_NOT_PUBLISHED", "UNAVAILABLE_VARIANT_IN_CHANNEL", "INSUFFICIENT_STOCK"}
    assert errors["NOT_FOUND"].variants == ("999999", "not-an-id") and errors["NOT_FOUND"].field == "variantId"
    assert errors["PRODUCT_NOT_PUBLISHED"].variants == (vid(unpublished),)
    assert errors["UNAVAILABLE_VARIANT_IN_CHANNEL"].variants == (vid(dollars_only),)
    assert errors["INSUFFICIENT_STOCK"].variants == (vid(scarce),) and errors["INSUFFICIENT_STOCK"].field == "quantity"
    assert "Only 2 of" in errors["INSUFFICIENT_STOCK"].message
    assert fields(checkouts.create(channel, [(vid(plenty), 0)])) == [("ZERO_QUANTITY", "quantity")]
    assert fields(checkouts.create(channel, [(vid(plenty), -1)])) == [("ZERO_QUANTITY", "quantity")]
    limit = checkouts.MAX_QUANTITY_PER_LINE
    assert fields(checkouts.create(channel, [(vid(plenty), limit + 1)])) == [
        ("QUANTITY_GREATER_THAN_LIMIT", "quantity")
    ]
    assert checkouts.create(channel, [(vid(plenty), limit)]).errors == []
    assert Checkout.objects.count() == 1


def test_create_refuses_bad_email_and_addresses_and_saves_nothing(channel, variant):
    result = checkouts.create(
        channel,
        [(vid(variant), 1)],
        email="not an email",
        shipping_address={**ADDRESS, "postalCode": "1234"},
        billing_address={**ADDRESS, "country": "XX", "city": ""},
    )
    assert [(str(e.code), e.field, e.address_type) for e in result.errors] == [
        ("INVALID", "email", None),
        ("INVALID", "postalCode", "SHIPPING"),
        ("REQUIRED", "city", "BILLING"),
        ("INVALID", "country", "BILLING"),
    ]
    assert not Checkout.objects.exists()


# -- lines -------------------------------------------------------------------------------------------


def test_lines_update_sets_quantities_and_zero_removes(channel, make_variant):
    mug, bag = make_variant(), make_variant()
    token = checkouts.create(channel, [(vid(mug), 1), (vid(bag), 1)]).checkout.token

    result = checkouts.lines_update(token, [(vid(mug), 3), (vid(bag), 0)])

    assert result.errors == [] and lines_of(token) == {vid(mug): 3}
    assert checkouts.checkout_summary(result.checkout).subtotal == Decimal("1500.00")


def test_lines_update_refusals_change_nothing(channel, make_variant):
    mug, scarce = make_variant(), make_variant(stock=2)
    token = checkouts.create(channel, [(vid(mug), 1)]).checkout.token

    assert fields(checkouts.lines_update(token, [(vid(mug), 4), (vid(scarce), 3)])) == [
        ("INSUFFICIENT_STOCK", "quantity")
    ]
    assert fields(checkouts.lines_update(token, [(vid(mug), -2)])) == [("ZERO_QUANTITY", "quantity")]
    assert fields(checkouts.lines_update(token, [("424242", 1)])) == [("NOT_FOUND", "variantId")]
    assert lines_of(token) == {vid(mug): 1}
    assert fields(checkouts.lines_update("00000000-0000-0000-0000-000000000001", [(vid(mug), 1)])) == [
        ("NOT_FOUND", "token")
    ]


def test_lines_add_adds_to_what_is_there(channel, make_variant):
    mug = make_variant(stock=5)
    token = checkouts.create(channel, [(vid(mug), 2)]).checkout.token

    assert checkouts.lines_add(token, [(vid(mug), 2)]).errors == []
    assert lines_of(token) == {vid(mug): 4}
    result = checkouts.lines_add(token, [(vid(mug), 2)])  # 6 > 5 in stock
    assert fields(result) == [("INSUFFICIENT_STOCK", "quantity")] and lines_of(token) == {vid(mug): 4}
    assert fields(checkouts.lines_add(token, [(vid(mug), 0)])) == [("ZERO_QUANTITY", "quantity")]


def test_a_checkout_holds_a_limited_number_of_lines(channel, make_variant, monkeypatch):
    monkeypatch.setattr(checkouts.editing, "MAX_LINES", 2)
    a, b, c = make_variant(), make_variant(), make_variant()
    token = checkouts.create(channel, [(vid(a), 1), (vid(b), 1)]).checkout.token
    assert fields(checkouts.lines_add(token, [(vid(c), 1)])) == [("QUANTITY_GREATER_THAN_LIMIT", "lines")]
    assert fields(checkouts.lines_update(token, [(vid(c), 1)])) == [("QUANTITY_GREATER_THAN_LIMIT", "lines")]
    assert checkouts.lines_update(token, [(vid(c), 1), (vid(a), 0)]).errors == []
    assert lines_of(token) == {vid(b): 1, vid(c): 1}


def test_line_delete(channel, make_variant):
    mug, bag = make_variant(), make_variant()
    checkout = checkouts.create(channel, [(vid(mug), 1), (vid(bag), 1)]).checkout
    line = checkout.lines.get(variant_id=vid(mug))

    assert checkouts.line_delete(checkout.token, line.pk).errors == []
    assert lines_of(checkout.token) == {vid(bag): 1}
    assert fields(checkouts.line_delete(checkout.token, line.pk)) == [("NOT_FOUND", "lineId")]
    assert fields(checkouts.line_delete(checkout.token, "nonsense")) == [("NOT_FOUND", "lineId")]


# -- email, addresses, shipping ----------------------------------------------------------------------


def test_email_update(channel):
    token = checkouts.create(channel, []).checkout.token
    assert checkouts.email_update(token, " ada@example.com ").checkout.email == "ada@example.com"
    assert fields(checkouts.email_update(token, "ada@")) == [("INVALID", "email")]
    assert fields(checkouts.email_update(token, "")) == [("REQUIRED", "email")]
    assert Checkout.objects.get(token=token).email == "ada@example.com"


def test_addresses_are_validated_per_country(channel):
    token = checkouts.create(channel, []).checkout.token

    result = checkouts.shipping_address_update(token, {**ADDRESS, "country": "US", "postalCode": "9410"})
    assert [(str(e.code), e.field, e.address_type) for e in result.errors] == [
        ("INVALID", "postalCode", "SHIPPING"),
        ("REQUIRED", "countryArea", "SHIPPING"),
    ]
    result = checkouts.billing_address_update(token, {**ADDRESS, "country": "GB", "postalCode": "sw1a1aa"})
    assert result.errors == [] and result.checkout.billing_address["postal_code"] == "SW1A 1AA"
    assert Checkout.objects.get(token=token).shipping_address is None


def test_changing_the_address_drops_a_shipping_method_that_cannot_deliver_there(channel, variant):
    checkout = ready(channel, [(variant, 1)], shipping="ru-post")
    assert checkouts.checkout_summary(checkout).shipping_price == Decimal("150.00")

    result = checkouts.shipping_address_update(checkout.token, DE_ADDRESS)

    assert result.errors == [] and result.checkout.shipping_method_id == ""
    summary = checkouts.checkout_summary(result.checkout)
    assert summary.shipping_method is None and [m.id for m in summary.available_shipping_methods] == ["courier"]


def test_shipping_method_update(channel, make_variant):
    variant = make_variant()
    token = checkouts.create(channel, [(vid(variant), 1)]).checkout.token
    assert fields(checkouts.shipping_method_update(token, "courier")) == [
        ("SHIPPING_ADDRESS_NOT_SET", "shippingAddress")
    ]

    checkouts.shipping_address_update(token, DE_ADDRESS)
    assert fields(checkouts.shipping_method_update(token, "ru-post")) == [
        ("SHIPPING_METHOD_NOT_APPLICABLE", "shippingMethod")
    ]
    assert fields(checkouts.shipping_method_update(token, "teleport")) == [
        ("SHIPPING_METHOD_NOT_APPLICABLE", "shippingMethod")
    ]
    result = checkouts.shipping_method_update(token, "courier")
    assert result.errors == [] and checkouts.checkout_summary(result.checkout).shipping_price == Decimal("300.00")

    digital = make_variant(shipping_required=False)
    token = checkouts.create(channel, [(vid(digital), 1)], shipping_address=DE_ADDRESS).checkout.token
    assert fields(checkouts.shipping_method_update(token, "courier")) == [("SHIPPING_NOT_REQUIRED", "shippingMethod")]


# -- promo codes and totals --------------------------------------------------------------------------


def test_promo_codes(channel, variant):
    checkout = ready(channel, [(variant, 2)])  # 1000.00 + 300.00 courier

    result = checkouts.promo_code_add(checkout.token, "ten")
    assert result.errors == [] and result.checkout.voucher_code == "TEN"
    summary = checkouts.checkout_summary(result.checkout)
    assert (summary.subtotal, summary.shipping_price, summary.discount, summary.total) == (
        Decimal("1000.00"),
        Decimal("300.00"),
        Decimal("100.00"),
        Decimal("1200.00"),
    )
    assert result.checkout.discount_name == "Ten percent off"

    assert fields(checkouts.promo_code_add(checkout.token, "NOPE")) == [("INVALID", "promoCode")]
    assert Checkout.objects.get(token=checkout.token).voucher_code == "TEN"

    removed = checkouts.promo_code_remove(checkout.token, "Ten")
    assert removed.errors == [] and removed.checkout.voucher_code == ""
    assert checkouts.checkout_summary(removed.checkout).total == Decimal("1300.00")


def test_a_voucher_below_its_minimum_is_not_applicable_and_is_dropped_when_the_subtotal_falls(channel, variant):
    checkout = ready(channel, [(variant, 1)])  # 500.00: below FIXED100's 1000.00 minimum
    assert fields(checkouts.promo_code_add(checkout.token, "FIXED100")) == [("VOUCHER_NOT_APPLICABLE", "promoCode")]

    checkouts.lines_update(checkout.token, [(vid(variant), 2)])
    applied = checkouts.promo_code_add(checkout.token, "FIXED100")
    assert applied.errors == [] and checkouts.checkout_summary(applied.checkout).discount == Decimal("100.00")

    lowered = checkouts.lines_update(checkout.token, [(vid(variant), 1)])
    assert lowered.checkout.voucher_code == "" and checkouts.checkout_summary(lowered.checkout).discount == 0


def test_a_shop_without_vouchers_refuses_every_code(channel, variant, settings):
    settings.CASCAD_STOREFRONT_ADAPTER = "tests.testshop.storefront.NoVoucherStorefront"
    checkout = ready(channel, [(variant, 2)])
    result = checkouts.promo_code_add(checkout.token, "TEN")
    assert fields(result) == [("INVALID", "promoCode")] and result.errors[0].message
    assert fields(checkouts.promo_code_add(checkout.token, "")) == [("INVALID", "promoCode")]


def test_totals_follow_the_shops_prices_never_what_was_stored(channel, variant):
    checkout = ready(channel, [(variant, 3)])
    assert checkouts.checkout_summary(checkout).total == Decimal("1800.00")

    Variant.objects.filter(pk=variant.pk).update(prices={"RUB": "499.99"})

    fresh = checkouts.get_checkout(checkout.token)
    summary = checkouts.checkout_summary(fresh)
    assert [(line.unit_price, line.total_price) for line in summary.lines] == [(Decimal("499.99"), Decimal("1499.97"))]
    assert summary.total == Decimal("1799.97")


def test_lines_the_shop_no_longer_sells_count_in_no_total(channel, make_variant):
    kept, gone = make_variant(), make_variant()
    checkout = ready(channel, [(kept, 1), (gone, 1)])
    gone_id = vid(gone)
    gone.delete()
    summary = checkouts.checkout_summary(checkouts.get_checkout(checkout.token))
    assert [line.variant.id for line in summary.lines] == [vid(kept)]
    assert [line.variant_id for line in summary.unavailable] == [gone_id]
    assert summary.subtotal == Decimal("500.00")


# -- gateways and payment_create ---------------------------------------------------------------------


def test_available_gateways_offer_cascad_with_public_config(cascad, channel, variant):
    checkout = ready(channel, [(variant, 1)])
    (gateway,) = checkouts.available_gateways(checkout)
    assert (gateway.id, gateway.name, gateway.currencies) == ("cascad.payments", "Cascad", ("RUB",))
    config = dict(gateway.config)
    assert config["publicKey"] == cascad.keys().public_key
    assert config["checkoutUrl"] == f"{cascad.host}/hpp/"
    assert not any(secret in str(gateway) for secret in (cascad.keys().api_key, cascad.keys().secret_key))


def test_payment_create_records_the_payment(cascad, channel, variant):
    checkout = ready(channel, [(variant, 1)])

    result = checkouts.payment_create(checkout.token, "cascad.payments", Decimal("800.00"), RETURN_URL)

    assert result.errors == []
    intent = result.payment
    assert (intent.gateway, intent.amount, intent.currency, intent.return_url, intent.token) == (
        "cascad.payments",
        Decimal("800.00"),
        "RUB",
        RETURN_URL,
        "",
    )
    assert checkouts.payment_intent(result.checkout) == intent
    assert checkouts.payment_create(checkout.token, "cascad.payments", None, "").payment.amount == Decimal("800.00")


@pytest.mark.parametrize(
    ("gateway", "amount", "return_url", "expected"),
    [
        ("acme.payments", "800.00", RETURN_URL, ("NOT_SUPPORTED_GATEWAY", "gateway")),
        ("cascad.payments", "799.99", RETURN_URL, ("PARTIAL_PAYMENT_NOT_ALLOWED", "amount")),
        ("cascad.payments", "800.001", RETURN_URL, ("INVALID", "amount")),
        ("cascad.payments", "800.00", "https://evil.example/back", ("INVALID", "returnUrl")),
        ("cascad.payments", "800.00", "https://storefront.example.test.evil.example/", ("INVALID", "returnUrl")),
        ("cascad.payments", "800.00", "https://storefront.example.test@evil.example/", ("INVALID", "returnUrl")),
        ("cascad.payments", "800.00", "http://storefront.example.test/", ("INVALID", "returnUrl")),
        ("cascad.payments", "800.00", "javascript:alert(1)", ("INVALID", "returnUrl")),
        ("cascad.payments", "800.00", "/relative/path", ("INVALID", "returnUrl")),
    ],
)
def test_payment_create_refusals(cascad, channel, variant, gateway, amount, return_url, expected):
    checkout = ready(channel, [(variant, 1)])
    result = checkouts.payment_create(checkout.token, gateway, Decimal(amount), return_url)
    assert fields(result) == [expected] and result.checkout is None and result.payment is None
    assert result.errors[0].message
    assert checkouts.payment_intent(Checkout.objects.get(token=checkout.token)) is None


def test_payment_create_needs_a_complete_checkout(cascad, channel, variant):
    token = checkouts.create(channel, []).checkout.token
    pay = lambda amount="0.00": checkouts.payment_create(token, "cascad.payments", Decimal(amount), RETURN_URL)  # noqa: E731
    assert ("INVALID", "lines") in fields(pay())
    checkouts.lines_update(token, [(vid(variant), 1)])
    assert fields(pay("500.00")) == [
        ("BILLING_ADDRESS_NOT_SET", "billingAddress"),
        ("SHIPPING_ADDRESS_NOT_SET", "shippingAddress"),
    ]
    checkouts.shipping_address_update(token, ADDRESS)
    checkouts.billing_address_update(token, ADDRESS)
    assert fields(pay("500.00")) == [("SHIPPING_METHOD_NOT_SET", "shippingMethod")]
    checkouts.shipping_method_update(token, "ru-post")
    assert pay("650.00").errors == []
    assert fields(checkouts.payment_create("00000000-0000-0000-0000-000000000002", "cascad.payments")) == [
        ("NOT_FOUND", "token")
    ]


def test_payment_create_refuses_a_currency_cascad_does_not_take_there(cascad, channel, make_variant, settings, site):
    settings.CASCAD_CHANNELS = {"default-channel": {"site": f"{site.hostname}:{site.port}", "currency": "USD"}}
    cascad.offered_methods = ["sbp"]  # SBP takes roubles only
    cascad.save()
    variant = make_variant(price="9.99", currency="USD")
    checkout = ready(channel, [(variant, 1)])
    result = checkouts.payment_create(checkout.token, "cascad.payments", Decimal("14.99"), RETURN_URL)
    assert fields(result) == [("NOT_SUPPORTED_GATEWAY", "gateway")] and "USD" in result.errors[0].message


def test_messages_are_translated(channel):
    from django.utils import translation

    with translation.override("ru"):
        result = checkouts.email_update(checkouts.create(channel, []).checkout.token, "nope")
    assert result.errors[0].message != "Enter a valid email address."


def test_paid_for_helper_matches_the_sdk_amount(cascad, channel, variant):
    """The SDK's amount: Σ lines + shipping − discount, rounded to 2 places; the server agrees exactly."""
    checkout = ready(channel, [(variant, 3)])
    checkouts.promo_code_add(checkout.token, "TEN")
    fresh = checkouts.get_checkout(checkout.token)
    summary = checkouts.checkout_summary(fresh)
    sdk_amount = round(
        float(sum(line.total_price for line in summary.lines))
        + float(summary.shipping_price)
        - float(summary.discount),
        2,
    )
    assert Decimal(repr(sdk_amount)) == summary.total == Decimal("1650.00")
    assert paid_for(fresh).payment.amount == summary.total
