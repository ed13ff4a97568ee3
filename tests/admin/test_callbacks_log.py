"""The callbacks log in the Wagtail admin, fed by real callbacks: list, filters, search, one callback's
page, reprocessing (alone and in bulk) with its permission and audit entry, and a constant query count."""

from __future__ import annotations

import hashlib
import html
import json
import re

import pytest
import requests
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from cascad_wagtail import services, signing
from cascad_wagtail.admin.callbacks import REPROCESS_ACTION, callback_viewset
from cascad_wagtail.models import CallbackEvent, CascadSettings, ChargeStatus, Payment
from tests.browser import _support
from tests.browser._support import screenshot

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

INDEX = "/admin/cascad/callbacks/"
GOOD_CARD = {"card": "5519283812030000", "expiry": "12/30"}
WRONG_API_KEY = "sandbox-api-key-that-cascad-does-not-know-0001"


def detail(event) -> str:
    return f"{INDEX}{event.pk}/"


def reprocess_url(event) -> str:
    return f"{INDEX}{event.pk}/reprocess/"


def invoice_body(emulator, payment) -> bytes:
    """The invoice as Cascad sends it in a callback: its current document, serialised by the emulator."""
    return requests.get(
        f"{emulator.url}/api/payment-invoices/{payment.invoice_id}", auth=emulator.auth, timeout=10
    ).content


def deliver(body: bytes, signature: str) -> int:
    """POST a callback to the shop's endpoint, as Cascad does; the shop stores it whatever its fate."""
    response = Client(raise_request_exception=False).post(
        "/cascad/callback/", data=body, content_type="application/json", HTTP_X_SIGNATURE=signature
    )
    return response.status_code


@pytest.fixture
def paid_at_cascad(cascad, make_order, emulator) -> Payment:
    """A payment the customer paid at Cascad that the shop does not know about yet."""
    payment = services.start_payment(make_order(total="1500.00"))
    emulator.control(f"invoices/{payment.invoice_id}/pay", GOOD_CARD)
    return payment


@pytest.fixture
def processed(paid_at_cascad, emulator) -> CallbackEvent:
    body = invoice_body(emulator, paid_at_cascad)
    assert deliver(body, signing.sign(emulator.secret_key, body)) == 200
    event = CallbackEvent.objects.get(body_hash=hashlib.sha256(body).hexdigest())
    assert event.status == CallbackEvent.Status.PROCESSED
    return event


@pytest.fixture
def rejected(paid_at_cascad, emulator) -> CallbackEvent:
    """A delivery signed with a key the shop does not have: stored cut short, never trusted."""
    body = b'{"padding": "' + b"x" * 5000 + b'", ' + invoice_body(emulator, paid_at_cascad)[1:]
    assert deliver(body, signing.sign("sk_test_NotOurs0001", body)) == 403
    return CallbackEvent.objects.get(signature_valid=False)


@pytest.fixture
def failed(cascad, paid_at_cascad, emulator) -> CallbackEvent:
    """A genuine callback whose processing failed: the site's API key was wrong when it arrived."""
    right_key = cascad.sandbox_api_key
    cascad.sandbox_api_key = WRONG_API_KEY
    cascad.save()
    body = invoice_body(emulator, paid_at_cascad)
    deliver(body, signing.sign(emulator.secret_key, body))
    event = CallbackEvent.objects.get(body_hash=hashlib.sha256(body).hexdigest())
    assert event.status == CallbackEvent.Status.FAILED, event.error
    assert Payment.objects.get(pk=paid_at_cascad.pk).charge_status != ChargeStatus.FULLY_CHARGED
    config = CascadSettings.for_site(cascad.site)
    config.sandbox_api_key = right_key
    config.save()
    return event


def make_user(django_user_model, name: str, *codenames: str):
    group = Group.objects.create(name=name)
    group.permissions.set(Permission.objects.filter(codename__in=["access_admin", *codenames]))
    user = django_user_model.objects.create_user(username=name, password="pw")
    user.groups.add(group)
    return user


def shown(client, query: str = "") -> set[int]:
    """Ids of the callbacks the list's results show for ``query``."""
    page = client.get(f"{INDEX}results/?{query}").content.decode()
    return {int(pk) for pk in re.findall(rf'href="{INDEX}(\d+)/"', page)}


def messages_of(response) -> list[str]:
    # Wagtail's admin messages may end in the markup of their buttons' whitespace.
    return [str(message).strip() for message in response.context["messages"]] if response.context else []


# -- the list --------------------------------------------------------------------------------------


def test_the_list_shows_each_callback_newest_first(admin_client, processed, rejected):
    page = admin_client.get(INDEX).content.decode()
    assert page.index(detail(rejected)) < page.index(detail(processed))
    oldest_first = admin_client.get(INDEX, {"ordering": "received_at"}).content.decode()
    assert oldest_first.index(detail(processed)) < oldest_first.index(detail(rejected))
    # A matched callback's invoice id leads to its payment; both badges say what became of it.
    assert f'href="/admin/cascad/payments/{processed.payment_id}/"><code>{processed.invoice_id}</code>' in page
    assert 'cascad-badge--success">Valid<' in page and 'cascad-badge--danger">Invalid<' in page
    assert 'cascad-badge--success">Processed<' in page and 'cascad-badge--danger">Rejected<' in page
    assert "The signature matches none of the configured secret keys." in page
    # Read-only: no add, edit or delete anywhere.
    assert "/admin/cascad/callbacks/new/" not in page and "/edit/" not in page and "/delete/" not in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"processed", "rejected", "failed"}),
        ("signature_valid=true", {"processed", "failed"}),
        ("signature_valid=false", {"rejected"}),
        ("status=processed", {"processed"}),
        ("status=failed", {"failed"}),
        ("status=rejected", {"rejected"}),
        ("status=ignored", set()),
        ("signature_valid=true&status=failed", {"failed"}),
    ],
)
def test_filters(admin_client, cascad, make_order, emulator, processed, rejected, query, expected):
    # A second paid payment whose callback fails (the API key was wrong when it arrived).
    other = services.start_payment(make_order(total="20.00", currency="USD"))
    emulator.control(f"invoices/{other.invoice_id}/pay", GOOD_CARD)
    cascad.sandbox_api_key = WRONG_API_KEY
    cascad.save()
    body = invoice_body(emulator, other)
    deliver(body, signing.sign(emulator.secret_key, body))
    failed = CallbackEvent.objects.get(invoice_id=other.invoice_id, status=CallbackEvent.Status.FAILED)
    events = {"processed": processed.pk, "rejected": rejected.pk, "failed": failed.pk}
    assert shown(admin_client, query) == {events[name] for name in expected}


def test_search_by_invoice_id_prefix(admin_client, processed, cascad, make_order, emulator):
    other = services.start_payment(make_order(total="10.00"))
    body = invoice_body(emulator, other)
    deliver(body, signing.sign(emulator.secret_key, body))
    other_event = CallbackEvent.objects.get(invoice_id=other.invoice_id)
    prefix = processed.invoice_id[: len(processed.invoice_id) - 2]
    assert shown(admin_client, f"q={processed.invoice_id}") == {processed.pk}
    assert processed.pk in shown(admin_client, f"q={prefix}")
    assert shown(admin_client, f"q={other.invoice_id}") == {other_event.pk}
    assert shown(admin_client, "q=" + processed.invoice_id[2:]) == set()  # a prefix, not a substring


def test_the_list_costs_the_same_queries_for_10_or_1000_callbacks(admin_client, processed):
    def bulk(count: int, start: int) -> None:
        CallbackEvent.objects.bulk_create(
            CallbackEvent(
                headers={"Content-Type": "application/json"},
                body=b'{"data": {"id": "cpi_Bulk%d"}}' % number,
                body_hash=hashlib.sha256(b"bulk %d" % number).hexdigest(),
                signature_valid=number % 3 != 0,
                mode="sandbox",
                invoice_id=f"cpi_Bulk{number}",
                payment_id=processed.payment_id if number % 2 else None,
                status=CallbackEvent.Status.PROCESSED,
                error="x" * 300 if number % 5 == 0 else "",
            )
            for number in range(start, start + count)
        )

    def queries() -> int:
        admin_client.get(INDEX)  # warm the session and content-type caches
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(INDEX)
        assert response.status_code == 200
        return len(captured)

    bulk(9, 0)
    small = queries()
    bulk(990, 9)
    assert CallbackEvent.objects.count() == 1000
    assert queries() == small


def test_only_view_and_change_permissions_are_registered_and_no_edit_urls_exist():
    codenames = set(callback_viewset.get_permissions_to_register().values_list("codename", flat=True))
    assert codenames == {"view_callbackevent", "change_callbackevent"}
    for name in ("add", "edit", "delete", "copy", "usage", "history"):
        with pytest.raises(NoReverseMatch):
            reverse(f"cascad_callbacks:{name}", args=[1] if name != "add" else [])


# -- one callback ----------------------------------------------------------------------------------


def test_the_callback_page_shows_headers_and_the_body_as_indented_json(admin_client, processed, emulator):
    response = admin_client.get(detail(processed))
    page = response.content.decode()
    body = bytes(processed.body)
    shown_body = html.unescape(re.search(r'<pre[^>]*data-cascad-body="json"[^>]*>(.*?)</pre>', page, re.S).group(1))
    assert json.loads(shown_body) == json.loads(body)
    assert '\n  "data": {\n    "' in shown_body
    # Amounts exactly as Cascad sent them (no float round trip: 1500.00 stays 1500.00).
    sent_amount = re.search(rb'"amount":\s*([0-9.]+)', body).group(1).decode()
    assert f'"amount": {sent_amount}' in shown_body
    assert "X-Signature" in page and html.escape(processed.headers["X-Signature"]) in page
    assert processed.body_hash in page
    assert f'href="/admin/cascad/payments/{processed.payment_id}/"' in page
    assert 'cascad-badge--success">Signature valid<' in page
    assert reprocess_url(processed) in page
    for secret in (emulator.secret_key, emulator.api_key):
        assert secret not in page


def test_a_rejected_callback_shows_its_cut_body_as_text_and_offers_no_reprocess(admin_client, rejected):
    page = admin_client.get(detail(rejected)).content.decode()
    text = html.unescape(re.search(r'<pre[^>]*data-cascad-body="text"[^>]*>(.*?)</pre>', page, re.S).group(1))
    assert text == bytes(rejected.body).decode()
    assert len(bytes(rejected.body)) == 4096
    assert "Only the first 4 KiB" in page
    assert 'cascad-badge--danger">Signature invalid<' in page
    assert reprocess_url(rejected) not in page
    assert "cannot be reprocessed" in page


# -- reprocessing ----------------------------------------------------------------------------------


def test_reprocess_brings_the_payment_up_to_date_and_is_audit_logged(admin_client, admin_user, failed):
    response = admin_client.post(reprocess_url(failed), follow=True)
    assert response.redirect_chain[-1][0] == detail(failed)
    event = CallbackEvent.objects.get(pk=failed.pk)
    assert event.status == CallbackEvent.Status.PROCESSED and event.error == ""
    assert Payment.objects.get(pk=event.payment_id).charge_status == ChargeStatus.FULLY_CHARGED
    assert messages_of(response) == ["Callback reprocessed: status now “Processed”."]
    entry = ModelLogEntry.objects.get(action=REPROCESS_ACTION)
    assert entry.object_id == str(failed.pk) and entry.user == admin_user
    assert entry.data["status"] == "processed" and entry.data["http_status"] == 200
    assert entry.data["invoice_id"] == failed.invoice_id
    # The page now shows who reprocessed it, and the site history names the action.
    assert "Reprocessing history" in response.content.decode()
    history = admin_client.get("/admin/reports/site-history/").content.decode()
    assert f'href="{detail(failed)}"' in history
    assert "Callback reprocessed: status now “Processed”." in history


def test_reprocess_reports_a_failure_that_remains(admin_client, failed, cascad):
    config = CascadSettings.for_site(cascad.site)
    config.sandbox_api_key = WRONG_API_KEY
    config.save()
    response = admin_client.post(reprocess_url(failed), follow=True)
    [message] = messages_of(response)
    assert message.startswith("Reprocessing failed: AuthenticationError")
    assert WRONG_API_KEY not in response.content.decode()
    assert CallbackEvent.objects.get(pk=failed.pk).status == CallbackEvent.Status.FAILED
    assert ModelLogEntry.objects.get(action=REPROCESS_ACTION).data["status"] == "failed"


def test_reprocess_is_refused_for_an_invalid_signature(admin_client, rejected):
    before = CallbackEvent.objects.filter(pk=rejected.pk).values().get()
    response = admin_client.post(reprocess_url(rejected), follow=True)
    [message] = messages_of(response)
    assert message.startswith("This callback cannot be reprocessed: its signature matched none of the secret keys")
    assert CallbackEvent.objects.filter(pk=rejected.pk).values().get() == before
    assert not ModelLogEntry.objects.filter(action=REPROCESS_ACTION).exists()


def test_reprocess_needs_the_change_permission(client, django_user_model, failed):
    viewer = make_user(django_user_model, "viewer", "view_callbackevent")
    client.force_login(viewer)
    page = client.get(detail(failed)).content.decode()
    assert reprocess_url(failed) not in page and "Reprocess failed callbacks" not in client.get(INDEX).content.decode()
    # Wagtail answers a refused admin request with 403 to scripts and a redirect home to people.
    assert client.post(reprocess_url(failed), HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403
    response = client.post(reprocess_url(failed))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.post(f"{INDEX}reprocess-failed/", HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403
    assert CallbackEvent.objects.get(pk=failed.pk).status == CallbackEvent.Status.FAILED
    assert not ModelLogEntry.objects.filter(action=REPROCESS_ACTION).exists()


def test_a_user_without_view_permission_sees_no_callbacks(client, django_user_model, processed):
    client.force_login(make_user(django_user_model, "payments-only", "view_payment"))
    assert client.get(INDEX, HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403
    assert client.get(detail(processed), HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403


def test_a_user_with_change_permission_may_reprocess(client, django_user_model, failed):
    client.force_login(make_user(django_user_model, "operator", "view_callbackevent", "change_callbackevent"))
    assert reprocess_url(failed) in client.get(detail(failed)).content.decode()
    client.post(reprocess_url(failed))
    assert CallbackEvent.objects.get(pk=failed.pk).status == CallbackEvent.Status.PROCESSED


def test_reprocess_is_post_only(admin_client, failed):
    assert admin_client.get(reprocess_url(failed)).status_code == 405
    assert CallbackEvent.objects.get(pk=failed.pk).status == CallbackEvent.Status.FAILED


def test_reprocess_every_failed_callback_at_once(admin_client, failed):
    response = admin_client.post(f"{INDEX}reprocess-failed/", follow=True)
    assert messages_of(response) == ["Failed callbacks reprocessed: 1 of 1."]
    assert CallbackEvent.objects.get(pk=failed.pk).status == CallbackEvent.Status.PROCESSED
    assert ModelLogEntry.objects.filter(action=REPROCESS_ACTION).count() == 1
    response = admin_client.post(f"{INDEX}reprocess-failed/", follow=True)
    assert messages_of(response) == ["No failed callbacks to reprocess."]


# -- in a real browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_callbacks_log_in_a_browser(browser, live_server, django_user_model, processed, rejected, language):
    user = django_user_model.objects.create_superuser(username="boss", email="boss@example.com", password="pw")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _support.admin_log_in(page, live_server.url, "boss", "pw")

    page.goto(f"{live_server.url}{INDEX}")
    rows = page.locator("table.listing tbody tr")
    assert rows.count() == 2
    assert page.locator(".cascad-badge--danger").first.is_visible()
    screenshot(page, f"admin-callbacks-list-{language}")

    page.goto(f"{live_server.url}{detail(processed)}")
    assert page.locator('pre[data-cascad-body="json"]').is_visible()
    screenshot(page, f"admin-callbacks-detail-{language}")
    page.locator(f'form[action="{reprocess_url(processed)}"] button').click()
    page.wait_for_url(f"{live_server.url}{detail(processed)}")
    assert page.locator(".messages .success").count() == 1
    screenshot(page, f"admin-callbacks-reprocessed-{language}")

    page.goto(f"{live_server.url}{detail(rejected)}")
    assert page.locator('pre[data-cascad-body="text"]').is_visible()
    screenshot(page, f"admin-callbacks-rejected-{language}")
    context.close()
