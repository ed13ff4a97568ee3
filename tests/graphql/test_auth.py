"""Customer sign-in through ``/graphql/`` as both SDKs do it: tokens, their refresh and verification, ``me``.

Every SDK sign-in document is sent exactly as its text stands: SDK 0.3.0-10's batched, with the
``Authorization: JWT <token>`` header; SDK 0.7.0's as single objects, with ``authorization-bearer``.
Then every way a token or a sign-in can be wrong, each answered with the error code the SDKs act on
(``spec/saleor-sdk.md``, *Auth headers*) and with nothing changed. Tokens here are made by
``tokens.create_*`` where the way they were made does not matter, and by signing altered claims with
``tokens.encode`` (or ``jwt`` itself) where it does.
"""

from __future__ import annotations

import base64
import json
import logging
import time

import jwt
import pytest
from django.test import Client, override_settings

from cascad_wagtail.accounts import tokens
from cascad_wagtail.graphql import global_id
from cascad_wagtail.models import SignInAttempt, TokenKey

from .storefront_helpers import *  # noqa: F403  (fixtures: customer, make_customer)
from .storefront_helpers import DOCUMENTS, PASSWORD, post, run_document, send

pytestmark = pytest.mark.django_db

#: The SDK documents this module runs (``test_auth_orders.py`` runs the other two sign-in ones).
TESTED = {
    "0.3.0-10:TokenAuth",
    "0.3.0-10:VerifyToken",
    "0.3.0-10:RefreshToken",
    "0.7.0:login",
    "0.7.0:loginWithoutDetails",
    "0.7.0:verifyToken",
    "0.7.0:refreshTokenWithUser",
    "0.7.0:refreshToken",
    "0.7.0:User",
    "0.7.0:UserWithoutDetails",
}

INVALID_CREDENTIALS = "Please, enter valid credentials: the email or the password is wrong."
ACCESS_TTL = 5 * 60
REFRESH_TTL = 30 * 24 * 3600

DEACTIVATE_ALL = """
mutation SignOutEverywhere {
  tokensDeactivateAll { errors { code field message } accountErrors { code field message } }
}
"""


# -- helpers ------------------------------------------------------------------------------------------


def variables(document_id: str, **values) -> dict:
    """The capture's example variables of ``document_id`` with ``values`` in place of its own."""
    return {**DOCUMENTS[document_id].variables, **values}


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def gid(user) -> str:
    return global_id("User", user.pk)


def user_base(user) -> dict:
    """SDK 0.7.0's ``UserBaseFragment`` of ``user``."""
    return {
        "id": gid(user),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "isStaff": user.is_staff,
        "userPermissions": [],
        "__typename": "User",
    }


def user_details(user) -> dict:
    """SDK 0.7.0's ``UserDetailsFragment``: the shop keeps no address book or metadata."""
    return {
        **user_base(user),
        "metadata": [],
        "defaultShippingAddress": None,
        "defaultBillingAddress": None,
        "addresses": [],
    }


def account_error(code: str, field: str | None, message: str) -> dict:
    return {"code": code, "field": field, "message": message, "__typename": "AccountError"}


def assert_token(token: str, user, kind: str) -> dict:
    """``token`` is one of the shop's HS256 JWTs of ``kind`` for ``user``, with the claims SDK 0.7.0
    reads (``owner``, ``exp``) and Saleor's; its verified claims."""
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": tokens.signing_keys()[0].kid}
    verified = tokens.decode(token)
    expected_keys = {"iat", "exp", "owner", "type", "token", "user_id", "email", "is_staff"}
    assert set(verified) == (expected_keys | {"csrfToken"} if kind == "refresh" else expected_keys)
    assert (verified["owner"], verified["type"], verified["user_id"]) == ("saleor", kind, gid(user))
    assert (verified["email"], verified["is_staff"]) == (user.email, user.is_staff)
    assert verified["exp"] - verified["iat"] == (REFRESH_TTL if kind == "refresh" else ACCESS_TTL)
    assert abs(verified["iat"] - time.time()) < 5
    assert user.password not in token and user.password not in json.dumps(verified)
    return verified


def resigned(token: str, **changes) -> str:
    """``token``'s claims with ``changes``, signed again with the shop's own key."""
    return tokens.encode({**claims(token), **changes})


def expired(token: str) -> str:
    now = int(time.time())
    return resigned(token, iat=now - ACCESS_TTL - 60, exp=now - 60)  # well past the 5 s leeway


def tampered(token: str, **changes) -> str:
    """``token`` with its payload changed and its signature kept."""
    head, _payload, signature = token.split(".")
    body = json.dumps({**claims(token), **changes}).encode()
    return f"{head}.{base64.urlsafe_b64encode(body).rstrip(b'=').decode()}.{signature}"


def me_result(client, token: str | None, sdk: str) -> tuple[dict | None, list]:
    """``me`` as each SDK reads it at start-up (0.3.0-10: ``UserDetails``; 0.7.0: ``User``, aliased
    ``user``): its data and the errors as ``(message, path, extensions)``."""
    name, alias = ("UserDetails", "me") if sdk == "0.3.0-10" else ("User", "user")
    result = run_document(client, name, {}, sdk, token)
    errors = [(error["message"], error["path"], error["extensions"]) for error in result.get("errors", [])]
    assert list(result["data"]) == [alias]
    return result["data"][alias], errors


def token_error(kind: str, message: str, path: str) -> tuple:
    return (message, [path], {"exception": {"code": kind}})


def verify(client, token: str) -> dict:
    return send(client, "VerifyToken", {"token": token})["tokenVerify"]


def refresh(client, refresh_token: str | None = None, csrf_token: str | None = None) -> dict:
    """SDK 0.3.0-10's ``RefreshToken`` (it sends both variables, ``null`` where it has none)."""
    return send(client, "RefreshToken", {"refreshToken": refresh_token, "csrfToken": csrf_token})["tokenRefresh"]


def refused_verification(code: str, message: str) -> dict:
    return {"isValid": False, "payload": None, "user": None, "errors": [account_error(code, "token", message)]}


def refused_refresh(code: str, message: str, field: str = "refreshToken") -> dict:
    return {"token": None, "user": None, "errors": [account_error(code, field, message)]}


def both_tokens(user) -> tuple[str, str, str]:
    """An access token, a refresh token and its csrf token, as ``tokenCreate`` makes them."""
    csrf = tokens.new_csrf_token()
    return tokens.create_access_token(user), tokens.create_refresh_token(user, csrf), csrf


# -- SDK 0.3.0-10 -------------------------------------------------------------------------------------


def test_0_3_token_auth_answers_both_tokens_a_csrf_token_and_sets_the_refresh_cookie(client, customer):
    data = send(client, "TokenAuth", variables("0.3.0-10:TokenAuth", password=PASSWORD))

    created = data["tokenCreate"]
    access, refresh_token, csrf = created.pop("token"), created.pop("refreshToken"), created.pop("csrfToken")
    assert created == {"errors": [], "user": {"id": gid(customer), "__typename": "User"}, "__typename": "CreateToken"}
    assert_token(access, customer, "access")
    assert assert_token(refresh_token, customer, "refresh")["csrfToken"] == csrf
    assert len(csrf) >= 32
    cookie = client.cookies["refreshToken"]
    assert cookie.value == refresh_token
    assert (cookie["httponly"], cookie["samesite"], cookie["max-age"], cookie["secure"], cookie["path"]) == (
        True,
        "Lax",
        REFRESH_TTL,
        "",
        "/graphql/",  # sent back to the API only, never to the shop's pages
    )
    assert SignInAttempt.objects.count() == 0  # a right password leaves no attempt counted


def test_the_refresh_cookie_of_a_secure_request_is_samesite_none_and_secure(customer):
    client = Client()
    run_document(client, "TokenAuth", variables("0.3.0-10:TokenAuth", password=PASSWORD), secure=True)
    cookie = client.cookies["refreshToken"]
    assert (cookie["httponly"], cookie["samesite"], cookie["secure"]) == (True, "None", True)


def test_0_3_token_auth_with_the_captured_wrong_password_is_invalid_credentials(client, customer):
    data = send(client, "TokenAuth", DOCUMENTS["0.3.0-10:TokenAuth"].variables)  # ada@example.com, "wrong"

    assert data == {
        "tokenCreate": {
            "csrfToken": None,
            "refreshToken": None,
            "token": None,
            "errors": [account_error("INVALID_CREDENTIALS", "email", INVALID_CREDENTIALS)],
            "user": None,
            "__typename": "CreateToken",
        }
    }
    assert "refreshToken" not in client.cookies


def test_0_3_verify_token_answers_the_payload_and_the_customer(client, customer):
    access = tokens.create_access_token(customer)

    answer = send(client, "VerifyToken", variables("0.3.0-10:VerifyToken", token=access))["tokenVerify"]

    assert answer == {"isValid": True, "payload": claims(access), "user": {"id": gid(customer)}, "errors": []}


def test_0_3_refresh_token_with_the_token_as_argument(client, customer):
    _access, refresh_token, _csrf = both_tokens(customer)

    answer = refresh(client, refresh_token)

    assert answer.pop("user") == {"id": gid(customer)} and answer.pop("errors") == []
    assert_token(answer.pop("token"), customer, "access")
    assert answer == {}


def test_0_3_refresh_token_with_the_csrf_token_alone_reads_the_cookie_set_by_sign_in(client, customer):
    """SDK 0.3.0-10 keeps the csrf token and lets the browser send the http-only cookie."""
    created = send(client, "TokenAuth", variables("0.3.0-10:TokenAuth", password=PASSWORD))["tokenCreate"]

    answer = refresh(client, csrf_token=created["csrfToken"])

    assert answer["errors"] == [] and answer["user"] == {"id": gid(customer)}
    assert_token(answer["token"], customer, "access")


def test_0_3_user_details_signed_in_reads_the_customer(client, customer):
    access = tokens.create_access_token(customer)
    data = send(client, "UserDetails", {}, token=access)
    details = user_details(customer)
    del details["userPermissions"], details["metadata"]  # SDK 0.3.0-10's ``User`` fragment asks neither
    assert data == {"me": details}


# -- SDK 0.7.0 ----------------------------------------------------------------------------------------


def test_0_7_login_answers_both_tokens_and_the_customer_in_detail(client, customer):
    data = send(client, "login", variables("0.7.0:login", email=customer.email, password=PASSWORD), "0.7.0")

    created = data["tokenCreate"]
    access, refresh_token = created.pop("token"), created.pop("refreshToken")
    assert created == {"errors": [], "user": user_details(customer), "__typename": "CreateToken"}
    assert_token(access, customer, "access")
    assert_token(refresh_token, customer, "refresh")


def test_0_7_login_without_details_answers_the_base_fragment(client, customer):
    payload = variables("0.7.0:loginWithoutDetails", email="ADA@Example.COM", password=PASSWORD)  # any case

    created = send(client, "loginWithoutDetails", payload, "0.7.0")["tokenCreate"]

    access, refresh_token = created.pop("token"), created.pop("refreshToken")
    assert created == {"errors": [], "user": user_base(customer)}
    assert_token(access, customer, "access")
    assert_token(refresh_token, customer, "refresh")


def test_0_7_login_with_the_captured_variables_is_invalid_credentials(client, customer):
    created = send(client, "login", DOCUMENTS["0.7.0:login"].variables, "0.7.0")["tokenCreate"]  # a@b.c
    assert created == {
        "token": None,
        "refreshToken": None,
        "errors": [account_error("INVALID_CREDENTIALS", "email", INVALID_CREDENTIALS)],
        "user": None,
        "__typename": "CreateToken",
    }


def test_0_7_verify_token_answers_the_payload_and_the_customer_in_detail(client, customer):
    access = tokens.create_access_token(customer)

    answer = send(client, "verifyToken", variables("0.7.0:verifyToken", token=access), "0.7.0")["tokenVerify"]

    assert answer == {
        "isValid": True,
        "payload": claims(access),
        "user": user_details(customer),
        "errors": [],
        "__typename": "VerifyToken",
    }


def test_0_7_refresh_token_with_user(client, customer):
    _access, refresh_token, _csrf = both_tokens(customer)
    payload = variables("0.7.0:refreshTokenWithUser", refreshToken=refresh_token)

    answer = send(client, "refreshTokenWithUser", payload, "0.7.0")["tokenRefresh"]

    assert_token(answer.pop("token"), customer, "access")
    assert answer == {"user": user_details(customer), "errors": [], "__typename": "RefreshToken"}


def test_0_7_refresh_token(client, customer):
    _access, refresh_token, _csrf = both_tokens(customer)

    answer = send(client, "refreshToken", variables("0.7.0:refreshToken", refreshToken=refresh_token), "0.7.0")

    assert answer["tokenRefresh"]["errors"] == []
    assert_token(answer["tokenRefresh"]["token"], customer, "access")
    assert set(answer["tokenRefresh"]) == {"token", "errors"}


def test_0_7_user_and_user_without_details_with_the_bearer_header(client, customer, make_customer):
    make_customer()  # someone else, never shown
    access = tokens.create_access_token(customer)

    assert send(client, "User", {}, "0.7.0", access) == {"user": user_details(customer)}
    assert send(client, "UserWithoutDetails", {}, "0.7.0", access) == {"user": user_base(customer)}


def test_0_7_user_of_an_anonymous_visitor_is_null_without_an_error(client, customer):
    assert run_document(client, "User", {}, "0.7.0") == {"data": {"user": None}}
    assert run_document(client, "UserWithoutDetails", {}, "0.7.0") == {"data": {"user": None}}


def test_a_signed_in_0_7_customer_round_trip(client, customer):
    """login → User with the token → refresh → User with the new token → verify it."""
    created = send(client, "login", {"email": customer.email, "password": PASSWORD}, "0.7.0")["tokenCreate"]
    assert send(client, "User", {}, "0.7.0", created["token"]) == {"user": user_details(customer)}

    renewed = send(client, "refreshToken", {"refreshToken": created["refreshToken"]}, "0.7.0")["tokenRefresh"]["token"]

    assert send(client, "User", {}, "0.7.0", renewed) == {"user": user_details(customer)}
    assert send(client, "verifyToken", {"token": renewed}, "0.7.0")["tokenVerify"]["isValid"] is True


# -- the headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "signed_in"),
    [
        (lambda t: {"Authorization": f"JWT {t}"}, True),
        (lambda t: {"Authorization": f"Bearer {t}"}, True),
        (lambda t: {"Authorization": f"jwt   {t}  "}, True),
        (lambda t: {"authorization-bearer": t}, True),
        (lambda t: {"Authorization": f"Basic {t}"}, False),
        (lambda t: {"Authorization": t}, False),
        (lambda t: {"Authorization": "JWT"}, False),
    ],
    ids=["jwt", "bearer", "jwt-spaced", "authorization-bearer", "basic", "bare", "jwt-empty"],
)
def test_the_header_schemes_that_carry_an_access_token(client, customer, headers, signed_in):
    access = tokens.create_access_token(customer)
    result = post(client, {"query": "{ me { email } }"}, headers=headers(access)).json()
    assert result == {"data": {"me": {"email": customer.email} if signed_in else None}}


def test_a_session_cookie_never_signs_a_customer_in(client, customer):
    client.force_login(customer)
    assert post(client, {"query": "{ me { email } }"}).json() == {"data": {"me": None}}


def test_anonymous_me_is_null_without_an_error(client, customer):
    assert me_result(client, None, "0.3.0-10") == (None, [])
    assert me_result(client, None, "0.7.0") == (None, [])


# -- wrong credentials ----------------------------------------------------------------------------------


def login_answer(client, email: str, password: str, **extra) -> dict:
    return send(client, "loginWithoutDetails", {"email": email, "password": password}, "0.7.0", **extra)["tokenCreate"]


INVALID_ANSWER = {
    "token": None,
    "refreshToken": None,
    "errors": [account_error("INVALID_CREDENTIALS", "email", INVALID_CREDENTIALS)],
    "user": None,
}


def test_a_wrong_password_and_an_unknown_email_get_the_very_same_error(client, customer):
    wrong_password = login_answer(client, customer.email, "not the password")
    unknown_email = login_answer(client, "nobody@example.com", PASSWORD)
    empty = login_answer(client, "", "")

    assert wrong_password == unknown_email == empty == INVALID_ANSWER
    assert "refreshToken" not in client.cookies
    customer.refresh_from_db()
    assert customer.last_login is None and customer.check_password(PASSWORD)
    assert TokenKey.objects.count() == 0


def test_an_inactive_customer_with_the_right_password_gets_the_same_error(client, make_customer):
    sleeper = make_customer("sleeper@example.com", is_active=False)
    assert login_answer(client, sleeper.email, PASSWORD) == INVALID_ANSWER
    assert "refreshToken" not in client.cookies


def test_two_accounts_sharing_an_email_sign_neither_in(client, make_customer):
    make_customer("twin@example.com")
    make_customer("TWIN@example.com")
    assert login_answer(client, "twin@example.com", PASSWORD) == INVALID_ANSWER


def test_every_wrong_pair_costs_one_password_hash_as_a_right_one_does(client, customer, make_customer, monkeypatch):
    """An unknown email is hashed too: the time taken tells nothing about which emails have accounts."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    hashed = []
    encode = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *args: hashed.append(1) or encode(self, *args))
    make_customer("sleeper@example.com", is_active=False)
    make_customer("twin@example.com")
    make_customer("Twin@example.com")

    for email, password in [
        (customer.email, PASSWORD),
        (customer.email, "wrong"),
        ("nobody@example.com", "wrong"),
        ("sleeper@example.com", PASSWORD),
        ("twin@example.com", PASSWORD),
    ]:
        hashed.clear()
        login_answer(client, email, password)
        assert len(hashed) == 1, (email, password, len(hashed))


# -- bad tokens in the header ---------------------------------------------------------------------------

SDKS = ["0.3.0-10", "0.7.0"]


def alias(sdk: str) -> str:
    return "me" if sdk == "0.3.0-10" else "user"


@pytest.mark.parametrize("sdk", SDKS)
def test_an_expired_access_token_fails_me_with_expired_signature_error(client, customer, sdk):
    data, errors = me_result(client, expired(tokens.create_access_token(customer)), sdk)
    assert data is None
    assert errors == [token_error("ExpiredSignatureError", "The token has expired.", alias(sdk))]


def test_an_access_token_expires_after_five_minutes(client, customer, monkeypatch):
    issued_at = time.time() - ACCESS_TTL - tokens.LEEWAY - 1
    with monkeypatch.context() as patched:
        patched.setattr(tokens.time, "time", lambda: issued_at)
        old = tokens.create_access_token(customer)
    data, errors = me_result(client, old, "0.7.0")
    assert data is None and errors == [token_error("ExpiredSignatureError", "The token has expired.", "user")]


def other_key_token(token: str) -> str:
    """``token``'s claims under the shop's key id, signed with a key the shop does not have."""
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.encode(claims(token), "an attacker's key", algorithm="HS256", headers={"kid": kid})


def unsigned_token(token: str) -> str:
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.encode(claims(token), None, algorithm="none", headers={"kid": kid})


def hs512_token(token: str) -> str:
    """Signed with the shop's own secret, but by another algorithm than the one it uses."""
    key = tokens.signing_keys()[0]
    return jwt.encode(claims(token), key.secret, algorithm="HS512", headers={"kid": key.kid})


def unknown_kid_token(token: str) -> str:
    return jwt.encode(claims(token), "an attacker's key", algorithm="HS256", headers={"kid": "0123456789abcdef"})


NOT_THIS_SHOP = "The token was not signed by this shop."
NOT_VALID = "The token is not valid."
NOT_A_JWT = "The token is not a valid JWT."

#: (name, make a bad token from a customer's good access and refresh tokens and another customer)
BAD_TOKENS = [
    ("tampered-user", lambda access, refresh, other: tampered(access, user_id=gid(other))),
    ("tampered-expiry", lambda access, refresh, other: tampered(access, exp=claims(access)["exp"] + 3600)),
    ("other-key", lambda access, refresh, other: other_key_token(access)),
    ("unknown-kid", lambda access, refresh, other: unknown_kid_token(access)),
    ("alg-none", lambda access, refresh, other: unsigned_token(access)),
    ("hs512", lambda access, refresh, other: hs512_token(access)),
    ("refresh-as-access", lambda access, refresh, other: refresh),
    ("garbage", lambda access, refresh, other: "garbage"),
    ("three-garbage-parts", lambda access, refresh, other: "a.b.c"),
]


@pytest.fixture
def bad_token(request, customer, make_customer):
    name, make = request.param
    access, refresh_token, _csrf = both_tokens(customer)
    return name, make(access, refresh_token, make_customer())


@pytest.mark.parametrize("bad_token", BAD_TOKENS, ids=[name for name, _make in BAD_TOKENS], indirect=True)
@pytest.mark.parametrize("sdk", SDKS)
def test_a_bad_token_in_the_header_fails_me_with_invalid_token_error(client, bad_token, sdk):
    """The code is what the SDKs act on; the message is the one ``tokenVerify`` gives for the same token
    (whose exact messages the test below checks)."""
    _name, token = bad_token
    data, errors = me_result(client, token, sdk)
    (verify_error,) = verify(client, token)["errors"]
    assert data is None
    assert errors == [token_error("InvalidTokenError", verify_error["message"], alias(sdk))]


#: ``tokenVerify``'s AccountError code for each bad token: Saleor's (``JWT_DECODE_ERROR`` only for text
#: that is not a JWT at all; a bad signature is ``JWT_INVALID_TOKEN``, as PyJWT's ``InvalidSignatureError``).
VERIFY_ERRORS = {
    "tampered-user": ("JWT_INVALID_TOKEN", NOT_VALID),
    "tampered-expiry": ("JWT_INVALID_TOKEN", NOT_VALID),
    "other-key": ("JWT_INVALID_TOKEN", NOT_VALID),
    "unknown-kid": ("JWT_INVALID_TOKEN", NOT_THIS_SHOP),
    "alg-none": ("JWT_INVALID_TOKEN", NOT_THIS_SHOP),
    "hs512": ("JWT_INVALID_TOKEN", NOT_THIS_SHOP),
    "refresh-as-access": ("JWT_INVALID_TOKEN", "An access token is needed here."),
    "garbage": ("JWT_DECODE_ERROR", NOT_A_JWT),
    "three-garbage-parts": ("JWT_DECODE_ERROR", NOT_A_JWT),
}


@pytest.mark.parametrize("bad_token", BAD_TOKENS, ids=[name for name, _make in BAD_TOKENS], indirect=True)
def test_token_verify_of_a_bad_token_is_not_valid_with_saleors_code(client, bad_token):
    name, token = bad_token
    assert verify(client, token) == refused_verification(*VERIFY_ERRORS[name])


def test_a_bad_header_token_fails_only_the_fields_that_need_the_customer(client, customer):
    """A storefront with a stale token still reads the shop: only ``me`` errs (the SDK then refreshes)."""
    stale = expired(tokens.create_access_token(customer))
    body = [{"query": "{ shop { displayGrossPrices } }"}, {"query": "{ me { id } }"}]
    first, second = post(client, body, headers={"Authorization": f"JWT {stale}"}).json()
    assert first == {"data": {"shop": {"displayGrossPrices": True}}}
    assert second["data"] == {"me": None}
    assert [error["extensions"]["exception"]["code"] for error in second["errors"]] == ["ExpiredSignatureError"]


# -- tokenVerify and tokenRefresh errors ------------------------------------------------------------------


def test_verify_and_refresh_of_expired_tokens_say_the_signature_expired(client, customer):
    access, refresh_token, _csrf = both_tokens(customer)

    assert verify(client, expired(access)) == refused_verification("JWT_SIGNATURE_EXPIRED", "The token has expired.")
    assert refresh(client, expired(refresh_token)) == refused_refresh("JWT_SIGNATURE_EXPIRED", "The token has expired.")


def test_verify_and_refresh_of_garbage_are_decode_errors(client, customer):
    assert verify(client, "garbage") == refused_verification("JWT_DECODE_ERROR", NOT_A_JWT)
    assert refresh(client, "garbage") == refused_refresh("JWT_DECODE_ERROR", NOT_A_JWT)
    assert verify(client, " ") == refused_verification("JWT_DECODE_ERROR", "The token is empty.")


def test_refresh_without_a_token_or_a_cookie_is_a_missing_token(client, customer):
    assert refresh(client) == refused_refresh("JWT_MISSING_TOKEN", "Missing refreshToken.")
    assert refresh(client, csrf_token="anything") == refused_refresh("JWT_MISSING_TOKEN", "Missing refreshToken.")


def test_the_refresh_cookie_works_only_with_its_own_csrf_token(client, customer, make_customer):
    created = send(client, "TokenAuth", variables("0.3.0-10:TokenAuth", password=PASSWORD))["tokenCreate"]
    other_csrf = both_tokens(make_customer())[2]
    invalid_csrf = refused_refresh("JWT_INVALID_CSRF_TOKEN", "Invalid csrf token.", "csrfToken")

    assert refresh(client) == invalid_csrf
    assert refresh(client, csrf_token="") == invalid_csrf
    assert refresh(client, csrf_token=other_csrf) == invalid_csrf
    assert refresh(client, csrf_token=created["csrfToken"][:-1]) == invalid_csrf

    answer = refresh(client, csrf_token=created["csrfToken"])
    assert answer["errors"] == [] and answer["user"] == {"id": gid(customer)}
    assert_token(answer["token"], customer, "access")


def test_an_access_token_never_works_as_a_refresh_token(client, customer):
    access, _refresh, csrf = both_tokens(customer)

    assert refresh(client, access) == refused_refresh("JWT_INVALID_TOKEN", "A refresh token is needed here.")
    assert send(client, "refreshToken", {"refreshToken": access}, "0.7.0")["tokenRefresh"] == {
        "token": None,
        "errors": [account_error("JWT_INVALID_TOKEN", "refreshToken", "A refresh token is needed here.")],
    }
    client.cookies["refreshToken"] = access  # in the cookie: it carries no csrf token to match
    invalid_csrf = refused_refresh("JWT_INVALID_CSRF_TOKEN", "Invalid csrf token.", "csrfToken")
    assert refresh(client, csrf_token=csrf) == invalid_csrf


def test_a_refresh_token_is_not_verified_as_an_access_token(client, customer):
    _access, refresh_token, _csrf = both_tokens(customer)
    assert verify(client, refresh_token) == refused_verification("JWT_INVALID_TOKEN", "An access token is needed here.")


# -- revoked tokens ---------------------------------------------------------------------------------------


def deactivate_all(client, token: str | None) -> dict:
    headers = {} if token is None else {"authorization-bearer": token}
    return post(client, {"query": DEACTIVATE_ALL}, headers=headers).json()


def revoke_by_deactivate_all(client, user, access):
    assert deactivate_all(client, access) == {"data": {"tokensDeactivateAll": {"errors": [], "accountErrors": []}}}


def revoke_by_password_change(client, user, access):
    user.set_password("a new password")
    user.save()


def revoke_by_deactivation(client, user, access):
    user.is_active = False
    user.save()


def revoke_by_deletion(client, user, access):
    user.delete()


REVOCATIONS = {
    "tokensDeactivateAll": (revoke_by_deactivate_all, "The token has been revoked."),
    "password-change": (revoke_by_password_change, "The token has been revoked."),
    "deactivation": (revoke_by_deactivation, "The token has been revoked."),
    "deletion": (revoke_by_deletion, "The token's customer no longer exists."),
}


@pytest.mark.parametrize("how", list(REVOCATIONS))
def test_revoked_tokens_fail_everywhere(client, customer, how):
    revoke, message = REVOCATIONS[how]
    access, refresh_token, csrf = both_tokens(customer)
    assert me_result(client, access, "0.7.0")[0] == user_details(customer)  # good until now

    revoke(client, customer, access)

    for sdk in SDKS:
        assert me_result(client, access, sdk) == (None, [token_error("InvalidTokenError", message, alias(sdk))])
    assert verify(client, access) == refused_verification("JWT_INVALID_TOKEN", message)
    assert refresh(client, refresh_token) == refused_refresh("JWT_INVALID_TOKEN", message)
    client.cookies["refreshToken"] = refresh_token
    assert refresh(client, csrf_token=csrf) == refused_refresh("JWT_INVALID_TOKEN", message)


def test_deactivate_all_revokes_only_this_customers_tokens_and_new_ones_work(client, customer, make_customer):
    other = make_customer()
    mine, others = tokens.create_access_token(customer), tokens.create_access_token(other)

    revoke_by_deactivate_all(client, customer, mine)

    assert TokenKey.objects.get().user == customer
    assert me_result(client, others, "0.7.0") == (user_details(other), [])
    fresh = login_answer(client, customer.email, PASSWORD)["token"]
    assert me_result(client, fresh, "0.7.0") == (user_details(customer), [])
    assert me_result(client, mine, "0.7.0")[0] is None


def test_deactivate_all_needs_a_signed_in_customer(client, customer):
    result = deactivate_all(client, None)

    assert result["data"] == {"tokensDeactivateAll": None}
    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        ("Sign in to do this.", {"exception": {"code": "PermissionDenied"}})
    ]
    assert TokenKey.objects.count() == 0


def test_deactivate_all_with_an_expired_token_revokes_nothing(client, customer):
    access = tokens.create_access_token(customer)
    result = deactivate_all(client, expired(access))
    assert result["data"] == {"tokensDeactivateAll": None}
    assert [e["extensions"]["exception"]["code"] for e in result["errors"]] == ["ExpiredSignatureError"]
    assert TokenKey.objects.count() == 0
    assert me_result(client, access, "0.7.0") == (user_details(customer), [])


# -- signing keys -----------------------------------------------------------------------------------------


OLD_KEY = "an-old-signing-key-of-at-least-32-characters"
NEW_KEY = "a-new-signing-key-of-at-least-32-characters!"


def test_rotating_the_signing_keys_keeps_old_tokens_until_the_old_key_is_dropped(client, customer):
    with override_settings(CASCAD_JWT_SIGNING_KEYS=[OLD_KEY]):
        old_access = tokens.create_access_token(customer)
    jwt.decode(old_access, OLD_KEY, algorithms=["HS256"])  # signed with the key named in the setting

    with override_settings(CASCAD_JWT_SIGNING_KEYS=[NEW_KEY, OLD_KEY]):
        assert me_result(client, old_access, "0.7.0") == (user_details(customer), [])
        new_access = login_answer(client, customer.email, PASSWORD)["token"]
        assert jwt.get_unverified_header(new_access)["kid"] != jwt.get_unverified_header(old_access)["kid"]
        jwt.decode(new_access, NEW_KEY, algorithms=["HS256"])
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(new_access, OLD_KEY, algorithms=["HS256"])

    with override_settings(CASCAD_JWT_SIGNING_KEYS=[NEW_KEY]):
        assert me_result(client, new_access, "0.7.0") == (user_details(customer), [])
        refused = (None, [token_error("InvalidTokenError", NOT_THIS_SHOP, "user")])
        assert me_result(client, old_access, "0.7.0") == refused
        assert verify(client, old_access) == refused_verification("JWT_INVALID_TOKEN", NOT_THIS_SHOP)


def test_without_signing_keys_the_keys_follow_secret_key_and_its_fallbacks(client, customer, settings):
    """Django's own rotation: the new SECRET_KEY signs, the old one in SECRET_KEY_FALLBACKS still verifies."""
    old_secret = settings.SECRET_KEY
    old_access = tokens.create_access_token(customer)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a brand new secret key", [old_secret]
    data, errors = me_result(client, old_access, "0.7.0")
    assert errors == []
    assert data == user_details(customer)
    new_access = login_answer(client, customer.email, PASSWORD)["token"]
    assert jwt.get_unverified_header(new_access)["kid"] != jwt.get_unverified_header(old_access)["kid"]

    settings.SECRET_KEY_FALLBACKS = []
    assert me_result(client, new_access, "0.7.0") == (user_details(customer), [])
    assert me_result(client, old_access, "0.7.0") == (None, [token_error("InvalidTokenError", NOT_THIS_SHOP, "user")])


def test_the_signing_key_is_not_the_secret_key_itself(customer, settings):
    access = tokens.create_access_token(customer)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(access, settings.SECRET_KEY, algorithms=["HS256"])


# -- no secret in the logs ----------------------------------------------------------------------------------


def test_no_password_token_or_secret_is_ever_logged(client, customer, caplog, settings):
    settings.DEBUG = True  # SQL is logged too
    settings.CASCAD_SIGN_IN_FAILURES_PER_ACCOUNT = 2
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own logging config stops it at INFO
    wrong = "Wrong-Password-77"

    login_answer(client, customer.email, wrong)
    created = send(client, "TokenAuth", variables("0.3.0-10:TokenAuth", password=PASSWORD))["tokenCreate"]
    renewed = refresh(client, csrf_token=created["csrfToken"])["token"]
    verify(client, renewed)
    me_result(client, renewed, "0.3.0-10")
    me_result(client, expired(renewed), "0.7.0")
    login_answer(client, customer.email, wrong)
    login_answer(client, customer.email, wrong)
    assert login_answer(client, customer.email, wrong)["errors"][0]["code"] == "LOGIN_ATTEMPT_DELAYED"

    assert any(record.name == "cascad_wagtail.accounts" for record in caplog.records)  # the refusal is logged
    assert any(record.name == "django.db.backends" for record in caplog.records)
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''} {record.__dict__!r}"
        for record in caplog.records
    )
    customer.refresh_from_db()
    secrets = [
        PASSWORD,
        wrong,
        created["token"],
        created["refreshToken"],
        created["csrfToken"],
        renewed,
        settings.SECRET_KEY,
        customer.password,
        *(key.secret.hex() for key in tokens.signing_keys()),
    ]
    for secret in secrets:
        for part in [secret, *secret.split(".")] if secret.count(".") == 2 else [secret]:
            assert part not in logged


def test_later_operations_of_a_batch_see_the_tokens_revoked_by_an_earlier_one(client, customer):
    access, _refresh, _csrf = both_tokens(customer)
    answers = post(
        client,
        [
            {"query": "mutation { tokensDeactivateAll { errors { code } } }"},
            {"query": "{ me { email } }"},
        ],
        HTTP_AUTHORIZATION=f"JWT {access}",
    ).json()
    assert answers[0] == {"data": {"tokensDeactivateAll": {"errors": []}}}
    assert answers[1]["data"] == {"me": None}
    assert [error["extensions"]["exception"]["code"] for error in answers[1]["errors"]] == ["InvalidTokenError"]


def test_an_adapter_without_the_account_methods_fails_the_system_check(settings):
    from cascad_wagtail import checks, storefront

    class OldAdapter:
        """An adapter written before ``me.orders``."""

        supports_vouchers = False

        def __getattr__(self, name):
            if name in ("orders_for_user", "get_order_infos"):
                raise AttributeError(name)
            return lambda *args, **kwargs: None

    settings.CASCAD_STOREFRONT_ADAPTER = "tests.graphql.test_auth.OLD_ADAPTER"
    globals()["OLD_ADAPTER"] = OldAdapter()
    storefront._load_adapter.cache_clear()
    try:
        (error,) = checks.check_storefront_adapter()
    finally:
        storefront._load_adapter.cache_clear()
    assert error.id == "cascad_wagtail.E011"
    assert error.msg == (
        "The storefront adapter tests.graphql.test_auth.OLD_ADAPTER lacks get_order_infos, orders_for_user."
    )
    settings.CASCAD_STOREFRONT_ADAPTER = "tests.testshop.storefront.TestStorefront"
    assert checks.check_storefront_adapter() == []  # the test shop's adapter has them all
