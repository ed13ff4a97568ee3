"""HTTP Basic on the Private API, the error envelope and the X-Request-Id header."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from ._api import (
    INVOICES,
    assert_error,
    body,
    create,
    get,
    invoice_payload,
    new_invoice,
    pay_ok,
    prerequest,
    private,
    send,
)

pytestmark = pytest.mark.emulator


def private_calls(invoice_id: str):
    """Every Private API call, as (method, path, payload)."""
    return [
        ("POST", INVOICES, invoice_payload()),
        ("GET", f"{INVOICES}/{invoice_id}", None),
        ("GET", INVOICES, None),
        ("GET", f"{INVOICES}?filter[reference_id]=x", None),
        (
            "POST",
            f"{INVOICES}/{invoice_id}/refund",
            {"data": {"type": "refund", "attributes": {"amount": Decimal("1.00"), "reference_id": "r-1"}}},
        ),
        ("POST", f"{INVOICES}/{invoice_id}/cancel", None),
    ]


CALL_NAMES = ["create", "get", "list", "list-filtered", "refund", "cancel"]


def wrong_credentials(emulator):
    return {
        "none": None,
        "wrong api key": (emulator.account_id, "sandbox-api-key-000000000000000000000000002"),
        "wrong account": ("coma_SandboxAccnt0002", emulator.api_key),
        "empty password": (emulator.account_id, ""),
        "swapped": (emulator.api_key, emulator.account_id),
        "public key as password": (emulator.account_id, emulator.public_key),
    }


@pytest.mark.parametrize("call", range(6), ids=CALL_NAMES)
@pytest.mark.parametrize(
    "credentials",
    ["none", "wrong api key", "wrong account", "empty password", "swapped", "public key as password"],
)
def test_private_api_without_valid_basic_auth_is_401_authentication_error(emulator, call, credentials):
    invoice_id = new_invoice(emulator)["id"]
    pay_ok(emulator, invoice_id, outcome="processed")
    method, path, payload = private_calls(invoice_id)[call]
    auth = wrong_credentials(emulator)[credentials]
    response = send(method, emulator.url + path, payload, auth=auth)
    assert_error(response, 401, "authentication_error")


def test_a_refused_call_changes_nothing(emulator):
    invoice_id = new_invoice(emulator)["id"]
    pay_ok(emulator, invoice_id, outcome="processed")
    for method, path, payload in private_calls(invoice_id):
        send(method, emulator.url + path, payload, auth=None)
    a = body(get(emulator, invoice_id))["data"]["attributes"]
    assert a["status"] == "processed"
    assert a["refunds"] == []
    items = body(private(emulator, "GET", INVOICES))["data"]
    assert [item["id"] for item in items] == [invoice_id]


@pytest.mark.parametrize(
    "header",
    ["Bearer sandbox-api-key-000000000000000000000000001", "Basic not-base64!!", "Basic ", "Token x"],
)
def test_a_malformed_authorization_header_is_401(emulator, header):
    response = requests.get(f"{emulator.url}{INVOICES}", headers={"Authorization": header}, timeout=10)
    assert_error(response, 401, "authentication_error")


# --- X-Request-Id ----------------------------------------------------------------------------------


def test_every_private_api_answer_carries_an_x_request_id(emulator):
    created = create(emulator)
    invoice_id = body(created)["data"]["id"]
    answers = [
        created,
        get(emulator, invoice_id),
        private(emulator, "GET", INVOICES),
        private(emulator, "POST", f"{INVOICES}/{invoice_id}/cancel"),
    ]
    for response in answers:
        assert response.status_code < 300, response.text
        assert response.headers.get("X-Request-Id"), (response.request.method, response.url)


def test_request_ids_differ_between_requests(emulator):
    ids = {private(emulator, "GET", INVOICES).headers.get("X-Request-Id") for _ in range(5)}
    assert None not in ids
    assert len(ids) == 5


def test_public_api_answers_carry_an_x_request_id(emulator):
    response = prerequest(emulator, "RUB")
    assert response.status_code == 200
    assert response.headers.get("X-Request-Id")


def test_the_checkout_page_and_widget_script_carry_an_x_request_id(emulator):
    invoice_id = new_invoice(emulator)["id"]
    for url in (f"{emulator.url}/hpp/?cpi={invoice_id}", f"{emulator.url}/widget.js"):
        response = requests.get(url, timeout=10)
        assert response.status_code == 200, url
        assert response.headers.get("X-Request-Id"), url


def test_control_api_answers_carry_an_x_request_id(emulator):
    response = requests.get(f"{emulator.url}/_emulator/invoices", timeout=10)
    assert response.status_code == 200
    assert response.headers.get("X-Request-Id")


@pytest.mark.parametrize(
    "status, make",
    [
        (401, lambda e: send("GET", e.url + INVOICES)),
        (404, lambda e: get(e, "cpi_Missing000000000")),
        (422, lambda e: create(e, amount=Decimal("1.001"))),
        (
            409,
            lambda e: private(
                e,
                "POST",
                f"{INVOICES}/{new_invoice(e)['id']}/refund",
                {"data": {"type": "refund", "attributes": {"amount": 1, "reference_id": "r"}}},
            ),
        ),
    ],
    ids=["401", "404", "422", "409"],
)
def test_error_bodies_repeat_the_x_request_id_as_request_id(emulator, status, make):
    assert_error(make(emulator), status)


@pytest.mark.parametrize(
    "make",
    [
        lambda e: send("GET", e.url + INVOICES),
        lambda e: get(e, "cpi_Missing000000000"),
        lambda e: create(e, amount=Decimal("1.001")),
    ],
    ids=["401", "404", "422"],
)
def test_every_error_code_item_has_code_field_and_message(emulator, make):
    """The envelope is ``error_codes: [{"code", "field", "message"}]``; ``field`` may be null, not absent."""
    error = body(make(emulator))
    assert error["error_codes"], error
    for item in error["error_codes"]:
        assert {"code", "field", "message"} <= set(item), item


# --- routes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/nothing-here", "/api/payment-invoices/cpi_x/unknown-action", "/api/payouts", "/public-api/nothing-here"],
)
def test_unknown_routes_are_404_with_the_error_envelope(emulator, path):
    response = send("GET", emulator.url + path, auth=emulator.auth)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "method, path",
    [
        ("DELETE", "/api/payment-invoices/{id}"),
        ("PUT", "/api/payment-invoices/{id}"),
        ("PATCH", "/api/payment-invoices/{id}"),
        ("DELETE", "/api/payment-invoices"),
        ("GET", "/api/payment-invoices/{id}/refund"),
        ("GET", "/api/payment-invoices/{id}/cancel"),
        ("GET", "/public-api/payment-prerequest"),
    ],
)
def test_a_wrong_method_is_refused_with_an_error_and_changes_nothing(emulator, method, path):
    invoice_id = new_invoice(emulator)["id"]
    response = send(method, emulator.url + path.format(id=invoice_id), auth=emulator.auth)
    # The contract lists no 405; a wrong method is at least not found or not allowed, and still an error body.
    assert response.status_code in (404, 405), response.text
    assert response.headers.get("X-Request-Id")
    error = body(response)
    assert error["request_id"] == response.headers["X-Request-Id"]
    assert body(get(emulator, invoice_id))["data"]["attributes"]["status"] == "created"


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'{"data": "x"}', b"null"])
def test_a_create_body_that_is_not_a_create_document_is_a_422(emulator, raw):
    response = requests.post(
        emulator.url + INVOICES,
        data=raw,
        auth=emulator.auth,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert_error(response, 422, "validation_error")
