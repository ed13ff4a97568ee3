"""The filters of the editors' lists. The dashboard panel counts with the same filters it links to.

Query parameters (stable; links elsewhere are built from them):

- payments: ``status`` (repeatable, a ``ChargeStatus`` value), ``site`` (id), ``mode``, ``currency``,
  ``needs_review`` (``true``/``false``), ``created_from`` / ``created_to`` and ``paid_from`` /
  ``paid_to`` (ISO dates, inclusive), ``q`` (search: see ``search_payments``);
- callbacks: ``signature_valid`` (``true``/``false``), ``status`` (a ``CallbackEvent.Status`` value).
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.models import Site

from .. import money
from ..models import CallbackEvent, ChargeStatus, Payment

CURRENCY_CHOICES = [(code, code) for code in sorted(money.EXPONENTS)]
YES_NO = [("true", _("Yes")), ("false", _("No"))]


def _yes_no(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value in ("true", "false"):
        return queryset.filter(**{name: value == "true"})
    return queryset


class PaymentFilterSet(WagtailFilterSet):
    # distinct=False: one payment matches one status, and DISTINCT would make the count read every row.
    status = django_filters.MultipleChoiceFilter(
        field_name="charge_status",
        label=_("Status"),
        choices=ChargeStatus.choices,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs_review = django_filters.ChoiceFilter(
        label=_("Needs review"),
        choices=YES_NO,
        method=_yes_no,
        empty_label=_("Any"),
        widget=forms.RadioSelect,
    )
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Site.objects.all())
    mode = django_filters.ChoiceFilter(label=_("Mode"), choices=Payment.Mode.choices)
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at", label=_("Created"), widget=DateRangePickerWidget
    )
    paid = django_filters.DateFromToRangeFilter(field_name="paid_at", label=_("Paid"), widget=DateRangePickerWidget)

    class Meta:
        model = Payment
        fields = []


class CallbackFilterSet(WagtailFilterSet):
    signature_valid = django_filters.ChoiceFilter(label=_("Signature valid"), choices=YES_NO, method=_yes_no)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CallbackEvent.Status.choices)

    class Meta:
        model = CallbackEvent
        fields = []


ORDER_NUMBER = re.compile(r"^#?(\d{1,18})$")


def search_payments(queryset: QuerySet, query: str) -> QuerySet:
    """Payments whose order number is ``query``, or whose invoice id, reference or customer email starts with it.

    Prefix matches only, each on an indexed column (PostgreSQL gets ``varchar_pattern_ops`` indexes for
    ``LIKE 'x%'``), so a search costs about the same with a hundred payments or a hundred thousand.
    """
    query = query.strip()
    if not query:
        return queryset
    condition = (
        Q(invoice_id__startswith=query)
        | Q(reference_id__startswith=query)
        | Q(customer_email__startswith=query.lower())
    )
    number = ORDER_NUMBER.match(query)
    if number:
        condition |= Q(order_id=int(number.group(1)))
    return queryset.filter(condition)
