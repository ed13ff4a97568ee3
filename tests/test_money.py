"""``money``: exact amounts per currency, and the wire JSON that carries them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cascad_wagtail import money, wire
from cascad_wagtail.exceptions import CascadError, InvalidAmount, UnsupportedCurrency

CURRENCIES = st.sampled_from(sorted(money.EXPONENTS))


@st.composite
def exact_amounts(draw):
    """A currency and an amount that fits its exponent, built from an integer count of minor units."""
    currency = draw(CURRENCIES)
    units = draw(st.integers(min_value=1, max_value=10**15))
    return currency, Decimal(units).scaleb(-money.exponent(currency))


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("RUB", 2),
        ("USD", 2),
        ("EUR", 2),
        ("UAH", 2),
        ("KZT", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("JOD", 3),
        ("OMR", 3),
        ("TND", 3),
    ],
)
def test_exponents_follow_iso_4217(currency, places):
    assert money.exponent(currency) == places


def test_unknown_currency_is_a_typed_error():
    with pytest.raises(UnsupportedCurrency) as info:
        money.exponent("XXX")
    assert isinstance(info.value, CascadError)


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("10.10", "RUB", "10.10"),
        (1500, "RUB", "1500.00"),
        (Decimal("99.9"), "UAH", "99.90"),
        ("1500", "JPY", "1500"),
        ("1.5", "KWD", "1.500"),
        (Decimal("1E+3"), "USD", "1000.00"),
    ],
)
def test_quantize_pads_to_the_exponent(value, currency, expected):
    result = money.quantize(value, currency)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("10.001", "RUB"),
        ("1.5", "JPY"),
        ("0.0001", "KWD"),
        (1.5, "RUB"),
        (True, "RUB"),
        ("abc", "RUB"),
        ("NaN", "RUB"),
        ("Infinity", "USD"),
        (None, "RUB"),
        ([], "RUB"),
    ],
)
def test_inexact_or_non_numeric_amounts_are_refused(value, currency):
    with pytest.raises(InvalidAmount):
        money.quantize(value, currency)


@pytest.mark.parametrize("value", ["0", "0.00", "-1", "-0.01"])
def test_payable_amounts_are_positive(value):
    with pytest.raises(InvalidAmount):
        money.validate_amount(value, "RUB")


@given(exact_amounts())
def test_exact_amounts_survive_quantize_unchanged(case):
    currency, amount = case
    result = money.quantize(amount, currency)
    assert result == amount
    assert -result.as_tuple().exponent == money.exponent(currency)


@given(exact_amounts(), st.integers(min_value=1, max_value=9))
def test_one_more_decimal_place_is_always_refused(case, digit):
    currency, amount = case
    finer = amount + Decimal(digit).scaleb(-money.exponent(currency) - 1)
    with pytest.raises(InvalidAmount):
        money.quantize(finer, currency)


@given(exact_amounts())
def test_minor_units_round_trip(case):
    currency, amount = case
    units = money.to_minor_units(amount, currency)
    assert isinstance(units, int)
    assert money.from_minor_units(units, currency) == amount


@given(exact_amounts())
def test_wire_json_round_trips_amounts_exactly(case):
    currency, amount = case
    wire_amount = money.quantize(amount, currency)
    document = {"amount": wire_amount, "currency": currency}
    decoded = wire.loads(wire.dumps(document))
    parsed = money.quantize(decoded["amount"], decoded["currency"])
    assert parsed == amount
    assert str(parsed) == str(wire_amount)


@given(st.lists(exact_amounts(), min_size=1, max_size=20))
def test_sums_of_exact_amounts_stay_exact(cases):
    """Adding money never leaves the currency's grid: no float drift, no silent rounding."""
    currency = cases[0][0]
    amounts = [money.quantize(a.scaleb(0), c) for c, a in cases if c == currency]
    total = sum(amounts, Decimal(0))
    assert money.quantize(total, currency) == total


def test_wire_refuses_floats_and_keeps_decimals_verbatim():
    with pytest.raises(TypeError):
        wire.dumps({"amount": 1.5})
    assert wire.dumps({"amount": Decimal("1500.00")}) == b'{"amount":1500.00}'
    assert wire.loads(b'{"amount": 0.1}')["amount"] == Decimal("0.1")
    with pytest.raises(ValueError):
        wire.loads(b'{"amount": NaN}')


def test_wire_writes_non_ascii_as_utf8():
    assert wire.dumps({"description": "Заказ №42"}) == '{"description":"Заказ №42"}'.encode()


def test_format_amount_for_people():
    assert money.format_amount("1500", "RUB") == "1500.00 RUB"
