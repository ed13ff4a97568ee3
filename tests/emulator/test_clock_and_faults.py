"""The emulator clock (expiry) and fault injection on /api and /public-api."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests

from ._api import (
    INVOICES,
    advance,
    assert_error,
    attributes,
    cancel,
    configure,
    control,
    control_ok,
    create,
    invoice_payload,
    new_invoice,
    paid_invoice,
    pay,
    pay_ok,
    prerequest,
    private,
    refund,
    send,
    set_faults,
    truth,
    wait_until,
)

pytestmark = pytest.mark.emulator

DAY = 24 * 60 * 60


# --- clock -----------------------------------------------------------------------------------------


def test_clock_advance_answers_the_new_emulator_time(emulator):
    before = time.time()
    now = advance(emulator, 1000)
    assert before + 1000 - 1 <= now <= time.time() + 1000 + 2
    later = advance(emulator, 500)
    assert later >= now + 500


def test_invoices_created_after_an_advance_carry_the_emulator_time(emulator):
    now = advance(emulator, 10 * DAY)
    a = new_invoice(emulator)["attributes"]
    assert now <= a["created"] <= now + 5
    assert a["expires"] - a["created"] == DAY


def test_a_created_invoice_expires_once_its_24_hours_pass(emulator):
    invoice_id = new_invoice(emulator)["id"]
    advance(emulator, DAY - 60)
    assert attributes(emulator, invoice_id)["status"] == "created"
    advance(emulator, 120)
    a = attributes(emulator, invoice_id)
    assert a["status"] == "expired"
    assert a["processed_amount"] is None


@pytest.mark.parametrize("lifetime", [60, 900, 2 * DAY])
def test_lifetime_seconds_decides_when_a_created_invoice_expires(emulator, lifetime):
    invoice_id = new_invoice(emulator, lifetime_seconds=lifetime)["id"]
    advance(emulator, lifetime - 30)
    assert attributes(emulator, invoice_id)["status"] == "created"
    advance(emulator, 60)
    assert attributes(emulator, invoice_id)["status"] == "expired"


def test_an_explicit_expires_decides_when_a_created_invoice_expires(emulator):
    expires = int(time.time()) + 3000
    invoice_id = new_invoice(emulator, expires=expires)["id"]
    advance(emulator, 2900)
    assert attributes(emulator, invoice_id)["status"] == "created"
    advance(emulator, 200)
    assert attributes(emulator, invoice_id)["status"] == "expired"


def test_advance_expires_only_the_invoices_whose_expires_passed(emulator):
    short = new_invoice(emulator, lifetime_seconds=60)["id"]
    long = new_invoice(emulator, lifetime_seconds=DAY)["id"]
    advance(emulator, 120)
    assert attributes(emulator, short)["status"] == "expired"
    assert attributes(emulator, long)["status"] == "created"
    listed = truth(emulator)
    assert {item["id"]: item["attributes"]["status"] for item in listed} == {short: "expired", long: "created"}


@pytest.mark.parametrize(
    "outcome",
    [
        {"outcome": "processed"},
        {"outcome": "partially_processed", "processed_amount": Decimal("1.00")},
        {"outcome": "process_failed", "resolution": "declined"},
        {"outcome": "terminated"},
    ],
    ids=lambda o: o["outcome"],
)
def test_advance_does_not_expire_a_settled_invoice(emulator, outcome):
    invoice_id = new_invoice(emulator, lifetime_seconds=60)["id"]
    pay_ok(emulator, invoice_id, **outcome)
    advance(emulator, 2 * DAY)
    assert attributes(emulator, invoice_id)["status"] == outcome["outcome"]


def test_an_expired_invoice_can_be_neither_paid_nor_cancelled(emulator):
    invoice_id = new_invoice(emulator, lifetime_seconds=60)["id"]
    advance(emulator, 120)
    assert pay(emulator, invoice_id, card="5519283812030000", expiry="12/30").status_code == 409
    assert_error(cancel(emulator, invoice_id), 409, "conflict")
    assert attributes(emulator, invoice_id)["status"] == "expired"


def test_time_scale_does_not_shorten_invoice_lifetimes(emulator):
    configure(emulator, time_scale=60)
    invoice = new_invoice(emulator, lifetime_seconds=60)
    assert invoice["attributes"]["expires"] - invoice["attributes"]["created"] == 60
    time.sleep(1.5)  # 90 s of scaled time; lifetimes are not scaled, so the invoice must still be open
    assert attributes(emulator, invoice["id"])["status"] == "created"


def test_reset_brings_the_clock_back_to_real_time(emulator):
    advance(emulator, 30 * DAY)
    control_ok(emulator, "reset", {})
    a = new_invoice(emulator)["attributes"]
    assert abs(a["created"] - time.time()) <= 5


# --- api_error -------------------------------------------------------------------------------------


def test_api_error_answers_503_with_the_error_envelope_and_creates_nothing(emulator):
    set_faults(emulator, seed=1, api_error=1.0)
    response = create(emulator, reference_id="under-fault")
    assert_error(response, 503, "server_error")
    assert truth(emulator) == []
    set_faults(emulator)  # {} clears faults
    assert create(emulator, reference_id="under-fault").status_code == 201


def test_api_error_on_refund_refunds_nothing(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    set_faults(emulator, seed=1, api_error=1.0)
    assert_error(refund(emulator, invoice_id, Decimal("10.00"), reference_id="rf-x"), 503, "server_error")
    set_faults(emulator)
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"], a["refunds"]) == ("processed", 0, [])
    # The reference was never used.
    assert refund(emulator, invoice_id, Decimal("20.00"), reference_id="rf-x").status_code == 201


def test_api_error_on_cancel_cancels_nothing(emulator):
    invoice_id = new_invoice(emulator)["id"]
    set_faults(emulator, seed=1, api_error=1.0)
    assert_error(cancel(emulator, invoice_id), 503, "server_error")
    set_faults(emulator)
    assert attributes(emulator, invoice_id)["status"] == "created"


@pytest.mark.parametrize(
    "call",
    [
        lambda e: private(e, "GET", INVOICES),
        lambda e: private(e, "GET", f"{INVOICES}/cpi_Missing000000000"),
        lambda e: prerequest(e, "RUB"),
        lambda e: send(
            "POST",
            e.url + "/public-api/payment-invoices",
            {
                "data": {
                    "type": "payment-invoices",
                    "attributes": {
                        "public_key": e.public_key,
                        "reference_id": "pub-1",
                        "amount": Decimal("5.00"),
                        "currency": "RUB",
                    },
                }
            },
        ),
    ],
    ids=["private-list", "private-get", "public-prerequest", "public-create"],
)
def test_api_error_touches_the_private_and_public_api(emulator, call):
    set_faults(emulator, seed=3, api_error=1.0)
    assert_error(call(emulator), 503, "server_error")
    assert truth(emulator) == []


def test_faults_never_touch_the_control_api_or_checkout(emulator):
    invoice_id = new_invoice(emulator)["id"]
    set_faults(emulator, seed=1, api_error=1.0)
    assert control(emulator, "invoices", method="GET").status_code == 200
    assert control(emulator, "config", {"attempts_limit": 10}).status_code == 200
    assert control(emulator, "clock/advance", {"seconds": 1}).status_code == 200
    assert control(emulator, "callbacks", method="GET").status_code == 200
    assert control(emulator, "callbacks/deliver", {}).status_code == 200
    assert pay(emulator, invoice_id, outcome="processed").status_code == 200
    assert requests.get(f"{emulator.url}/hpp/?cpi={invoice_id}", timeout=10).status_code == 200
    assert requests.get(f"{emulator.url}/widget.js", timeout=10).status_code == 200
    set_faults(emulator)
    assert attributes(emulator, invoice_id)["status"] == "processed"


def test_a_zero_rate_faults_nothing(emulator):
    set_faults(emulator, seed=5, api_error=0, api_timeout=0)
    for _ in range(10):
        assert create(emulator).status_code == 201


def test_empty_faults_clear_them(emulator):
    set_faults(emulator, seed=1, api_error=1.0)
    assert create(emulator).status_code == 503
    control_ok(emulator, "faults", {})
    assert create(emulator).status_code == 201


def test_reset_clears_faults_invoices_and_config(emulator):
    invoice_id = new_invoice(emulator)["id"]
    configure(emulator, refund_mode="manual")
    set_faults(emulator, seed=1, api_error=1.0)
    control_ok(emulator, "reset", {})
    assert truth(emulator) == []
    assert_error(private(emulator, "GET", f"{INVOICES}/{invoice_id}"), 404, "not_found")
    assert create(emulator, reference_id="after-reset").status_code == 201
    paid = paid_invoice(emulator, amount=Decimal("10.00"))
    assert refund(emulator, paid, Decimal("10.00")).status_code == 201
    assert attributes(emulator, paid)["status"] == "refunded"


def test_reset_forgets_queued_callbacks(emulator, callback_sink):
    configure(emulator, default_callback_url=callback_sink.url)
    new_invoice(emulator)  # queues its creation callback; manual mode sends nothing yet
    control_ok(emulator, "reset", {})
    delivered = control_ok(emulator, "callbacks/deliver", {})
    assert delivered["sent"] == 0
    assert delivered["results"] == []
    assert callback_sink.received == []
    # Without a reset in between, the same steps do send the creation callback.
    configure(emulator, default_callback_url=callback_sink.url)
    invoice_id = new_invoice(emulator)["id"]
    delivered = control_ok(emulator, "callbacks/deliver", {})
    assert delivered["sent"] == 1
    assert [(r["invoice_id"], r["status"], r["attempt"], r["http_status"]) for r in delivered["results"]] == [
        (invoice_id, "created", 1, 200)
    ]


# --- api_timeout -----------------------------------------------------------------------------------


def test_api_timeout_applies_the_change_before_the_client_gives_up(emulator):
    set_faults(emulator, seed=1, api_timeout=1.0, api_timeout_s=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(
            "POST", emulator.url + INVOICES, invoice_payload(reference_id="timed-out"), auth=emulator.auth, timeout=0.5
        )
    assert wait_until(lambda: [i["attributes"]["reference_id"] for i in truth(emulator)] == ["timed-out"], 1)
    set_faults(emulator)
    # A retry with the same reference now finds it taken: the client looks it up instead.
    assert_error(create(emulator, reference_id="timed-out"), 422, code="reference_id_duplicate")


def test_api_timeout_holds_the_answer_api_timeout_s_then_answers(emulator):
    set_faults(emulator, seed=1, api_timeout=1.0, api_timeout_s=1)
    started = time.monotonic()
    response = send("POST", emulator.url + INVOICES, invoice_payload(), auth=emulator.auth, timeout=5)
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.text
    assert 0.9 <= elapsed < 4


def test_api_timeout_never_holds_the_control_api(emulator):
    invoice_id = new_invoice(emulator)["id"]
    set_faults(emulator, seed=1, api_timeout=1.0, api_timeout_s=5)
    for path, payload, method in [
        ("invoices", None, "GET"),
        (f"invoices/{invoice_id}/pay", {"outcome": "processed"}, "POST"),
        ("clock/advance", {"seconds": 1}, "POST"),
    ]:
        response = control(emulator, path, payload, method, timeout=2)
        assert response.status_code == 200


# --- reproducibility -------------------------------------------------------------------------------


def faulted_pattern(emulator, seed: int) -> list[bool]:
    """Reset, set faults, replay one fixed sequence of requests; which of them were answered 503."""
    control_ok(emulator, "reset", {})
    set_faults(emulator, seed=seed, api_error=0.5)
    pattern = []
    for index in range(24):
        reference_id = f"repro-{index % 8}"  # each reference is created up to three times
        pattern.append(create(emulator, reference_id=reference_id).status_code == 503)
        pattern.append(prerequest(emulator, "RUB").status_code == 503)
        pattern.append(
            private(emulator, "GET", INVOICES, params={"filter[reference_id]": reference_id}).status_code == 503
        )
    return pattern


def test_the_same_seed_faults_the_same_requests(emulator):
    first = faulted_pattern(emulator, seed=42)
    second = faulted_pattern(emulator, seed=42)
    assert first == second
    assert any(first) and not all(first)


def test_another_seed_faults_other_requests(emulator):
    assert faulted_pattern(emulator, seed=42) != faulted_pattern(emulator, seed=43)


def test_setting_faults_again_restarts_the_sequence(emulator):
    control_ok(emulator, "reset", {})
    set_faults(emulator, seed=7, api_error=0.5)
    first = [prerequest(emulator, "RUB").status_code == 503 for _ in range(30)]
    set_faults(emulator, seed=7, api_error=0.5)
    second = [prerequest(emulator, "RUB").status_code == 503 for _ in range(30)]
    assert first == second
    assert any(first) and not all(first)
