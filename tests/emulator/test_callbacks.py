"""Callbacks over raw HTTP: what is sent, how it is signed, the retry schedule and the faults.

Most tests run the emulator in ``manual`` mode and move its clock, so the schedule is checked
exactly and without waiting; the ``auto`` tests check the sender thread with a scaled clock.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import requests

from cascad_wagtail import signing, wire
from tests.receiver import CallbackReceiver

pytestmark = pytest.mark.emulator


@pytest.fixture
def receiver():
    receiver = CallbackReceiver()
    yield receiver
    receiver.close()


def create(emulator, receiver=None, *, reference_id=None, amount=Decimal("100.00"), currency="RUB", **extra):
    attributes = {"reference_id": reference_id or f"cb-{uuid.uuid4().hex}", "amount": amount, "currency": currency}
    if receiver is not None:
        attributes["callback_url"] = receiver.url
    attributes.update(extra)
    response = requests.post(
        f"{emulator.url}/api/payment-invoices",
        data=wire.dumps({"data": {"type": "payment-invoices", "attributes": attributes}}),
        auth=emulator.auth,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return wire.loads(response.content)["data"]


def pay(emulator, invoice_id, payload):
    return emulator.control(f"invoices/{invoice_id}/pay", payload).json()


def deliver(emulator):
    return emulator.control("callbacks/deliver", {}).json()


def advance(emulator, seconds):
    return emulator.control("clock/advance", {"seconds": seconds}).json()


def listing(emulator):
    return emulator.control("callbacks", method="GET").json()["data"]


def test_creation_and_every_change_queue_a_signed_callback_with_the_state_of_that_change(emulator, receiver):
    invoice = create(emulator, receiver)
    pay(emulator, invoice["id"], {"card": "5519283812030000", "expiry": "12/30"})
    result = deliver(emulator)
    assert result["sent"] == 3
    assert [r["status"] for r in result["results"]] == ["created", "processing", "processed"]
    assert all(r["http_status"] == 200 and r["attempt"] == 1 for r in result["results"])
    deliveries = receiver.wait_for(3)
    assert [d.status for d in deliveries] == ["created", "processing", "processed"]
    for delivery in deliveries:
        assert signing.verify(emulator.secret_key, delivery.body, delivery.headers["X-Signature"])
        assert delivery.headers["Content-Type"].startswith("application/json")
        assert delivery.invoice_id == invoice["id"]
    # The body is the invoice resource as GET shows it, captured at the change.
    processed = deliveries[2].document["data"]
    current = wire.loads(
        requests.get(f"{emulator.url}/api/payment-invoices/{invoice['id']}", auth=emulator.auth, timeout=10).content
    )["data"]
    assert processed == current
    assert deliveries[0].document["data"]["attributes"]["processed_amount"] is None
    assert processed["attributes"]["processed_amount"] == Decimal("100.00")


def test_nothing_is_sent_twice_once_delivered(emulator, receiver):
    create(emulator, receiver)
    assert deliver(emulator)["sent"] == 1
    advance(emulator, 3600)
    assert deliver(emulator)["sent"] == 0
    assert len(receiver.deliveries) == 1


def test_refunds_send_callbacks_too(emulator, receiver):
    invoice = create(emulator, receiver)
    pay(emulator, invoice["id"], {"outcome": "processed"})
    deliver(emulator)
    refund = {"data": {"type": "refund", "attributes": {"amount": Decimal("40.00"), "reference_id": "r-1"}}}
    response = requests.post(
        f"{emulator.url}/api/payment-invoices/{invoice['id']}/refund",
        data=wire.dumps(refund),
        auth=emulator.auth,
        timeout=10,
    )
    assert response.status_code == 201
    statuses = [r["status"] for r in deliver(emulator)["results"]]
    assert statuses == ["refunding", "partially_refunded"]
    last = receiver.deliveries[-1].document["data"]["attributes"]
    assert last["refunded_amount"] == Decimal("40.00")
    assert last["refunds"][0]["status"] == "processed"


def test_the_accounts_default_callback_url_is_used_without_one(emulator, receiver):
    emulator.control("config", {"default_callback_url": receiver.url})
    create(emulator)
    deliver(emulator)
    assert len(receiver.wait_for(1)) == 1
    assert listing(emulator)[0]["url"] == receiver.url


def test_failed_attempts_follow_the_linear_schedule_and_stop_at_the_limit(emulator):
    receiver = CallbackReceiver(answer=lambda number: 500)
    try:
        emulator.control("config", {"attempts_limit": 4})
        create(emulator, receiver)
        assert deliver(emulator)["results"][0]["attempt"] == 1
        # Attempt n+1 is due n minutes after attempt n: 1, then +1, +2, +3 minutes.
        for attempt, wait in ((2, 60), (3, 120), (4, 180)):
            advance(emulator, wait - 5)
            assert deliver(emulator)["sent"] == 0, f"attempt {attempt} came early"
            advance(emulator, 5)
            result = deliver(emulator)
            assert result["sent"] == 1
            assert result["results"][0]["attempt"] == attempt
            assert result["results"][0]["http_status"] == 500
        advance(emulator, 3600)
        assert deliver(emulator)["sent"] == 0, "attempts went past attempts_limit"
        rows = listing(emulator)
        assert [row["attempt"] for row in rows] == [1, 2, 3, 4]
        assert all(row["error"] == "HTTP 500" and row["http_status"] == 500 for row in rows)
        assert len(receiver.deliveries) == 4
        # Every retry resends the body captured at the change, unchanged.
        assert len({d.body for d in receiver.deliveries}) == 1
    finally:
        receiver.close()


def test_only_http_200_counts_as_delivered(emulator):
    answers = {1: 201, 2: 204, 3: 200}
    receiver = CallbackReceiver(answer=lambda number: answers.get(number, 200))
    try:
        create(emulator, receiver)
        deliver(emulator)
        advance(emulator, 60)
        deliver(emulator)
        advance(emulator, 120)
        deliver(emulator)
        advance(emulator, 3600)
        assert deliver(emulator)["sent"] == 0
        assert [row["http_status"] for row in listing(emulator)] == [201, 204, 200]
    finally:
        receiver.close()


def test_an_unreachable_endpoint_is_retried(emulator):
    invoice = create(emulator, callback_url="http://127.0.0.1:9/nothing-listens-here")
    result = deliver(emulator)
    assert result["results"][0]["http_status"] is None
    row = listing(emulator)[0]
    assert row["invoice_id"] == invoice["id"]
    assert row["http_status"] is None and "connection" in row["error"]
    advance(emulator, 60)
    assert deliver(emulator)["sent"] == 1


def test_auto_mode_sends_on_its_own_and_time_scale_shrinks_the_schedule(emulator):
    receiver = CallbackReceiver(answer=lambda number: 200 if number >= 3 else 503)
    try:
        emulator.control("config", {"callback_mode": "auto", "time_scale": 600})
        create(emulator, receiver)
        deliveries = receiver.wait_for(3, timeout=10)
        # At time_scale 600 a minute lasts 0.1 s: attempt 2 after ≥0.1 s, attempt 3 ≥0.2 s after that.
        first, second, third = (d.at for d in deliveries[:3])
        assert second - first >= 0.09
        assert third - second >= 0.19
        assert [row["attempt"] for row in listing(emulator)] == [1, 2, 3]
    finally:
        receiver.close()


def test_auto_mode_keeps_an_invoices_changes_in_order_without_faults(emulator, receiver):
    emulator.control("config", {"callback_mode": "auto"})
    invoice = create(emulator, receiver)
    pay(emulator, invoice["id"], {"card": "5519283812030000", "expiry": "12/30"})
    assert [d.status for d in receiver.wait_for(3)] == ["created", "processing", "processed"]


def test_pending_invoices_settle_after_pending_settle_seconds_of_scaled_time(emulator, receiver):
    emulator.control("config", {"callback_mode": "auto", "time_scale": 60, "pending_settle_seconds": 60})
    invoice = create(emulator, receiver)
    pay(emulator, invoice["id"], {"card": "5519283812030000", "expiry": "07/77"})
    deliveries = receiver.wait_for(4, timeout=10)
    assert [d.status for d in deliveries] == ["created", "processing", "process_pending", "processed"]
    # 60 emulator seconds at time_scale 60 last about one second of wall time.
    assert 0.8 <= deliveries[3].at - deliveries[2].at <= 3
    assert deliveries[3].document["data"]["attributes"]["processed_amount"] == Decimal("100.00")


def test_pending_invoices_stay_pending_without_pending_settle_seconds(emulator, receiver):
    invoice = create(emulator, receiver)
    pay(emulator, invoice["id"], {"card": "5519283812030000", "expiry": "07/77"})
    advance(emulator, 10 * 24 * 3600)
    invoices = emulator.control("invoices", method="GET").json()["data"]
    assert invoices[0]["attributes"]["status"] == "process_pending"


def test_reset_forgets_queued_callbacks(emulator, receiver):
    create(emulator, receiver)
    emulator.control("reset", {})
    assert deliver(emulator)["sent"] == 0
    assert listing(emulator) == []


# -- faults ------------------------------------------------------------------------------------


def test_a_dropped_callback_is_never_sent_nor_retried(emulator, receiver):
    emulator.control("faults", {"seed": 1, "callback_drop": 1})
    create(emulator, receiver)
    assert deliver(emulator)["sent"] == 0
    advance(emulator, 3600)
    assert deliver(emulator)["sent"] == 0
    (row,) = listing(emulator)
    assert row["dropped"] is True and row["http_status"] is None and row["attempt"] is None
    assert receiver.deliveries == []


def test_a_duplicated_callback_arrives_twice(emulator, receiver):
    emulator.control("faults", {"seed": 1, "callback_duplicate": 1})
    create(emulator, receiver)
    deliver(emulator)
    deliveries = receiver.wait_for(2)
    assert len(deliveries) == 2
    assert deliveries[0].body == deliveries[1].body
    assert [row["copy"] for row in listing(emulator)] == [1, 2]


def test_a_reordered_callback_is_held_back_behind_the_next(emulator, receiver):
    invoice = create(emulator, receiver)
    deliver(emulator)
    emulator.control("faults", {"seed": 3, "callback_reorder": 1})
    pay(emulator, invoice["id"], {"outcome": "processed"})
    assert deliver(emulator)["sent"] == 0, "a reordered callback is held back at least 1 s"
    advance(emulator, 30)
    sent = deliver(emulator)["results"]
    assert sorted(r["status"] for r in sent) == ["processed", "processing"]


def test_a_held_back_callback_arrives_after_a_newer_state(emulator, receiver):
    """Reordering means the shop sees ``processing`` after ``processed``: the plugin must cope."""
    invoice = create(emulator, receiver)
    deliver(emulator)
    emulator.control("faults", {"seed": 5, "callback_reorder": 1})
    pay(emulator, invoice["id"], {"outcome": "process_pending"})
    emulator.control("faults", {})
    pay(emulator, invoice["id"], {"outcome": "processed"})
    assert [r["status"] for r in deliver(emulator)["results"]] == ["processed"]
    advance(emulator, 30)
    assert sorted(r["status"] for r in deliver(emulator)["results"]) == ["process_pending", "processing"]
    assert [d.status for d in receiver.deliveries][1:2] == ["processed"]


def test_coalesced_callbacks_carry_only_the_latest_state(emulator, receiver):
    emulator.control("faults", {"seed": 1, "callback_coalesce": 1})
    invoice = create(emulator, receiver)
    pay(emulator, invoice["id"], {"card": "5519283812030000", "expiry": "12/30"})
    result = deliver(emulator)
    assert [r["status"] for r in result["results"]] == ["processed"]
    rows = listing(emulator)
    assert [(row["status"], row["coalesced"]) for row in rows] == [
        ("created", True),
        ("processing", True),
        ("processed", False),
    ]


def test_a_coalescible_callback_already_due_alone_is_sent_as_is(emulator, receiver):
    emulator.control("faults", {"seed": 1, "callback_coalesce": 1})
    create(emulator, receiver)
    assert [r["status"] for r in deliver(emulator)["results"]] == ["created"]


def run_fault_scenario(emulator, receiver, seed):
    """Thirty invoices through a few changes under every callback fault; what the shop received."""
    emulator.control("reset", {})
    emulator.control(
        "faults",
        {
            "seed": seed,
            "callback_drop": 0.3,
            "callback_duplicate": 0.3,
            "callback_reorder": 0.3,
            "callback_coalesce": 0.3,
        },
    )
    receiver.deliveries.clear()
    for number in range(30):
        invoice = create(emulator, receiver, reference_id=f"fault-{number}")
        pay(emulator, invoice["id"], {"outcome": "processed" if number % 2 else "process_failed"})
    deliver(emulator)
    advance(emulator, 60)
    deliver(emulator)
    invoices = emulator.control("invoices", method="GET").json()["data"]
    reference_of = {invoice["id"]: invoice["attributes"]["reference_id"] for invoice in invoices}
    return sorted(
        (
            reference_of[row["invoice_id"]],
            row["status"],
            row["dropped"],
            row["coalesced"],
            row.get("copy"),
            row["attempt"],
        )
        for row in listing(emulator)
    )


def test_callback_faults_are_reproducible_for_a_seed(emulator, receiver):
    first = run_fault_scenario(emulator, receiver, seed=11)
    again = run_fault_scenario(emulator, receiver, seed=11)
    other = run_fault_scenario(emulator, receiver, seed=12)
    assert first == again
    assert first != other
    dropped = sum(1 for row in first if row[2])
    coalesced = sum(1 for row in first if row[3])
    duplicated = sum(1 for row in first if row[4] == 2)
    assert dropped and duplicated and coalesced, (dropped, duplicated, coalesced)
