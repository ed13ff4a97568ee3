"""The Cascad panel on the Wagtail dashboard: today's takings, pending, failed and to-review payments.

Every figure links to the payments list filtered by a query string, and is computed by applying
``PaymentFilterSet`` to that very query string, so a figure and the list it opens cannot disagree.
Four queries whatever the number of payments (one grouped sum, three counts).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

from django.db.models import Count, QuerySet, Sum
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from ..formatting import display_amount
from ..models import ChargeStatus, Payment
from .filters import PaymentFilterSet

VIEW_PERMISSION = "cascad_wagtail.view_payment"


@dataclasses.dataclass(frozen=True)
class Figure:
    label: str
    value: str
    url: str
    tone: str = "neutral"
    note: str = ""


def payments_url(query: dict[str, str]) -> str:
    return reverse("cascad_payments:index") + "?" + urlencode(query)


def filtered(query: dict[str, str]) -> QuerySet:
    """The payments the list shows for ``query``: the list's own filter set, applied to the same data."""
    data = QueryDict(mutable=True)
    data.update(query)
    return PaymentFilterSet(data=data, queryset=Payment.objects.all()).qs.order_by()


def figures() -> list[Figure]:
    """The panel's figures, in the active time zone's today."""
    today = timezone.localdate().isoformat()
    paid_today = {"paid_from": today, "paid_to": today}
    result = []
    takings = (
        filtered(paid_today)
        .values("mode", "currency")
        .annotate(total=Sum("processed_amount"), count=Count("pk"))
        .order_by("mode", "currency")  # "live" sorts before "sandbox": real money first
    )
    for row in takings:
        result.append(
            Figure(
                label=_("Paid today"),
                value=display_amount(row["total"] or 0, row["currency"]),
                url=payments_url({**paid_today, "mode": row["mode"], "currency": row["currency"]}),
                tone="success",
                note=str(Payment.Mode(row["mode"]).label) if row["mode"] != Payment.Mode.LIVE else "",
            )
        )
    if not result:
        result.append(Figure(label=_("Paid today"), value="0", url=payments_url(paid_today)))
    counts = [
        (_("Pending"), {"status": ChargeStatus.PENDING.value}, "pending"),
        (
            _("Failed today"),
            {"status": ChargeStatus.REFUSED.value, "created_from": today, "created_to": today},
            "danger",
        ),
        (_("Needs review"), {"needs_review": "true"}, "warning"),
    ]
    for label, query, tone in counts:
        count = filtered(query).count()
        result.append(Figure(label=label, value=str(count), url=payments_url(query), tone=tone if count else "neutral"))
    return result


class PaymentsPanel(Component):
    name = "cascad_payments"
    template_name = "cascad_wagtail/admin/dashboard/panel.html"
    order = 50  # above Wagtail's own panels: money first

    class Media:
        css = {"all": ["cascad_wagtail/admin/admin.css"]}

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["figures"] = figures()
        context["payments_url"] = reverse("cascad_payments:index")
        return context


@hooks.register("construct_homepage_panels")
def add_payments_panel(request, panels) -> None:
    if request.user.has_perm(VIEW_PERMISSION):
        panels.append(PaymentsPanel())
