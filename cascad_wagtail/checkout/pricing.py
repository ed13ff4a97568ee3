"""Reading a checkout: its lines priced by the shop's adapter, totals, payment gateways, recorded payment."""

from __future__ import annotations

import uuid
from decimal import Decimal

from .. import money, services, storefront
from ..addresses import Address
from ..exceptions import NotConfigured
from ..models import Checkout, CheckoutLine
from ..storefront import Channel, ShippingMethod, Voucher
from .results import CheckoutSummary, Gateway, LineSummary, PaymentIntent

GATEWAY_ID = "cascad.payments"
GATEWAY_NAME = "Cascad"


def _as_uuid(token: object) -> uuid.UUID | None:
    if isinstance(token, uuid.UUID):
        return token
    try:
        return uuid.UUID(str(token))
    except (TypeError, ValueError, AttributeError):
        return None


def get_checkout(token: object) -> Checkout | None:
    """The checkout with ``token`` (a UUID or its string), or ``None``."""
    token = _as_uuid(token)
    if token is None:
        return None
    return Checkout.objects.select_related("site", "payment").filter(token=token).first()


def _locked(token: uuid.UUID) -> Checkout | None:
    return Checkout.objects.select_for_update(of=("self",)).select_related("site").filter(token=token).first()


def channel_of(checkout: Checkout) -> Channel:
    return Channel(slug=checkout.channel, site=checkout.site, currency=checkout.currency)


def checkout_summary(checkout: Checkout) -> CheckoutSummary:
    """Lines, shipping, discount and totals, read afresh from the adapter (a fixed number of queries).

    Kept on the instance: the services return a fresh instance after every change, so a GraphQL
    request resolving many fields of one checkout prices it once.
    """
    cached = getattr(checkout, "_cascad_summary", None)
    if cached is None:
        cached = _summarize(checkout, list(checkout.lines.all()))
        checkout._cascad_summary = cached
    return cached


def _summarize(checkout: Checkout, lines: list[CheckoutLine], *, voucher_code: str | None = None) -> CheckoutSummary:
    adapter = storefront.get_adapter()
    channel = channel_of(checkout)
    currency = checkout.currency
    variants = adapter.get_variants(channel, [line.variant_id for line in lines]) if lines else {}
    priced, unavailable = [], []
    for line in lines:
        variant = variants.get(line.variant_id)
        if variant is None or variant.price is None:
            unavailable.append(line)
            continue
        unit = money.quantize(variant.price, currency)
        priced.append(LineSummary(line, variant, unit, money.quantize(unit * line.quantity, currency)))
    subtotal = money.quantize(sum((line.total_price for line in priced), Decimal(0)), currency)
    shipping_required = any(line.variant.is_shipping_required for line in priced)
    shipping_address = Address.from_data(checkout.shipping_address)
    methods: tuple[ShippingMethod, ...] = ()
    chosen = None
    if shipping_required:
        methods = tuple(adapter.get_shipping_methods(channel, shipping_address))
        chosen = next((method for method in methods if method.id == checkout.shipping_method_id), None)
    shipping_price = money.quantize(chosen.price if chosen else 0, currency)
    code = checkout.voucher_code if voucher_code is None else voucher_code
    voucher = _voucher(adapter, channel, code, subtotal) if code else None
    applies = voucher is not None and voucher.applicable
    discount = money.quantize(min(voucher.discount, subtotal) if applies else 0, currency)
    total = money.quantize(max(subtotal + shipping_price - discount, Decimal(0)), currency)
    return CheckoutSummary(
        checkout=checkout,
        channel=channel,
        lines=tuple(priced),
        unavailable=tuple(unavailable),
        subtotal=subtotal,
        is_shipping_required=shipping_required,
        available_shipping_methods=methods,
        shipping_method=chosen,
        shipping_price=shipping_price,
        voucher=voucher,
        discount=discount,
        total=total,
        shipping_address=shipping_address,
        billing_address=Address.from_data(checkout.billing_address),
    )


def _voucher(adapter, channel: Channel, code: str, subtotal: Decimal) -> Voucher | None:
    if not getattr(adapter, "supports_vouchers", False):
        return None
    return adapter.find_voucher(channel, code, subtotal)


def available_gateways(checkout: Checkout) -> list[Gateway]:
    """``cascad.payments`` when the checkout's site has Cascad switched on and fully configured."""
    try:
        config = services._checked_settings(checkout.site)
    except NotConfigured:
        return []
    keys = config.keys()
    return [
        Gateway(
            id=GATEWAY_ID,
            name=GATEWAY_NAME,
            currencies=(checkout.currency,),
            config=(
                ("publicKey", keys.public_key),
                ("checkoutUrl", f"{config.host}/hpp/"),
                ("widgetUrl", f"{config.host}/widget.js"),
                ("sandbox", "true" if config.mode == config.Mode.SANDBOX else "false"),
            ),
        )
    ]


def payment_intent(checkout: Checkout) -> PaymentIntent | None:
    """The payment ``checkoutPaymentCreate`` recorded on ``checkout``, or ``None``."""
    if not checkout.payment_gateway or checkout.payment_amount is None:
        return None
    payment = checkout.payment if checkout.frozen else None
    return PaymentIntent(
        gateway=checkout.payment_gateway,
        amount=money.quantize(checkout.payment_amount, checkout.currency),
        currency=checkout.currency,
        return_url=checkout.payment_return_url,
        token=(payment.invoice_id or "") if payment else "",
        payment=payment,
    )
