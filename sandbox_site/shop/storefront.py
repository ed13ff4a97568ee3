"""The demo shop behind cascad_wagtail's storefront API (``CASCAD_STOREFRONT_ADAPTER``).

Variants are the product pages' ``ProductVariant``s (sold while their page is live), shipping
methods the ``ShippingMethod`` snippets, promo codes the ``Voucher`` snippets, and orders are placed
by the same ``checkout.place_order`` as the shop's own checkout form: stock taken under row locks, and
the order attached to the customer's account when they are signed in (their ``me.orders``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cascad_wagtail.addresses import Address
from cascad_wagtail.storefront import (
    Channel,
    InsufficientStock,
    OrderInfo,
    OrderLineInfo,
    OrderRequest,
    OrderStatus,
    ShippingMethod,
    StorefrontError,
    Variant,
    Voucher,
)

from .checkout import OutOfStock, place_order, return_stock
from .models import CURRENCIES, Order, ProductVariant
from .models import ShippingMethod as ShippingRow
from .models import Voucher as VoucherRow


def _pks(ids) -> list[int]:
    return [int(value) for value in ids if str(value).isdigit()]


def _image_url(site, image) -> str | None:
    return f"{site.root_url.rstrip('/')}{image.file.url}" if image else None


def _price(priced, currency: str) -> Decimal | None:
    return priced.price(currency) if currency in CURRENCIES else None


class SandboxStorefront:
    supports_vouchers = True

    # -- catalogue -------------------------------------------------------------------------------

    def get_variants(self, channel: Channel, ids) -> dict[str, Variant]:
        rows = (
            ProductVariant.objects.filter(pk__in=_pks(ids))
            .select_related("page", "image")
            .prefetch_related("page__gallery_images__image")
        )
        return {str(row.pk): self._variant(row, channel) for row in rows}

    def _variant(self, row: ProductVariant, channel: Channel) -> Variant:
        page = row.page
        return Variant(
            id=str(row.pk),
            sku=row.sku,
            name=row.display_name,
            product_id=str(page.pk),
            product_name=page.display_title,
            product_slug=page.slug,
            price=_price(row, channel.currency),
            currency=channel.currency,
            quantity_available=row.stock,
            thumbnail_url=_image_url(channel.site, row.picture),
            is_purchasable=page.live,
            is_shipping_required=True,
        )

    def get_shipping_methods(self, channel: Channel, address: Address | None) -> list[ShippingMethod]:
        """Every offered method delivers anywhere; without an address only those that need none."""
        if channel.currency not in CURRENCIES:
            return []
        methods = ShippingRow.objects.filter(is_active=True)
        if address is None:
            methods = methods.filter(needs_address=False)
        return [
            ShippingMethod(str(method.pk), str(method.display_name), method.price(channel.currency), channel.currency)
            for method in methods
        ]

    def find_voucher(self, channel: Channel, code: str, subtotal: Decimal) -> Voucher | None:
        voucher = VoucherRow.objects.filter(code=code.strip().upper(), is_active=True).first()
        if voucher is None:
            return None
        discount = voucher.discount_for(subtotal, channel.currency)
        name = str(voucher.display_name)
        if discount is None:
            return Voucher(voucher.code, name, Decimal(0), applicable=False)
        return Voucher(voucher.code, name, discount)

    # -- orders ----------------------------------------------------------------------------------

    def create_order(self, request: OrderRequest) -> Order:
        if request.shipping_method is None:
            raise StorefrontError("Every order of the demo shop is delivered: choose a shipping method.")
        shipping = ShippingRow.objects.get(pk=int(request.shipping_method.id))
        address = request.shipping_address or request.billing_address or Address()
        customer = {
            "email": request.email,
            "name": address.full_name[:200],
            "phone": address.phone[:40],
            "address": address.street[:255],
            "city": address.city[:120],
            "postal_code": address.postal_code[:20],
            "shipping_address": request.shipping_address.as_dict() if request.shipping_address else None,
            "billing_address": request.billing_address.as_dict() if request.billing_address else None,
        }
        signed_in = getattr(request.user, "is_authenticated", False)
        try:
            return place_order(
                quantities={int(line.variant.id): line.quantity for line in request.lines},
                currency=request.currency,
                site=request.channel.site,
                customer=customer,
                shipping=shipping,
                discount=request.discount,
                voucher_code=request.voucher.code if request.voucher else "",
                user=request.user if signed_in else None,
            )
        except OutOfStock as exc:
            raise InsufficientStock([shortage.variant_id for shortage in exc.shortages]) from exc

    def cancel_order(self, order: Order) -> None:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.cancelled_at is not None or locked.is_paid:
                return
            return_stock(locked)
            locked.cancelled_at = timezone.now()
            locked.save(update_fields=["cancelled_at"])

    def get_order_info(self, order: Order) -> OrderInfo:
        return self.get_order_infos([order])[0]

    def get_order_infos(self, orders: Sequence[Order]) -> list[OrderInfo]:
        """Every order re-read with its site, shipping and lines (pictures included) in one go: the
        same queries for one order or a page of them."""
        found = (
            Order.objects.select_related("site", "shipping_method")
            .prefetch_related("lines__variant__page__gallery_images__image", "lines__variant__image")
            .in_bulk([order.pk for order in orders])
        )
        return [self._info(found[order.pk]) for order in orders]

    def orders_for_user(self, user) -> QuerySet[Order]:
        """The orders ``user`` placed while signed in; none for no user (anonymous orders have no user)."""
        if not getattr(user, "is_authenticated", False):
            return Order.objects.none()
        return Order.objects.filter(user=user)

    def order_for_token(self, token: uuid.UUID) -> OrderInfo | None:
        order = Order.objects.filter(token=token).first()
        return self.get_order_info(order) if order else None

    def _info(self, order: Order) -> OrderInfo:
        if order.cancelled_at is not None:
            status = OrderStatus.CANCELED
        elif order.is_paid:
            status = OrderStatus.UNFULFILLED
        else:
            status = OrderStatus.UNCONFIRMED
        lines = tuple(
            OrderLineInfo(
                variant_id=str(line.variant_id) if line.variant_id else None,
                product_name=str(line.display_product),
                variant_name=str(line.display_variant),
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total_price=line.total,
                thumbnail_url=_image_url(order.site, line.picture),
            )
            for line in order.lines.all()
        )
        shipping_name = order.shipping_method.display_name if order.shipping_method else order.shipping_name
        return OrderInfo(
            order=order,
            token=order.token,
            number=str(order.pk),
            created=order.created_at,
            status=status,
            email=order.email,
            currency=order.currency,
            lines=lines,
            subtotal=order.subtotal,
            shipping_price=order.shipping_price,
            discount=order.discount,
            total=order.total,
            shipping_method_name=str(shipping_name),
            shipping_address=Address.from_data(order.shipping_address),
            billing_address=Address.from_data(order.billing_address),
        )
