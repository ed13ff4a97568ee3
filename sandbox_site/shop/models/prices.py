"""Prices in the shop's three currencies: every priced thing carries one price per currency."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CURRENCIES = ("RUB", "USD", "EUR")
DEFAULT_CURRENCY = "RUB"
PRICE = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class Priced(models.Model):
    price_rub = models.DecimalField(_("price in RUB"), **PRICE)
    price_usd = models.DecimalField(_("price in USD"), **PRICE)
    price_eur = models.DecimalField(_("price in EUR"), **PRICE)

    class Meta:
        abstract = True

    def price(self, currency: str) -> Decimal:
        if currency not in CURRENCIES:
            raise ValueError(f"The shop has no prices in {currency!r}.")
        return getattr(self, f"price_{currency.lower()}")
