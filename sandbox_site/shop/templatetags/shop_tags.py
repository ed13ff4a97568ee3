from django import template
from django.utils.translation import gettext as _

from cascad_wagtail.formatting import display_amount

register = template.Library()


@register.filter
def price(priced, currency: str) -> str:
    """``{{ variant|price:shop_currency }}`` → ``1 290,00 RUB`` (the shop's price in that currency)."""
    return display_amount(priced.price(currency), currency)


@register.filter
def lowest_price(product, currency: str) -> str:
    return display_amount(product.lowest_price(currency), currency)


@register.filter
def price_varies(product, currency: str) -> bool:
    return product.price_varies(currency)


@register.filter
def money_or_free(amount, currency: str) -> str:
    return display_amount(amount, currency) if amount else _("Free")


@register.filter
def shipping_price(method, currency: str) -> str:
    """A shipping method's price, or "Free"."""
    return money_or_free(method.price(currency), currency)
