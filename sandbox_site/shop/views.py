from django.shortcuts import get_object_or_404, render

from cascad_wagtail import services

from .models import Order


def order_page(request, token):
    """The customer's order page, reachable by its private link only."""
    order = get_object_or_404(Order, token=token)
    payments = order.cascad_payments.order_by("-created_at")
    unpaid = order.payment_status not in ("FULLY_CHARGED", "PARTIALLY_REFUNDED", "FULLY_REFUNDED")
    context = {
        "order": order,
        "payments": payments,
        "payment_link": services.payment_link(order) if unpaid else "",
    }
    return render(request, "shop/order.html", context)
