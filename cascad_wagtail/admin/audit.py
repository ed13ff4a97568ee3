"""The app's entries in Wagtail's audit log (Reports → Site history, and each payment's History).

Every admin action on a payment is logged with ``log_action``; the entry's ``data`` holds what was
done (amounts, reasons, references), never a key or a secret.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.log_actions import log as wagtail_log

ACTIONS = {
    "cascad_wagtail.refresh": (_("Refresh from Cascad"), _("Refreshed from Cascad")),
    "cascad_wagtail.refund": (_("Refund"), _("Refund requested")),
    "cascad_wagtail.cancel": (_("Cancel invoice"), _("Invoice cancelled")),
    "cascad_wagtail.resolve_review": (_("Resolve review"), _("Review resolved")),
}


class CascadLogFormatter(LogFormatter):
    """Shows the entry's own ``message`` (written in the editor's words when it was logged)."""

    def format_message(self, log_entry):
        return log_entry.data.get("message") or super().format_message(log_entry)


@hooks.register("register_log_actions")
def register_payment_log_actions(actions):
    for action, (label, message) in ACTIONS.items():
        formatter = type("CascadActionFormatter", (CascadLogFormatter,), {"label": label, "message": message})
        actions.register_action(action)(formatter)


def log_action(instance, action: str, user, message: str = "", **data) -> None:
    """Write one audit entry; ``message`` is shown in the history, ``data`` kept for the record."""
    wagtail_log(instance=instance, action=action, user=user, data={"message": message, **data})
