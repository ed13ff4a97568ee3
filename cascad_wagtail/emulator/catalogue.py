"""The payment services the emulated account offers.

At least the contract's: ``payment_card_{cur}_hpp``, ``sbp_rub_hpp`` and ``wallet_{cur}_hpp`` for RUB,
USD, EUR, UAH and KZT. Cards are also offered in every other currency the package knows an ISO 4217
exponent for, so zero- and three-decimal currencies (JPY, KWD, …) can be exercised end to end.
"""

from __future__ import annotations

from ..money import EXPONENTS

MAIN_CURRENCIES = ("RUB", "USD", "EUR", "UAH", "KZT")

_CARD_FIELDS = [
    {"name": "card_number", "type": "string", "required": True},
    {"name": "card_expiry", "type": "string", "required": True},
    {"name": "card_cvv", "type": "string", "required": True},
    {"name": "cardholder", "type": "string", "required": False},
]
_NAMES = {
    "payment_card": {"en": "Bank card", "ru": "Банковская карта"},
    "sbp": {"en": "Faster Payments System (SBP)", "ru": "Система быстрых платежей (СБП)"},
    "wallet": {"en": "Cascad Wallet", "ru": "Кошелёк Cascad"},
}
_FIELDS = {
    "payment_card": _CARD_FIELDS,
    "sbp": [{"name": "phone", "type": "string", "required": False}],
    "wallet": [{"name": "wallet_id", "type": "string", "required": True}],
}


def _service(method: str, currency: str) -> dict:
    code = f"{method}_{currency.lower()}_hpp"
    return {
        "code": code,
        "method": method,
        "currency": currency,
        "name": dict(_NAMES[method]),
        "fields": [dict(field) for field in _FIELDS[method]],
    }


def services_for(currency: str) -> dict[str, dict]:
    """Service code → descriptor, for the services offered in ``currency`` (empty if none)."""
    if currency not in EXPONENTS:
        return {}
    services = [_service("payment_card", currency)]
    if currency == "RUB":
        services.append(_service("sbp", currency))
    if currency in MAIN_CURRENCIES:
        services.append(_service("wallet", currency))
    return {service["code"]: service for service in services}


def method_of(service_code: str) -> str | None:
    for method in _NAMES:
        if service_code.startswith(method + "_"):
            return method
    return None
