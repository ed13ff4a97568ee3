"""Placing an order: stock taken under row locks, prices fixed, all in one transaction."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When

from .models import Order, OrderLine, ProductVariant, ShippingMethod


@dataclasses.dataclass(frozen=True)
class Shortage:
    variant: ProductVariant | None
    wanted: int
    available: int
    variant_id: int | None = None


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
    customer: dict,
    shipping: ShippingMethod,
    payment_method: str = "",
    discount: Decimal = Decimal(0),
    voucher_code: str = "",
    user=None,
) -> Order:
    """Create the order with its lines and take its stock, or raise ``OutOfStock`` and change nothing.

    The variants are locked in a fixed order (no deadlock between two checkouts) and the decrement is
    conditional on the stock still being there, so the last unit goes to one customer only, on
    PostgreSQL (row locks) and SQLite (one writer at a time) alike. The queries are the same however
    many lines the order has. ``customer`` holds Order fields (email, name, address…); ``discount``
    (a voucher's, already computed) is taken off the total. ``user`` is the signed-in customer whose
    account the order belongs to (``None`` for an anonymous one).
    """
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update(of=("self",)).select_related("page")
        variants = {variant.pk: variant for variant in locked.filter(pk__in=quantities).order_by("pk")}
        shortages = [
            Shortage(variants.get(pk), wanted, variants[pk].stock if pk in variants else 0, pk)
            for pk, wanted in quantities.items()
            if pk not in variants or not variants[pk].page.live or variants[pk].stock < wanted
        ]
        if shortages or not quantities:
            raise OutOfStock(shortages)
        if _take_stock(quantities) != len(quantities):  # only without row locks: another checkout got there first
            raise OutOfStock([Shortage(variants[pk], wanted, 0, pk) for pk, wanted in quantities.items()])
        subtotal = sum((variants[pk].price(currency) * wanted for pk, wanted in quantities.items()), Decimal(0))
        shipping_price = shipping.price(currency)
        order = Order.objects.create(
            site=site,
            currency=currency,
            subtotal=subtotal,
            shipping_method=shipping,
            shipping_name=shipping.name,
            shipping_price=shipping_price,
            voucher_code=voucher_code,
            discount=discount,
            total=subtotal + shipping_price - discount,
            payment_method=payment_method,
            user=user,
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


def _stock_delta(quantities: dict[int, int]) -> Case:
    return Case(
        *(When(pk=pk, then=Value(count)) for pk, count in quantities.items()),
        default=Value(0),
        output_field=models.IntegerField(),
    )


def _take_stock(quantities: dict[int, int]) -> int:
    """Take every line's quantity in one UPDATE, from the variants that still have it; the rows changed."""
    enough = reduce(or_, (Q(pk=pk, stock__gte=wanted) for pk, wanted in quantities.items()))
    return ProductVariant.objects.filter(enough).update(stock=F("stock") - _stock_delta(quantities))


def return_stock(order: Order) -> None:
    """Give an order's stock back (an unpaid order that will not be paid), in one UPDATE."""
    quantities: dict[int, int] = {}
    for line in order.lines.all():
        if line.variant_id:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    if quantities:
        ProductVariant.objects.filter(pk__in=quantities).update(stock=F("stock") + _stock_delta(quantities))
