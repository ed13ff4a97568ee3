"""Money for people, in the active language (``1,500.00 RUB``, ``1 500,00 RUB``)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats

from . import money


def display_amount(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    value = money.quantize(amount, currency)
    number = formats.number_format(value, decimal_pos=money.exponent(currency), use_l10n=True, force_grouping=True)
    return f"{number}\u00a0{currency}"
