"""Placing an order: stock taken under row locks, prices fixed, all in one transaction."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from .models import Order, OrderLine, ProductVariant, ShippingMethod


@dataclasses.dataclass(frozen=True)
class Shortage:
    variant: ProductVariant | None
    wanted: int
    available: int


class OutOfStock(Exception):
    """Some lines ask for more than is left; nothing was ordered."""

    def __init__(self, shortages: list[Shortage]) -> None:
        super().__init__(f"{len(shortages)} line(s) out of stock")
        self.shortages = shortages


def place_order(
    *,
    quantities: dict[int, int],
    currency: str,
    site,
    customer: dict[str, str],
    shipping: ShippingMethod,
    payment_method: str = "",
) -> Order:
    """Create the order with its lines and take its stock, or raise ``OutOfStock`` and change nothing.

    The variants are locked in a fixed order (no deadlock between two checkouts) and each decrement
    is conditional on the stock still being there, so the last unit goes to one customer only, on
    PostgreSQL (row locks) and SQLite (one writer at a time) alike.
    """
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update(of=("self",)).select_related("page")
        variants = {variant.pk: variant for variant in locked.filter(pk__in=quantities).order_by("pk")}
        shortages = [
            Shortage(variants.get(pk), wanted, variants[pk].stock if pk in variants else 0)
            for pk, wanted in quantities.items()
            if pk not in variants or not variants[pk].page.live or variants[pk].stock < wanted
        ]
        if shortages or not quantities:
            raise OutOfStock(shortages)
        for pk, wanted in sorted(quantities.items()):
            taken = ProductVariant.objects.filter(pk=pk, stock__gte=wanted).update(stock=F("stock") - wanted)
            if not taken:  # only without row locks: another checkout got there first
                raise OutOfStock([Shortage(variants[pk], wanted, 0)])
        subtotal = sum((variants[pk].price(currency) * wanted for pk, wanted in quantities.items()), Decimal(0))
        shipping_price = shipping.price(currency)
        order = Order.objects.create(
            site=site,
            currency=currency,
            subtotal=subtotal,
            shipping_method=shipping,
            shipping_name=shipping.name,
            shipping_price=shipping_price,
            total=subtotal + shipping_price,
            payment_method=payment_method,
            **customer,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant=variants[pk],
                product_title=variants[pk].page.title,
                variant_name=variants[pk].name,
                sku=variants[pk].sku,
                unit_price=variants[pk].price(currency),
                quantity=wanted,
            )
            for pk, wanted in quantities.items()
        )
    return order
