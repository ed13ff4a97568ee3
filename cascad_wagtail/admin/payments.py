"""Payments in the Wagtail admin: the list editors filter, search and export, one payment's page
with its amounts and timeline, and the actions on it: refresh, refund, cancel, resolve review, and
the payment link to copy.

Permissions: ``cascad_wagtail.view_payment`` to see payments and refresh them from Cascad (a refresh
only reads Cascad's truth); ``cascad_wagtail.refund_payment`` to refund, cancel and resolve a review.
Payments are never added, edited or deleted by hand. Every action goes through ``services`` (the only
writer of payment state) and is written to Wagtail's audit log.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from .. import money, services
from ..exceptions import CascadError
from ..formatting import display_amount
from ..models import ChargeStatus, Payment
from .audit import log_action
from .filters import PaymentFilterSet, search_payments
from .permissions import OnlyActionsPermissionPolicy
from .timeline import payment_timeline

#: Badge colour per charge status (``cascad-badge--<tone>`` in ``cascad_wagtail/admin/admin.css``).
STATUS_TONES = {
    ChargeStatus.NOT_CHARGED: "neutral",
    ChargeStatus.PENDING: "pending",
    ChargeStatus.PARTIALLY_CHARGED: "warning",
    ChargeStatus.FULLY_CHARGED: "success",
    ChargeStatus.PARTIALLY_REFUNDED: "info",
    ChargeStatus.FULLY_REFUNDED: "info",
    ChargeStatus.REFUSED: "danger",
    ChargeStatus.CANCELLED: "neutral",
}


class PaymentPermissionPolicy(OnlyActionsPermissionPolicy):
    """Only "view" and "refund" (``refund_payment``: refund, cancel, resolve review) mean anything."""

    ACTIONS = ("view", "refund")


permission_policy = PaymentPermissionPolicy(Payment)
register_permission_policy(Payment, permission_policy)


def can_refund(user) -> bool:
    return permission_policy.user_has_permission(user, "refund")


# -- the list -------------------------------------------------------------------------------------


class StatusColumn(Column):
    """The charge status as a coloured badge, plus "needs review" when it does."""

    cell_template_name = "cascad_wagtail/admin/payments/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["payment"] = instance
        context["tone"] = STATUS_TONES.get(instance.charge_status, "neutral")
        return context


class PaymentIndexView(IndexView):
    filterset_class = PaymentFilterSet
    default_ordering = "-created_at"
    export_filename = "cascad-payments"
    list_export = [
        "created_at",
        "description",
        "customer_email",
        "site",
        "mode",
        "reference_id",
        "invoice_id",
        "currency",
        "amount",
        "processed_amount",
        "refunded_amount",
        "get_charge_status_display",
        "cascad_status",
        "needs_review",
        "paid_at",
    ]

    @cached_property
    def export_headings(self):
        return {"get_charge_status_display": _("Payment status"), "description": _("Order")}

    def get_base_queryset(self):
        return Payment.objects.select_related("site")

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_payments(queryset, self.search_query)

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "description",
                label=gettext_lazy("Order"),
                accessor=lambda payment: payment.description or payment.reference_id,
                get_url=lambda payment: reverse("cascad_payments:inspect", args=[payment.pk]),
            ),
            Column("customer_email", label=gettext_lazy("Customer")),
            Column(
                "amount",
                label=gettext_lazy("Amount"),
                accessor=lambda payment: display_amount(payment.amount, payment.currency),
                sort_key="amount",
            ),
            StatusColumn("charge_status", label=gettext_lazy("Status")),
            Column("mode", label=gettext_lazy("Mode"), accessor="get_mode_display"),
            Column("site", label=gettext_lazy("Site"), accessor=lambda payment: payment.site.site_name or payment.site),
            Column("invoice_id", label=gettext_lazy("Invoice")),
            DateColumn("created_at", label=gettext_lazy("Created"), sort_key="created_at"),
        ]

    def get_list_buttons(self, instance):
        return []


# -- one payment ------------------------------------------------------------------------------------


class PaymentDetailView(InspectView):
    template_name = "cascad_wagtail/admin/payments/detail.html"
    page_title = gettext_lazy("Payment")

    def get_object(self, queryset=None):
        return get_object_or_404(Payment.objects.select_related("site", "order"), pk=self.pk)

    def get_page_subtitle(self):
        return self.object.description or self.object.reference_id

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment = self.object
        refunds = list(payment.refunds.select_related("created_by"))
        balance = payment.balance_after(refunds)
        user = self.request.user
        refund_allowed = can_refund(user)
        order_paid = services.order_payment_status(payment.order) in (
            ChargeStatus.FULLY_CHARGED,
            ChargeStatus.PARTIALLY_REFUNDED,
            ChargeStatus.FULLY_REFUNDED,
        )
        context.update(
            payment=payment,
            tone=STATUS_TONES.get(payment.charge_status, "neutral"),
            order=payment.order,
            order_url=AdminURLFinder(user).get_edit_url(payment.order),
            refunds=refunds,
            balance=balance,
            amounts=[
                (_("Amount"), payment.amount),
                (_("Paid"), payment.processed_amount),
                (_("Refunded"), payment.refunded_amount),
            ]
            + ([(_("Can still be refunded"), balance)] if payment.is_paid and not payment.needs_review else []),
            timeline=payment_timeline(payment),
            can_refund=refund_allowed and payment.is_paid and balance > 0 and not payment.needs_review,
            can_cancel=refund_allowed and payment.is_open and payment.stage == 0,
            can_resolve=refund_allowed and payment.needs_review,
            payment_link=None if order_paid or payment.needs_review else services.payment_link(payment.order),
            history_url=reverse("cascad_payments:history", args=[payment.pk]),
        )
        return context


# -- actions ------------------------------------------------------------------------------------


def _next_url(request, default: str) -> str:
    """Where to go after an action: a same-host ``next`` (the order's admin page) or the payment."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


class PaymentActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """One action on one payment: a form (GET), a confirmation when it moves money, then the action."""

    permission_policy = permission_policy
    permission_required = "refund"
    template_name = "cascad_wagtail/admin/payments/action.html"
    header_icon = "credit-card"
    form_class: type[forms.Form] | None = None
    confirm_label = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.payment = get_object_or_404(Payment.objects.select_related("site"), pk=kwargs["pk"])
        self.detail_url = reverse("cascad_payments:inspect", args=[self.payment.pk])

    def get_page_subtitle(self):
        return self.payment.description or self.payment.reference_id

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("cascad_payments:index"), "label": _("Payments")},
            {"url": self.detail_url, "label": self.get_page_subtitle()},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form(self):
        if self.form_class is None:
            return None
        data = self.request.POST if self.request.method == "POST" else None
        return self.form_class(data=data, **self.get_form_kwargs())

    def get_form_kwargs(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context.update(
            payment=self.payment,
            tone=STATUS_TONES.get(self.payment.charge_status, "neutral"),
            detail_url=self.detail_url,
            next_url=_next_url(self.request, self.detail_url),
        )
        context.setdefault("confirm_label", self.confirm_label)
        context.update()
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if form is not None and self.needs_confirmation(form) and request.POST.get("confirm") != "yes":
            return self.render_to_response(self.get_context_data(form=form, confirming=True, **self.confirmation(form)))
        try:
            message = self.act(form)
        except CascadError as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, message)
        return redirect(_next_url(request, self.detail_url))

    def needs_confirmation(self, form) -> bool:
        return False

    def confirmation(self, form) -> dict:
        return {}

    def act(self, form) -> str:
        """Do the action (the form is valid and, where needed, confirmed); the success message."""
        raise ImproperlyConfigured(f"{type(self).__name__} handles POST without act(): override post() or act().")


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount to refund"), min_value=Decimal("0"), localize=True)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=255,
        help_text=gettext_lazy("Kept in the payment's history and sent to Cascad with the refund."),
    )
    #: Makes the confirmed request idempotent: submitting the confirmation twice refunds once.
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, payment: Payment, balance: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.payment, self.balance = payment, balance
        self.fields["amount"].initial = balance
        self.fields["amount"].help_text = _("Up to %(balance)s; the whole balance refunds the payment in full.") % {
            "balance": display_amount(balance, payment.currency)
        }
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        try:
            amount = money.validate_amount(amount, self.payment.currency)
        except CascadError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if amount <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        if amount > self.balance:
            raise forms.ValidationError(
                _("At most %(balance)s can still be refunded.")
                % {"balance": display_amount(self.balance, self.payment.currency)}
            )
        return amount


class RefundView(PaymentActionView):
    page_title = gettext_lazy("Refund")
    form_class = RefundForm

    @cached_property
    def balance(self) -> Decimal:
        return self.payment.balance

    def dispatch(self, request, *args, **kwargs):
        if not self.payment.is_paid or self.balance <= 0:
            messages.error(request, _("Nothing of this payment can be refunded."))
            return redirect(self.detail_url)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {"payment": self.payment, "balance": self.balance}

    def needs_confirmation(self, form) -> bool:
        return True

    def confirmation(self, form) -> dict:
        amount = form.cleaned_data["amount"]
        full = amount == self.balance and self.payment.refunded_amount == 0
        return {
            "confirm_question": (
                _("Refund the whole %(amount)s to the customer?")
                if full
                else _("Refund %(amount)s of %(paid)s to the customer?")
            )
            % {
                "amount": display_amount(amount, self.payment.currency),
                "paid": display_amount(self.payment.processed_amount, self.payment.currency),
            },
            "confirm_note": _("Cascad sends the money back to the card or account that paid. This cannot be undone."),
            "confirm_label": _("Yes, refund %(amount)s") % {"amount": display_amount(amount, self.payment.currency)},
            "request_key": form.cleaned_data.get("request_key") or uuid.uuid4(),
        }

    def act(self, form) -> str:
        key = form.cleaned_data.get("request_key")
        if key is None:
            raise CascadError(_("The confirmation expired; please confirm the refund again."))
        amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]
        refund = services.refund_payment(
            self.payment, amount, reason=reason, user=self.request.user, reference_id=f"cwr_{key.hex}"
        )
        shown = display_amount(refund.amount, self.payment.currency)
        log_action(
            self.payment,
            "cascad_wagtail.refund",
            self.request.user,
            _("Refund of %(amount)s: %(reason)s") % {"amount": shown, "reason": refund.reason},
            amount=str(refund.amount),
            currency=self.payment.currency,
            refund=refund.reference_id,
            status=refund.status,
        )
        if refund.status == refund.Status.FAILED:
            raise CascadError(_("Cascad refused the refund: %(error)s") % {"error": refund.error})
        return _("Refund of %(amount)s sent to Cascad: %(status)s.") % {
            "amount": shown,
            "status": refund.get_status_display().lower(),
        }


class CancelView(PaymentActionView):
    page_title = gettext_lazy("Cancel invoice")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            confirming=True,
            confirm_question=_("Cancel the unpaid invoice %(invoice)s?")
            % {"invoice": self.payment.invoice_id or self.payment.reference_id},
            confirm_note=_(
                "The customer can no longer pay it. The order stays unpaid; a new payment can be started later."
            ),
            confirm_label=_("Yes, cancel the invoice"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirm") != "yes":
            return self.render_to_response(self.get_context_data())
        try:
            payment = services.cancel_payment(self.payment, user=request.user)
        except CascadError as exc:
            messages.error(request, str(exc))
            return redirect(_next_url(request, self.detail_url))
        log_action(
            payment,
            "cascad_wagtail.cancel",
            request.user,
            _("Invoice %(invoice)s cancelled.") % {"invoice": payment.invoice_id},
            invoice=payment.invoice_id,
        )
        messages.success(request, _("The invoice was cancelled."))
        return redirect(_next_url(request, self.detail_url))


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("How was it resolved?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("For example: the customer confirmed the amount, or the extra money was refunded."),
    )


class ResolveReviewView(PaymentActionView):
    page_title = gettext_lazy("Resolve review")
    form_class = ResolveForm
    confirm_label = gettext_lazy("Mark as resolved")

    def act(self, form) -> str:
        reasons = self.payment.review_reason
        note = form.cleaned_data["note"]
        services.resolve_review(self.payment, note=note, user=self.request.user)
        log_action(
            self.payment,
            "cascad_wagtail.resolve_review",
            self.request.user,
            _("Review resolved: %(note)s") % {"note": note},
            reasons=reasons,
        )
        return _("The review was resolved.")


class RefreshView(PaymentActionView):
    """Read the invoice from Cascad now and apply it (POST only; viewing permission is enough)."""

    permission_required = "view"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        before = self.payment.get_charge_status_display()
        try:
            payment = services.refresh_payment(self.payment, source="admin")
        except CascadError as exc:
            messages.error(request, _("Cascad could not be asked: %(error)s") % {"error": exc})
            return redirect(_next_url(request, self.detail_url))
        now = payment.get_charge_status_display()
        log_action(
            payment,
            "cascad_wagtail.refresh",
            request.user,
            _("Refreshed from Cascad: %(before)s → %(now)s.") % {"before": before, "now": now},
            cascad_status=payment.cascad_status,
        )
        messages.success(request, _("Refreshed from Cascad: the payment is %(status)s.") % {"status": now.lower()})
        return redirect(_next_url(request, self.detail_url))


# -- the viewset ---------------------------------------------------------------------------------


class PaymentViewSet(ModelViewSet):
    model = Payment
    icon = "credit-card"
    menu_label = gettext_lazy("Payments")
    index_view_class = PaymentIndexView
    index_template_name = "cascad_wagtail/admin/payments/index.html"
    inspect_view_class = PaymentDetailView
    inspect_view_enabled = True
    copy_view_enabled = False
    search_fields = ["reference_id"]  # enables the search box; the search itself is ``search_payments``
    search_backend_name = None
    list_per_page = 25
    add_to_reference_index = False

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().filter(codename__in=["view_payment", "refund_payment"])

    @staticmethod
    def action_view(view_class):
        return view_class.as_view()

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/history/", self.history_view, name="history"),
            path("<int:pk>/history/results/", self.history_results_view, name="history_results"),
            path("<int:pk>/refresh/", self.action_view(RefreshView), name="refresh"),
            path("<int:pk>/refund/", self.action_view(RefundView), name="refund"),
            path("<int:pk>/cancel/", self.action_view(CancelView), name="cancel"),
            path("<int:pk>/resolve/", self.action_view(ResolveReviewView), name="resolve"),
        ]


payment_viewset = PaymentViewSet("cascad_payments", url_prefix="cascad/payments")
