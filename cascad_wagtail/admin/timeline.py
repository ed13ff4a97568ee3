"""One payment's timeline: API calls, callbacks, state changes and editors' actions, oldest first.

Built from four queries whatever the payment's history (one per source), so the payment page
costs the same for a payment with three entries or three hundred.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import ModelLogEntry

from ..models import CallbackEvent, ChargeStatus, Payment, PaymentEvent
from .callbacks import pretty_json

SOURCES = {
    "admin": gettext_lazy("admin"),
    "callback": gettext_lazy("callback"),
    "expiry": gettext_lazy("expiry check"),
    "link": gettext_lazy("payment link"),
    "reconcile": gettext_lazy("reconciliation"),
    "refresh": gettext_lazy("refresh"),
    "refund": gettext_lazy("refund"),
    "return": gettext_lazy("return page"),
    "shop": gettext_lazy("checkout"),
    "task": gettext_lazy("background task"),
}
#: Audit log actions whose payment event (with the editor) already stands in the timeline.
ACTIONS_WITH_EVENTS = ("cascad_wagtail.refund", "cascad_wagtail.cancel", "cascad_wagtail.resolve_review")
#: Shown at most per callback body; stored bodies are already capped by the endpoint.
BODY_DISPLAY_LIMIT = 20_000


@dataclasses.dataclass
class Entry:
    at: datetime.datetime
    kind: str  # "api", "callback", "state", "effect", "action", "note"
    title: str
    detail: str = ""
    tone: str = "neutral"
    user: str = ""
    body: str = ""
    link: str = ""


def _status_label(value: str) -> str:
    return str(ChargeStatus(value).label) if value in ChargeStatus.values else value


def _source(value: str) -> str:
    return str(SOURCES.get(value, value))


def pretty_body(raw: bytes) -> str:
    """A callback body for people: indented JSON, numbers exactly as sent; else the text as received."""
    text = pretty_json(raw)
    if text is None:
        text = bytes(raw).decode("utf-8", errors="replace")
    if len(text) > BODY_DISPLAY_LIMIT:
        text = text[:BODY_DISPLAY_LIMIT] + "\n…"
    return text


def _callback_url(event: CallbackEvent) -> str:
    try:
        return reverse("cascad_callbacks:inspect", args=[event.pk])
    except NoReverseMatch:
        return ""


def _api_entry(call) -> Entry:
    ok = call.status_code is not None and call.status_code < 400
    if call.status_code is not None:
        outcome = _("HTTP %(status)s in %(ms)s ms") % {"status": call.status_code, "ms": call.duration_ms}
    else:
        outcome = _("no answer after %(ms)s ms (%(error)s)") % {"ms": call.duration_ms, "error": call.error}
    parts = [outcome]
    if call.attempt > 1:
        parts.append(_("attempt %(n)s") % {"n": call.attempt})
    if call.request_id:
        parts.append(_("request id %(id)s") % {"id": call.request_id})
    return Entry(
        at=call.created_at,
        kind="api",
        title=_("API call %(method)s %(path)s") % {"method": call.method, "path": call.path},
        detail=", ".join(parts),
        tone="success" if ok else "danger",
    )


def _callback_entry(event: CallbackEvent) -> Entry:
    signature = _("signature valid") if event.signature_valid else _("signature INVALID")
    detail = f"{signature}; {event.get_status_display().lower()}"
    if event.error:
        detail += f": {event.error}"
    tone = "danger" if not event.signature_valid or event.status == CallbackEvent.Status.FAILED else "info"
    return Entry(
        at=event.received_at,
        kind="callback",
        title=_("Callback received"),
        detail=detail,
        tone=tone,
        body=pretty_body(event.body),
        link=_callback_url(event),
    )


def _event_entry(event: PaymentEvent) -> Entry | None:
    source = _source(event.source)
    if event.effect == PaymentEvent.Effect.STATUS_CHANGED:
        previous = _status_label(event.effect_data.get("previous", ""))
        return Entry(
            at=event.created_at,
            kind="state",
            title=_("Status: %(previous)s → %(status)s")
            % {"previous": previous, "status": _status_label(event.charge_status)},
            detail=_("via %(source)s") % {"source": source},
            tone="success" if event.charge_status == ChargeStatus.FULLY_CHARGED else "neutral",
        )
    if event.effect:
        if event.dispatched_at:
            sent = _("the shop was told")
        elif event.dispatch_error:
            sent = _("not delivered yet: %(error)s") % {"error": event.dispatch_error}
        else:
            sent = _("not delivered yet")
        return Entry(
            at=event.created_at,
            kind="effect",
            title=_("Signal: %(effect)s") % {"effect": event.get_effect_display()},
            detail=sent,
            tone="danger" if event.dispatch_error and not event.dispatched_at else "neutral",
        )
    if event.user_id:  # an editor's refund, cancel or resolution, at the moment it was asked for
        return Entry(
            at=event.created_at,
            kind="action",
            title=event.get_kind_display(),
            detail=event.message,
            tone="action",
            user=event.user.get_full_name() or event.user.get_username(),
        )
    tones = {
        PaymentEvent.Kind.ERROR: "danger",
        PaymentEvent.Kind.REVIEW: "warning",
        PaymentEvent.Kind.STALE: "neutral",
        PaymentEvent.Kind.CREATED: "info",
    }
    if event.kind == PaymentEvent.Kind.APPLIED:
        title = _("Cascad: %(status)s") % {"status": event.cascad_status or "—"}
    else:
        title = event.get_kind_display()
    detail = _("via %(source)s") % {"source": source}
    if event.message:
        detail = f"{event.message} ({detail})"
    return Entry(at=event.created_at, kind="note", title=title, detail=detail, tone=tones.get(event.kind, "neutral"))


def _log_entry(entry: ModelLogEntry) -> Entry:
    return Entry(
        at=entry.timestamp,
        kind="action",
        title=str(entry.formatter.label) if entry.formatter else entry.action,
        detail=entry.message,
        tone="action",
        user=entry.user_display_name,
    )


def payment_timeline(payment: Payment) -> list[Entry]:
    """Everything that happened to ``payment``, oldest first."""
    entries: list[Entry] = [_api_entry(call) for call in payment.api_calls.all()]
    entries += [_callback_entry(event) for event in payment.callbacks.all()]
    entries += [entry for entry in map(_event_entry, payment.events.select_related("user")) if entry is not None]
    # Editors' actions that leave no payment event of their own (a refresh); the others are shown
    # from their payment event, written when the action was asked for, before the calls it made.
    logs = (
        ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Payment), object_id=str(payment.pk))
        .exclude(action__in=ACTIONS_WITH_EVENTS)
        .select_related("user", "user__wagtail_userprofile")
    )
    entries += [_log_entry(entry) for entry in logs]
    entries.sort(key=lambda entry: entry.at)
    return entries
