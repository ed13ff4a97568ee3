"""The test shop's storefront adapter (``CASCAD_STOREFRONT_ADAPTER`` in ``tests.settings``).

A minimal but honest shop: variants and orders in the database (stock taken under row locks, in a
fixed number of queries whatever the number of lines), shipping methods and vouchers as constants.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When

from cascad_wagtail import money, services
from cascad_wagtail.addresses import Address
from cascad_wagtail.models import ChargeStatus
from cascad_wagtail.storefront import (
    Channel,
    InsufficientStock,
    OrderInfo,
    OrderLineInfo,
    OrderRequest,
    OrderStatus,
    ShippingMethod,
    Variant,
    Voucher,
)

from .models import Order, OrderLine
from .models import Variant as VariantRow

#: id → (name, prices per currency, countries it delivers to; None: everywhere).
SHIPPING = {
    "courier": ("Courier", {"RUB": "300.00", "USD": "5.00", "EUR": "5.00"}, None),
    "ru-post": ("Russian Post", {"RUB": "150.00"}, {"RU"}),
}
#: code → (name, percentage, fixed amounts per currency, minimum subtotal per currency).
VOUCHERS = {
    "TEN": ("Ten percent off", Decimal(10), {}, {}),
    "FIXED100": ("100 off orders from 1000", None, {"RUB": Decimal(100)}, {"RUB": Decimal(1000)}),
}
PAID = (ChargeStatus.FULLY_CHARGED, ChargeStatus.PARTIALLY_REFUNDED, ChargeStatus.FULLY_REFUNDED)


def _ids(ids) -> list[int]:
    return [int(value) for value in ids if str(value).isdigit()]


def _variant(row: VariantRow, currency: str) -> Variant:
    price = row.prices.get(currency)
    return Variant(
        id=str(row.pk),
        sku=row.sku,
        name=row.name,
        product_name=row.product_name,
        product_id=str(row.pk),
        product_slug=row.sku.lower(),
        price=None if price is None else Decimal(price),
        currency=currency,
        quantity_available=row.stock,
        thumbnail_url=f"https://img.example.test/{row.sku}.png",
        is_purchasable=row.published,
        is_shipping_required=row.shipping_required,
    )


def change_stock(quantities: dict[int, int], sign: int) -> int:
    """Add (``sign`` 1) or take (-1) stock of several variants in one UPDATE; returns the rows changed.

    Taking is conditional on each variant still having enough, so it changes nothing it cannot take.
    """
    if not quantities:
        return 0
    rows = VariantRow.objects.all()
    if sign < 0:
        rows = rows.filter(reduce(or_, (Q(pk=pk, stock__gte=count) for pk, count in quantities.items())))
    else:
        rows = rows.filter(pk__in=quantities)
    delta = Case(
        *(When(pk=pk, then=Value(count)) for pk, count in quantities.items()),
        default=Value(0),
        output_field=models.IntegerField(),
    )
    return rows.update(stock=F("stock") + sign * delta)


class TestStorefront:
    supports_vouchers = True

    def get_variants(self, channel: Channel, ids) -> dict[str, Variant]:
        rows = VariantRow.objects.filter(pk__in=_ids(ids))
        return {str(row.pk): _variant(row, channel.currency) for row in rows}

    def get_shipping_methods(self, channel: Channel, address: Address | None) -> list[ShippingMethod]:
        if address is None:
            return []
        methods = []
        for method_id, (name, prices, countries) in SHIPPING.items():
            if channel.currency in prices and (countries is None or address.country in countries):
                methods.append(ShippingMethod(method_id, name, Decimal(prices[channel.currency]), channel.currency))
        return methods

    def find_voucher(self, channel: Channel, code: str, subtotal: Decimal) -> Voucher | None:
        found = VOUCHERS.get(code.upper())
        if found is None:
            return None
        name, percentage, amounts, minimums = found
        if subtotal < minimums.get(channel.currency, Decimal(0)):
            return Voucher(code.upper(), name, Decimal(0), applicable=False)
        if percentage is not None:
            discount = (subtotal * percentage / 100).quantize(money.quantum(channel.currency), ROUND_HALF_UP)
        elif channel.currency in amounts:
            discount = amounts[channel.currency]
        else:
            return Voucher(code.upper(), name, Decimal(0), applicable=False)
        return Voucher(code.upper(), name, min(discount, subtotal))

    def create_order(self, request: OrderRequest) -> Order:
        quantities = {int(line.variant.id): line.quantity for line in request.lines}
        with transaction.atomic():
            locked = VariantRow.objects.select_for_update().filter(pk__in=quantities).order_by("pk")
            variants = {row.pk: row for row in locked}
            short = [
                str(pk)
                for pk, wanted in quantities.items()
                if pk not in variants or not variants[pk].published or variants[pk].stock < wanted
            ]
            if short:
                raise InsufficientStock(short)
            if change_stock(quantities, -1) != len(quantities):
                raise InsufficientStock([str(pk) for pk in quantities])
            currency = request.currency
            prices = {pk: Decimal(variants[pk].prices[currency]) for pk in quantities}
            subtotal = sum((prices[pk] * count for pk, count in quantities.items()), Decimal(0))
            shipping = request.shipping_method
            shipping_price = Decimal(SHIPPING[shipping.id][1][currency]) if shipping else Decimal(0)
            order = Order.objects.create(
                email=request.email,
                total=subtotal + shipping_price - request.discount,
                currency=currency,
                site=request.channel.site,
                shipping_method=shipping.id if shipping else "",
                shipping_price=shipping_price,
                discount=request.discount,
                shipping_address=request.shipping_address.as_dict() if request.shipping_address else None,
                billing_address=request.billing_address.as_dict() if request.billing_address else None,
                user=request.user if getattr(request.user, "is_authenticated", False) else None,
            )
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=order,
                    variant=variants[pk],
                    product_name=variants[pk].product_name,
                    variant_name=variants[pk].name,
                    sku=variants[pk].sku,
                    unit_price=prices[pk],
                    quantity=count,
                )
                for pk, count in quantities.items()
            )
        return order

    def cancel_order(self, order: Order) -> None:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.cancelled:
                return
            change_stock({line.variant_id: line.quantity for line in locked.lines.all() if line.variant_id}, 1)
            locked.cancelled = True
            locked.save(update_fields=["cancelled"])

    def get_order_info(self, order: Order) -> OrderInfo:
        return self.get_order_infos([order])[0]

    def get_order_infos(self, orders) -> list[OrderInfo]:
        found = Order.objects.select_related("site").prefetch_related("lines").in_bulk([order.pk for order in orders])
        statuses = services.order_payment_statuses(found.values())
        return [self._info(found[order.pk], statuses[order.pk]) for order in orders]

    def orders_for_user(self, user):
        return Order.objects.filter(user=user)

    def _info(self, order: Order, payment_status: str) -> OrderInfo:
        if order.cancelled:
            status = OrderStatus.CANCELED
        elif payment_status in PAID:
            status = OrderStatus.UNFULFILLED
        else:
            status = OrderStatus.UNCONFIRMED
        lines = tuple(
            OrderLineInfo(
                variant_id=str(line.variant_id) if line.variant_id else None,
                product_name=line.product_name,
                variant_name=line.variant_name,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total_price=line.unit_price * line.quantity,
            )
            for line in order.lines.all()
        )
        subtotal = sum((line.total_price for line in lines), Decimal(0))
        return OrderInfo(
            order=order,
            token=order.token,
            number=str(order.pk),
            created=order.created_at,
            status=status,
            email=order.email,
            currency=order.currency,
            lines=lines,
            subtotal=subtotal,
            shipping_price=order.shipping_price,
            discount=order.discount,
            total=money.quantize(order.total, order.currency),
            shipping_method_name=SHIPPING.get(order.shipping_method, ("",))[0],
            shipping_address=Address.from_data(order.shipping_address),
            billing_address=Address.from_data(order.billing_address),
        )

    def order_for_token(self, token: uuid.UUID) -> OrderInfo | None:
        order = Order.objects.filter(token=token).first()
        return self.get_order_info(order) if order else None


class NoVoucherStorefront(TestStorefront):
    """A shop without vouchers."""

    supports_vouchers = False
