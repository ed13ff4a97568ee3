"""Callbacks: the queue of signed notices, their retry schedule, faults and the sender thread.

Every change of an invoice queues one callback carrying the invoice document captured at that
change. Attempt 1 is due at once; attempt n+1 is due n minutes (of schedule time, see
``Clock.schedule_now``) after attempt n; only HTTP 200 counts as delivered; after ``attempts_limit``
attempts the callback is given up. Faults are drawn per invoice from the keyed generator:
a dropped callback is never sent, a duplicated one is sent twice, a reordered one is held back
1–30 s of schedule time, a coalescible one is replaced by a newer state that comes before it is sent.

In ``auto`` mode a thread sends attempts when due (on a small pool, so one slow shop does not hold
back the others); in ``manual`` mode only ``deliver_due`` (the control API) sends.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from ..signing import SIGNATURE_HEADER, sign
from .state import EmulatorState, Invoice

logger = logging.getLogger("cascad_wagtail.emulator.callbacks")

RETRY_STEP_SECONDS = 60
REORDER_DELAY = (1.0, 30.0)
SENDER_WORKERS = 8


@dataclasses.dataclass
class Attempt:
    number: int
    http_status: int | None
    error: str | None
    sent_at: int
    copy: int = 1


@dataclasses.dataclass
class Callback:
    id: int
    invoice_id: str
    status: str
    url: str
    body: bytes
    due: float | None
    duplicate: bool = False
    reordered: bool = False
    coalescible: bool = False
    dropped: bool = False
    coalesced: bool = False
    delivered: bool = False
    in_flight: bool = False
    attempts: list[Attempt] = dataclasses.field(default_factory=list)

    @property
    def next_attempt(self) -> int:
        return len({attempt.number for attempt in self.attempts}) + 1


class CallbackQueue:
    """Queues a callback for each change and sends the attempts that are due."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.cond = threading.Condition(state.lock)
        self._ids = itertools.count(1)
        self._generation = 0
        self.callbacks: list[Callback] = []
        self._pool = ThreadPoolExecutor(max_workers=SENDER_WORKERS, thread_name_prefix="emulator-callback")
        self._stopping = threading.Event()
        self._session = requests.Session()
        state.subscribe(self._queue)
        state.callback_queue = self
        state.on_reset(self._clear)

    # -- queueing (called by the state, under its lock) --------------------------------------

    def _clear(self) -> None:
        self.callbacks = []
        self._generation += 1
        self.cond.notify_all()

    def _queue(self, invoice: Invoice, body: bytes) -> None:
        settings = self.state.faults.settings
        rng = self.state.faults.draw("callback", invoice.reference_id)
        drop, duplicate, reorder, coalesce, delay = (rng.random() for _ in range(5))
        now = self.state.clock.schedule_now()
        for older in self.callbacks:
            if older.invoice_id == invoice.id and older.coalescible and not older.attempts and not older.dropped:
                older.coalesced = True
                older.due = None
        callback = Callback(
            id=next(self._ids),
            invoice_id=invoice.id,
            status=invoice.status,
            url=invoice.callback_url or self.state.config.default_callback_url,
            body=body,
            due=now,
            dropped=drop < settings.callback_drop,
            duplicate=duplicate < settings.callback_duplicate,
            reordered=reorder < settings.callback_reorder,
            coalescible=coalesce < settings.callback_coalesce,
        )
        if callback.dropped:
            callback.due = None
        elif callback.reordered:
            low, high = REORDER_DELAY
            callback.due = now + low + (high - low) * delay
        self.callbacks.append(callback)
        self.cond.notify_all()

    # -- sending -----------------------------------------------------------------------------

    def _due(self, one_per_invoice: bool) -> list[Callback]:
        """Callbacks due now, oldest first; with ``one_per_invoice``, none for an invoice with one in flight.

        The sender thread sends in parallel, so it takes one per invoice: without faults a shop
        sees an invoice's changes in order; reordering is the ``callback_reorder`` fault's job, not
        an accident of thread scheduling.
        """
        now = self.state.clock.schedule_now()
        busy = {cb.invoice_id for cb in self.callbacks if cb.in_flight}
        due = []
        for callback in sorted(self.callbacks, key=lambda cb: (cb.due or 0, cb.id)):
            if callback.due is None or callback.due > now or callback.in_flight:
                continue
            if not one_per_invoice:
                due.append(callback)
            elif callback.invoice_id not in busy:
                busy.add(callback.invoice_id)
                due.append(callback)
        return due

    def _post(self, callback: Callback) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.state.account.secret_key, callback.body),
            "User-Agent": "Cascad-Emulator-Callbacks/1",
        }
        try:
            response = self._session.post(
                callback.url, data=callback.body, headers=headers, timeout=self.state.config.callback_timeout
            )
        except requests.Timeout:
            return None, "timeout"
        except requests.RequestException as exc:
            return None, f"connection error: {exc.__class__.__name__}"
        return response.status_code, None if response.status_code == 200 else f"HTTP {response.status_code}"

    def _send(self, callback: Callback, generation: int) -> dict[str, Any]:
        """One attempt (two copies when duplicated); records the outcome and schedules the next."""
        number = callback.next_attempt
        copies = 2 if callback.duplicate and number == 1 else 1
        outcomes = []
        for copy in range(1, copies + 1):
            http_status, error = self._post(callback)
            outcomes.append((copy, http_status, error))
        with self.cond:
            callback.in_flight = False
            if generation != self._generation:
                return {}
            sent_at = self.state.clock.now()
            for copy, http_status, error in outcomes:
                callback.attempts.append(Attempt(number, http_status, error, sent_at, copy))
            if any(status == 200 for _, status, _ in outcomes):
                callback.delivered = True
                callback.due = None
            elif number >= self.state.config.attempts_limit:
                callback.due = None
                logger.info("callback %s for %s given up after %s attempts", callback.id, callback.invoice_id, number)
            else:
                callback.due = self.state.clock.schedule_now() + number * RETRY_STEP_SECONDS
            self.cond.notify_all()
            last = outcomes[-1]
            return {
                "invoice_id": callback.invoice_id,
                "status": callback.status,
                "attempt": number,
                "http_status": last[1],
            }

    def deliver_due(self) -> list[dict[str, Any]]:
        """Send every attempt due now, at most one per callback; the control API's ``deliver``."""
        with self.cond:
            due = self._due(one_per_invoice=False)
            for callback in due:
                callback.in_flight = True
            generation = self._generation
        return [result for result in (self._send(callback, generation) for callback in due) if result]

    def run(self) -> None:
        """The ``auto`` mode loop: hand due attempts to the pool, sleep until the next is due."""
        while not self._stopping.is_set():
            with self.cond:
                if self.state.config.callback_mode != "auto":
                    self.cond.wait(0.5)
                    continue
                due = self._due(one_per_invoice=True)
                for callback in due:
                    callback.in_flight = True
                generation = self._generation
                if not due:
                    upcoming = [cb.due for cb in self.callbacks if cb.due is not None and not cb.in_flight]
                    wait = 0.5
                    if upcoming:
                        ahead = min(upcoming) - self.state.clock.schedule_now()
                        wait = min(wait, max(0.005, self.state.clock.wall_seconds(ahead)))
                    self.cond.wait(wait)
                    continue
            for callback in due:
                self._pool.submit(self._send_logged, callback, generation)

    def _send_logged(self, callback: Callback, generation: int) -> None:
        try:
            self._send(callback, generation)
        except Exception:
            logger.exception("sending callback %s failed", callback.id)
            with self.cond:
                callback.in_flight = False

    def start(self) -> None:
        threading.Thread(target=self.run, name="emulator-callbacks", daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        with self.cond:
            self.cond.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the control API's view ----------------------------------------------------------------

    def listing(self) -> list[dict[str, Any]]:
        """One row per attempt sent, plus one per callback dropped or coalesced (never sent)."""
        rows: list[dict[str, Any]] = []
        with self.cond:
            for callback in self.callbacks:
                base = {
                    "callback_id": callback.id,
                    "invoice_id": callback.invoice_id,
                    "status": callback.status,
                    "url": callback.url,
                }
                if callback.dropped or callback.coalesced:
                    rows.append(
                        {
                            **base,
                            "attempt": None,
                            "http_status": None,
                            "error": "dropped" if callback.dropped else "coalesced",
                            "sent_at": None,
                            "dropped": callback.dropped,
                            "coalesced": callback.coalesced,
                        }
                    )
                for attempt in callback.attempts:
                    rows.append(
                        {
                            **base,
                            "attempt": attempt.number,
                            "copy": attempt.copy,
                            "http_status": attempt.http_status,
                            "error": attempt.error,
                            "sent_at": attempt.sent_at,
                            "dropped": False,
                            "coalesced": False,
                        }
                    )
        return rows

    def pending(self) -> int:
        with self.cond:
            return sum(1 for cb in self.callbacks if cb.due is not None)
