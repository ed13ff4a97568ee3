"""The customer's account: sign up, sign in and out, reset the password, and the orders placed signed in.

Passwords are checked by ``cascad_wagtail.accounts.sign_in`` (the same service, rate limit and
refusals as the storefront API's); the password reset is Django's own, in the shop's pages. Orders
placed without signing in belong to no account, even with the same email (emails are not verified):
they stay reachable by their private link only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout, password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from cascad_wagtail import services

from ..account_forms import SignInForm, SignUpForm
from .navigation import next_url
from .orders import badge_label, order_state

#: The user was checked against the password stored on the model (by the sign-in service, or just set).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ORDERS_PER_PAGE = 20


def _after_sign_in(request) -> str:
    """Where a customer goes once signed in: back where they came from on this site, else their orders."""
    return next_url(request, reverse("shop:my_orders"))


def _account_page(request, template: str, form, **context) -> HttpResponse:
    """A sign-in or sign-up page, carrying on a ``next`` that stays on this site."""
    return render(request, template, {"form": form, "next": next_url(request, ""), **context})


@never_cache
@sensitive_post_parameters("password1", "password2")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect(_after_sign_in(request))
    form = SignUpForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user is not None:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _("Welcome, %(name)s: your account is ready.") % {"name": user.first_name})
            return redirect(_after_sign_in(request))
    rules = password_validation.password_validators_help_texts()
    return _account_page(request, "shop/account/sign_up.html", form, password_rules=rules)


@never_cache
@sensitive_post_parameters("password")
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(_after_sign_in(request))
    form = SignInForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend=MODEL_BACKEND)
        messages.success(request, _("You are signed in as %(email)s.") % {"email": form.user.email})
        return redirect(_after_sign_in(request))
    return _account_page(request, "shop/account/sign_in.html", form)


@require_POST
def sign_out(request):
    """POST only: a link or an image on another page must not be able to sign the customer out."""
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("/")


@never_cache
@login_required
def my_orders(request):
    """The customer's orders, newest first, each with its badge as its own page shows it.

    The badge follows the order's current payment (``order_state``); the page's payments are read in
    one query.
    """
    orders = request.user.shop_orders.annotate(item_count=Sum("lines__quantity")).order_by("-created_at", "-pk")
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    payments = services.order_current_payments(page.object_list)
    rows = []
    for order in page:
        state = order_state(order, payments[order.pk])[0]
        rows.append({"order": order, "state": state, "label": badge_label(state)})
    return render(request, "shop/account/my_orders.html", {"page": page, "rows": rows})


# -- the password reset: Django's views, the shop's templates ------------------------------------------

password_reset = auth_views.PasswordResetView.as_view(
    template_name="shop/account/password_reset.html",
    email_template_name="shop/account/password_reset_email.txt",
    subject_template_name="shop/account/password_reset_subject.txt",
    success_url=reverse_lazy("shop:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="shop/account/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="shop/account/password_reset_confirm.html",
    success_url=reverse_lazy("shop:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="shop/account/password_reset_complete.html"
)
