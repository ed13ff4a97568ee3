"""Customer accounts through the real ``@saleor/sdk``, unchanged, in Node 20, against the live server.

- ``@saleor/sdk@0.7.0``: ``auth.login`` (a wrong password, then the right one), ``verifyToken``,
  ``refreshToken`` (with and without the user), its own ``User`` query, ``logout``; and the two ways it
  renews an expired access token by itself: before sending it (``autoTokenRefresh``) and after the server
  answered ``ExpiredSignatureError`` (refresh, then the same request again).
- ``@saleor/sdk@0.3.0-10``: ``signIn`` (a wrong password, then the right one), ``refreshSignInToken`` with the
  csrf token and the ``refreshToken`` cookie, ``signOut``; an expired token that fails a request and is then
  renewed through the cookie; and a signed-in customer's cart that becomes a checkout on their account: on
  another device (a fresh ``localStorage`` and cookie jar) signing in loads that checkout
  (``UserCheckoutTokenList``), which is paid on Cascad's page and becomes an order listed by the SDK's
  ``OrdersByUser``.

What the SDK put on the wire (operations, ``Authorization: JWT …`` / ``authorization-bearer``) is read from
the driver's recordings; what it kept, from its own state and ``localStorage``.
"""

from __future__ import annotations

import json
import time

import jwt
import pytest
from django.contrib.auth import get_user_model

from cascad_wagtail.graphql import global_id
from cascad_wagtail.models import Checkout, Payment
from tests.graphql.storefront_helpers import COURIER, RETURN_URL, live_shop, variant_id  # noqa: F401
from tests.sdk.harness import SdkSession
from tests.sdk.test_checkout_sdk import ADDRESS, PAID_CARD, confirmation, no_errors, pay
from tests.storefront.conftest import make_variant  # noqa: F401
from tests.testshop.models import Order

pytestmark = [pytest.mark.sdk, pytest.mark.django_db(transaction=True)]

EMAIL = "ada@example.com"
PASSWORD = "analytical-engine-1843"
WRONG = "difference-engine"


@pytest.fixture
def customer(transactional_db):
    return get_user_model().objects.create_user(
        username="ada", email=EMAIL, password=PASSWORD, first_name="Ada", last_name="Lovelace"
    )


@pytest.fixture
def api_url(live_server) -> str:
    return f"{live_server.url}/graphql/"


def claims(token: str) -> dict:
    """The JWT's payload as the SDK reads it (``jwt-decode``: no signature check)."""
    return jwt.decode(token, options={"verify_signature": False})


def operations(line: dict) -> list[str]:
    """The operations the SDK sent during a step, in order (batched bodies flattened)."""
    return [name for request in line["requests"] for name in request["operations"]]


def the_request(line: dict, operation: str) -> dict:
    (request,) = [request for request in line["requests"] if operation in request["operations"]]
    return request


def no_wire_errors(lines: list[dict]) -> None:
    """Nothing the server answered during these steps had a GraphQL error."""
    errors = [(line["op"], request["errors"]) for line in lines for request in line["requests"] if request["errors"]]
    assert errors == []


# ------------------------------------------------------------------------------------------------ 0.7.0


def v07(api_url: str, **options) -> SdkSession:
    return SdkSession("0.7.0", api_url, "default-channel", record_errors=True, **options)


def test_v07_login_verify_refresh_me_and_logout(api_url, customer):
    with v07(api_url, steps=[{"op": "connect"}]) as sdk:
        assert sdk.results[0]["requests"] == []  # nothing stored: no refresh at start-up

        # A wrong password: the AccountError in the SDK's result, and nothing stored.
        refused = sdk.step("login", email=EMAIL, password=WRONG)
        assert refused["dataError"] is None and refused["functionError"] is None, refused
        created = refused["data"]["tokenCreate"]
        assert created["token"] is None and created["refreshToken"] is None
        assert [(error["code"], error["field"]) for error in created["errors"]] == [("INVALID_CREDENTIALS", "email")]
        assert refused["state"]["refreshToken"] is None and refused["state"]["authenticated"] is False
        assert refused["state"]["authenticating"] is False
        assert "authorization-bearer" not in the_request(refused, "login")

        # The right one: both tokens stored, the user cached.
        login = no_errors(sdk.step("login", email=EMAIL, password=PASSWORD))
        created = login["data"]["tokenCreate"]
        assert created["errors"] == [] and created["user"]["email"] == EMAIL
        access, refresh = created["token"], created["refreshToken"]
        assert operations(login) == ["login"] and "authorization-bearer" not in login["requests"][0]
        assert login["state"]["refreshToken"] == refresh
        assert login["state"]["authenticated"] is True and login["state"]["user"]["email"] == EMAIL
        now = time.time()
        access_claims = claims(access)
        assert access_claims["owner"] == "saleor" and access_claims["type"] == "access"
        assert now < access_claims["exp"] <= now + 5 * 60 + 5  # CASCAD_JWT_ACCESS_TTL's default, 5 minutes
        assert access_claims["email"] == EMAIL and access_claims["user_id"] == global_id("User", customer.pk)
        refresh_claims = claims(refresh)
        assert refresh_claims["owner"] == "saleor" and refresh_claims["type"] == "refresh"
        assert refresh_claims["exp"] > access_claims["exp"]

        # verifyToken sends the stored access token, as the variable and in the authorization-bearer header.
        verified = no_errors(sdk.step("verifyToken"))
        request = the_request(verified, "verifyToken")
        assert request["authorization-bearer"] == access and "authorization" not in request
        assert request["errors"] == []
        verify = verified["data"]["tokenVerify"]
        assert verify["isValid"] is True and verify["errors"] == [] and verify["user"]["email"] == EMAIL
        assert verify["payload"]["type"] == "access" and verify["payload"]["owner"] == "saleor"

        # refreshToken: a new access token (a second later, so another iat), which the SDK uses from then on.
        time.sleep(1.1)
        refreshed = no_errors(sdk.step("refreshToken"))
        assert operations(refreshed) == ["refreshToken"]
        renewed = refreshed["data"]["tokenRefresh"]["token"]
        assert renewed and renewed != access and refreshed["data"]["tokenRefresh"]["errors"] == []
        assert claims(renewed)["type"] == "access" and claims(renewed)["iat"] > access_claims["iat"]
        assert refreshed["state"]["refreshToken"] == refresh  # the refresh token stays

        time.sleep(1.1)
        with_user = no_errors(sdk.step("refreshToken", includeUser=True))
        assert operations(with_user) == ["refreshTokenWithUser"]
        assert the_request(with_user, "refreshTokenWithUser")["authorization-bearer"] == renewed
        payload = with_user["data"]["tokenRefresh"]
        assert payload["errors"] == [] and payload["user"]["email"] == EMAIL
        latest = payload["token"]
        assert latest not in (access, renewed) and claims(latest)["exp"] > now

        # The SDK's own User query, with the latest token.
        me = no_errors(sdk.step("me"))
        assert operations(me) == ["User"] and me["requests"][0]["authorization-bearer"] == latest
        user = me["data"]["user"]
        assert user["id"] == global_id("User", customer.pk)
        names = [user[field] for field in ("email", "firstName", "lastName", "isStaff")]
        assert names == [EMAIL, "Ada", "Lovelace", False]
        assert user["addresses"] == [] and user["defaultShippingAddress"] is None and user["userPermissions"] == []

        # A page reload (a new client on the same localStorage): the stored refresh token signs the customer in.
        reloaded = no_errors(sdk.step("reload"))
        assert operations(reloaded) == ["refreshTokenWithUser"]
        assert "authorization-bearer" not in reloaded["requests"][0] and reloaded["requests"][0]["errors"] == []
        assert reloaded["state"]["authenticated"] is True and reloaded["state"]["user"]["email"] == EMAIL
        assert reloaded["state"]["refreshToken"] == refresh

        # logout: no request, everything forgotten; a User query afterwards goes out anonymous and answers null.
        out = no_errors(sdk.step("logout"))
        assert out["requests"] == []
        assert out["state"]["refreshToken"] is None and out["state"]["user"] is None
        assert out["state"]["authenticated"] is False
        anonymous = no_errors(sdk.step("me"))
        assert operations(anonymous) == ["User"] and "authorization-bearer" not in anonymous["requests"][0]
        assert anonymous["requests"][0]["errors"] == []
        assert anonymous["data"]["user"] is None

        # Signing in again without the details (loginWithoutDetails) works the same way.
        again = no_errors(sdk.step("login", email=EMAIL, password=PASSWORD, includeDetails=False))
        assert operations(again) == ["loginWithoutDetails"] and again["requests"][0]["errors"] == []
        assert again["data"]["tokenCreate"]["user"]["email"] == EMAIL and again["state"]["refreshToken"]

        # 0.7.0 never sends "Authorization" (only authorization-bearer), and no answer had a GraphQL error
        # (a wrong password is an AccountError in the payload).
        assert not any("authorization" in request for line in sdk.results for request in line["requests"])
        no_wire_errors(sdk.results)


def test_v07_an_expired_access_token_is_refreshed_before_it_is_sent(api_url, customer, settings):
    """``autoTokenRefresh`` (on by default): a token past ``exp`` − 120 s is renewed before any request."""
    with v07(api_url, steps=[{"op": "connect"}]) as sdk:
        settings.CASCAD_JWT_ACCESS_TTL = -30  # the token the SDK stores is expired when it gets it
        login = no_errors(sdk.step("login", email=EMAIL, password=PASSWORD))
        expired = login["data"]["tokenCreate"]["token"]
        assert claims(expired)["exp"] < time.time()
        settings.CASCAD_JWT_ACCESS_TTL = 5 * 60

        me = no_errors(sdk.step("me"))
        assert operations(me) == ["refreshToken", "User"]
        refresh, user = me["requests"]
        assert "authorization-bearer" not in refresh and refresh["errors"] == []
        fresh = user["authorization-bearer"]
        assert fresh != expired and claims(fresh)["exp"] > time.time() and claims(fresh)["type"] == "access"
        assert user["errors"] == [] and user["status"] == 200
        assert me["data"]["user"]["email"] == EMAIL


def test_v07_an_expired_signature_answer_makes_the_sdk_refresh_and_retry(api_url, customer, settings):
    """Without ``autoTokenRefresh`` the expired token is sent; the server's ``ExpiredSignatureError`` makes the
    SDK refresh and send the same request again (``refreshOnUnauthorized``)."""
    connect = {"op": "connect", "opts": {"fetchOpts": {"autoTokenRefresh": False}}}
    with v07(api_url, steps=[connect]) as sdk:
        settings.CASCAD_JWT_ACCESS_TTL = -30
        expired = no_errors(sdk.step("login", email=EMAIL, password=PASSWORD))["data"]["tokenCreate"]["token"]
        settings.CASCAD_JWT_ACCESS_TTL = 5 * 60

        me = no_errors(sdk.step("me"))
        assert operations(me) == ["User", "refreshToken", "User"]
        first, refresh, retried = me["requests"]
        assert first["authorization-bearer"] == expired
        assert [(error["operation"], error["code"]) for error in first["errors"]] == [("User", "ExpiredSignatureError")]
        assert "authorization-bearer" not in refresh and refresh["errors"] == []
        assert (
            retried["authorization-bearer"] != expired and claims(retried["authorization-bearer"])["exp"] > time.time()
        )
        assert retried["errors"] == [] and retried["status"] == 200
        assert me["data"]["user"]["email"] == EMAIL and me["state"]["authenticated"] is True


# ------------------------------------------------------------------------------------------------ 0.3.0-10

V03 = "0.3.0-10"


def cart_lines(line: dict) -> list[tuple]:
    """The checkout lines the SDK holds after a step: ``(line id, variant id, quantity)``."""
    return [(item["id"], item["variant"]["id"], item["quantity"]) for item in line["state"]["cart"]["items"]]


def jwt_authorization(lines: list[dict]) -> set:
    """Every ``Authorization`` header value sent during these steps."""
    return {request.get("authorization") for line in lines for request in line["requests"]}


def v03(api_url: str, channel: str, **options) -> SdkSession:
    return SdkSession(V03, api_url, channel, steps=[{"op": "connect"}], record_errors=True, **options)


@pytest.mark.emulator
def test_v03_sign_in_refresh_by_cookie_and_sign_out(api_url, customer, live_shop, tmp_path):  # noqa: F811
    storage = tmp_path / "local-storage.json"
    with v03(api_url, live_shop, storage_file=storage) as sdk:
        # A wrong password: SIGN_IN with the AccountError, no token kept, nothing sent with one afterwards.
        refused = sdk.step("signIn", email=EMAIL, password=WRONG)
        assert refused["dataError"]["typeName"] == "SIGN_IN", refused
        errors = refused["dataError"]["error"]
        assert [(error["code"], error["field"]) for error in errors] == [("INVALID_CREDENTIALS", "email")]
        assert operations(refused) == ["TokenAuth"] and "authorization" not in refused["requests"][0]
        assert refused["state"]["auth"]["token"] is None and refused["state"]["auth"]["user"] is None
        stored = json.loads(storage.read_text())
        assert "token" not in stored and "csrf_token" not in stored
        shop = no_errors(sdk.step("getShopDetails"))
        assert jwt_authorization([shop]) == {None}

        # The right password: the token and the csrf token in localStorage, the refresh token in a cookie.
        signed_in = no_errors(sdk.step("signIn", email=EMAIL, password=PASSWORD))
        token = signed_in["state"]["auth"]["token"]
        stored = json.loads(storage.read_text())
        assert stored["token"] == token and stored["csrf_token"]
        assert (
            signed_in["state"]["auth"]["authenticated"] is True and signed_in["state"]["auth"]["user"]["email"] == EMAIL
        )

        # SDK 0.3.0-10 refreshes with the csrf token alone: the refreshToken cookie carries the rest.
        time.sleep(1.1)  # another iat, so another token
        refreshed = no_errors(sdk.step("refreshSignInToken"))
        assert operations(refreshed) == ["RefreshToken"]
        renewed = refreshed["data"]["token"]
        assert renewed and renewed != token and claims(renewed)["type"] == "access"
        assert refreshed["state"]["auth"]["token"] == renewed == json.loads(storage.read_text())["token"]
        after = no_errors(sdk.step("getOrdersByUser"))
        assert jwt_authorization([after]) == {f"JWT {renewed}"} and after["data"]["edges"] == []

        # The same localStorage without the cookie (another process, an empty cookie jar): no refresh.
        elsewhere = tmp_path / "without-cookie.json"
        elsewhere.write_text(storage.read_text())
        with v03(api_url, live_shop, storage_file=elsewhere) as other:
            # A reloaded tab: the stored token is verified and used (VerifyToken, UserDetails, ...).
            started = other.results[0]
            assert operations(started)[0] == "VerifyToken" and jwt_authorization([started]) == {f"JWT {renewed}"}
            assert started["state"]["auth"]["authenticated"] is True
            missing = other.step("refreshSignInToken")
            assert missing["dataError"]["typeName"] == "REFRESH_TOKEN", missing
            assert [error["code"] for error in missing["dataError"]["error"]] == ["JWT_MISSING_TOKEN"]

        # signOut forgets everything; requests go out without a token again.
        out = no_errors(sdk.step("signOut"))
        assert out["state"]["auth"]["token"] is None and out["state"]["auth"]["user"] is None
        assert "token" not in json.loads(storage.read_text())
        shop = no_errors(sdk.step("getShopDetails"))
        assert jwt_authorization([out, shop]) <= {None}
        no_wire_errors(sdk.results[:1] + sdk.results[2:])


@pytest.mark.emulator
def test_tokens_deactivate_all_signs_the_customer_out_of_both_sdks(api_url, customer, live_shop):  # noqa: F811
    """``tokensDeactivateAll`` from one device revokes every token: the other device's next request fails with
    ``InvalidTokenError``; 0.3.0-10 then tries its cookie refresh, which is refused too, and signs out."""
    with v03(api_url, live_shop) as laptop, v07(api_url, steps=[{"op": "connect"}]) as phone:
        no_errors(laptop.step("signIn", email=EMAIL, password=PASSWORD))
        no_errors(phone.step("login", email=EMAIL, password=PASSWORD))
        everywhere = phone.step("query", query="mutation Everywhere { tokensDeactivateAll { errors { code } } }")
        assert everywhere["data"]["tokensDeactivateAll"]["errors"] == [] and everywhere["requests"][0]["errors"] == []

        # 0.7.0 refreshes only on ExpiredSignatureError: a revoked token is an error it hands back.
        revoked = phone.step("me")
        assert operations(revoked) == ["User"]
        assert [error["code"] for error in revoked["requests"][0]["errors"]] == ["InvalidTokenError"]
        (graphql_error,) = revoked["dataError"]["error"]["graphQLErrors"]
        assert graphql_error["extensions"]["exception"]["code"] == "InvalidTokenError"
        # Its refresh token is revoked too: refused, and the SDK logs out.
        refused = phone.step("refreshToken")
        assert [error["code"] for error in refused["data"]["tokenRefresh"]["errors"]] == ["JWT_INVALID_TOKEN"]
        assert refused["state"]["refreshToken"] is None and refused["state"]["authenticated"] is False

        # 0.3.0-10 treats InvalidTokenError as a JWT error: refresh (refused: the refresh token is revoked too),
        # then signOut.
        failed = laptop.step("getOrdersByUser")
        assert operations(failed) == ["OrdersByUser", "RefreshToken"]
        assert [error["code"] for error in failed["requests"][0]["errors"]] == ["InvalidTokenError"]
        assert failed["requests"][1]["errors"] == []  # the refusal is an AccountError in the payload
        assert failed["state"]["auth"]["token"] is None and failed["state"]["auth"]["user"] is None


@pytest.mark.emulator
@pytest.mark.slow  # waits for a token to expire: about 8 s
def test_v03_an_expired_token_is_refreshed_with_the_cookie_after_the_failed_request(
    api_url,
    customer,
    live_shop,  # noqa: F811
    settings,
):
    """0.3.0-10 does not look at ``exp``: a request with an expired token fails with ``ExpiredSignatureError``,
    which makes the SDK refresh (csrf token + cookie) without retrying; the next request has the new token."""
    with v03(api_url, live_shop) as sdk:
        settings.CASCAD_JWT_ACCESS_TTL = 1
        signed_in = no_errors(sdk.step("signIn", email=EMAIL, password=PASSWORD))
        settings.CASCAD_JWT_ACCESS_TTL = 5 * 60
        old = signed_in["state"]["auth"]["token"]
        # The server accepts a token up to 5 s (its leeway) after its exp.
        time.sleep(max(0.0, claims(old)["exp"] + 6 - time.time()))

        failed = sdk.step("getOrdersByUser")
        assert failed["dataError"] is not None, failed
        assert operations(failed) == ["OrdersByUser", "RefreshToken"]
        first, refresh = failed["requests"]
        assert first["authorization"] == f"JWT {old}"
        assert [(error["operation"], error["code"]) for error in first["errors"]] == [
            ("OrdersByUser", "ExpiredSignatureError")
        ]
        assert refresh["errors"] == []
        renewed = failed["state"]["auth"]["token"]
        assert renewed != old and claims(renewed)["exp"] > time.time()

        again = no_errors(sdk.step("getOrdersByUser"))
        assert jwt_authorization([again]) == {f"JWT {renewed}"} and again["requests"][0]["errors"] == []
        assert again["data"]["edges"] == []


@pytest.mark.emulator
@pytest.mark.slow  # two SDK processes and a payment on Cascad's page: about 5 s
def test_v03_the_checkout_follows_the_customer_to_another_device_and_becomes_their_order(
    api_url,
    customer,
    live_shop,  # noqa: F811
    make_variant,  # noqa: F811
    emulator,
    tmp_path,
):
    variant = make_variant(price="450.00", stock=5)
    laptop, phone = tmp_path / "laptop.json", tmp_path / "phone.json"

    # Device 1: sign in, fill the cart, give the address (this creates the checkout), choose the courier.
    with v03(api_url, live_shop, storage_file=laptop) as sdk:
        signed_in = no_errors(sdk.step("signIn", email=EMAIL, password=PASSWORD))
        assert signed_in["data"]["email"] == EMAIL  # signIn answers the user (UserDetails)
        token = signed_in["state"]["auth"]["token"]
        assert claims(token)["owner"] == "saleor" and claims(token)["type"] == "access"
        assert operations(signed_in) == ["TokenAuth", "UserDetails", "UserCheckoutTokenList"]  # no checkout yet
        assert "authorization" not in signed_in["requests"][0]
        stored = json.loads(laptop.read_text())
        assert stored["token"] == token and stored["csrf_token"]

        first_device = [signed_in]
        first_device.append(no_errors(sdk.step("addItem", variantId=variant_id(variant), quantity=2)))
        first_device.append(no_errors(sdk.step("setShippingAddress", address=ADDRESS, email=EMAIL)))
        first_device.append(no_errors(sdk.step("setBillingAsShippingAddress")))
        first_device.append(no_errors(sdk.step("setShippingMethod", shippingMethodId=COURIER)))
        assert operations(first_device[2]) == ["CreateCheckout"]
        # After signIn, every request carries "Authorization: JWT <token>" (and never authorization-bearer).
        assert jwt_authorization(first_device[1:]) == {f"JWT {token}"}
        assert jwt_authorization([signed_in]) == {None, f"JWT {token}"}
        assert not any("authorization-bearer" in request for line in sdk.results for request in line["requests"])
        checkout = first_device[-1]["state"]["checkout"]  # the SDK keeps the lines in the cart
        lines = cart_lines(first_device[-1])
        assert [(variant, quantity) for _, variant, quantity in lines] == [(variant_id(variant), 2)]
        no_wire_errors(sdk.results)
    # The checkout belongs to the account (the SDK sent the token with CreateCheckout).
    saved = Checkout.objects.get()
    assert str(saved.token) == checkout["token"] and saved.user_id == customer.pk

    # Device 2: nothing stored, nothing shared; signing in loads the customer's checkout.
    assert not phone.exists()
    with v03(api_url, live_shop, storage_file=phone) as sdk:
        fresh = sdk.results[0]
        assert operations(fresh) == ["UserDetails"] and jwt_authorization([fresh]) == {None}
        assert fresh["state"]["checkout"]["token"] is None and not fresh["state"]["cart"]["items"]
        signed_in = no_errors(sdk.step("signIn", email=EMAIL, password=PASSWORD))
        token = signed_in["state"]["auth"]["token"]
        assert operations(signed_in) == ["TokenAuth", "UserDetails", "UserCheckoutTokenList", "CheckoutDetails"]
        assert jwt_authorization([signed_in]) == {None, f"JWT {token}"}
        loaded = signed_in["state"]["checkout"]
        assert loaded["token"] == checkout["token"] and loaded["id"] == checkout["id"]
        assert loaded["shippingMethod"]["id"] == COURIER and loaded["email"] == EMAIL
        assert loaded["shippingAddress"]["streetAddress1"] == ADDRESS["streetAddress1"]
        assert cart_lines(signed_in) == lines
        assert json.loads(json.loads(phone.read_text())["data_checkout"])["token"] == checkout["token"]

        # Pay it from here, on Cascad's page, exactly as test_checkout_sdk does.
        paying = [no_errors(sdk.step("createPayment", gateway="cascad.payments", returnUrl=RETURN_URL))]
        paying.append(no_errors(sdk.step("completeCheckout")))
        pay(emulator, confirmation(paying[-1]), PAID_CARD)
        paying.append(no_errors(sdk.step("completeCheckout")))
        done = paying[-1]["data"]
        assert done["confirmationNeeded"] is False
        order = done["order"]
        assert order["paymentStatus"] == "FULLY_CHARGED" and order["total"]["gross"]["amount"] == 1200.0

        # The SDK's OrdersByUser lists it; the account has no open checkout left.
        listed = no_errors(sdk.step("getOrdersByUser", perPage=10))
        assert operations(listed) == ["OrdersByUser"]
        left = no_errors(
            sdk.step("query", query=f'query Left {{ me {{ id checkoutTokens(channel: "{live_shop}") }} }}')
        )
        assert left["data"]["me"]["checkoutTokens"] == []
        # Signed in, the SDK reads an order with UserOrderByToken (the order page of saleor-storefront).
        detail = no_errors(sdk.step("getOrderByToken", token=order["token"]))
        assert operations(detail) == ["UserOrderByToken"]
        assert detail["data"]["number"] == order["number"] and detail["data"]["invoices"] == []
        assert jwt_authorization([*paying, listed, left, detail]) == {f"JWT {token}"}
        no_wire_errors(sdk.results)

    placed = Order.objects.get()
    assert placed.user_id == customer.pk and placed.email == EMAIL
    assert Payment.objects.get().charge_status == "FULLY_CHARGED" and not Checkout.objects.exists()
    orders = listed["data"]
    assert orders["pageInfo"]["hasNextPage"] is False
    (edge,) = orders["edges"]
    node = edge["node"]
    assert node["token"] == order["token"] == str(placed.token)
    assert node["number"] == order["number"] == str(placed.pk)
    assert node["total"]["gross"] == {"amount": float(placed.total), "currency": "RUB", "__typename": "Money"}
    assert float(placed.total) == 1200.0
    assert [line["variant"]["id"] for line in node["lines"]] == [variant_id(variant)]
