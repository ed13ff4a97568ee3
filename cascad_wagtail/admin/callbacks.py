"""The callbacks log in the Wagtail admin: every stored Cascad callback, filtered, inspected, reprocessed.

Read-only: callbacks are written by the callback endpoint and never added, edited or deleted by
hand. Permissions: ``view_callbackevent`` to see the log, ``change_callbackevent`` to reprocess.
Reprocessing runs a stored callback through ``webhooks.intake.process``, the function the endpoint
and ``manage.py cascad_reprocess_callback`` use, and is written to Wagtail's audit log. A callback
whose signature matched no secret key is never reprocessed: its content cannot be trusted.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import ModelLogEntry
from wagtail.permissions import register_permission_policy

from .. import wire
from ..models import CallbackEvent, Payment
from ..webhooks import intake
from .audit import CascadLogFormatter, log_action
from .filters import CallbackFilterSet
from .permissions import OnlyActionsPermissionPolicy

REPROCESS_ACTION = "cascad_wagtail.reprocess_callback"
#: Failed callbacks reprocessed by one click of "Reprocess failed callbacks"; click again for more.
BULK_LIMIT = 100
ERROR_PREVIEW_CHARS = 80

#: Badge colour per callback status (``cascad-badge--<tone>`` in ``static/cascad_wagtail/admin/admin.css``).
STATUS_TONES = {
    CallbackEvent.Status.RECEIVED: "pending",
    CallbackEvent.Status.PROCESSED: "success",
    CallbackEvent.Status.IGNORED: "neutral",
    CallbackEvent.Status.REJECTED: "danger",
    CallbackEvent.Status.FAILED: "danger",
}
MODES = dict(Payment.Mode.choices)


class CallbackPermissionPolicy(OnlyActionsPermissionPolicy):
    """Only "view" (the log) and "change" (reprocess) mean anything: callbacks are never added or deleted."""

    ACTIONS = ("view", "change")


permission_policy = CallbackPermissionPolicy(CallbackEvent)
register_permission_policy(CallbackEvent, permission_policy)


class ReprocessLogFormatter(CascadLogFormatter):
    label = gettext_lazy("Reprocess callback")
    message = gettext_lazy("Callback reprocessed")


@hooks.register("register_log_actions")
def register_callback_log_actions(actions):
    actions.register_action(REPROCESS_ACTION)(ReprocessLogFormatter)


def mode_label(mode: str) -> str:
    return str(MODES.get(mode, mode)) if mode else ""


def pretty_json(body: bytes) -> str | None:
    """The body indented for people when it is JSON, numbers exactly as sent (``1500.00`` stays so).

    ``None`` when the body is not strict JSON (a rejected callback's body is cut at 4 KiB, so it
    rarely is): then the raw text is shown instead.
    """
    try:
        document = wire.loads(bytes(body))
    except (ValueError, UnicodeDecodeError):
        return None
    lines: list[str] = []
    _indent(document, lines, "", "")
    return "\n".join(lines)


def _indent(value, lines: list[str], prefix: str, pad: str) -> None:
    """Append ``value`` as indented JSON lines; ``prefix`` goes before its first line (a key)."""
    if isinstance(value, dict | list) and value:
        items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        lines.append(f"{pad}{prefix}{opening}")
        entries = list(items)
        for index, (key, item) in enumerate(entries):
            key_prefix = "" if key is None else wire.dumps(key).decode() + ": "
            _indent(item, lines, key_prefix, pad + "  ")
            if index < len(entries) - 1:
                lines[-1] += ","
        lines.append(f"{pad}{closing}")
    else:
        # Scalars and empty containers, written by the wire encoder: exact decimals, UTF-8 text.
        lines.append(f"{pad}{prefix}{wire.dumps(value).decode()}")


# -- the list -------------------------------------------------------------------------------------


class BadgeColumn(Column):
    """A value as a coloured badge; ``tone`` maps the row to a ``cascad-badge--<tone>`` class."""

    cell_template_name = "cascad_wagtail/admin/callbacks/badge_cell.html"

    def __init__(self, name, tone, **kwargs):
        super().__init__(name, **kwargs)
        self.tone = tone

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["tone"] = self.tone(instance)
        return context


class InvoiceColumn(Column):
    """The invoice id, linking to the payment it was matched to (by ``payment_id``: no extra query)."""

    cell_template_name = "cascad_wagtail/admin/callbacks/invoice_cell.html"
    empty_value_display = "—"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["payment_url"] = (
            reverse("cascad_payments:inspect", args=[instance.payment_id]) if instance.payment_id else ""
        )
        return context


class ErrorColumn(Column):
    cell_template_name = "cascad_wagtail/admin/callbacks/error_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["full"] = Truncator(instance.error).chars(1000)
        context["value"] = Truncator(instance.error).chars(ERROR_PREVIEW_CHARS)
        return context


def signature_label(event: CallbackEvent) -> str:
    return _("Valid") if event.signature_valid else _("Invalid")


def received_label(event: CallbackEvent) -> str:
    return f"{timezone.localtime(event.received_at):%Y-%m-%d %H:%M:%S}"


class CallbackIndexView(IndexView):
    template_name = "cascad_wagtail/admin/callbacks/index.html"
    table_classname = "listing cascad-callbacks"
    filterset_class = CallbackFilterSet
    default_ordering = "-received_at"
    page_title = gettext_lazy("Callbacks")

    def get_base_queryset(self):
        # Two queries a page whatever its length: the payment link needs only ``payment_id``, and the
        # body and headers (up to 64 KiB a row) stay in the database.
        return CallbackEvent.objects.defer("body", "headers")

    def order_queryset(self, queryset):
        # Callbacks often arrive within the same microsecond burst: the id keeps pages stable.
        queryset = super().order_queryset(queryset)
        descending = str(self.ordering or "-").startswith("-")
        return queryset.order_by(*queryset.query.order_by, "-pk" if descending else "pk")

    def search_queryset(self, queryset):
        """Invoice ids starting with the query: a prefix match on an indexed column."""
        if not self.is_searching:
            return queryset
        return queryset.filter(invoice_id__startswith=self.search_query.strip())

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "received_at",
                label=gettext_lazy("Received"),
                accessor=received_label,
                sort_key="received_at",
                get_url=lambda event: reverse("cascad_callbacks:inspect", args=[quote(event.pk)]),
            ),
            InvoiceColumn("invoice_id", label=gettext_lazy("Invoice")),
            BadgeColumn(
                "signature_valid",
                label=gettext_lazy("Signature"),
                accessor=signature_label,
                tone=lambda event: "success" if event.signature_valid else "danger",
            ),
            BadgeColumn(
                "status",
                label=gettext_lazy("Status"),
                accessor="get_status_display",
                tone=lambda event: STATUS_TONES.get(event.status, "neutral"),
            ),
            Column("mode", label=gettext_lazy("Mode"), accessor=lambda event: mode_label(event.mode)),
            ErrorColumn("error", label=gettext_lazy("Error")),
        ]

    def get_list_buttons(self, instance):
        return []

    @cached_property
    def header_buttons(self):
        if not self.user_has_permission("change"):
            return []
        return [
            HeaderButton(
                _("Reprocess failed callbacks"),
                icon_name="rotate",
                attrs={
                    "data-controller": "w-action",
                    "data-action": "w-action#post",
                    "data-w-action-url-value": reverse("cascad_callbacks:reprocess_failed"),
                },
            )
        ]


# -- one callback ---------------------------------------------------------------------------------


class CallbackDetailView(InspectView):
    template_name = "cascad_wagtail/admin/callbacks/detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(CallbackEvent.objects.select_related("payment"), pk=self.pk)

    def get_page_subtitle(self):
        return self.object.invoice_id or received_label(self.object)

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.object
        body = bytes(event.body)
        pretty = pretty_json(body)
        context.update(
            event=event,
            received=received_label(event),
            mode=mode_label(event.mode),
            status_tone=STATUS_TONES.get(event.status, "neutral"),
            headers=sorted(event.headers.items()) if isinstance(event.headers, dict) else [],
            body_json=pretty,
            body_text=None if pretty is not None else body.decode("utf-8", errors="replace"),
            body_size=len(body),
            body_cut=not event.signature_valid and len(body) >= intake.REJECTED_BODY_LIMIT,
            payment_url=reverse("cascad_payments:inspect", args=[event.payment_id]) if event.payment_id else "",
            can_reprocess=self.user_has_permission("change"),
            history=ModelLogEntry.objects.for_instance(event)
            .filter(action=REPROCESS_ACTION)
            .select_related("user")
            .order_by("-timestamp", "-pk")[:20],
        )
        return context


# -- reprocessing ---------------------------------------------------------------------------------


def reprocess(event: CallbackEvent, user) -> tuple[bool, str]:
    """Run one stored, signature-valid callback through intake again; log it. (ok, message for people)."""
    try:
        verdict = intake.process(event)
    except Exception as exc:
        # With tasks run in-process the refresh's error lands here; the task has marked the event failed.
        event.refresh_from_db(fields=["status", "error", "processed_at", "payment"])
        ok, message = False, _("Reprocessing failed: %(error)s") % {"error": f"{exc.__class__.__name__}: {exc}"}
        http_status = None
    else:
        event.refresh_from_db(fields=["status", "error", "processed_at", "payment"])
        ok = verdict.status == 200 and event.status != CallbackEvent.Status.FAILED
        http_status = verdict.status
        if ok:
            message = _("Callback reprocessed: status now “%(status)s”.") % {"status": event.get_status_display()}
        else:
            message = _("Callback reprocessed, but not accepted: %(reason)s (status “%(status)s”).") % {
                "reason": event.error or verdict.reason,
                "status": event.get_status_display(),
            }
    log_action(
        event,
        REPROCESS_ACTION,
        user,
        message,
        invoice_id=event.invoice_id,
        status=event.status,
        http_status=http_status,
    )
    return ok, message


class ReprocessView(PermissionCheckedMixin, View):
    """POST: reprocess one callback, then back to its page with the outcome as a message."""

    permission_policy = permission_policy
    permission_required = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        event = get_object_or_404(CallbackEvent, pk=pk)
        detail_url = reverse("cascad_callbacks:inspect", args=[quote(event.pk)])
        if not event.signature_valid:
            messages.error(
                request,
                _(
                    "This callback cannot be reprocessed: its signature matched none of the secret keys, so its "
                    "content cannot be trusted. Check the sites' secret keys; Cascad's next delivery or a "
                    "refresh of the payment brings it up to date."
                ),
            )
            return redirect(detail_url)
        ok, message = reprocess(event, request.user)
        (messages.success if ok else messages.error)(request, message)
        return redirect(detail_url)


class ReprocessFailedView(PermissionCheckedMixin, View):
    """POST: reprocess the oldest failed callbacks (at most ``BULK_LIMIT`` per request)."""

    permission_policy = permission_policy
    permission_required = "change"
    http_method_names = ["post"]

    def post(self, request):
        index_url = reverse("cascad_callbacks:index")
        events = list(
            CallbackEvent.objects.filter(status=CallbackEvent.Status.FAILED, signature_valid=True).order_by("pk")[
                :BULK_LIMIT
            ]
        )
        if not events:
            messages.info(request, _("No failed callbacks to reprocess."))
            return redirect(index_url)
        done = sum(1 for event in events if reprocess(event, request.user)[0])
        summary = _("Failed callbacks reprocessed: %(done)d of %(total)d.") % {"done": done, "total": len(events)}
        (messages.success if done == len(events) else messages.warning)(request, summary)
        return redirect(index_url + "?status=" + CallbackEvent.Status.FAILED)


# -- the viewset ----------------------------------------------------------------------------------


class CallbackURLFinder(ModelAdminURLFinder):
    """Where the site history and other admin pages link a callback: its page, for whoever may view it."""

    edit_url_name = "cascad_callbacks:inspect"

    def get_edit_url(self, instance):
        if self.user and not permission_policy.user_has_permission(self.user, "view"):
            return None
        return self.construct_edit_url(instance)


class CallbackViewSet(ModelViewSet):
    model = CallbackEvent
    icon = "mail"
    menu_label = gettext_lazy("Callbacks")
    index_view_class = CallbackIndexView
    inspect_view_class = CallbackDetailView
    inspect_view_enabled = True
    copy_view_enabled = False
    search_fields = ["invoice_id"]  # enables the search box; the search itself is a prefix match
    search_backend_name = None
    list_per_page = 50
    add_to_reference_index = False
    url_finder_class = CallbackURLFinder

    def get_common_view_kwargs(self, **kwargs):
        # No add, edit, delete, history or usage views: nothing may link to them.
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add", "edit", "delete", "history", "usage", "copy"):
            view_kwargs[f"{name}_url_name"] = None
        return view_kwargs

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().filter(codename__in=["view_callbackevent", "change_callbackevent"])

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/reprocess/", ReprocessView.as_view(), name="reprocess"),
            path("reprocess-failed/", ReprocessFailedView.as_view(), name="reprocess_failed"),
        ]


callback_viewset = CallbackViewSet("cascad_callbacks", url_prefix="cascad/callbacks")
