"""``manage.py cascad_reprocess_callback``: run stored callbacks through intake again.

The same ``webhooks.intake.process`` the callback view uses (and the admin's "reprocess"
action), so a callback whose processing failed (Cascad was down, a bug since fixed) is matched to
its payment again and its refresh queued. Processing is safe to repeat: the refresh reads the
invoice from Cascad and the state function never moves a payment backwards.

Only a callback whose signature was valid is reprocessed. One that matched no secret key is
refused: its content cannot be trusted, and only its first 4 KiB were kept.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ...models import CallbackEvent
from ...webhooks import intake


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # Read when the parser is built, in the active language (argparse cannot take a lazy string).
        return _("Process stored Cascad callbacks again, by id or every failed one.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "event_ids", nargs="*", type=int, metavar="EVENT_ID", help=_("Id of a stored callback to reprocess.")
        )
        parser.add_argument(
            "--failed", action="store_true", help=_("Reprocess every stored callback whose processing failed.")
        )

    def handle(self, *args, event_ids: list[int], failed: bool, **options) -> None:
        if not event_ids and not failed:
            raise CommandError(_("Name at least one callback id, or use --failed."))
        ids = list(dict.fromkeys(event_ids))
        if failed:
            failed_ids = CallbackEvent.objects.filter(status=CallbackEvent.Status.FAILED).order_by("pk")
            ids += [pk for pk in failed_ids.values_list("pk", flat=True) if pk not in ids]
            if not ids:
                self.stdout.write(_("No failed callbacks to reprocess."))
                return
        events = CallbackEvent.objects.in_bulk(ids)
        refused = 0
        for pk in ids:
            if not self._reprocess(pk, events.get(pk)):
                refused += 1
        if refused:
            raise CommandError(
                _("Callbacks not reprocessed: %(refused)d of %(total)d.") % {"refused": refused, "total": len(ids)},
                returncode=1,
            )

    def _reprocess(self, pk: int, event: CallbackEvent | None) -> bool:
        if event is None:
            self.stderr.write(_("Callback %(id)d: no such stored callback.") % {"id": pk})
            return False
        if not event.signature_valid:
            self.stderr.write(
                _(
                    "Callback %(id)d refused: its signature matched none of the secret keys, so its content "
                    "cannot be trusted. Check the sites' secret keys; Cascad's next delivery or "
                    "cascad_reconcile brings the payment up to date."
                )
                % {"id": pk}
            )
            return False
        try:
            verdict = intake.process(event)
        except Exception as exc:
            # Reported and counted; the other callbacks of the run still get their turn.
            self.stderr.write(
                _("Callback %(id)d failed: %(error)s") % {"id": pk, "error": f"{exc.__class__.__name__}: {exc}"}
            )
            return False
        event.refresh_from_db(fields=["status"])
        line = _("Callback %(id)d: HTTP %(code)d, %(reason)s; status now “%(status)s”.") % {
            "id": pk,
            "code": verdict.status,
            "reason": verdict.reason,
            "status": event.get_status_display(),
        }
        self.stdout.write(self.style.SUCCESS(line) if verdict.status == 200 else self.style.WARNING(line))
        return verdict.status == 200
