"""Exact money: ISO 4217 exponents, Decimal quantizing and the wire form of amounts.

Cascad sends amounts as decimal major units in JSON numbers (``1500.00``, ``99.9``, ``1500``).
They are read as ``Decimal`` (never ``float``) and are valid only when rounding them to the
currency's exponent does not change their value: ``10.10 RUB`` is fine, ``10.001 RUB`` is not.
Nothing here rounds money silently; an amount that does not fit is an error.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .exceptions import InvalidAmount, UnsupportedCurrency

#: Minor-unit exponents of ISO 4217 for the currencies Cascad settles.
EXPONENTS: dict[str, int] = {
    "RUB": 2,
    "USD": 2,
    "EUR": 2,
    "UAH": 2,
    "KZT": 2,
    "GBP": 2,
    "CHF": 2,
    "PLN": 2,
    "CZK": 2,
    "TRY": 2,
    "GEL": 2,
    "AMD": 2,
    "AZN": 2,
    "BYN": 2,
    "UZS": 2,
    "KGS": 2,
    "MDL": 2,
    "CNY": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "BHD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}


def exponent(currency: str) -> int:
    """The number of decimal places of ``currency`` (an upper-case ISO 4217 code)."""
    try:
        return EXPONENTS[currency]
    except (KeyError, TypeError):
        raise UnsupportedCurrency(f"Unsupported currency {currency!r}.", currency=currency) from None


def quantum(currency: str) -> Decimal:
    """The smallest unit of ``currency`` as a Decimal (``0.01`` for RUB, ``1`` for JPY)."""
    return Decimal(1).scaleb(-exponent(currency))


def to_decimal(value: object) -> Decimal:
    """Turn a wire or form value into a Decimal without ever passing through a binary float.

    Accepts ``Decimal``, ``int`` and decimal strings. A ``float`` is refused: by the time an amount
    is a float it may already be wrong, so the caller must parse JSON with ``parse_float=Decimal``.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidAmount(f"Amount {value!r} is not an exact decimal number.")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidAmount(f"Amount {value!r} is not a number.") from None
    else:
        raise InvalidAmount(f"Amount {value!r} is not a number.")
    if not result.is_finite():
        raise InvalidAmount(f"Amount {value!r} is not a finite number.")
    return result


def quantize(value: object, currency: str) -> Decimal:
    """``value`` as a Decimal with exactly the currency's decimal places.

    Raises ``InvalidAmount`` when that would change the value (too many decimals): money is never
    rounded behind anyone's back. Zero and negative values pass; see ``validate_amount``.
    """
    amount = to_decimal(value)
    q = quantum(currency)
    try:
        result = amount.quantize(q)
    except InvalidOperation:
        raise InvalidAmount(f"Amount {value!r} is too large.", currency=currency) from None
    if result != amount:
        raise InvalidAmount(
            f"Amount {amount} has more decimal places than {currency} allows ({exponent(currency)}).",
            currency=currency,
        )
    return result


def validate_amount(value: object, currency: str) -> Decimal:
    """A payable amount: exact in the currency's exponent and greater than zero."""
    result = quantize(value, currency)
    if result <= 0:
        raise InvalidAmount(f"Amount must be greater than zero, got {result}.", currency=currency)
    return result


def to_minor_units(value: object, currency: str) -> int:
    """The amount as an integer count of minor units (kopecks, cents)."""
    return int(quantize(value, currency).scaleb(exponent(currency)))


def from_minor_units(units: int, currency: str) -> Decimal:
    """The inverse of ``to_minor_units``."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise InvalidAmount(f"Minor units {units!r} must be an integer.", currency=currency)
    return Decimal(units).scaleb(-exponent(currency)).quantize(quantum(currency))


def format_amount(value: object, currency: str) -> str:
    """Plain text for people and logs: ``1500.00 RUB``."""
    return f"{quantize(value, currency)} {currency}"
