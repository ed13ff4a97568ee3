"""Customers in the storefront API: the token mutations, ``me`` and the ``User`` type.

- ``tokenCreate(email, password)`` signs in through ``cascad_wagtail.accounts.sign_in`` (rate-limited,
  one message for every wrong pair) and answers an access token, a refresh token and a ``csrfToken``.
  The refresh token is also set as the http-only ``refreshToken`` cookie, as Saleor does: SDK
  0.3.0-10 refreshes with the ``csrfToken`` alone and expects the cookie to carry the rest.
- ``tokenRefresh(refreshToken, csrfToken)``: a new access token from the refresh token given, or
  from the cookie when the matching ``csrfToken`` comes with it.
- ``tokenVerify(token)``: ``isValid``, the payload and the customer of an access token.
- ``tokensDeactivateAll``: the signed-in customer revokes every token they hold (sign out everywhere).

Token failures in these mutations are Saleor ``AccountError``s (``JWT_SIGNATURE_EXPIRED``,
``JWT_INVALID_TOKEN``, ``JWT_DECODE_ERROR``, ``JWT_MISSING_TOKEN``, ``JWT_INVALID_CSRF_TOKEN``). A bad
token in the request's header instead fails each field that needs the customer with the error code
``ExpiredSignatureError`` / ``InvalidTokenError``: the SDKs refresh and retry on exactly those.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from graphql import GraphQLError, GraphQLResolveInfo

from cascad_wagtail import accounts, conf, storefront
from cascad_wagtail.accounts import tokens
from cascad_wagtail.models import Checkout

from .ids import global_id
from .order_resolvers import OrderView
from .registry import resolver
from .storefront_resolvers import request_user

REFRESH_COOKIE = "refreshToken"
#: Most orders one page of ``me.orders`` holds (Saleor's limit).
MAX_PAGE = 100


# -- who is asking -----------------------------------------------------------------------------------


def header_token(request: HttpRequest) -> str | None:
    """The access token of the request: ``authorization-bearer: <token>`` (SDK 0.7.0) or
    ``Authorization: JWT <token>`` (SDK 0.3.0-10; ``Bearer`` is taken too). Other schemes: none."""
    bearer = request.META.get("HTTP_AUTHORIZATION_BEARER", "").strip()
    if bearer:
        return bearer
    scheme, _space, value = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() in ("jwt", "bearer") and value.strip():
        return value.strip()
    return None


def authenticate_request(request: HttpRequest) -> None:
    """Set ``request.user`` lazily from the header token: anonymous without one; reading it raises
    the token's ``ExpiredSignatureError`` / ``InvalidTokenError`` when the token is bad."""
    token = header_token(request)
    if token is None:
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        return
    outcome: dict[str, Any] = {}

    def load() -> Any:
        if "user" not in outcome:
            try:
                outcome["user"] = tokens.user_for_token(token, tokens.ACCESS)
            except tokens.TokenError as exc:
                outcome["error"] = exc
                outcome["user"] = None
        if outcome.get("error") is not None:
            raise outcome["error"]
        return outcome["user"]

    request.user = SimpleLazyObject(load)


def signed_in_user(info: GraphQLResolveInfo) -> Any:
    """The signed-in customer, or a ``PermissionDenied``-like GraphQL error when nobody is."""
    user = request_user(info)
    if user is None:
        raise GraphQLError(_("Sign in to do this."), extensions={"exception": {"code": "PermissionDenied"}})
    return user


# -- shapes --------------------------------------------------------------------------------------------


def account_error(message: str, code: str, field: str | None = None) -> dict[str, Any]:
    return {"field": field, "message": str(message), "code": code, "addressType": None}


def payload(errors: list[dict[str, Any]] | None = None, **values: Any) -> dict[str, Any]:
    """A mutation's answer, its errors under both names (``errors``; ``accountErrors`` for SDK 0.3.0-10)."""
    errors = errors or []
    return {**values, "errors": errors, "accountErrors": errors}


def _set_refresh_cookie(request: HttpRequest, refresh_token: str) -> None:
    secure = request.is_secure()
    cookies = request.__dict__.setdefault("cascad_response_cookies", {})
    cookies[REFRESH_COOKIE] = {
        "value": refresh_token,
        "max_age": conf.get("CASCAD_JWT_REFRESH_TTL"),
        "httponly": True,
        # Sent back to the API only, never to the shop's pages.
        "path": request.path,
        "secure": secure,
        # A storefront on another site sends it only with SameSite=None, which browsers allow only when
        # Secure (and only through the project's CORS headers allowing credentials: see docs/accounts.md).
        "samesite": "None" if secure else "Lax",
    }


# -- mutations ------------------------------------------------------------------------------------------


@resolver("Mutation", "tokenCreate")
def resolve_token_create(_root: Any, info: GraphQLResolveInfo, email: str, password: str) -> dict[str, Any]:
    try:
        user = accounts.sign_in(info.context, email, password)
    except accounts.SignInRefused as refused:
        return payload([account_error(refused.message, refused.code, "email")], token=None, refreshToken=None)
    csrf_token = tokens.new_csrf_token()
    refresh_token = tokens.create_refresh_token(user, csrf_token)
    _set_refresh_cookie(info.context, refresh_token)
    return payload(token=tokens.create_access_token(user), refreshToken=refresh_token, csrfToken=csrf_token, user=user)


@resolver("Mutation", "tokenRefresh")
def resolve_token_refresh(
    _root: Any, info: GraphQLResolveInfo, refresh_token: str | None = None, csrf_token: str | None = None
) -> dict[str, Any]:
    request: HttpRequest = info.context
    from_cookie = not refresh_token
    refresh_token = refresh_token or request.COOKIES.get(REFRESH_COOKIE)
    if not refresh_token:
        return payload([account_error(_("Missing refreshToken."), "JWT_MISSING_TOKEN", "refreshToken")], token=None)
    try:
        decoded = tokens.decode(refresh_token)
        if from_cookie and not (csrf_token and _same(csrf_token, decoded.get("csrfToken"))):
            return payload([account_error(_("Invalid csrf token."), "JWT_INVALID_CSRF_TOKEN", "csrfToken")], token=None)
        user = tokens.user_for_payload(decoded, tokens.REFRESH)
    except tokens.TokenError as exc:
        return payload([account_error(exc.message, exc.code, "refreshToken")], token=None)
    return payload(token=tokens.create_access_token(user), user=user)


def _same(given: str, expected: Any) -> bool:
    from django.utils.crypto import constant_time_compare

    return isinstance(expected, str) and constant_time_compare(given, expected)


@resolver("Mutation", "tokenVerify")
def resolve_token_verify(_root: Any, _info: GraphQLResolveInfo, token: str) -> dict[str, Any]:
    try:
        decoded = tokens.decode(token)
        user = tokens.user_for_payload(decoded, tokens.ACCESS)
    except tokens.TokenError as exc:
        return payload([account_error(exc.message, exc.code, "token")], isValid=False, payload=None)
    return payload(isValid=True, payload=decoded, user=user)


@resolver("Mutation", "tokensDeactivateAll")
def resolve_tokens_deactivate_all(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    tokens.revoke_tokens(signed_in_user(info))
    # The rest of a batched request reads the customer afresh, and finds the token revoked.
    authenticate_request(info.context)
    return payload()


# -- me and User ------------------------------------------------------------------------------------------


@resolver("Query", "me")
def resolve_me(_root: Any, info: GraphQLResolveInfo) -> Any:
    """The signed-in customer; null for anonymous requests (SDK 0.3.0-10 asks at start-up)."""
    return request_user(info)


@resolver("User", "id")
def resolve_user_id(user: Any, _info: GraphQLResolveInfo) -> str:
    return global_id("User", user.pk)


@resolver("User", "email")
def resolve_user_email(user: Any, _info: GraphQLResolveInfo) -> str:
    return getattr(user, user.get_email_field_name(), "") or ""


@resolver("User", "firstName")
def resolve_user_first_name(user: Any, _info: GraphQLResolveInfo) -> str:
    return getattr(user, "first_name", "") or ""


@resolver("User", "lastName")
def resolve_user_last_name(user: Any, _info: GraphQLResolveInfo) -> str:
    return getattr(user, "last_name", "") or ""


@resolver("User", "isStaff")
def resolve_user_is_staff(user: Any, _info: GraphQLResolveInfo) -> bool:
    return bool(getattr(user, "is_staff", False))


# The app keeps no address book, metadata or Saleor permissions: a customer has none of them.
@resolver("User", "addresses")
def resolve_user_addresses(_user: Any, _info: GraphQLResolveInfo) -> list:
    return []


@resolver("User", "defaultShippingAddress")
def resolve_user_default_shipping_address(_user: Any, _info: GraphQLResolveInfo) -> None:
    return None


@resolver("User", "defaultBillingAddress")
def resolve_user_default_billing_address(_user: Any, _info: GraphQLResolveInfo) -> None:
    return None


@resolver("User", "userPermissions")
def resolve_user_permissions(_user: Any, _info: GraphQLResolveInfo) -> list:
    return []


@resolver("User", "metadata")
def resolve_user_metadata(_user: Any, _info: GraphQLResolveInfo) -> list:
    return []


@resolver("User", "checkout")
def resolve_user_checkout(user: Any, _info: GraphQLResolveInfo) -> Checkout | None:
    """The customer's newest open checkout (what ``checkoutTokens`` lists first)."""
    return Checkout.objects.filter(user_id=user.pk).first()


class OrderConnection:
    """One page of a customer's orders; ``totalCount`` costs its query only when asked for."""

    def __init__(self, all_orders: Any, views: list[OrderView], has_next: bool, has_previous: bool) -> None:
        self.all_orders = all_orders
        self.edges = [{"node": view, "cursor": _cursor(view.info.order.pk)} for view in views]
        self.page_info = {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": self.edges[0]["cursor"] if self.edges else None,
            "endCursor": self.edges[-1]["cursor"] if self.edges else None,
        }

    @functools.cached_property
    def total_count(self) -> int:
        return self.all_orders.count()


@resolver("User", "orders")
def resolve_user_orders(
    user: Any,
    _info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> OrderConnection:
    """The customer's orders, newest first, as a Relay connection paged by ``first``/``after`` or
    ``last``/``before`` (opaque cursors)."""
    if (first is None) == (last is None):
        raise GraphQLError(_("Give either “first” or “last” to page through the orders."))
    size = first if first is not None else last
    if not 0 <= size <= MAX_PAGE:
        raise GraphQLError(_("“first” and “last” must be between 0 and %(max)d.") % {"max": MAX_PAGE})
    adapter = storefront.get_adapter()
    everything = adapter.orders_for_user(user).order_by("-pk")
    after_pk = _cursor_pk(after, everything) if after is not None else None
    before_pk = _cursor_pk(before, everything) if before is not None else None
    window = everything
    if after_pk is not None:
        window = window.filter(pk__lt=after_pk)
    if before_pk is not None:
        window = window.filter(pk__gt=before_pk)
    if first is not None:
        rows = list(window[: size + 1])
        has_next, rows = len(rows) > size, rows[:size]
        has_previous = after_pk is not None and everything.filter(pk__gte=after_pk).exists()
    else:
        rows = list(window.order_by("pk")[: size + 1])
        has_previous, rows = len(rows) > size, rows[:size][::-1]
        has_next = before_pk is not None and everything.filter(pk__lte=before_pk).exists()
    views = OrderView.many(adapter.get_order_infos(rows)) if rows else []
    return OrderConnection(everything, views, has_next, has_previous)


def _cursor(pk: Any) -> str:
    return base64.urlsafe_b64encode(f"order:{pk}".encode()).decode().rstrip("=")


def _cursor_pk(cursor: str, orders: Any) -> Any:
    try:
        kind, _colon, pk = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if kind == "order":
            return orders.model._meta.pk.to_python(pk)
    except (ValueError, UnicodeDecodeError, ValidationError):
        pass
    raise GraphQLError(_("The cursor “%(cursor)s” is not one this list gave out.") % {"cursor": cursor[:40]})
