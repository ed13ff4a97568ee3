"""The cart: variant ids and quantities in the session, priced in the customer's currency when read."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from .models import ProductVariant

SESSION_KEY = "shop_cart"
MAX_QUANTITY = 99


@dataclasses.dataclass(frozen=True)
class CartLine:
    variant: ProductVariant
    quantity: int
    currency: str

    @property
    def unit_price(self) -> Decimal:
        return self.variant.price(self.currency)

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    # The same names as ``OrderLine``'s, so one template shows both.
    @property
    def display_product(self) -> str:
        return self.variant.page.display_title

    @property
    def display_variant(self) -> str:
        return self.variant.display_name

    @property
    def sku(self) -> str:
        return self.variant.sku

    @property
    def product_page(self):
        return self.variant.page

    @property
    def picture(self):
        return self.variant.picture


class Cart:
    def __init__(self, request) -> None:
        self.session = request.session
        self.items: dict[str, int] = {
            key: int(quantity) for key, quantity in self.session.get(SESSION_KEY, {}).items() if int(quantity) > 0
        }

    def __len__(self) -> int:
        return sum(self.items.values())

    def quantity_of(self, variant: ProductVariant) -> int:
        return self.items.get(str(variant.pk), 0)

    def add(self, variant: ProductVariant, quantity: int) -> int:
        """Add up to the stock (and ``MAX_QUANTITY``); returns the quantity now in the cart."""
        return self.set(variant, self.quantity_of(variant) + quantity)

    def set(self, variant: ProductVariant, quantity: int) -> int:
        quantity = max(0, min(quantity, variant.stock, MAX_QUANTITY))
        if quantity:
            self.items[str(variant.pk)] = quantity
        else:
            self.items.pop(str(variant.pk), None)
        self._save()
        return quantity

    def remove(self, variant_id: int) -> None:
        self.items.pop(str(variant_id), None)
        self._save()

    def clear(self) -> None:
        self.items = {}
        self._save()

    def lines(self, currency: str) -> list[CartLine]:
        """The cart's lines, in the order they were added; variants no longer sold drop out."""
        variants = ProductVariant.objects.filter(pk__in=self.items, page__live=True).select_related("page")
        by_id = {str(variant.pk): variant for variant in variants}
        return [CartLine(by_id[key], quantity, currency) for key, quantity in self.items.items() if key in by_id]

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.items
        self.session.modified = True


def subtotal(lines: list[CartLine]) -> Decimal:
    return sum((line.total for line in lines), Decimal(0))
