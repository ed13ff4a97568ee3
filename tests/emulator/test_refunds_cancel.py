"""Refunds and cancel through the Private API, with the emulator's instant and manual refund modes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ._api import (
    FINAL_OUTCOMES,
    assert_error,
    attributes,
    body,
    cancel,
    configure,
    control,
    new_invoice,
    paid_invoice,
    pay_ok,
    refund,
)

pytestmark = pytest.mark.emulator


def refund_ok(emulator, invoice_id, amount, **kwargs) -> dict:
    response = refund(emulator, invoice_id, amount, **kwargs)
    assert response.status_code == 201, response.text
    return body(response)["data"]


def settle(emulator, refund_id: str, outcome: str):
    return control(emulator, f"refunds/{refund_id}/settle", {"outcome": outcome})


def settle_ok(emulator, refund_id: str, outcome: str) -> None:
    response = settle(emulator, refund_id, outcome)
    assert response.status_code == 200, response.text


def invoice_in(emulator, status: str) -> str:
    """An invoice in ``status``, reached through the control API."""
    invoice_id = new_invoice(emulator, amount=Decimal("100.00"))["id"]
    if status == "created":
        return invoice_id
    if status == "partially_processed":
        pay_ok(emulator, invoice_id, outcome=status, processed_amount=Decimal("60.00"))
    elif status == "refunded":
        pay_ok(emulator, invoice_id, outcome="processed")
        refund_ok(emulator, invoice_id, Decimal("100.00"))
    elif status == "partially_refunded":
        pay_ok(emulator, invoice_id, outcome="processed")
        refund_ok(emulator, invoice_id, Decimal("30.00"))
    else:
        pay_ok(emulator, invoice_id, outcome=status)
    assert attributes(emulator, invoice_id)["status"] == status
    return invoice_id


# --- refund answer and invoice bookkeeping ---------------------------------------------------------


def test_refund_answers_201_with_the_refund_resource(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"), currency="USD")
    response = refund(emulator, invoice_id, Decimal("25.50"), reference_id="rf-1", description="Damaged item")
    assert response.status_code == 201, response.text
    data = body(response)["data"]
    assert data["type"] == "refunds"
    assert re.fullmatch(r"ref_[A-Za-z0-9]+", data["id"]), data["id"]
    a = data["attributes"]
    assert a["reference_id"] == "rf-1"
    assert a["amount"] == Decimal("25.50")
    assert a["currency"] == "USD"
    assert a["fee"] == 0
    assert a["status"] in ("processing", "processed")
    assert isinstance(a["created"], int)


def test_an_instant_refund_is_processed_and_listed_on_the_invoice(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    made = refund_ok(emulator, invoice_id, Decimal("30.00"), reference_id="rf-a")
    a = attributes(emulator, invoice_id)
    assert a["status"] == "partially_refunded"
    assert a["refunded_amount"] == Decimal("30.00")
    assert a["processed_amount"] == Decimal("100.00")
    assert len(a["refunds"]) == 1
    item = a["refunds"][0]
    assert set(item) >= {"id", "reference_id", "amount", "status", "created"}
    assert item["id"] == made["id"]
    assert item["reference_id"] == "rf-a"
    assert item["amount"] == Decimal("30.00")
    assert item["status"] == "processed"
    assert isinstance(item["created"], int)


def test_refunds_add_up_to_refunded(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    refund_ok(emulator, invoice_id, Decimal("30.00"), reference_id="rf-1")
    refund_ok(emulator, invoice_id, Decimal("0.01"), reference_id="rf-2")
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"]) == ("partially_refunded", Decimal("30.01"))
    refund_ok(emulator, invoice_id, Decimal("69.99"), reference_id="rf-3")
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"]) == ("refunded", Decimal("100.00"))
    assert sorted(item["reference_id"] for item in a["refunds"]) == ["rf-1", "rf-2", "rf-3"]
    assert all(item["status"] == "processed" for item in a["refunds"])
    assert sum(item["amount"] for item in a["refunds"]) == Decimal("100.00")


@pytest.mark.parametrize(
    "currency, amount, part",
    [("JPY", 1500, 499), ("KWD", Decimal("10.125"), Decimal("0.125")), ("EUR", Decimal("99.90"), Decimal("0.90"))],
)
def test_refund_amounts_are_exact_in_every_exponent(emulator, currency, amount, part):
    invoice_id = paid_invoice(emulator, amount=amount, currency=currency)
    refund_ok(emulator, invoice_id, part)
    a = attributes(emulator, invoice_id)
    assert Decimal(a["refunded_amount"]) == Decimal(part)
    refund_ok(emulator, invoice_id, Decimal(amount) - Decimal(part))
    a = attributes(emulator, invoice_id)
    assert a["status"] == "refunded"
    assert Decimal(a["refunded_amount"]) == Decimal(amount)


def test_a_partially_processed_invoice_refunds_up_to_its_processed_amount(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"), processed_amount=Decimal("40.00"))
    assert_error(refund(emulator, invoice_id, Decimal("40.01")), 422, "validation_error", code="refund_exceeds_balance")
    refund_ok(emulator, invoice_id, Decimal("40.00"))
    a = attributes(emulator, invoice_id)
    assert a["status"] == "refunded"
    assert a["refunded_amount"] == Decimal("40.00")


def test_a_partial_refund_of_a_partially_processed_invoice_is_partially_refunded(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"), processed_amount=Decimal("40.00"))
    refund_ok(emulator, invoice_id, Decimal("10.00"))
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"]) == ("partially_refunded", Decimal("10.00"))


# --- refund rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["created", "process_pending", "process_error", "process_failed", "expired", "terminated", "refunded"]
)
def test_refund_from_a_status_that_is_not_refundable_is_409(emulator, status):
    invoice_id = invoice_in(emulator, status)
    before = attributes(emulator, invoice_id)
    assert_error(refund(emulator, invoice_id, Decimal("1.00")), 409, "conflict")
    assert attributes(emulator, invoice_id) == before


@pytest.mark.parametrize("status", ["processed", "partially_processed", "partially_refunded"])
def test_refund_from_a_refundable_status_is_accepted(emulator, status):
    invoice_id = invoice_in(emulator, status)
    refund_ok(emulator, invoice_id, Decimal("1.00"))


def test_refund_without_reference_id_is_422_and_refunds_nothing(emulator):
    invoice_id = paid_invoice(emulator)
    assert_error(refund(emulator, invoice_id, Decimal("10.00"), reference_id=None), 422, "validation_error")
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"], a["refunds"]) == ("processed", 0, [])


@pytest.mark.parametrize(
    "refunded_first, amount",
    [(None, Decimal("100.01")), (None, Decimal("1000")), (Decimal("30.00"), Decimal("70.01"))],
)
def test_refund_above_the_balance_is_refund_exceeds_balance(emulator, refunded_first, amount):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    if refunded_first:
        refund_ok(emulator, invoice_id, refunded_first)
    before = attributes(emulator, invoice_id)
    assert_error(refund(emulator, invoice_id, amount), 422, "validation_error", code="refund_exceeds_balance")
    assert attributes(emulator, invoice_id) == before


@pytest.mark.parametrize("amount", [Decimal("10.001"), Decimal("0.00"), 0, Decimal("-5.00")])
def test_refund_with_an_invalid_amount_is_invalid_amount(emulator, amount):
    invoice_id = paid_invoice(emulator)
    assert_error(refund(emulator, invoice_id, amount), 422, "validation_error", code="invalid_amount")
    assert attributes(emulator, invoice_id)["refunds"] == []


def test_refund_retried_with_the_same_reference_and_amount_answers_200_with_the_same_refund(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    first = refund_ok(emulator, invoice_id, Decimal("40.00"), reference_id="rf-retry")
    again = refund(emulator, invoice_id, Decimal("40.00"), reference_id="rf-retry")
    assert again.status_code == 200, again.text
    data = body(again)["data"]
    assert data["type"] == "refunds"
    assert data["id"] == first["id"]
    assert data["attributes"]["amount"] == Decimal("40.00")
    a = attributes(emulator, invoice_id)
    assert a["refunded_amount"] == Decimal("40.00")
    assert len(a["refunds"]) == 1


def test_refund_retry_of_a_full_refund_still_answers_200_after_the_invoice_is_refunded(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    first = refund_ok(emulator, invoice_id, Decimal("100.00"), reference_id="rf-full")
    again = refund(emulator, invoice_id, Decimal("100.00"), reference_id="rf-full")
    assert again.status_code == 200, again.text
    assert body(again)["data"]["id"] == first["id"]
    assert attributes(emulator, invoice_id)["refunded_amount"] == Decimal("100.00")


def test_refund_with_a_used_reference_and_another_amount_is_reference_id_duplicate(emulator):
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    refund_ok(emulator, invoice_id, Decimal("40.00"), reference_id="rf-dup")
    response = refund(emulator, invoice_id, Decimal("41.00"), reference_id="rf-dup")
    assert_error(response, 422, "validation_error", code="reference_id_duplicate")
    a = attributes(emulator, invoice_id)
    assert a["refunded_amount"] == Decimal("40.00")
    assert len(a["refunds"]) == 1


@pytest.mark.parametrize("call", ["refund", "cancel"])
def test_refund_and_cancel_of_an_unknown_invoice_are_404(emulator, call):
    response = (
        refund(emulator, "cpi_Missing000000000", Decimal("1.00"))
        if call == "refund"
        else cancel(emulator, "cpi_Missing000000000")
    )
    assert_error(response, 404, "not_found")


# --- manual refund mode ----------------------------------------------------------------------------


def test_a_manual_refund_stays_processing_and_moves_no_money_until_settled(emulator):
    configure(emulator, refund_mode="manual")
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    made = refund_ok(emulator, invoice_id, Decimal("60.00"))
    assert made["attributes"]["status"] == "processing"
    a = attributes(emulator, invoice_id)
    assert a["refunded_amount"] == 0
    assert [(item["id"], item["status"]) for item in a["refunds"]] == [(made["id"], "processing")]


def test_a_manual_refund_settled_processed_moves_the_money(emulator):
    configure(emulator, refund_mode="manual")
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    made = refund_ok(emulator, invoice_id, Decimal("60.00"))
    settle_ok(emulator, made["id"], "processed")
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"]) == ("partially_refunded", Decimal("60.00"))
    assert [item["status"] for item in a["refunds"]] == ["processed"]


def test_a_full_manual_refund_settled_processed_is_refunded(emulator):
    configure(emulator, refund_mode="manual")
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    made = refund_ok(emulator, invoice_id, Decimal("100.00"))
    settle_ok(emulator, made["id"], "processed")
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"]) == ("refunded", Decimal("100.00"))


def test_settle_answers_the_invoice(emulator):
    configure(emulator, refund_mode="manual")
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    made = refund_ok(emulator, invoice_id, Decimal("10.00"))
    response = settle(emulator, made["id"], "processed")
    assert response.status_code == 200
    data = body(response)["data"]
    assert data["id"] == invoice_id
    assert data["attributes"]["refunded_amount"] == Decimal("10.00")


def test_a_refund_under_way_holds_its_amount_against_the_balance(emulator):
    configure(emulator, refund_mode="manual")
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    refund_ok(emulator, invoice_id, Decimal("60.00"))
    assert_error(refund(emulator, invoice_id, Decimal("40.01")), 422, code="refund_exceeds_balance")
    # Another refund while one is under way is allowed when the balance allows.
    refund_ok(emulator, invoice_id, Decimal("40.00"))
    assert_error(refund(emulator, invoice_id, Decimal("0.01")), 422, code="refund_exceeds_balance")


@pytest.mark.parametrize(
    "prior, processed_amount, refunded_before",
    [
        ("processed", None, None),
        ("partially_processed", Decimal("60.00"), None),
        ("partially_refunded", None, Decimal("30.00")),
    ],
)
def test_a_failed_refund_returns_the_invoice_to_its_prior_status_and_frees_the_balance(
    emulator, prior, processed_amount, refunded_before
):
    configure(emulator, refund_mode="manual")
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"), processed_amount=processed_amount)
    if refunded_before:
        settle_ok(emulator, refund_ok(emulator, invoice_id, refunded_before)["id"], "processed")
    before = attributes(emulator, invoice_id)
    assert before["status"] == prior
    balance = before["processed_amount"] - before["refunded_amount"]

    failing = refund_ok(emulator, invoice_id, balance, reference_id="rf-fails")
    settle_ok(emulator, failing["id"], "failed")

    a = attributes(emulator, invoice_id)
    assert a["status"] == prior
    assert a["refunded_amount"] == before["refunded_amount"]
    failed = [item for item in a["refunds"] if item["id"] == failing["id"]]
    assert [item["status"] for item in failed] == ["failed"]
    assert failed[0]["reference_id"] == "rf-fails"
    # The failed refund no longer counts: the whole balance can be refunded again.
    again = refund_ok(emulator, invoice_id, balance)
    settle_ok(emulator, again["id"], "processed")
    a = attributes(emulator, invoice_id)
    assert a["status"] == "refunded"
    assert a["refunded_amount"] == a["processed_amount"]


def test_a_failed_refund_leaves_another_refund_under_way_alone(emulator):
    configure(emulator, refund_mode="manual")
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    first = refund_ok(emulator, invoice_id, Decimal("20.00"))
    second = refund_ok(emulator, invoice_id, Decimal("30.00"))
    settle_ok(emulator, second["id"], "failed")
    settle_ok(emulator, first["id"], "processed")
    a = attributes(emulator, invoice_id)
    assert (a["status"], a["refunded_amount"]) == ("partially_refunded", Decimal("20.00"))
    assert {item["id"]: item["status"] for item in a["refunds"]} == {first["id"]: "processed", second["id"]: "failed"}


def test_refund_mode_instant_is_the_default_again_after_reset(emulator):
    configure(emulator, refund_mode="manual")
    control(emulator, "reset", {}).raise_for_status()
    invoice_id = paid_invoice(emulator, amount=Decimal("100.00"))
    refund_ok(emulator, invoice_id, Decimal("100.00"))
    assert attributes(emulator, invoice_id)["status"] == "refunded"


# --- cancel ----------------------------------------------------------------------------------------


def test_cancel_of_a_created_invoice_answers_it_terminated(emulator):
    invoice_id = new_invoice(emulator)["id"]
    response = cancel(emulator, invoice_id)
    assert response.status_code == 200, response.text
    data = body(response)["data"]
    assert data["type"] == "payment-invoices"
    assert data["id"] == invoice_id
    assert data["attributes"]["status"] == "terminated"
    assert attributes(emulator, invoice_id)["status"] == "terminated"


def test_a_second_cancel_is_409(emulator):
    invoice_id = new_invoice(emulator)["id"]
    assert cancel(emulator, invoice_id).status_code == 200
    assert_error(cancel(emulator, invoice_id), 409, "conflict")
    assert attributes(emulator, invoice_id)["status"] == "terminated"


@pytest.mark.parametrize(
    "status",
    ["process_pending", "process_error", *FINAL_OUTCOMES, "partially_refunded", "refunded"],
)
def test_cancel_of_an_invoice_that_is_not_created_is_409_and_changes_nothing(emulator, status):
    invoice_id = invoice_in(emulator, status)
    before = attributes(emulator, invoice_id)
    assert_error(cancel(emulator, invoice_id), 409, "conflict")
    assert attributes(emulator, invoice_id) == before


def test_a_cancelled_invoice_cannot_be_paid(emulator):
    invoice_id = new_invoice(emulator)["id"]
    assert cancel(emulator, invoice_id).status_code == 200
    response = control(emulator, f"invoices/{invoice_id}/pay", {"card": "5519283812030000", "expiry": "12/30"})
    assert response.status_code == 409
    assert attributes(emulator, invoice_id)["status"] == "terminated"
