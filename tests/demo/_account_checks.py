"""Customer accounts in the demo shop, checked inside the demo's own settings (``sandbox_site.settings``).

The main test settings use a minimal order model (``tests.testshop``), so the demo shop's account pages
cannot be loaded there. ``test_accounts.py`` runs this module as a subprocess instead::

    DJANGO_SETTINGS_MODULE=sandbox_site.settings SANDBOX_VAR_DIR=<tmp> python -m tests.demo._account_checks

It migrates a fresh SQLite database in ``SANDBOX_VAR_DIR`` and seeds the demo shop with its Cascad host
pointing at a closed port (so the seed can only create what needs no payment, and a checkout's payment
step reports Cascad unreachable while the order itself is placed). Then every check runs with Django's
test client (and the in-memory mailer) and prints ``ok: <name>``, or ``FAIL: <name>`` and its traceback;
the exit status is 1 when any failed. Each check uses its own customers, so none depends on another.
"""

from __future__ import annotations

import os
import re
import socket
import traceback
from decimal import Decimal

import django

CHECKS: list = []
#: What the seed printed (``setup``), for the check of the seed without Cascad.
SEED_OUTPUT: list[str] = []
PASSWORD = "kiln-fired-mug-42"


def check(function):
    CHECKS.append(function)
    return function


def closed_port_url() -> str:
    """A local URL nothing listens on: Cascad (and its emulator) "not answering"."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox_site.settings")
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from sandbox_site.shop.demo.seed import Options, seed

    setup_test_environment()  # the locmem mailer, and ALLOWED_HOSTS gains "testserver"
    call_command("migrate", verbosity=0, interactive=False)
    seed(Options(cascad_host=closed_port_url(), stock=100), say=SEED_OUTPUT.append)


# -- helpers -----------------------------------------------------------------------------------------


def customer(email: str, name: str = "Ann Buyer"):
    from django.contrib.auth.models import User

    return User.objects.create_user(email, email, PASSWORD, first_name=name)


def signed_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def anonymous():
    from django.test import Client

    return Client()


def session_user(client) -> int | None:
    """The pk of the user the client's session is signed in as, or ``None``."""
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def form_errors(response, field: str = "__all__") -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def sign_in(client, email: str, password: str, **extra):
    return client.post("/shop/account/sign-in/", {"email": email, "password": password, **extra})


def sign_up(client, email: str, password: str = PASSWORD, again: str | None = None, **extra):
    data = {"email": email, "name": "New Buyer", "password1": password, "password2": again or password, **extra}
    return client.post("/shop/account/sign-up/", data)


def make_order(user=None, email: str = "ann.buyer@example.com", total: str = "1500.00"):
    from wagtail.models import Site

    from sandbox_site.shop.models import Order

    site = Site.objects.get(is_default_site=True)
    return Order.objects.create(
        site=site, user=user, email=email, name="Ann Buyer", total=Decimal(total), subtotal=Decimal(total)
    )


def pay(order):
    """A payment Cascad reported paid, written straight to the database (no Cascad needed to show it)."""
    from cascad_wagtail.models import Payment

    Payment.objects.create(
        order=order,
        site=order.site,
        mode="sandbox",
        amount=order.total,
        currency=order.currency,
        description=str(order),
        invoice_id=f"cpi_Account{order.pk:08d}",
        creation="created",
        cascad_status="processed",
        stage=2,
        charge_status="FULLY_CHARGED",
        processed_amount=order.total,
        is_open=False,
    )


def rows(html: str) -> list[tuple[int, str, str]]:
    """``(order number, state, link)`` of every row on the "My orders" page, top to bottom."""
    found = re.findall(r'<li class="order-row" data-order="(\d+)" data-state="(\w+)".*?href="([^"]+)"', html, re.S)
    return [(int(number), state, link) for number, state, link in found]


# -- signing up --------------------------------------------------------------------------------------


@check
def sign_up_creates_the_customer_signs_them_in_and_goes_on():
    from django.contrib.auth.models import User

    client = anonymous()
    response = sign_up(client, "New.Buyer@Example.COM", next="/shop/cart/")
    assert response.status_code == 302 and response["Location"] == "/shop/cart/", response
    user = User.objects.get(username="new.buyer@example.com")
    assert (user.email, user.first_name) == ("new.buyer@example.com", "New Buyer")
    assert user.check_password(PASSWORD)
    assert session_user(client) == user.pk
    orders = client.get("/shop/account/orders/")
    assert orders.status_code == 200 and 'id="no-orders"' in orders.content.decode()

    # Without a ``next``, the new customer lands on their (empty) orders.
    response = sign_up(anonymous(), "second.buyer@example.com")
    assert response["Location"] == "/shop/account/orders/", response["Location"]


@check
def sign_up_refuses_a_registered_email_whatever_its_case_and_offers_sign_in():
    from django.contrib.auth.models import User

    users = User.objects.count()
    client = anonymous()
    response = sign_up(client, "Customer@Example.COM")  # the seed's demo customer
    assert response.status_code == 200
    assert form_errors(response, "email") == [
        "An account with this email already exists. Sign in, or reset your password if you have forgotten it."
    ]
    taken = response.content.decode().split('id="email-taken"', 1)[1].split("</p>", 1)[0]
    assert 'href="/shop/account/sign-in/"' in taken and 'href="/shop/account/password-reset/"' in taken, taken
    assert User.objects.count() == users and session_user(client) is None


@check
def probing_emails_through_sign_up_runs_into_the_limit():
    """ "This email has an account" is an answer a prober could use: it counts against the address."""
    from cascad_wagtail.models import SignInAttempt

    def taken(address: str):
        data = {"email": "customer@example.com", "name": "P", "password1": PASSWORD, "password2": PASSWORD}
        return anonymous().post("/shop/account/sign-up/", data, REMOTE_ADDR=address)

    for _ in range(5):
        assert form_errors(taken("10.9.9.9"), "email")[0].startswith("An account with this email already exists")
    (refused,) = form_errors(taken("10.9.9.9"), "email")
    # The window is 15 minutes from the first of the five (the real clock runs: 15 or 16 minutes left).
    assert re.fullmatch(
        r"Too many sign-ups with emails that already have an account\. Try again in 1[56] minutes\.", refused
    ), refused
    assert SignInAttempt.objects.filter(address="10.9.9.9").count() == 5
    # Another address is not held back, and a new email still signs up from the limited one.
    assert form_errors(taken("10.9.9.10"), "email")[0].startswith("An account with this email already exists")
    fresh = {"email": "prober.ok@example.com", "name": "P", "password1": PASSWORD, "password2": PASSWORD}
    assert anonymous().post("/shop/account/sign-up/", fresh, REMOTE_ADDR="10.9.9.9").status_code == 302


@check
def sign_up_refuses_weak_or_mismatched_passwords():
    from django.contrib.auth.models import User

    client = anonymous()
    numeric = sign_up(client, "weak.buyer@example.com", password="12345678")
    assert {error.split(".")[0] for error in form_errors(numeric, "password1")} == {
        "This password is too common",
        "This password is entirely numeric",
    }, form_errors(numeric, "password1")
    like_email = sign_up(client, "weak.buyer@example.com", password="weak.buyer")
    assert any("too similar" in error for error in form_errors(like_email, "password1")), form_errors(like_email)
    differ = sign_up(client, "weak.buyer@example.com", again=PASSWORD + "!")
    assert form_errors(differ, "password2") == ["The two passwords differ: type the same password twice."]
    assert not User.objects.filter(username="weak.buyer@example.com").exists()
    assert session_user(client) is None


# -- signing in and out ------------------------------------------------------------------------------


@check
def sign_in_with_a_wrong_password_or_unknown_email_says_the_same_and_changes_nothing():
    from cascad_wagtail import accounts

    user = customer("wrong.password@example.com")
    client = anonymous()
    wrong = sign_in(client, "wrong.password@example.com", "not-the-password")
    unknown = sign_in(client, "nobody.here@example.com", "not-the-password")
    expected = [accounts.InvalidCredentials().message]
    assert form_errors(wrong) == form_errors(unknown) == expected, (form_errors(wrong), form_errors(unknown))
    assert wrong.status_code == unknown.status_code == 200
    assert session_user(client) is None
    user.refresh_from_db()
    assert user.last_login is None


@check
def sign_in_goes_on_to_next_on_this_site_only():
    user = customer("right.password@example.com")
    for given, expected in (
        ("/shop/cart/", "/shop/cart/"),
        ("", "/shop/account/orders/"),
        ("https://evil.example/", "/shop/account/orders/"),
        ("//evil.example/shop/", "/shop/account/orders/"),
    ):
        client = anonymous()
        response = sign_in(client, "Right.Password@Example.com", PASSWORD, next=given)
        assert response.status_code == 302 and response["Location"] == expected, (given, response["Location"])
        assert session_user(client) == user.pk
    user.refresh_from_db()
    assert user.last_login is not None


@check
def the_header_offers_sign_in_or_the_account_with_a_sign_out_form():
    anonymous_page = anonymous().get("/shop/cart/").content.decode()
    assert 'id="sign-in-link"' in anonymous_page and 'id="sign-out"' not in anonymous_page
    page = signed_in(customer("header.buyer@example.com", "Header Buyer")).get("/shop/cart/").content.decode()
    nav = page.split('class="account-nav is-signed-in"', 1)[1].split("</nav>", 1)[0]
    assert "Header Buyer" in nav and 'href="/shop/account/orders/"' in nav
    assert re.search(r'<form method="post" action="/shop/account/sign-out/">\s*<input type="hidden" name="csrf', nav)


@check
def sign_out_is_post_only():
    user = customer("sign.out@example.com")
    client = signed_in(user)
    assert client.get("/shop/account/sign-out/").status_code == 405
    assert session_user(client) == user.pk
    response = client.post("/shop/account/sign-out/", follow=True)
    assert response.redirect_chain[0] == ("/", 302), response.redirect_chain
    assert "You have signed out." in response.content.decode()
    assert session_user(client) is None


# -- the password reset ------------------------------------------------------------------------------


@check
def password_reset_mails_one_working_link_to_a_known_email():
    from django.core import mail

    customer("forgetful.buyer@example.com")
    mail.outbox.clear()
    response = anonymous().post("/shop/account/password-reset/", {"email": "Forgetful.Buyer@example.com"})
    assert response.status_code == 302 and response["Location"] == "/shop/account/password-reset/sent/"
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    message = mail.outbox[0]
    assert message.to == ["forgetful.buyer@example.com"]
    assert message.subject == "Reset your password at the Cascad demo shop"
    link = re.search(r"http://testserver(/shop/account/password-reset/[\w-]+/[\w-]+/)", message.body).group(1)

    client = anonymous()
    form_page = client.get(link, follow=True)
    assert 'id="set-password"' in form_page.content.decode(), form_page.redirect_chain
    new_password = "new-stoneware-99"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done["Location"] == "/shop/account/password-reset/done/", done
    assert sign_in(anonymous(), "forgetful.buyer@example.com", new_password).status_code == 302
    # The link worked once.
    assert 'id="set-password"' not in anonymous().get(link, follow=True).content.decode()


@check
def password_reset_answers_an_unknown_email_the_same_and_mails_nothing():
    from django.core import mail

    mail.outbox.clear()
    client = anonymous()
    response = client.post("/shop/account/password-reset/", {"email": "never.registered@example.com"}, follow=True)
    assert response.redirect_chain == [("/shop/account/password-reset/sent/", 302)], response.redirect_chain
    assert 'id="reset-sent"' in response.content.decode()
    assert mail.outbox == []


# -- my orders ---------------------------------------------------------------------------------------


@check
def my_orders_needs_a_signed_in_customer():
    response = anonymous().get("/shop/account/orders/")
    assert response.status_code == 302
    assert response["Location"] == "/shop/account/sign-in/?next=/shop/account/orders/", response["Location"]


@check
def my_orders_lists_only_the_customers_own_orders_newest_first_twenty_a_page():
    owner = customer("owner.buyer@example.com")
    other = customer("other.buyer@example.com")
    own = [make_order(owner, owner.email) for _ in range(21)]
    pay(own[0])
    others = [make_order(other, other.email), make_order(None, owner.email)]  # anonymous, with the same email

    client = signed_in(owner)
    first = client.get("/shop/account/orders/").content.decode()
    second = client.get("/shop/account/orders/?page=2").content.decode()
    listed = rows(first) + rows(second)
    assert [number for number, _state, _link in rows(first)] == [order.pk for order in reversed(own)][:20]
    assert [number for number, _state, _link in listed] == [order.pk for order in reversed(own)]
    assert not {order.pk for order in others} & {number for number, _state, _link in listed}
    states = {number: state for number, state, _link in listed}
    assert states[own[0].pk] == "paid" and states[own[1].pk] == "unpaid", states
    links = {number: link for number, _state, link in listed}
    assert all(links[order.pk] == order.get_absolute_url() for order in own)
    assert "Page 2 of 2" in second and "1,500.00\xa0RUB" in first


@check
def the_web_checkout_attaches_the_signed_in_customer_and_fills_in_their_details():
    from sandbox_site.shop.models import Order, ProductVariant, ShippingMethod

    variant = ProductVariant.objects.get(sku="MUG-OCEAN")
    pickup = ShippingMethod.objects.get(needs_address=False)
    buyer = customer("checkout.buyer@example.com", "Checkout Buyer")
    placed = {}
    for who, client in (("customer", signed_in(buyer)), ("anonymous", anonymous())):
        client.post("/shop/cart/add/", {"variant": variant.pk, "quantity": 1})
        form = client.get("/shop/checkout/").context["form"]
        if who == "customer":
            assert (form.initial["email"], form.initial["name"]) == (buyer.email, "Checkout Buyer"), form.initial
        details = {"email": "checkout.buyer@example.com", "name": "Checkout Buyer", "flow": "checkout"}
        client.post("/shop/checkout/", {**details, "shipping_method": pickup.pk})
        placed[who] = Order.objects.latest("pk")
    assert placed["customer"].user == buyer
    assert placed["anonymous"].user is None
    listed = rows(signed_in(buyer).get("/shop/account/orders/").content.decode())
    assert [number for number, _state, _link in listed] == [placed["customer"].pk]


@check
def the_storefront_adapter_attaches_the_customer_and_reads_many_orders_at_once():
    import uuid

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cascad_wagtail.storefront import OrderLineRequest, OrderRequest, ShippingMethod, get_channel
    from sandbox_site.shop.models import ProductVariant
    from sandbox_site.shop.models import ShippingMethod as ShippingRow
    from sandbox_site.shop.storefront import SandboxStorefront

    adapter = SandboxStorefront()
    channel = get_channel("default-channel")
    (variant,) = adapter.get_variants(channel, [ProductVariant.objects.get(sku="TEA-GREEN").pk]).values()
    pickup = ShippingRow.objects.get(needs_address=False)
    buyer = customer("storefront.buyer@example.com")

    def order_for(user):
        line = OrderLineRequest(variant, 1, variant.price, variant.price)
        return adapter.create_order(
            OrderRequest(
                checkout_token=uuid.uuid4(),
                channel=channel,
                email=buyer.email,
                lines=(line,),
                shipping_address=None,
                billing_address=None,
                shipping_method=ShippingMethod(str(pickup.pk), pickup.name, Decimal(0), channel.currency),
                voucher=None,
                currency=channel.currency,
                subtotal=variant.price,
                shipping_price=Decimal(0),
                discount=Decimal(0),
                total=variant.price,
                user=user,
            )
        )

    mine = [order_for(buyer), order_for(buyer), order_for(buyer)]
    strangers = [order_for(None), order_for(AnonymousUser())]
    assert all(order.user_id is None for order in strangers)
    assert sorted(adapter.orders_for_user(buyer).values_list("pk", flat=True)) == [order.pk for order in mine]
    assert not adapter.orders_for_user(AnonymousUser()).exists() and not adapter.orders_for_user(None).exists()

    shuffled = [mine[2], strangers[0], mine[0]]
    infos = adapter.get_order_infos(shuffled)
    assert [info.number for info in infos] == [str(order.pk) for order in shuffled]
    assert [line.sku for line in infos[0].lines] == ["TEA-GREEN"]
    assert adapter.get_order_info(mine[1]).token == mine[1].token
    with CaptureQueriesContext(connection) as one:
        adapter.get_order_infos(mine[:1])
    with CaptureQueriesContext(connection) as five:
        adapter.get_order_infos(mine + strangers)
    assert len(one) == len(five), f"1 order: {len(one)} queries, 5 orders: {len(five)}"


# -- the demo customer -------------------------------------------------------------------------------


@check
def the_seed_without_cascad_creates_the_customer_and_only_the_unpaid_order():
    from django.contrib.auth.models import User

    demo = User.objects.get(username="customer@example.com")
    assert demo.check_password("customer") and demo.email == "customer@example.com"
    assert [order.payment_status for order in demo.shop_orders.all()] == ["NOT_CHARGED"]
    assert not demo.shop_orders.get().cascad_payments.exists()
    assert any("did not answer" in line for line in SEED_OUTPUT), SEED_OUTPUT
    response = sign_in(anonymous(), "customer@example.com", "customer")
    assert response.status_code == 302, form_errors(response)


def main() -> int:
    setup()
    failed = 0
    for function in CHECKS:
        try:
            function()
        except Exception:
            failed += 1
            print(f"FAIL: {function.__name__}\n{traceback.format_exc()}", flush=True)
        else:
            print(f"ok: {function.__name__}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
