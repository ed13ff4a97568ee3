"""The order side of the storefront API: ``checkoutComplete``, ``orderByToken`` and the fields of
``Order`` and ``OrderLine``.

``checkoutComplete`` follows the two-phase lifecycle of ``spec/saleor-sdk.md`` (implemented in
``cascad_wagtail.checkout.complete``): the first call answers ``confirmationNeeded`` with the Cascad
Checkout URL to redirect to, a later call the order once paid (or still pending), or
``PAYMENT_ERROR``. ``paymentData`` is never read. A storefront that got an order whose payment is
``PENDING`` follows it with ``orderByToken`` (SDK 0.3.0-10 forgets the checkout at that point).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from typing import Any

from django.utils.translation import gettext as _
from graphql import GraphQLResolveInfo

from cascad_wagtail import checkout as checkouts
from cascad_wagtail import services, storefront
from cascad_wagtail.models import ChargeStatus
from cascad_wagtail.storefront import Channel, OrderInfo, OrderLineInfo, OrderStatus, Variant

from .ids import global_id
from .registry import resolver
from .storefront_resolvers import (
    ArgumentError,
    address,
    checkout_error,
    checkout_token,
    request_user,
    taxed,
    with_errors,
)


def status_display(status: str) -> str:
    """Saleor's display name of an ``OrderStatus``."""
    names = {
        "DRAFT": _("Draft"),
        OrderStatus.UNCONFIRMED: _("Unconfirmed"),
        OrderStatus.UNFULFILLED: _("Unfulfilled"),
        OrderStatus.PARTIALLY_FULFILLED: _("Partially fulfilled"),
        "PARTIALLY_RETURNED": _("Partially returned"),
        "RETURNED": _("Returned"),
        OrderStatus.FULFILLED: _("Fulfilled"),
        OrderStatus.CANCELED: _("Cancelled"),
    }
    return str(names.get(status, status))


class OrderView:
    """An ``OrderInfo`` as the ``Order`` type shows it; what costs a query is read once, when asked.

    Kept per answer (not per request), so an order read again later in a batch is read afresh.
    """

    def __init__(self, info: OrderInfo) -> None:
        self.info = info

    @classmethod
    def many(cls, infos: list[OrderInfo]) -> list[OrderView]:
        """Views of a page of orders whose payment statuses and line variants are read for the whole
        page at once (one query, and one adapter call per channel), not order by order."""
        views = [cls(info) for info in infos]
        statuses = services.order_payment_statuses([info.order for info in infos])
        by_channel: dict[str, list[OrderView]] = {}
        for view in views:
            view.__dict__["payment_status"] = str(statuses[view.info.order.pk])
            by_channel.setdefault(view.channel.slug, []).append(view)
        for group in by_channel.values():
            ids = {line.variant_id for view in group for line in view.info.lines if line.variant_id}
            variants = storefront.get_adapter().get_variants(group[0].channel, ids) if ids else {}
            for view in group:
                view.__dict__["variants"] = variants
        return views

    @functools.cached_property
    def payment_status(self) -> str:
        """Saleor's ``PaymentChargeStatusEnum`` of the order's current Cascad payment."""
        return str(services.order_payment_status(self.info.order))

    @functools.cached_property
    def variants(self) -> dict[str, Variant]:
        """The variants of every line, in one adapter call."""
        ids = [line.variant_id for line in self.info.lines if line.variant_id]
        return storefront.get_adapter().get_variants(self.channel, ids) if ids else {}

    @property
    def channel(self) -> Channel:
        """The channel the order was sold in: the one configured in its currency (else the default)."""
        order = self.info.order
        slugs = [item.slug for item in storefront.channel_settings().values() if item.currency == self.info.currency]
        slug = slugs[0] if len(slugs) == 1 else storefront.default_channel_slug() or ""
        return Channel(slug=slug, site=order.get_cascad_site(), currency=self.info.currency)

    @functools.cached_property
    def lines(self) -> list[OrderLineView]:
        return [
            OrderLineView(
                id=f"{self.info.order.pk}-{index}",  # the Node id resolver makes it global
                info=line,
                currency=self.info.currency,
                view=self,
            )
            for index, line in enumerate(self.info.lines, start=1)
        ]


@dataclasses.dataclass(frozen=True)
class OrderLineView:
    id: str
    info: OrderLineInfo
    currency: str
    view: OrderView


# -- queries ----------------------------------------------------------------------------------------


@resolver("Query", "orderByToken")
def resolve_order_by_token(_root: Any, _info: GraphQLResolveInfo, token: uuid.UUID) -> OrderView | None:
    """The order whose private token this is (the order page of a storefront), or null."""
    found = storefront.get_adapter().order_for_token(token)
    return OrderView(found) if found is not None else None


# -- Order ------------------------------------------------------------------------------------------


@resolver("Order", "id")
def resolve_order_id(order: OrderView, _info: GraphQLResolveInfo) -> str:
    return global_id("Order", order.info.order.pk)


@resolver("Order", "token")
def resolve_order_token(order: OrderView, _info: GraphQLResolveInfo) -> str:
    return str(order.info.token)


@resolver("Order", "number")
def resolve_order_number(order: OrderView, _info: GraphQLResolveInfo) -> str:
    return order.info.number


@resolver("Order", "created")
def resolve_order_created(order: OrderView, _info: GraphQLResolveInfo) -> Any:
    return order.info.created


@resolver("Order", "userEmail")
def resolve_order_email(order: OrderView, _info: GraphQLResolveInfo) -> str | None:
    return order.info.email or None


@resolver("Order", "status")
def resolve_order_status(order: OrderView, _info: GraphQLResolveInfo) -> str:
    return order.info.status


@resolver("Order", "statusDisplay")
def resolve_order_status_display(order: OrderView, _info: GraphQLResolveInfo) -> str:
    return status_display(order.info.status)


@resolver("Order", "paymentStatus")
def resolve_order_payment_status(order: OrderView, _info: GraphQLResolveInfo) -> str:
    return order.payment_status


@resolver("Order", "paymentStatusDisplay")
def resolve_order_payment_status_display(order: OrderView, _info: GraphQLResolveInfo) -> str:
    return str(ChargeStatus(order.payment_status).label)


@resolver("Order", "shippingAddress")
def resolve_order_shipping_address(order: OrderView, _info: GraphQLResolveInfo) -> dict[str, Any] | None:
    return address(order.info.shipping_address)


@resolver("Order", "lines")
def resolve_order_lines(order: OrderView, _info: GraphQLResolveInfo) -> list[OrderLineView]:
    return order.lines


@resolver("Order", "subtotal")
def resolve_order_subtotal(order: OrderView, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(order.info.subtotal, order.info.currency)


@resolver("Order", "shippingPrice")
def resolve_order_shipping_price(order: OrderView, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(order.info.shipping_price, order.info.currency)


@resolver("Order", "total")
def resolve_order_total(order: OrderView, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(order.info.total, order.info.currency)


@resolver("Order", "invoices")
def resolve_order_invoices(_order: OrderView, _info: GraphQLResolveInfo) -> list:
    """Saleor's invoices are documents the shop issues; Cascad's invoice is the payment, not one of them."""
    return []


# -- OrderLine --------------------------------------------------------------------------------------


@resolver("OrderLine", "productName")
def resolve_order_line_product_name(line: OrderLineView, _info: GraphQLResolveInfo) -> str:
    return line.info.product_name


@resolver("OrderLine", "quantity")
def resolve_order_line_quantity(line: OrderLineView, _info: GraphQLResolveInfo) -> int:
    return line.info.quantity


@resolver("OrderLine", "variant")
def resolve_order_line_variant(line: OrderLineView, _info: GraphQLResolveInfo) -> Variant | None:
    """The variant as sold now (null once the shop has deleted it)."""
    return line.view.variants.get(line.info.variant_id) if line.info.variant_id else None


@resolver("OrderLine", "unitPrice")
def resolve_order_line_unit_price(line: OrderLineView, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(line.info.unit_price, line.currency)


@resolver("OrderLine", "totalPrice")
def resolve_order_line_total(line: OrderLineView, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(line.info.total_price, line.currency)


@resolver("OrderLine", "thumbnail")
def resolve_order_line_thumbnail(
    line: OrderLineView, _info: GraphQLResolveInfo, size: int | None = None
) -> dict[str, Any] | None:
    url = line.info.thumbnail_url
    if url is None and line.info.variant_id:
        variant = line.view.variants.get(line.info.variant_id)
        url = variant.thumbnail_url if variant is not None else None
    return {"url": url, "alt": line.info.product_name} if url else None


# -- completing -------------------------------------------------------------------------------------


@resolver("Mutation", "checkoutComplete")
def resolve_checkout_complete(
    _root: Any,
    info: GraphQLResolveInfo,
    checkout_id: str | None = None,
    token: uuid.UUID | None = None,
    **_ignored: Any,  # paymentData, redirectUrl, storeSource: the payment is read from Cascad, never taken
) -> dict[str, Any]:
    """Place the order and its Cascad invoice (answer: redirect there), then follow the payment."""
    empty = {"order": None, "confirmationNeeded": False, "confirmationData": None}
    try:
        checkout = checkout_token(checkout_id, token)
    except ArgumentError as exc:
        return with_errors(empty, [exc.as_checkout_error()], "checkoutErrors")
    result = checkouts.complete(checkout, user=request_user(info))
    return with_errors(
        {
            "order": OrderView(result.order) if result.order is not None else None,
            "confirmationNeeded": result.confirmation_needed,
            # The service gives the JSON text; the JSONString scalar encodes what it is given, once.
            "confirmationData": json.loads(result.confirmation_data) if result.confirmation_data else None,
        },
        map(checkout_error, result.errors),
        "checkoutErrors",
    )
