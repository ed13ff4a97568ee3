"""Paying through the control API: the test cards, 3-D Secure, outcomes, and what may follow what."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ._api import (
    FINAL_OUTCOMES,
    advance,
    attributes,
    body,
    configure,
    new_invoice,
    pay,
    pay_ok,
    refund,
    wait_until,
)

pytestmark = pytest.mark.emulator

SUCCESS_CARD = "5519283812030000"
THREE_DS_CARD = "5123817234060000"
FAILURE_CARDS = ["4302912837020000", "4412397212080000"]
PENDING_EXPIRY = "07/77"

#: The contract's table: failure-card expiry → resolution.
FAILURE_EXPIRIES = {
    "08/56": "access_denied",
    "07/55": "error",
    "06/54": "provider_error",
    "05/53": "unknown",
    "04/52": "duplicated_transaction",
    "03/51": "auth_fatal_error",
    "02/50": "unable_to_determine_3ds_enrolment",
    "01/49": "card_is_3ds_enrolled",
    "12/48": "card_is_not_3ds_enrolled",
    "11/47": "issuer_decline",
    "10/46": "client_auth_failed",
    "09/45": "provider_fatal_error",
    "08/44": "invalid_details",
    "07/43": "invalid_pin",
    "06/42": "antifraud_error",
    "05/41": "invalid_card",
    "04/40": "fatal_error",
    "03/39": "unable_to_reconcile",
    "02/38": "invalid_amount",
    "01/37": "limit_violation",
    "12/36": "functionality_is_not_permitted",
    "11/35": "invalid_request",
    "10/34": "lost_or_stolen_card",
    "09/33": "declined",
    "08/32": "invalid_otp",
    "07/31": "invalid_3ds_code",
    "06/30": "invalid_card_status",
    "05/29": "insufficient_funds",
    "04/28": "card_expired",
    "03/27": "invalid_cvv",
    "02/26": "invalid_pan",
    "01/25": "invalid_credentials",
}
OTHER_EXPIRIES = ["12/30", "01/99", "07/77", "08/57", "06/24"]


def created_invoice(emulator, **attributes) -> str:
    return new_invoice(emulator, **attributes)["id"]


# --- cards -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("expiry", ["12/30", "01/29", "09/33", "05/29"])
def test_success_card_processes_the_full_amount(emulator, expiry):
    invoice_id = created_invoice(emulator, amount=Decimal("1234.56"))
    a = pay_ok(emulator, invoice_id, card=SUCCESS_CARD, expiry=expiry)
    assert a["status"] == "processed"
    assert a["resolution"] == "ok"
    assert a["processed_amount"] == Decimal("1234.56")
    assert isinstance(a["processed"], int)
    assert a["processed"] >= a["created"]


def test_pay_answers_the_invoice(emulator):
    invoice_id = created_invoice(emulator)
    response = pay(emulator, invoice_id, card=SUCCESS_CARD, expiry="12/30")
    assert response.status_code == 200
    data = body(response)["data"]
    assert data["id"] == invoice_id
    assert data["attributes"]["status"] == "processed"


@pytest.mark.parametrize("currency, amount", [("JPY", 1500), ("KWD", Decimal("10.125")), ("USD", Decimal("99.9"))])
def test_processed_amount_is_exact_in_every_exponent(emulator, currency, amount):
    invoice_id = created_invoice(emulator, amount=amount, currency=currency)
    a = pay_ok(emulator, invoice_id, card=SUCCESS_CARD, expiry="12/30")
    assert Decimal(a["processed_amount"]) == Decimal(amount)


def test_3ds_card_passing_3ds_is_processed(emulator):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, card=THREE_DS_CARD, expiry="12/30", three_ds="pass")
    assert a["status"] == "processed"
    assert a["processed_amount"] == Decimal("1500.00")


def test_3ds_card_passes_3ds_unless_told_to_fail(emulator):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, card=THREE_DS_CARD, expiry="12/30")
    assert a["status"] == "processed"


def test_3ds_card_failing_3ds_is_process_failed(emulator):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, card=THREE_DS_CARD, expiry="12/30", three_ds="fail")
    assert a["status"] == "process_failed"
    assert a["resolution"] != "ok"
    assert a["processed_amount"] is None


def test_success_card_with_expiry_07_77_is_process_pending(emulator):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, card=SUCCESS_CARD, expiry=PENDING_EXPIRY)
    assert a["status"] == "process_pending"
    assert a["processed_amount"] is None


def test_3ds_card_with_expiry_07_77_is_process_pending_with_auth_3ds_required(emulator):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, card=THREE_DS_CARD, expiry=PENDING_EXPIRY, three_ds="pass")
    assert a["status"] == "process_pending"
    assert a["resolution"] == "auth_3ds_required"


@pytest.mark.parametrize("card", FAILURE_CARDS)
@pytest.mark.parametrize("expiry, resolution", sorted(FAILURE_EXPIRIES.items()))
def test_failure_card_expiry_picks_the_resolution(emulator, card, expiry, resolution):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, card=card, expiry=expiry)
    assert a["status"] == "process_failed"
    assert a["resolution"] == resolution
    assert a["processed_amount"] is None


@pytest.mark.parametrize("card", FAILURE_CARDS)
@pytest.mark.parametrize("expiry", OTHER_EXPIRIES)
def test_failure_card_with_any_other_expiry_is_general_fatal_error(emulator, card, expiry):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, card=card, expiry=expiry)
    assert a["status"] == "process_failed"
    assert a["resolution"] == "general_fatal_error"


# --- settling a pending payment --------------------------------------------------------------------


@pytest.mark.parametrize("card", [SUCCESS_CARD, THREE_DS_CARD])
def test_pending_payment_settled_as_processed(emulator, card):
    invoice_id = created_invoice(emulator, amount=Decimal("42.00"))
    pay_ok(emulator, invoice_id, card=card, expiry=PENDING_EXPIRY)
    a = pay_ok(emulator, invoice_id, outcome="processed")
    assert a["status"] == "processed"
    assert a["processed_amount"] == Decimal("42.00")


@pytest.mark.parametrize("card", [SUCCESS_CARD, THREE_DS_CARD])
def test_pending_payment_settled_as_process_failed(emulator, card):
    invoice_id = created_invoice(emulator)
    pay_ok(emulator, invoice_id, card=card, expiry=PENDING_EXPIRY)
    a = pay_ok(emulator, invoice_id, outcome="process_failed", resolution="declined")
    assert a["status"] == "process_failed"
    assert a["resolution"] == "declined"
    assert a["processed_amount"] is None


@pytest.mark.parametrize(
    "outcome",
    [
        {"outcome": "partially_processed", "processed_amount": Decimal("10.00")},
        {"outcome": "expired"},
        {"outcome": "terminated"},
        {"outcome": "process_error"},
    ],
    ids=lambda o: o["outcome"],
)
def test_pending_payment_may_only_go_to_processed_or_process_failed(emulator, outcome):
    invoice_id = created_invoice(emulator)
    pay_ok(emulator, invoice_id, card=SUCCESS_CARD, expiry=PENDING_EXPIRY)
    response = pay(emulator, invoice_id, **outcome)
    assert response.status_code in (409, 422), response.text
    a = attributes(emulator, invoice_id)
    assert a["status"] == "process_pending"
    assert a["processed_amount"] is None


def test_pending_payment_cannot_be_paid_by_card_again(emulator):
    invoice_id = created_invoice(emulator)
    pay_ok(emulator, invoice_id, card=SUCCESS_CARD, expiry=PENDING_EXPIRY)
    response = pay(emulator, invoice_id, card=SUCCESS_CARD, expiry="12/30")
    assert response.status_code in (409, 422), response.text
    assert attributes(emulator, invoice_id)["status"] == "process_pending"


def test_pending_settle_seconds_are_divided_by_time_scale(emulator):
    configure(emulator, pending_settle_seconds=30, time_scale=60)  # half a second of wall time
    invoice_id = created_invoice(emulator)
    pay_ok(emulator, invoice_id, card=SUCCESS_CARD, expiry=PENDING_EXPIRY)
    assert wait_until(lambda: attributes(emulator, invoice_id)["status"] == "processed", timeout=5)
    assert attributes(emulator, invoice_id)["processed_amount"] == Decimal("1500.00")


def test_pending_payment_stays_pending_without_pending_settle_seconds(emulator):
    invoice_id = created_invoice(emulator)
    pay_ok(emulator, invoice_id, card=SUCCESS_CARD, expiry=PENDING_EXPIRY)
    advance(emulator, 3600)
    assert attributes(emulator, invoice_id)["status"] == "process_pending"


# --- outcomes --------------------------------------------------------------------------------------


def test_outcome_processed_pays_the_full_amount(emulator):
    invoice_id = created_invoice(emulator, amount=Decimal("300.00"))
    a = pay_ok(emulator, invoice_id, outcome="processed")
    assert a["status"] == "processed"
    assert a["resolution"] == "ok"
    assert a["processed_amount"] == Decimal("300.00")
    assert a["refunded_amount"] == 0


@pytest.mark.parametrize(
    "currency, amount, paid",
    [
        ("RUB", Decimal("1000.00"), Decimal("400.00")),
        ("RUB", Decimal("1000.00"), Decimal("999.99")),
        ("JPY", 1500, 1),
        ("KWD", Decimal("10.125"), Decimal("0.001")),
    ],
)
def test_outcome_partially_processed_keeps_the_processed_amount(emulator, currency, amount, paid):
    invoice_id = created_invoice(emulator, amount=amount, currency=currency)
    a = pay_ok(emulator, invoice_id, outcome="partially_processed", processed_amount=paid)
    assert a["status"] == "partially_processed"
    assert Decimal(a["processed_amount"]) == Decimal(paid)
    assert Decimal(a["amount"]) == Decimal(amount)


@pytest.mark.parametrize("resolution", ["declined", "insufficient_funds", "invalid_cvv", "issuer_decline"])
def test_outcome_process_failed_keeps_the_resolution(emulator, resolution):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, outcome="process_failed", resolution=resolution)
    assert a["status"] == "process_failed"
    assert a["resolution"] == resolution
    assert a["processed_amount"] is None


@pytest.mark.parametrize("outcome", ["process_pending", "process_error", "expired", "terminated"])
def test_outcome_sets_that_status(emulator, outcome):
    invoice_id = created_invoice(emulator)
    a = pay_ok(emulator, invoice_id, outcome=outcome)
    assert a["status"] == outcome
    assert a["processed_amount"] is None


def test_process_error_is_not_final_and_can_still_be_processed(emulator):
    invoice_id = created_invoice(emulator)
    pay_ok(emulator, invoice_id, outcome="process_error")
    a = pay_ok(emulator, invoice_id, outcome="processed")
    assert a["status"] == "processed"


def final_invoice(emulator, outcome: str) -> str:
    invoice_id = created_invoice(emulator, amount=Decimal("100.00"))
    payload = {"outcome": outcome}
    if outcome == "partially_processed":
        payload["processed_amount"] = Decimal("50.00")
    pay_ok(emulator, invoice_id, **payload)
    return invoice_id


@pytest.mark.parametrize("final", FINAL_OUTCOMES)
@pytest.mark.parametrize(
    "payload",
    [
        {"outcome": "processed"},
        {"outcome": "process_failed", "resolution": "declined"},
        {"outcome": "process_pending"},
        {"outcome": "expired"},
        {"card": SUCCESS_CARD, "expiry": "12/30"},
        {"card": FAILURE_CARDS[0], "expiry": "09/33"},
    ],
    ids=["processed", "process_failed", "process_pending", "expired", "success-card", "failure-card"],
)
def test_pay_on_a_final_invoice_is_409_and_changes_nothing(emulator, final, payload):
    invoice_id = final_invoice(emulator, final)
    before = attributes(emulator, invoice_id)
    response = pay(emulator, invoice_id, **payload)
    assert response.status_code == 409, response.text
    after = attributes(emulator, invoice_id)
    assert after == before


def test_pay_on_a_refunded_invoice_is_409(emulator):
    invoice_id = final_invoice(emulator, "processed")
    assert refund(emulator, invoice_id, Decimal("100.00")).status_code == 201
    assert attributes(emulator, invoice_id)["status"] == "refunded"
    assert pay(emulator, invoice_id, outcome="processed").status_code == 409


@pytest.mark.parametrize(
    "payload", [{"outcome": "processed"}, {"card": SUCCESS_CARD, "expiry": "12/30"}], ids=["outcome", "card"]
)
def test_pay_on_an_unknown_invoice_is_404(emulator, payload):
    response = pay(emulator, "cpi_Missing000000000", **payload)
    assert response.status_code == 404, response.text
