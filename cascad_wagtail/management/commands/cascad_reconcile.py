"""``manage.py cascad_reconcile``: bring open payments up to date with Cascad now.

The same work as the beat's ``cascad_wagtail.tasks.reconcile``, for an operator who does not want
to wait for it (after an outage, or with ``--all`` after restoring a backup).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ... import services


def seconds(value: str) -> int:
    """A non-negative whole number of seconds (argparse names this function in its error)."""
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # Read when the parser is built, in the active language (argparse cannot take a lazy string).
        return _("Refresh open payments from Cascad, settle refunds whose answer never came and send due side effects.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=seconds,
            default=300,
            metavar="SECONDS",
            help=_("Only payments untouched for this many seconds (default 300)."),
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help=_("Refresh every payment, open or not, however recent."),
        )

    def handle(self, *args, older_than: int, everything: bool, **options) -> None:
        report = services.reconcile(older_than=datetime.timedelta(seconds=older_than), everything=everything)
        self.stdout.write(_("Payments refreshed: %(count)d") % {"count": report.refreshed})
        self.stdout.write(_("Refunds settled: %(count)d") % {"count": report.refunds_settled})
        self.stdout.write(_("Side effects sent: %(count)d") % {"count": report.effects_sent})
        if report.errors:
            self.stdout.write(self.style.ERROR(_("Errors: %(count)d") % {"count": report.errors}))
            raise CommandError(
                _("Reconciliation met errors; the cascad_wagtail.services log names each payment or refund."),
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("Errors: %(count)d") % {"count": 0}))
