"""The checkout side of the storefront API: ``checkout(token)``, the checkout mutations up to
``checkoutPaymentCreate``, and the fields of ``Checkout``, ``CheckoutLine``, ``ShippingMethod``,
``PaymentGateway`` and ``Payment``.

Every ``Checkout`` field reads ``checkout.checkout_summary``, which prices the checkout through the
adapter once per instance: a query that selects totals, lines and shipping costs the same whatever
the number of lines. Mutations answer their errors under ``errors`` and ``checkoutErrors`` (or
``paymentErrors``); a rejected mutation answers ``checkout: null`` and has changed nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphql import GraphQLResolveInfo

from cascad_wagtail import checkout as checkouts
from cascad_wagtail.models import Checkout

from .ids import InvalidGlobalId, from_global_id, global_id
from .registry import resolver
from .storefront_resolvers import (
    ArgumentError,
    address,
    address_input,
    checkout_error,
    checkout_token,
    money,
    payment_error,
    request_user,
    taxed,
    with_errors,
)

# -- queries ----------------------------------------------------------------------------------------


@resolver("Query", "checkout")
def resolve_checkout(_root: Any, _info: GraphQLResolveInfo, token: uuid.UUID | None = None) -> Checkout | None:
    """The checkout ``token`` names (the token is its only key: whoever holds it may see it)."""
    return checkouts.get_checkout(token) if token is not None else None


@resolver("User", "checkoutTokens")
def resolve_user_checkout_tokens(user: Any, _info: GraphQLResolveInfo, channel: str | None = None) -> list:
    """The signed-in customer's open checkouts (in ``channel`` when named), newest first."""
    checkouts_of_user = Checkout.objects.filter(user_id=user.pk)
    if channel:
        checkouts_of_user = checkouts_of_user.filter(channel=channel)
    return list(checkouts_of_user.values_list("token", flat=True))


# -- Checkout ---------------------------------------------------------------------------------------


def _summary(checkout: Checkout) -> checkouts.CheckoutSummary:
    return checkouts.checkout_summary(checkout)


@resolver("Checkout", "id")
def resolve_checkout_id(checkout: Checkout, _info: GraphQLResolveInfo) -> str:
    # Saleor's checkout id carries the token, not the row's pk: the SDK sends it back as checkoutId.
    return global_id("Checkout", checkout.token)


@resolver("Checkout", "email")
def resolve_checkout_email(checkout: Checkout, _info: GraphQLResolveInfo) -> str | None:
    return checkout.email or None


@resolver("Checkout", "lines")
def resolve_checkout_lines(checkout: Checkout, _info: GraphQLResolveInfo) -> list[checkouts.LineSummary]:
    """The lines the shop still sells in the channel (the others count in no total; completing names them)."""
    return list(_summary(checkout).lines)


@resolver("Checkout", "subtotalPrice")
def resolve_checkout_subtotal(checkout: Checkout, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(_summary(checkout).subtotal, checkout.currency)


@resolver("Checkout", "shippingPrice")
def resolve_checkout_shipping_price(checkout: Checkout, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(_summary(checkout).shipping_price, checkout.currency)


@resolver("Checkout", "totalPrice")
def resolve_checkout_total(checkout: Checkout, _info: GraphQLResolveInfo) -> dict[str, Any]:
    """Σ lines + shipping − discount: what the SDK computes and sends as the payment amount."""
    return taxed(_summary(checkout).total, checkout.currency)


@resolver("Checkout", "shippingAddress")
def resolve_checkout_shipping_address(checkout: Checkout, _info: GraphQLResolveInfo) -> dict[str, Any] | None:
    return address(_summary(checkout).shipping_address)


@resolver("Checkout", "billingAddress")
def resolve_checkout_billing_address(checkout: Checkout, _info: GraphQLResolveInfo) -> dict[str, Any] | None:
    return address(_summary(checkout).billing_address)


@resolver("Checkout", "availableShippingMethods")
def resolve_available_shipping_methods(checkout: Checkout, _info: GraphQLResolveInfo) -> list:
    return list(_summary(checkout).available_shipping_methods)


@resolver("Checkout", "shippingMethod")
def resolve_checkout_shipping_method(checkout: Checkout, _info: GraphQLResolveInfo) -> Any:
    """The chosen method while it can deliver to the shipping address, else null."""
    return _summary(checkout).shipping_method


@resolver("Checkout", "isShippingRequired")
def resolve_is_shipping_required(checkout: Checkout, _info: GraphQLResolveInfo) -> bool:
    return _summary(checkout).is_shipping_required


@resolver("Checkout", "discount")
def resolve_checkout_discount(checkout: Checkout, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return money(_summary(checkout).discount, checkout.currency)


@resolver("Checkout", "discountName")
@resolver("Checkout", "translatedDiscountName")
def resolve_discount_name(checkout: Checkout, _info: GraphQLResolveInfo) -> str | None:
    summary = _summary(checkout)
    return summary.voucher.name if summary.voucher is not None and summary.discount > 0 else None


@resolver("Checkout", "voucherCode")
def resolve_voucher_code(checkout: Checkout, _info: GraphQLResolveInfo) -> str | None:
    return checkout.voucher_code or None


@resolver("Checkout", "availablePaymentGateways")
def resolve_available_payment_gateways(checkout: Checkout, _info: GraphQLResolveInfo) -> list:
    """``cascad.payments`` where the checkout's site has Cascad switched on, else nothing."""
    return checkouts.available_gateways(checkout)


# -- CheckoutLine, ShippingMethod, PaymentGateway ---------------------------------------------------


@resolver("CheckoutLine", "id")
def resolve_line_id(line: checkouts.LineSummary, _info: GraphQLResolveInfo) -> str:
    return global_id("CheckoutLine", line.line.pk)


@resolver("CheckoutLine", "quantity")
def resolve_line_quantity(line: checkouts.LineSummary, _info: GraphQLResolveInfo) -> int:
    return line.line.quantity


@resolver("CheckoutLine", "totalPrice")
def resolve_line_total(line: checkouts.LineSummary, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return taxed(line.total_price, line.variant.currency)


@resolver("ShippingMethod", "price")
def resolve_shipping_method_price(method: Any, _info: GraphQLResolveInfo) -> dict[str, Any]:
    return money(method.price, method.currency)


@resolver("PaymentGateway", "config")
def resolve_gateway_config(gateway: checkouts.Gateway, _info: GraphQLResolveInfo) -> list[dict[str, str]]:
    return [{"field": field, "value": value} for field, value in gateway.config]


# -- mutations --------------------------------------------------------------------------------------


def _checkout_payload(run: Callable[[], checkouts.CheckoutResult]) -> dict[str, Any]:
    """Run a checkout service and answer Saleor's payload; an unreadable argument is one error."""
    try:
        result = run()
    except ArgumentError as exc:
        return with_errors({"checkout": None, "created": False}, [exc.as_checkout_error()], "checkoutErrors")
    payload = {"checkout": result.checkout, "created": result.created}
    return with_errors(payload, map(checkout_error, result.errors), "checkoutErrors")


def _lines(lines: Iterable[Mapping[str, Any] | None] | None) -> list[checkouts.LineInput]:
    """``CheckoutLineInput``s with the shop's own variant ids (the input carries global ids)."""
    result = []
    for line in lines or ():
        if line is None:
            continue
        try:
            variant_id = from_global_id(line["variant_id"], "ProductVariant")
        except InvalidGlobalId as exc:
            raise ArgumentError("variantId", exc.message) from exc
        result.append(checkouts.LineInput(variant_id=variant_id, quantity=line["quantity"]))
    return result


@resolver("Mutation", "checkoutCreate")
def resolve_checkout_create(_root: Any, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:  # noqa: A002
    """A new checkout in the named (or the only) channel, with its lines, email and addresses."""
    return _checkout_payload(
        lambda: checkouts.create(
            input.get("channel"),
            _lines(input.get("lines")),
            email=input.get("email"),
            shipping_address=address_input(input.get("shipping_address")),
            billing_address=address_input(input.get("billing_address")),
            user=request_user(info),
        )
    )


@resolver("Mutation", "checkoutLinesUpdate")
def resolve_checkout_lines_update(
    _root: Any, _info: GraphQLResolveInfo, lines: list, checkout_id: str | None = None, token: uuid.UUID | None = None
) -> dict[str, Any]:
    """Set these lines' quantities (0 removes a line); the others stay."""
    return _checkout_payload(lambda: checkouts.lines_update(checkout_token(checkout_id, token), _lines(lines)))


@resolver("Mutation", "checkoutEmailUpdate")
def resolve_checkout_email_update(
    _root: Any, _info: GraphQLResolveInfo, email: str, checkout_id: str | None = None, token: uuid.UUID | None = None
) -> dict[str, Any]:
    return _checkout_payload(lambda: checkouts.email_update(checkout_token(checkout_id, token), email))


@resolver("Mutation", "checkoutShippingAddressUpdate")
def resolve_checkout_shipping_address_update(
    _root: Any,
    _info: GraphQLResolveInfo,
    shipping_address: Mapping[str, Any],
    checkout_id: str | None = None,
    token: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Set the shipping address (checked for its country); a method that cannot deliver there is dropped."""
    return _checkout_payload(
        lambda: checkouts.shipping_address_update(checkout_token(checkout_id, token), address_input(shipping_address))
    )


@resolver("Mutation", "checkoutBillingAddressUpdate")
def resolve_checkout_billing_address_update(
    _root: Any,
    _info: GraphQLResolveInfo,
    billing_address: Mapping[str, Any],
    checkout_id: str | None = None,
    token: uuid.UUID | None = None,
) -> dict[str, Any]:
    return _checkout_payload(
        lambda: checkouts.billing_address_update(checkout_token(checkout_id, token), address_input(billing_address))
    )


@resolver("Mutation", "checkoutShippingMethodUpdate")
def resolve_checkout_shipping_method_update(
    _root: Any,
    _info: GraphQLResolveInfo,
    shipping_method_id: str,
    checkout_id: str | None = None,
    token: uuid.UUID | None = None,
) -> dict[str, Any]:
    def run() -> checkouts.CheckoutResult:
        checkout = checkout_token(checkout_id, token)
        try:
            method = from_global_id(shipping_method_id, "ShippingMethod")
        except InvalidGlobalId as exc:
            raise ArgumentError("shippingMethodId", exc.message) from exc
        return checkouts.shipping_method_update(checkout, method)

    return _checkout_payload(run)


@resolver("Mutation", "checkoutAddPromoCode")
def resolve_checkout_add_promo_code(
    _root: Any, _info: GraphQLResolveInfo, promo_code: str, checkout_id: str | None = None, token: Any = None
) -> dict[str, Any]:
    return _checkout_payload(lambda: checkouts.promo_code_add(checkout_token(checkout_id, token), promo_code))


@resolver("Mutation", "checkoutRemovePromoCode")
def resolve_checkout_remove_promo_code(
    _root: Any, _info: GraphQLResolveInfo, promo_code: str, checkout_id: str | None = None, token: Any = None
) -> dict[str, Any]:
    return _checkout_payload(lambda: checkouts.promo_code_remove(checkout_token(checkout_id, token), promo_code))


# -- paying -----------------------------------------------------------------------------------------


def payment(intent: checkouts.PaymentIntent | None, token: uuid.UUID) -> dict[str, Any] | None:
    """Saleor's ``Payment`` for what ``checkoutPaymentCreate`` recorded; ``token`` is the Cascad invoice
    id (``cpi_…``), ``""`` until ``checkoutComplete`` has created the invoice."""
    if intent is None:
        return None
    key = intent.payment.pk if intent.payment is not None else f"checkout-{token}"
    return {
        "id": global_id("Payment", key),
        "gateway": intent.gateway,
        "token": intent.token,
        "creditCard": None,
        "total": money(intent.amount, intent.currency),
    }


@resolver("Mutation", "checkoutPaymentCreate")
def resolve_checkout_payment_create(
    _root: Any,
    _info: GraphQLResolveInfo,
    input: Mapping[str, Any],  # noqa: A002
    checkout_id: str | None = None,
    token: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Record the payment ``checkoutComplete`` will make: gateway ``cascad.payments``, the amount equal to
    the total (else ``PARTIAL_PAYMENT_NOT_ALLOWED``), the ``returnUrl`` on an allowed origin (else
    ``INVALID``). Cascad sends the customer back to the app's return page, which forwards to it."""
    try:
        checkout = checkout_token(checkout_id, token)
    except ArgumentError as exc:
        return with_errors({"checkout": None, "payment": None}, [exc.as_payment_error()], "paymentErrors")
    result = checkouts.payment_create(checkout, input.get("gateway"), input.get("amount"), input.get("return_url"))
    return with_errors(
        {"checkout": result.checkout, "payment": payment(result.payment, checkout)},
        map(payment_error, result.errors),
        "paymentErrors",
    )
