"""How the app meets the shop's catalogue, shipping, vouchers and orders for the storefront API.

The checkout (``cascad_wagtail.checkout``) knows nothing of the shop's models. The shop provides an
adapter (``StorefrontAdapter``), named by the ``CASCAD_STOREFRONT_ADAPTER`` setting, that answers in
the plain dataclasses below: variants with their price and stock in a channel, the shipping methods
for an address, a voucher's discount for a subtotal, and orders, which it creates from a checkout
(taking stock atomically) as instances of its ``CascadOrder`` model, and the orders of a signed-in
customer (``me.orders``).

Channels come from the ``CASCAD_CHANNELS`` setting: each slug names a Wagtail site (whose Cascad
settings apply) and a currency (sites have none of their own). Storefront payment ``returnUrl``s must
be on one of the ``CASCAD_STOREFRONT_RETURN_ORIGINS``.

Adapter methods are called with batches (every variant of a checkout in one call), so a checkout
costs the same number of queries whatever its number of lines; an adapter keeps it that way by
answering each call with a fixed number of queries.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import uuid
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from . import conf, money
from .addresses import Address
from .exceptions import CascadError, InvalidAmount

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from wagtail.models import Site

    from .orders import CascadOrder


class OrderStatus:
    """Saleor's ``OrderStatus`` names that a storefront order can have."""

    UNCONFIRMED = "UNCONFIRMED"  # placed, not paid yet
    UNFULFILLED = "UNFULFILLED"  # paid, to be shipped
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
    FULFILLED = "FULFILLED"
    CANCELED = "CANCELED"


# -- what the adapter answers ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Channel:
    """A storefront channel: its slug, the Wagtail site whose Cascad settings apply, its currency."""

    slug: str
    site: Site
    currency: str


@dataclasses.dataclass(frozen=True)
class Variant:
    """A variant as sold in one channel. ``id`` is the shop's own id, as a string."""

    id: str
    sku: str
    name: str
    product_id: str
    product_name: str
    product_slug: str
    #: The price in the channel's currency, or ``None`` when the variant is not sold in that channel.
    price: Decimal | None
    currency: str
    quantity_available: int
    thumbnail_url: str | None = None
    #: Published and on sale (an unpublished product's variants are not).
    is_purchasable: bool = True
    is_shipping_required: bool = True


@dataclasses.dataclass(frozen=True)
class ShippingMethod:
    id: str
    name: str
    price: Decimal
    currency: str


@dataclasses.dataclass(frozen=True)
class Voucher:
    """A promo code's discount for one subtotal. ``applicable`` is false when the code exists but does
    not apply to this checkout (a minimum subtotal not reached, not valid in the currency)."""

    code: str
    name: str
    discount: Decimal
    applicable: bool = True


@dataclasses.dataclass(frozen=True)
class OrderLineRequest:
    variant: Variant
    quantity: int
    unit_price: Decimal
    total_price: Decimal


@dataclasses.dataclass(frozen=True)
class OrderRequest:
    """A checkout as the adapter turns it into an order. Prices were read from the adapter just before.

    The adapter takes the stock and creates the order inside the caller's transaction; the checkout
    compares the order's ``get_cascad_amount()`` with ``total`` afterwards and rolls everything back
    when they differ (a price changed in between).
    """

    checkout_token: uuid.UUID
    channel: Channel
    email: str
    lines: tuple[OrderLineRequest, ...]
    shipping_address: Address | None
    billing_address: Address | None
    shipping_method: ShippingMethod | None
    voucher: Voucher | None
    currency: str
    subtotal: Decimal
    shipping_price: Decimal
    discount: Decimal
    total: Decimal
    #: The signed-in customer placing the order (else ``None``): the adapter records it, so that
    #: ``orders_for_user`` finds the order.
    user: Any = None


@dataclasses.dataclass(frozen=True)
class OrderLineInfo:
    variant_id: str | None  # None once the variant no longer exists
    product_name: str
    variant_name: str
    sku: str
    quantity: int
    unit_price: Decimal
    total_price: Decimal
    thumbnail_url: str | None = None


@dataclasses.dataclass(frozen=True)
class OrderInfo:
    """An order as the storefront shows it (``orderByToken``, ``checkoutComplete``)."""

    order: CascadOrder
    token: uuid.UUID
    number: str
    created: datetime.datetime
    status: str  # an ``OrderStatus`` name
    email: str
    currency: str
    lines: tuple[OrderLineInfo, ...]
    subtotal: Decimal
    shipping_price: Decimal
    discount: Decimal
    total: Decimal
    shipping_method_name: str = ""
    shipping_address: Address | None = None
    billing_address: Address | None = None


class StorefrontError(CascadError):
    """An adapter's refusal."""


class InsufficientStock(StorefrontError):
    """Some lines ask for more than is left (or for variants no longer sold); nothing was ordered."""

    def __init__(self, variant_ids: Collection[str], message: str = "") -> None:
        self.variant_ids = tuple(str(variant_id) for variant_id in variant_ids)
        super().__init__(message or f"Not enough stock of variant(s) {', '.join(self.variant_ids)}.")


# -- the interface ----------------------------------------------------------------------------------


@runtime_checkable
class StorefrontAdapter(Protocol):
    """What the shop provides behind the storefront API (an object, or a class instantiated once)."""

    #: False in a shop without vouchers: every promo code is then refused as ``INVALID``.
    supports_vouchers: bool

    def get_variants(self, channel: Channel, ids: Collection[str]) -> dict[str, Variant]:
        """The variants among ``ids`` that exist, by id (unknown or malformed ids are left out)."""

    def get_shipping_methods(self, channel: Channel, address: Address | None) -> list[ShippingMethod]:
        """The methods that can deliver to ``address`` (``None``: no address yet), in display order."""

    def find_voucher(self, channel: Channel, code: str, subtotal: Decimal) -> Voucher | None:
        """The voucher ``code`` (case as typed) with its discount for ``subtotal``, or ``None`` if no such code."""

    def create_order(self, request: OrderRequest) -> CascadOrder:
        """Create the order and take its stock atomically, or raise ``InsufficientStock`` and change nothing.

        Called inside a transaction: two checkouts racing for the last unit get one order between them.
        """

    def cancel_order(self, order: CascadOrder) -> None:
        """An unpaid order its checkout has replaced (the customer changed the checkout after a failed
        payment): give its stock back and mark it cancelled."""

    def get_order_info(self, order: CascadOrder) -> OrderInfo:
        """The storefront's view of ``order``."""

    def order_for_token(self, token: uuid.UUID) -> OrderInfo | None:
        """The order whose private token is ``token``, or ``None``."""

    def orders_for_user(self, user: Any) -> QuerySet:
        """Every order ``user`` placed while signed in (``OrderRequest.user``), as a queryset of the
        shop's order model; the app sorts it newest first and pages it (``me.orders``)."""

    def get_order_infos(self, orders: Sequence[CascadOrder]) -> list[OrderInfo]:
        """``get_order_info`` of several orders, in the same order, with a fixed number of queries."""


def get_adapter() -> StorefrontAdapter:
    """The adapter named by ``CASCAD_STOREFRONT_ADAPTER`` (a class is instantiated once per process)."""
    path = conf.get("CASCAD_STOREFRONT_ADAPTER")
    if not path:
        raise ImproperlyConfigured(
            "CASCAD_STOREFRONT_ADAPTER is not set: name the shop's storefront adapter, "
            "e.g. 'shop.storefront.Storefront' (see cascad_wagtail.storefront)."
        )
    return _load_adapter(path)


@functools.cache
def _load_adapter(path: str) -> StorefrontAdapter:
    try:
        found = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"CASCAD_STOREFRONT_ADAPTER refers to {path!r}, which cannot be imported.") from exc
    return found() if isinstance(found, type) else found


# -- channels ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChannelSetting:
    slug: str
    site: str  # "default", "hostname" or "hostname:port"
    currency: str


class UnknownChannel(StorefrontError):
    """No channel with this slug is configured."""


class InactiveChannel(StorefrontError):
    """The channel's site does not exist."""


def channel_settings(value: object = None) -> dict[str, ChannelSetting]:
    """``CASCAD_CHANNELS`` (or ``value``) checked; ``ImproperlyConfigured`` saying what is wrong.

    Only currencies with two decimals are allowed: the storefront SDK rounds amounts to two places.
    """
    value = conf.get("CASCAD_CHANNELS") if value is None else value
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured("CASCAD_CHANNELS must be a dict of channel slug → {'site': …, 'currency': …}.")
    result = {}
    for slug, entry in value.items():
        if not isinstance(slug, str) or not slug.strip():
            raise ImproperlyConfigured(f"CASCAD_CHANNELS: the channel slug {slug!r} is not a non-empty string.")
        if not isinstance(entry, Mapping) or set(entry) - {"site", "currency"}:
            raise ImproperlyConfigured(
                f"CASCAD_CHANNELS[{slug!r}] must be a dict with the keys 'site' and 'currency' only."
            )
        site, currency = entry.get("site"), entry.get("currency")
        if not isinstance(site, str) or not site.strip():
            raise ImproperlyConfigured(
                f"CASCAD_CHANNELS[{slug!r}]['site'] must be a site's hostname, 'hostname:port' or 'default'."
            )
        try:
            exponent = money.exponent(currency)
        except InvalidAmount:
            exponent = None
        if exponent != 2:
            raise ImproperlyConfigured(
                f"CASCAD_CHANNELS[{slug!r}]['currency'] is {currency!r}: use an ISO 4217 code of a currency "
                "with two decimals (RUB, USD, EUR…)."
            )
        result[slug] = ChannelSetting(slug=slug, site=site.strip(), currency=currency)
    return result


def find_site(reference: str) -> Site | None:
    """The Wagtail site a channel names: ``"default"``, ``"hostname"`` or ``"hostname:port"``."""
    from wagtail.models import Site

    if reference == "default":
        return Site.objects.filter(is_default_site=True).first()
    hostname, _, port = reference.rpartition(":") if reference.count(":") == 1 else (reference, "", "")
    sites = Site.objects.filter(hostname__iexact=hostname)
    if port:
        if not port.isdigit():
            return None
        sites = sites.filter(port=int(port))
    return sites.order_by("-is_default_site", "pk").first()


def get_channel(slug: str) -> Channel:
    """The channel ``slug``; ``UnknownChannel`` or ``InactiveChannel`` (site missing) otherwise."""
    setting = channel_settings().get(slug)
    if setting is None:
        raise UnknownChannel(f"There is no channel {slug!r}.")
    site = find_site(setting.site)
    if site is None:
        raise InactiveChannel(f"The site of channel {slug!r} does not exist.")
    return Channel(slug=slug, site=site, currency=setting.currency)


def default_channel_slug() -> str | None:
    """The only configured channel's slug (a storefront may then omit it), else ``None``."""
    slugs = list(channel_settings())
    return slugs[0] if len(slugs) == 1 else None


# -- return URLs -------------------------------------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased, default port dropped."""
    if not isinstance(url, str) or any(char in url for char in "\\\t\r\n ") or not url.isprintable():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    origin = f"{parts.scheme}://{parts.hostname.lower()}"
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        origin += f":{port}"
    return origin


def is_allowed_return_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL on one of ``CASCAD_STOREFRONT_RETURN_ORIGINS``."""
    origin = _origin(url)
    allowed = {_origin(item.rstrip("/")) for item in conf.get("CASCAD_STOREFRONT_RETURN_ORIGINS") or []}
    return origin is not None and origin in allowed
