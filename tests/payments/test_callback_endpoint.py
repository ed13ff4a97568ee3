"""``POST /cascad/callback/``: every bad input gets its status code and changes nothing.

Bodies here are signed by the test (hand-fed callbacks are for unit tests); the payment's state is
always read back from the emulator, since a callback only triggers a refresh.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cascad_wagtail import services, signing
from cascad_wagtail.models import CallbackEvent, ChargeStatus, Payment, PaymentEvent

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

URL = "/cascad/callback/"


@pytest.fixture
def client():
    return Client()


def post(client, body: bytes, signature: str | None, **extra):
    headers = {"HTTP_X_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers, **extra)


def invoice_body(emulator, payment) -> bytes:
    """The invoice as Cascad would send it: its current document, serialised by the emulator."""
    import requests

    return requests.get(
        f"{emulator.url}/api/payment-invoices/{payment.invoice_id}", auth=emulator.auth, timeout=10
    ).content


@pytest.fixture
def paid_at_cascad(cascad, make_order, emulator):
    """A payment the customer paid at Cascad that the shop does not know about yet."""
    payment = services.start_payment(make_order())
    emulator.control(f"invoices/{payment.invoice_id}/pay", {"card": "5519283812030000", "expiry": "12/30"})
    return payment


def state(payment):
    payment = Payment.objects.get(pk=payment.pk)
    return (payment.cascad_status, payment.charge_status, PaymentEvent.objects.filter(payment=payment).count())


def test_a_genuine_callback_is_stored_and_the_payment_refreshed(client, paid_at_cascad, emulator, signals_log):
    body = invoice_body(emulator, paid_at_cascad)
    response = post(client, body, signing.sign(emulator.secret_key, body))
    assert response.status_code == 200
    event = CallbackEvent.objects.get()
    assert event.signature_valid and event.mode == "sandbox" and bytes(event.body) == body
    assert event.status == CallbackEvent.Status.PROCESSED and event.payment_id == paid_at_cascad.pk
    assert event.headers["X-Signature"] == signing.sign(emulator.secret_key, body)
    payment = Payment.objects.get(pk=paid_at_cascad.pk)
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED
    assert [name for name, _ in signals_log].count("order_paid") == 1


def test_an_exact_duplicate_is_acknowledged_and_not_processed_twice(client, paid_at_cascad, emulator, signals_log):
    body = invoice_body(emulator, paid_at_cascad)
    signature = signing.sign(emulator.secret_key, body)
    assert post(client, body, signature).status_code == 200
    before = state(paid_at_cascad)
    assert post(client, body, signature).status_code == 200
    assert CallbackEvent.objects.count() == 1
    assert state(paid_at_cascad) == before
    assert [name for name, _ in signals_log].count("order_paid") == 1


def test_a_stale_callback_cannot_move_a_payment_back(client, cascad, make_order, emulator):
    payment = services.start_payment(make_order())
    created_body = invoice_body(emulator, payment)
    emulator.control(f"invoices/{payment.invoice_id}/pay", {"card": "5519283812030000", "expiry": "12/30"})
    services.refresh_payment(payment)
    # The old "created" callback arrives late: it is only a trigger, and the refresh reads "processed".
    assert post(client, created_body, signing.sign(emulator.secret_key, created_body)).status_code == 200
    assert Payment.objects.get(pk=payment.pk).charge_status == ChargeStatus.FULLY_CHARGED


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_anything_but_post_is_405(client, paid_at_cascad, method):
    assert getattr(client, method)(URL).status_code == 405
    assert CallbackEvent.objects.count() == 0


def test_a_body_over_64_kib_is_413_and_not_stored(client, paid_at_cascad, emulator):
    body = b'{"data": {"id": "x", "pad": "' + b"a" * (64 * 1024) + b'"}}'
    response = post(client, body, signing.sign(emulator.secret_key, body))
    assert response.status_code == 413
    assert CallbackEvent.objects.count() == 0


def test_a_body_of_exactly_64_kib_is_read(client, paid_at_cascad, emulator):
    prefix, suffix = b'{"data": {"type": "payout-invoices", "id": "po_1", "pad": "', b'"}}'
    body = prefix + b"a" * (64 * 1024 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 64 * 1024
    assert post(client, body, signing.sign(emulator.secret_key, body)).status_code == 200


def test_no_signature_is_403_and_nothing_is_stored(client, paid_at_cascad, emulator):
    before = state(paid_at_cascad)
    assert post(client, invoice_body(emulator, paid_at_cascad), None).status_code == 403
    assert CallbackEvent.objects.count() == 0
    assert state(paid_at_cascad) == before


@pytest.mark.parametrize("wrong", ["", "bm90IGEgc2lnbmF0dXJl", "sk_test_Other"])
def test_a_wrong_signature_is_403_stored_cut_short_for_editors(client, paid_at_cascad, emulator, wrong):
    body = invoice_body(emulator, paid_at_cascad) + b" " * 5000
    signature = signing.sign("sk_test_Other", body) if wrong == "sk_test_Other" else wrong or "x"
    before = state(paid_at_cascad)
    assert post(client, body, signature).status_code == 403
    event = CallbackEvent.objects.get()
    assert not event.signature_valid and event.status == CallbackEvent.Status.REJECTED
    assert len(bytes(event.body)) == 4096
    assert state(paid_at_cascad) == before


def test_a_signature_over_a_reserialised_body_is_refused(client, paid_at_cascad, emulator):
    body = invoice_body(emulator, paid_at_cascad)
    reserialised = json.dumps(json.loads(body), indent=1).encode()
    assert post(client, reserialised, signing.sign(emulator.secret_key, body)).status_code == 403


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"data": {}}', b'{"data": {"id": 42}}', b"[1, 2]", b""])
def test_invalid_json_or_no_data_id_is_400(client, paid_at_cascad, emulator, body):
    before = state(paid_at_cascad)
    assert post(client, body, signing.sign(emulator.secret_key, body)).status_code == 400
    assert CallbackEvent.objects.count() == 0
    assert state(paid_at_cascad) == before


def test_payouts_are_acknowledged_and_ignored(client, paid_at_cascad, emulator):
    body = b'{"data": {"type": "payout-invoices", "id": "cpo_1", "attributes": {"status": "processed"}}}'
    assert post(client, body, signing.sign(emulator.secret_key, body)).status_code == 200
    assert CallbackEvent.objects.get().status == CallbackEvent.Status.IGNORED


def test_an_unknown_invoice_is_acknowledged(client, paid_at_cascad, emulator):
    body = b'{"data": {"type": "payment-invoices", "id": "cpi_NotOurs000000000", "attributes": {"reference_id": "x"}}}'
    assert post(client, body, signing.sign(emulator.secret_key, body)).status_code == 200
    event = CallbackEvent.objects.get()
    assert event.status == CallbackEvent.Status.IGNORED and event.payment_id is None


def test_a_callback_signed_with_the_other_modes_key_is_403(client, paid_at_cascad, emulator, cascad):
    cascad.live_secret_key = "sk_live_LiveSecret0001"
    cascad.save()
    body = invoice_body(emulator, paid_at_cascad)
    before = state(paid_at_cascad)
    assert post(client, body, signing.sign("sk_live_LiveSecret0001", body)).status_code == 403
    event = CallbackEvent.objects.get()
    assert event.signature_valid and event.mode == "live" and event.status == CallbackEvent.Status.REJECTED
    assert state(paid_at_cascad) == before


def test_a_callback_before_the_create_answer_finds_the_payment_by_reference(client, cascad, make_order, emulator):
    payment = services.start_payment(make_order())
    Payment.objects.filter(pk=payment.pk).update(invoice_id=None, creation="unknown")
    body = invoice_body(emulator, payment)
    assert post(client, body, signing.sign(emulator.secret_key, body)).status_code == 200
    payment.refresh_from_db()
    assert payment.invoice_id and payment.creation == "created"


def test_secrets_never_reach_the_stored_event(client, paid_at_cascad, emulator):
    body = invoice_body(emulator, paid_at_cascad)
    post(client, body, signing.sign(emulator.secret_key, body), HTTP_AUTHORIZATION="Basic c2VjcmV0", HTTP_COOKIE="a=b")
    event = CallbackEvent.objects.get()
    assert "Authorization" not in event.headers and "Cookie" not in event.headers
    assert emulator.secret_key not in json.dumps(event.headers) + event.error
