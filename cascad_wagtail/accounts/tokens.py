"""The storefront's JSON Web Tokens, as Saleor issues them and ``@saleor/sdk`` reads them.

- HS256, with the ``kid`` header naming the key that signed. ``CASCAD_JWT_SIGNING_KEYS`` lists secrets
  newest first: the first signs, all of them verify, so a key is rotated by putting a new one first
  and dropping the old one once its tokens have expired. Without that setting the keys are derived
  from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``, so Django's own rotation works the same way.
- Claims: ``owner: "saleor"`` (SDK 0.7.0 refreshes only tokens it owns), ``exp`` and ``iat`` (the SDK
  schedules its refresh from ``exp``), ``type`` (``access`` or ``refresh``), ``user_id`` (the GraphQL
  id), ``email``, ``is_staff``, and ``token``: the customer's *stamp*. A refresh token also carries the
  ``csrfToken`` that must come with it when it is read from the cookie.
- The stamp is an HMAC of the customer's password hash, active flag and ``TokenKey``. A token stops
  working when the password changes (a reset), the account is deactivated, or ``revoke_tokens`` runs
  (``tokensDeactivateAll``): nothing else needs remembering, and no token is stored.

Errors are ``ExpiredSignatureError`` and ``InvalidTokenError``: their class names are the
``extensions.exception.code`` values the SDKs act on, and their ``code`` Saleor's ``AccountErrorCode``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from cascad_wagtail import conf
from cascad_wagtail.exceptions import CascadError

ALGORITHM = "HS256"
OWNER = "saleor"
ACCESS = "access"
REFRESH = "refresh"
#: Tokens are checked with this much leeway for clocks that disagree a little, seconds.
LEEWAY = 5


class TokenError(CascadError):
    """A token that cannot be used. ``code`` is Saleor's ``AccountErrorCode`` for the same failure."""

    code = "JWT_INVALID_TOKEN"


class ExpiredSignatureError(TokenError):
    code = "JWT_SIGNATURE_EXPIRED"


class InvalidTokenError(TokenError):
    """Not a JWT, badly signed, of the wrong type, revoked, or of a customer who no longer exists or may
    not sign in. ``code`` is ``JWT_DECODE_ERROR`` for text that is not a JWT at all."""

    def __init__(self, message: str, code: str = "JWT_INVALID_TOKEN") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: bytes


def signing_keys() -> list[SigningKey]:
    """The keys, the signing one first (see the module docstring)."""
    configured = conf.get("CASCAD_JWT_SIGNING_KEYS") or []
    if configured:
        secrets_ = [str(value).encode() for value in configured]
    else:
        django_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        secrets_ = [
            salted_hmac("cascad_wagtail.accounts.tokens", "signing-key", secret=key, algorithm="sha256").digest()
            for key in django_keys
        ]
    return [SigningKey(hashlib.sha256(b"cascad-jwt-kid:" + secret).hexdigest()[:16], secret) for secret in secrets_]


def stamp(user: Any, secret: str | None = None) -> str:
    """The customer's current stamp: changes with the password, the active flag and the ``TokenKey``.

    Keyed with ``SECRET_KEY`` (or ``secret``): ``stamp_matches`` also tries ``SECRET_KEY_FALLBACKS``, so
    rotating ``SECRET_KEY`` the Django way signs nobody out.
    """
    key_row = getattr(user, "cascad_token_key", None) if _has_token_key(user) else None
    value = f"{user.pk}:{user.password}:{int(bool(getattr(user, 'is_active', True)))}:{key_row.key if key_row else ''}"
    return salted_hmac("cascad_wagtail.accounts.stamp", value, secret=secret, algorithm="sha256").hexdigest()[:32]


def stamp_matches(user: Any, claimed: str) -> bool:
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(claimed, stamp(user, secret)) for secret in secrets_)


def _has_token_key(user: Any) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        user.cascad_token_key  # noqa: B018 (select_related or one query)
    except ObjectDoesNotExist:
        return False
    return True


def user_global_id(user: Any) -> str:
    from cascad_wagtail.graphql.ids import global_id

    return global_id("User", user.pk)


def _payload(user: Any, token_type: str, ttl: int, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iat": now,
        "exp": now + ttl,
        "owner": OWNER,
        "type": token_type,
        "token": stamp(user),
        "user_id": user_global_id(user),
        "email": getattr(user, "email", "") or "",
        "is_staff": bool(getattr(user, "is_staff", False)),
        **extra,
    }


def encode(payload: dict[str, Any]) -> str:
    key = signing_keys()[0]
    return jwt.encode(payload, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})


def create_access_token(user: Any) -> str:
    return encode(_payload(user, ACCESS, conf.get("CASCAD_JWT_ACCESS_TTL")))


def create_refresh_token(user: Any, csrf_token: str) -> str:
    return encode(_payload(user, REFRESH, conf.get("CASCAD_JWT_REFRESH_TTL"), csrfToken=csrf_token))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def decode(token: str) -> dict[str, Any]:
    """The verified payload of ``token``; ``ExpiredSignatureError`` or ``InvalidTokenError``."""
    if not isinstance(token, str) or not token.strip():
        raise InvalidTokenError(_("The token is empty."), "JWT_DECODE_ERROR")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise InvalidTokenError(_("The token is not a valid JWT."), "JWT_DECODE_ERROR") from exc
    key = next((key for key in signing_keys() if key.kid == header.get("kid")), None)
    if key is None or header.get("alg") != ALGORITHM:
        raise InvalidTokenError(_("The token was not signed by this shop."))
    try:
        payload = jwt.decode(
            token,
            key.secret,
            algorithms=[ALGORITHM],
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "type", "token", "user_id", "owner"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise ExpiredSignatureError(_("The token has expired.")) from exc
    except jwt.InvalidSignatureError as exc:  # a DecodeError to PyJWT, a forgery to us
        raise InvalidTokenError(_("The token is not valid.")) from exc
    except jwt.DecodeError as exc:
        raise InvalidTokenError(_("The token is not a valid JWT."), "JWT_DECODE_ERROR") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidTokenError(_("The token is not valid.")) from exc
    if payload.get("owner") != OWNER:
        raise InvalidTokenError(_("The token was not issued by this shop."))
    return payload


def user_for_payload(payload: dict[str, Any], token_type: str) -> Any:
    """The active customer a verified payload of ``token_type`` belongs to, if its stamp is still theirs."""
    from cascad_wagtail.graphql.ids import InvalidGlobalId, from_global_id

    if payload.get("type") != token_type:
        wanted = _("An access token is needed here.") if token_type == ACCESS else _("A refresh token is needed here.")
        raise InvalidTokenError(wanted)
    try:
        pk = from_global_id(str(payload["user_id"]), "User")
    except InvalidGlobalId as exc:
        raise InvalidTokenError(_("The token does not name a customer.")) from exc
    user_model = get_user_model()
    try:
        user = user_model._default_manager.select_related("cascad_token_key").get(pk=pk)
    except (user_model.DoesNotExist, ValueError, TypeError) as exc:
        raise InvalidTokenError(_("The token's customer no longer exists.")) from exc
    if not getattr(user, "is_active", True) or not stamp_matches(user, str(payload["token"])):
        raise InvalidTokenError(_("The token has been revoked."))
    return user


def user_for_token(token: str, token_type: str = ACCESS) -> Any:
    return user_for_payload(decode(token), token_type)


def revoke_tokens(user: Any) -> None:
    """Every access and refresh token of ``user`` stops working now (sign out everywhere)."""
    from cascad_wagtail.models import TokenKey

    TokenKey.objects.update_or_create(user=user, defaults={"key": secrets.token_hex(32), "revoked_at": timezone.now()})
    if hasattr(user, "_state"):
        user._state.fields_cache.pop("cascad_token_key", None)
