"""The sign-in rate limit: so many failed password checks per account and per client address.

Every check writes its ``SignInAttempt`` row *before* counting, in its own autocommitted statement,
so requests racing each other each see the rows of all that came before them: at most the limit of
them get through, however many arrive at once. A check whose password was right deletes its row and
clears the account's earlier failures (the customer is back); the addresses keep their counts. A refused
attempt deletes its row too: it checked nothing, so the limit is the number of passwords an attacker
can try per window, and the wait ends when the window has passed since the oldest counted failure.
A success keeps the account's earlier failures as rows of no account, so they still count against
the addresses they came from.

Accounts are counted by a digest of the lower-cased email whether or not such an account exists, so
the limit tells nothing about which emails have accounts.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.utils import timezone

from cascad_wagtail import conf
from cascad_wagtail.models import SignInAttempt


def account_digest(email: str) -> str:
    return hashlib.sha256(b"cascad-sign-in:" + email.strip().lower().encode()).hexdigest()


@dataclass
class Attempt:
    """A password check let through. Its row stays, counted as a failure, unless ``succeeded`` is called."""

    row: SignInAttempt

    def succeeded(self) -> None:
        """The account's failures stop counting against it; they still count against their addresses."""
        self.row.delete()
        SignInAttempt.objects.filter(account=self.row.account).update(account="")


class Refused(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def window() -> datetime.timedelta:
    return datetime.timedelta(seconds=conf.get("CASCAD_SIGN_IN_WINDOW"))


def begin(email: str, address: str) -> Attempt:
    """Record an attempt for ``email`` from ``address``, or raise ``Refused`` (with the seconds to wait)."""
    now = timezone.now()
    row = SignInAttempt.objects.create(account=account_digest(email), address=address[:45], created_at=now)
    since = now - window()
    try:
        wait = max(
            _wait(
                SignInAttempt.objects.filter(account=row.account),
                since,
                now,
                conf.get("CASCAD_SIGN_IN_FAILURES_PER_ACCOUNT"),
            ),
            _wait(
                SignInAttempt.objects.filter(address=row.address),
                since,
                now,
                conf.get("CASCAD_SIGN_IN_FAILURES_PER_ADDRESS"),
            ),
        )
    except BaseException:
        row.delete()
        raise
    if wait > 0:
        row.delete()
        raise Refused(wait)
    return Attempt(row)


def _wait(rows, since: datetime.datetime, now: datetime.datetime, limit: int) -> int:
    """Seconds until one more attempt fits under ``limit`` (0: this one fits; it is already counted).

    The times are read in one query: racing attempts delete their rows meanwhile.
    """
    times = list(rows.filter(created_at__gte=since).order_by("created_at", "pk").values_list("created_at", flat=True))
    if len(times) <= limit:
        return 0
    # Without this attempt there are len - 1; the next fits once len - limit of them have expired.
    expiring = times[len(times) - limit - 1]
    return max(1, int((expiring + window() - now).total_seconds()) + 1)


def prune() -> int:
    """Delete attempts older than the window (the beat task runs this); the number deleted."""
    deleted, _ = SignInAttempt.objects.filter(created_at__lt=timezone.now() - window()).delete()
    return deleted
