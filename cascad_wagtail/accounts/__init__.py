"""Customer sign-in, shared by the storefront API (``tokenCreate``) and the shop's own sign-in page.

``sign_in(request, email, password)`` finds the customer by email (case-insensitive), checks the
password through Django's ``authenticate`` (so the project's backends and hashers apply), and is
rate-limited per account and per client address (``throttle``). It returns the user, or raises
``InvalidCredentials`` (the same message for an unknown email, a wrong password and an inactive
account: nothing tells which emails have accounts) or ``TooManyAttempts``.

Call it outside a transaction (not under ``ATOMIC_REQUESTS``): the limit holds for racing requests
because each attempt is committed before it is counted.

The client address is ``REMOTE_ADDR``. Behind a proxy, set it from the proxy's header in a middleware
you trust, or every customer shares the proxy's address and its limit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cascad_wagtail.exceptions import CascadError

from . import throttle

logger = logging.getLogger("cascad_wagtail.accounts")


class SignInRefused(CascadError):
    """Sign-in refused; ``message`` is safe to show, ``code`` is Saleor's ``AccountErrorCode``."""

    code = "INVALID_CREDENTIALS"


class InvalidCredentials(SignInRefused):
    def __init__(self) -> None:
        super().__init__(_("Please, enter valid credentials: the email or the password is wrong."))


class TooManyAttempts(SignInRefused):
    code = "LOGIN_ATTEMPT_DELAYED"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            ngettext(
                "Too many failed sign-ins. Try again in %(minutes)d minute.",
                "Too many failed sign-ins. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
            retry_after=retry_after,
        )
        self.retry_after = retry_after


def client_address(request: HttpRequest | None) -> str:
    return (request.META.get("REMOTE_ADDR") if request is not None else "") or ""


#: Longer than any deliverable address (RFC 5321): such an "email" names no account.
MAX_EMAIL_LENGTH = 254


def _accounts_with_email(email: str) -> list[Any]:
    """At most two users whose email is ``email`` as the database compares it (case-insensitive)."""
    if not email or len(email) > MAX_EMAIL_LENGTH or "\x00" in email:
        return []
    user_model = get_user_model()
    email_field = user_model.get_email_field_name()
    return list(user_model._default_manager.filter(**{f"{email_field}__iexact": email})[:2])


def _identity(email: str, matches: list[Any]) -> str:
    """What the per-account limit counts: the customer when the email is theirs, whatever its spelling
    (the database's case-insensitive match and Python's may differ on letters like "ı"), else the email."""
    if len(matches) == 1:
        return f"user:{matches[0].pk}"
    return "email:" + email.upper().lower()


def limit_key(email: str) -> str:
    """The stored key of the per-account limit for ``email`` (``SignInAttempt.account``)."""
    email = (email or "").strip()
    return throttle.account_digest(_identity(email, _accounts_with_email(email)))


def sign_in(request: HttpRequest | None, email: str, password: str) -> Any:
    """The active customer with this email and password; ``InvalidCredentials`` or ``TooManyAttempts``."""
    email = (email or "").strip()
    matches = _accounts_with_email(email)
    try:
        attempt = throttle.begin(_identity(email, matches), client_address(request))
    except throttle.Refused as refused:
        logger.warning("Sign-in refused by the rate limit from %s", client_address(request) or "an unknown address")
        raise TooManyAttempts(refused.retry_after) from None
    user = _authenticate(request, matches, password or "")
    if user is None:
        raise InvalidCredentials()
    attempt.succeeded()
    return user


def note_taken_email(request: HttpRequest | None) -> None:
    """Count a sign-up refused because its email has an account against the client's address, like a
    failed sign-in: whoever probes emails that way runs into the same per-address limit.
    ``TooManyAttempts`` once the address is over it."""
    try:
        throttle.begin(f"sign-up:{throttle.address_key(client_address(request))}", client_address(request))
    except throttle.Refused as refused:
        raise TooManyAttempts(refused.retry_after) from None


def _authenticate(request: HttpRequest | None, matches: list[Any], password: str) -> Any:
    user_model = get_user_model()
    if len(matches) != 1:
        if len(matches) > 1:
            logger.warning("Sign-in refused: more than one account has the same email address")
        # As long as a real check, so the time taken tells nothing about which emails have accounts.
        user_model().set_password(password)
        return None
    credentials = {user_model.USERNAME_FIELD: matches[0].get_username(), "password": password}
    return authenticate(request, **credentials)
