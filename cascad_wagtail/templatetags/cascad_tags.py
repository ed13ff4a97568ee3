from django import template

from ..formatting import display_amount

register = template.Library()


@register.filter
def cascad_money(amount, currency):
    """``{{ payment.amount|cascad_money:payment.currency }}`` → ``1,500.00 RUB`` / ``1 500,00 RUB``."""
    return display_amount(amount, currency)
