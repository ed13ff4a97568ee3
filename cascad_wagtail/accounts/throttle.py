"""The sign-in rate limit: so many failed password checks per account and per client address.

Every check writes its ``SignInAttempt`` row *before* counting, in its own autocommitted statement,
so requests racing each other each see the rows of all that came before them: at most the limit of
them get through, however many arrive at once. A check whose password was right deletes its row and
clears the account's earlier failures (the customer is back); the addresses keep their counts. A refused
attempt deletes its row too: it checked nothing, so the limit is the number of passwords an attacker
can try per window, and the wait ends when the window has passed since the oldest counted failure.
A success keeps the account's earlier failures as rows of no account, so they still count against
the addresses they came from.

The caller names the account by an identity (``accounts.limit_key``: the customer's id when the email
is theirs, else the email itself, so spellings the database takes as equal share one count); only a
keyed digest of it is stored. Unknown emails are limited exactly like real ones, so the limit tells
nothing about which emails have accounts.

Addresses are counted as given by ``address_key``: an IPv4 address, or the /64 network of an IPv6
one (a single machine often holds a whole /64). Without an address (a server behind a unix socket
that does not pass it on) only the per-account limit applies: one shared bucket would let anyone
lock everybody out.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from django.utils import timezone
from django.utils.crypto import salted_hmac

from cascad_wagtail import conf
from cascad_wagtail.models import SignInAttempt


def account_digest(identity: str) -> str:
    """A digest of an account identity that cannot be reversed by trying known emails."""
    return salted_hmac("cascad_wagtail.accounts.throttle", identity, algorithm="sha256").hexdigest()


def address_key(address: str | None) -> str:
    """The client address as counted: IPv4 (also when mapped into IPv6), an IPv6 /64, else ``""``."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


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


def begin(identity: str, address: str | None) -> Attempt:
    """Record an attempt on the account ``identity`` from ``address``, or raise ``Refused`` (with the
    seconds to wait). ``address`` is a raw client address (``address_key`` is applied here)."""
    now = timezone.now()
    counted_address = address_key(address)
    row = SignInAttempt.objects.create(account=account_digest(identity), address=counted_address, created_at=now)
    since = now - window()
    limits = [(SignInAttempt.objects.filter(account=row.account), conf.get("CASCAD_SIGN_IN_FAILURES_PER_ACCOUNT"))]
    if counted_address:
        limits.append(
            (SignInAttempt.objects.filter(address=counted_address), conf.get("CASCAD_SIGN_IN_FAILURES_PER_ADDRESS"))
        )
    try:
        wait = max(_wait(rows, since, now, limit) for rows, limit in limits)
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
