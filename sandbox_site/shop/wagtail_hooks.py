"""The shop in the Wagtail admin: shipping methods and vouchers to edit, orders to look at (never to edit).

An order's page (its inspect view) also shows its payment: the status, its Cascad payments with a
"Refund" button each (the app's refund screen, which comes back here afterwards) and, while the
order is unpaid, the payment link to send the customer.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.admin.utils import quote
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import InspectView, SnippetViewSet

from cascad_wagtail import money, services
from cascad_wagtail.admin import payments as payments_admin
from cascad_wagtail.models import Payment, Refund

from .models import Order, OrderLine, ShippingMethod, Voucher


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Orders are made by customers at checkout and changed by payments; editors only look at them."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([action for action in actions if action == "view"])


order_permission_policy = ViewOnlyPermissionPolicy(Order)


def status_tone(status: str) -> str:
    """The badge colour of a charge status, as on the app's Payments screens."""
    return payments_admin.STATUS_TONES.get(status, "neutral")


# -- the order list ----------------------------------------------------------------------------------


class PaymentStatusColumn(Column):
    """The order's payment status as the app's coloured badge (a field of the order: no extra query)."""

    cell_template_name = "shop/admin/payment_status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context.update(order=instance, tone=status_tone(instance.payment_status))
        return context


# -- one order ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class PaymentRow:
    """One of the order's payments as its page lists it."""

    payment: Payment
    tone: str
    url: str
    balance: Decimal
    refund_url: str | None


def refundable_balance(payment: Payment) -> Decimal:
    """``payment.balance`` from the prefetched refunds (``payment.balance`` itself queries each time)."""
    claimed = sum(
        (refund.amount for refund in payment.refunds.all() if refund.status != Refund.Status.FAILED), Decimal(0)
    )
    return money.quantize((payment.processed_amount or Decimal(0)) - claimed, payment.currency)


class OrderInspectView(InspectView):
    def get_object(self, queryset=None):
        # The site is needed for the payment link's address, the lines for the "Order lines" field.
        orders = Order.objects.select_related("site").prefetch_related("lines")
        return get_object_or_404(orders, pk=self.pk)

    def get_field_label(self, field_name, field):
        if field_name == "lines":
            return capfirst(OrderLine._meta.verbose_name_plural)
        return super().get_field_label(field_name, field)

    def get_paid_at_display_value(self):
        return self.object.paid_at or "—"

    def get_payment_rows(self, may_refund: bool) -> list[PaymentRow]:
        payments = (
            Payment.objects.filter(order=self.object)
            .order_by("-created_at", "-pk")
            .prefetch_related(Prefetch("refunds", queryset=Refund.objects.only("pk", "payment_id", "amount", "status")))
        )
        back = urlencode({"next": self.request.path})
        rows = []
        for payment in payments:
            balance = refundable_balance(payment)
            refundable = may_refund and payment.is_paid and balance > 0 and not payment.needs_review
            rows.append(
                PaymentRow(
                    payment=payment,
                    tone=status_tone(payment.charge_status),
                    url=reverse("cascad_payments:inspect", args=[payment.pk]),
                    balance=balance,
                    refund_url=f"{reverse('cascad_payments:refund', args=[payment.pk])}?{back}" if refundable else None,
                )
            )
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, user = self.object, self.request.user
        may_view_payments = payments_admin.permission_policy.user_has_permission(user, "view")
        rows = self.get_payment_rows(payments_admin.can_refund(user))
        needs_review = any(row.payment.needs_review for row in rows)
        context.update(
            order=order,
            status_tone=status_tone(order.payment_status),
            may_view_payments=may_view_payments,
            payment_rows=rows if may_view_payments else [],
            needs_review=needs_review,
            # Only while the order is unpaid, and not while an editor still has to look at a payment.
            payment_link=None if order.is_paid or needs_review else services.payment_link(order),
        )
        return context


class OrderAdminURLFinder(ModelAdminURLFinder):
    """Orders are view-only, so the admin page of an order (linked from its payments) is its inspect view."""

    inspect_url_name = ""

    def construct_edit_url(self, instance):
        return reverse(self.inspect_url_name, args=(quote(instance.pk),))

    def get_edit_url(self, instance):
        if self.user is not None and not order_permission_policy.user_has_permission(self.user, "view"):
            return None
        return self.construct_edit_url(instance)


# -- registration ------------------------------------------------------------------------------------


class ShippingMethodViewSet(SnippetViewSet):
    model = ShippingMethod
    icon = "site"
    menu_label = _("Shipping")
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["name", "price_rub", "price_usd", "price_eur", "needs_address", "is_active"]


class VoucherViewSet(SnippetViewSet):
    """Promo codes for the storefront API's checkouts (``storefront.SandboxStorefront.find_voucher``)."""

    model = Voucher
    icon = "tag"
    menu_label = _("Vouchers")
    add_to_admin_menu = True
    menu_order = 320
    list_display = ["code", "name", "kind", "percentage", "amount_rub", "minimum_rub", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


class OrderViewSet(SnippetViewSet):
    model = Order
    icon = "list-ul"
    menu_label = _("Orders")
    add_to_admin_menu = True
    menu_order = 300
    inspect_view_enabled = True
    inspect_view_class = OrderInspectView
    index_template_name = "shop/admin/order_index.html"
    inspect_template_name = "shop/admin/order_inspect.html"
    list_display = [
        "__str__",
        "email",
        "total",
        "currency",
        PaymentStatusColumn(
            "payment_status",
            label=capfirst(Order._meta.get_field("payment_status").verbose_name),
            sort_key="payment_status",
        ),
        "created_at",
    ]
    list_filter = ["payment_status", "currency"]
    search_fields = ["email", "name"]
    inspect_view_fields = [
        "lines",
        "user",
        "email",
        "name",
        "phone",
        "address",
        "city",
        "postal_code",
        "shipping_name",
        "shipping_price",
        "subtotal",
        "total",
        "currency",
        "payment_method",
        "payment_status",
        "paid_at",
        "created_at",
    ]

    @property
    def url_finder_class(self):
        return type("OrderAdminURLFinder", (OrderAdminURLFinder,), {"inspect_url_name": self.get_url_name("inspect")})


register_permission_policy(Order, order_permission_policy)
register_snippet(ShippingMethodViewSet)
register_snippet(VoucherViewSet)
register_snippet(OrderViewSet)
