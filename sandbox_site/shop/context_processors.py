from __future__ import annotations

from .cart import Cart
from .currency import current_currency
from .models import CURRENCIES, CatalogueIndexPage


def shop(request) -> dict:
    """What the header needs on every page: the currency, the cart's size, the catalogue."""
    return {
        "shop_currency": current_currency(request),
        "shop_currencies": CURRENCIES,
        "cart_count": len(Cart(request)),
        "catalogue_page": CatalogueIndexPage.objects.live().first(),
    }
