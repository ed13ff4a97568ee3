"""What the checkout services answer: Saleor's error codes, typed errors, results and summaries."""

from __future__ import annotations

import dataclasses
import enum
from decimal import Decimal

from ..addresses import Address
from ..models import Checkout, CheckoutLine, Payment
from ..storefront import Channel, OrderInfo, ShippingMethod, Variant, Voucher


class CheckoutErrorCode(enum.StrEnum):
    """Saleor's ``CheckoutErrorCode``."""

    BILLING_ADDRESS_NOT_SET = "BILLING_ADDRESS_NOT_SET"
    CHECKOUT_NOT_FULLY_PAID = "CHECKOUT_NOT_FULLY_PAID"
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    PRODUCT_NOT_PUBLISHED = "PRODUCT_NOT_PUBLISHED"
    PRODUCT_UNAVAILABLE_FOR_PURCHASE = "PRODUCT_UNAVAILABLE_FOR_PURCHASE"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    INVALID = "INVALID"
    INVALID_SHIPPING_METHOD = "INVALID_SHIPPING_METHOD"
    NOT_FOUND = "NOT_FOUND"
    PAYMENT_ERROR = "PAYMENT_ERROR"
    QUANTITY_GREATER_THAN_LIMIT = "QUANTITY_GREATER_THAN_LIMIT"
    REQUIRED = "REQUIRED"
    SHIPPING_ADDRESS_NOT_SET = "SHIPPING_ADDRESS_NOT_SET"
    SHIPPING_METHOD_NOT_APPLICABLE = "SHIPPING_METHOD_NOT_APPLICABLE"
    SHIPPING_METHOD_NOT_SET = "SHIPPING_METHOD_NOT_SET"
    SHIPPING_NOT_REQUIRED = "SHIPPING_NOT_REQUIRED"
    TAX_ERROR = "TAX_ERROR"
    UNIQUE = "UNIQUE"
    VOUCHER_NOT_APPLICABLE = "VOUCHER_NOT_APPLICABLE"
    ZERO_QUANTITY = "ZERO_QUANTITY"
    MISSING_CHANNEL_SLUG = "MISSING_CHANNEL_SLUG"
    CHANNEL_INACTIVE = "CHANNEL_INACTIVE"
    UNAVAILABLE_VARIANT_IN_CHANNEL = "UNAVAILABLE_VARIANT_IN_CHANNEL"


class PaymentErrorCode(enum.StrEnum):
    """Saleor's ``PaymentErrorCode``."""

    BILLING_ADDRESS_NOT_SET = "BILLING_ADDRESS_NOT_SET"
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    UNIQUE = "UNIQUE"
    PARTIAL_PAYMENT_NOT_ALLOWED = "PARTIAL_PAYMENT_NOT_ALLOWED"
    SHIPPING_ADDRESS_NOT_SET = "SHIPPING_ADDRESS_NOT_SET"
    INVALID_SHIPPING_METHOD = "INVALID_SHIPPING_METHOD"
    SHIPPING_METHOD_NOT_SET = "SHIPPING_METHOD_NOT_SET"
    PAYMENT_ERROR = "PAYMENT_ERROR"
    NOT_SUPPORTED_GATEWAY = "NOT_SUPPORTED_GATEWAY"
    CHANNEL_INACTIVE = "CHANNEL_INACTIVE"


class AddressType(enum.StrEnum):
    SHIPPING = "SHIPPING"
    BILLING = "BILLING"


# -- what the services answer ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CheckoutError:
    """Saleor's ``CheckoutError``: ``field`` is the input's name (``postalCode``, ``quantity``…);
    ``variants`` the shop's ids of the variants concerned; ``address_type`` which address."""

    code: CheckoutErrorCode
    message: str
    field: str | None = None
    variants: tuple[str, ...] = ()
    address_type: AddressType | None = None


@dataclasses.dataclass(frozen=True)
class CheckoutPaymentError:
    """Saleor's ``PaymentError``."""

    code: PaymentErrorCode
    message: str
    field: str | None = None


@dataclasses.dataclass
class CheckoutResult:
    """A checkout mutation's answer: the checkout as changed, or ``None`` and why not (nothing changed)."""

    checkout: Checkout | None
    errors: list[CheckoutError]
    created: bool = False


@dataclasses.dataclass(frozen=True)
class LineInput:
    variant_id: str
    quantity: int


@dataclasses.dataclass(frozen=True)
class Gateway:
    """Saleor's ``PaymentGateway``: ``config`` holds (field, value) pairs, none of them secret."""

    id: str
    name: str
    currencies: tuple[str, ...]
    config: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class PaymentIntent:
    """What ``checkoutPaymentCreate`` recorded (Saleor's ``Payment``). ``token`` is the Cascad invoice id
    (``cpi_…``) once the invoice exists, else ``""``; ``payment`` the Cascad payment row once made."""

    gateway: str
    amount: Decimal
    currency: str
    return_url: str
    token: str
    payment: Payment | None


@dataclasses.dataclass
class PaymentResult:
    checkout: Checkout | None
    payment: PaymentIntent | None
    errors: list[CheckoutPaymentError]


@dataclasses.dataclass
class CompleteResult:
    """``checkoutComplete``'s answer. ``confirmation_data`` is already a JSON string (``JSONString``)."""

    order: OrderInfo | None = None
    confirmation_needed: bool = False
    confirmation_data: str | None = None
    errors: list[CheckoutError] = dataclasses.field(default_factory=list)
    #: The Cascad payment the answer is about (``None`` before one exists).
    payment: Payment | None = None


@dataclasses.dataclass(frozen=True)
class LineSummary:
    line: CheckoutLine
    variant: Variant
    unit_price: Decimal
    total_price: Decimal


@dataclasses.dataclass(frozen=True)
class CheckoutSummary:
    """A checkout priced by the adapter: what the ``Checkout`` type shows and what the order is made of.

    ``lines`` are the lines the shop still sells in the channel; ``unavailable`` those it does not
    (a deleted variant, or one without a price in the channel's currency), counted in no total.
    """

    checkout: Checkout
    channel: Channel
    lines: tuple[LineSummary, ...]
    unavailable: tuple[CheckoutLine, ...]
    subtotal: Decimal
    is_shipping_required: bool
    available_shipping_methods: tuple[ShippingMethod, ...]
    #: The chosen method while it is available for the address, else ``None``.
    shipping_method: ShippingMethod | None
    shipping_price: Decimal
    voucher: Voucher | None
    discount: Decimal
    total: Decimal
    shipping_address: Address | None
    billing_address: Address | None
