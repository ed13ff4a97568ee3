"""The storefront checkout: the services behind Saleor's checkout mutations, paid through Cascad.

Each service takes plain values (a checkout token, variant ids as the shop's own ids, an address as
a mapping, amounts as ``Decimal``) and returns a result holding the checkout (or order) and a list of
typed errors (``CheckoutError``, ``CheckoutPaymentError``) with Saleor's codes and translated
messages. A customer's mistake is never raised: it comes back as errors, and every rejected input
changes nothing. Every change is made under the checkout's row lock.

Prices, stock, shipping methods and discounts are always read from the shop's adapter
(``cascad_wagtail.storefront``), in one batched call per kind, never trusted from the client; totals
are Σ line price × quantity + shipping − discount, exact in the channel's currency.

``complete`` follows the decided lifecycle (``spec/saleor-sdk.md``):

1. the first call creates the order through the adapter (stock taken atomically) and the Cascad
   invoice through ``services.start_payment``, freezes the checkout and answers "confirmation
   needed" with ``{"type": "redirect", "method": "GET", "url": <Checkout URL>}``;
2. a later call refreshes the payment from Cascad first, then: paid → the order, and the checkout is
   deleted (a ``CheckoutCompletion`` keeps later calls answering the same order); still unpaid → the
   same confirmation; processing → the order, its payment pending; failed or expired →
   ``PAYMENT_ERROR`` with the reason, and the checkout can be changed and paid again.

The modules: ``results`` (codes, errors, results), ``pricing`` (reading and totals), ``editing`` (the
changes before paying), ``paying`` (``payment_create``), ``completing`` (``complete``).
"""

from .completing import complete
from .editing import (
    MAX_LINES,
    MAX_QUANTITY_PER_LINE,
    billing_address_update,
    create,
    email_update,
    line_delete,
    lines_add,
    lines_update,
    promo_code_add,
    promo_code_remove,
    shipping_address_update,
    shipping_method_update,
)
from .paying import payment_create
from .pricing import (
    GATEWAY_ID,
    GATEWAY_NAME,
    available_gateways,
    channel_of,
    checkout_summary,
    get_checkout,
    payment_intent,
)
from .results import (
    AddressType,
    CheckoutError,
    CheckoutErrorCode,
    CheckoutPaymentError,
    CheckoutResult,
    CheckoutSummary,
    CompleteResult,
    Gateway,
    LineInput,
    LineSummary,
    PaymentErrorCode,
    PaymentIntent,
    PaymentResult,
)

__all__ = [
    "GATEWAY_ID",
    "GATEWAY_NAME",
    "MAX_LINES",
    "MAX_QUANTITY_PER_LINE",
    "AddressType",
    "CheckoutError",
    "CheckoutErrorCode",
    "CheckoutPaymentError",
    "CheckoutResult",
    "CheckoutSummary",
    "CompleteResult",
    "Gateway",
    "LineInput",
    "LineSummary",
    "PaymentErrorCode",
    "PaymentIntent",
    "PaymentResult",
    "available_gateways",
    "billing_address_update",
    "channel_of",
    "checkout_summary",
    "complete",
    "create",
    "email_update",
    "get_checkout",
    "line_delete",
    "lines_add",
    "lines_update",
    "payment_create",
    "payment_intent",
    "promo_code_add",
    "promo_code_remove",
    "shipping_address_update",
    "shipping_method_update",
]
