"""The customer's currency: chosen in the header, kept in the session, RUB until chosen."""

from __future__ import annotations

from .models import CURRENCIES, DEFAULT_CURRENCY

SESSION_KEY = "shop_currency"


def current_currency(request) -> str:
    currency = request.session.get(SESSION_KEY)
    return currency if currency in CURRENCIES else DEFAULT_CURRENCY


def choose_currency(request, currency: str) -> bool:
    if currency not in CURRENCIES:
        return False
    request.session[SESSION_KEY] = currency
    return True
