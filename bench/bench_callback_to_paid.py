"""How long from a customer's payment at Cascad to the payment row saying FULLY_CHARGED?

Starts its own stack (see ``stack.py``): a fresh PostgreSQL database (created, migrated, dropped),
Redis db 14 as the Celery broker (flushed before and after), the emulator in ``auto`` callback mode,
gunicorn (2 sync workers) serving the demo shop's settings, whose site (``Site.root_url``, so every
invoice's ``callback_url``) is that gunicorn, and a real Celery worker (``celery -A sandbox_site
worker``; no beat, so no reconciliation heals anything behind the path's back).

K orders get a payment through ``services.start_payment``; their ``created`` callbacks are let
through first. Then each invoice is paid at the emulator (``POST /_emulator/invoices/{id}/pay`` with
the success card), ``--in-flight`` at a time (default 1: one after another), and a poller thread
reads the database every ``--poll`` seconds for the rows that became FULLY_CHARGED. The latency is
from just before the pay call to the poll that saw the row paid: the emulator's pay, its callback
sender, gunicorn and the intake, Redis, the worker's ``process_callback``, its
``GET /api/payment-invoices/{id}`` and the state function's commit, plus up to one poll interval.
Where the time goes is read back from the rows' own timestamps (same machine, same clock).

Run: ``.venv/bin/python bench/bench_callback_to_paid.py [-k 200] [--in-flight 1]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import statistics
import sys
import threading
import time
from decimal import Decimal

from stack import SUCCESS_CARD, Stack


def configure_site(emulator_url: str, site_port: int):
    from wagtail.models import Locale, Site

    from cascad_wagtail.emulator import config as emulator_defaults
    from cascad_wagtail.models import CascadSettings

    Locale.objects.get_or_create(language_code="en")
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "127.0.0.1", site_port
    site.save()
    config = CascadSettings.for_site(site)
    config.enabled = True
    config.mode = "sandbox"
    config.host_url = emulator_url
    config.sandbox_account_id = emulator_defaults.DEFAULT_ACCOUNT_ID
    config.sandbox_api_key = emulator_defaults.DEFAULT_API_KEY
    config.sandbox_public_key = emulator_defaults.DEFAULT_PUBLIC_KEY
    config.sandbox_secret_key = emulator_defaults.DEFAULT_SECRET_KEY
    config.save()
    return site


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"{what} not reached within {timeout:.0f} s")


class Poller(threading.Thread):
    """Reads the database every ``interval`` s for outstanding payments that became FULLY_CHARGED."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="poller", daemon=True)
        self.interval = interval
        self.outstanding: dict[int, float] = {}  # payment pk -> perf_counter before the pay call
        self.done: dict[int, float] = {}  # payment pk -> seconds until seen paid
        self.cond = threading.Condition()
        self.stopping = False
        self.polls = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.db import connection

        from cascad_wagtail.models import ChargeStatus, Payment

        try:
            while True:
                with self.cond:
                    if self.stopping:
                        return
                    waiting = list(self.outstanding)
                if waiting:
                    paid = Payment.objects.filter(pk__in=waiting, charge_status=ChargeStatus.FULLY_CHARGED)
                    found = list(paid.values_list("pk", flat=True))
                    seen = time.perf_counter()
                    self.polls += 1
                    with self.cond:
                        for pk in found:
                            self.done[pk] = seen - self.outstanding.pop(pk)
                        if found:
                            self.cond.notify_all()
                time.sleep(self.interval)
        except BaseException as exc:  # surfaced by the driver
            self.error = exc
            with self.cond:
                self.cond.notify_all()
        finally:
            connection.close()

    def add(self, pk: int, started: float) -> None:
        with self.cond:
            self.outstanding[pk] = started

    def wait_below(self, limit: int, timeout: float) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.outstanding) < limit or self.error, timeout):
                raise RuntimeError(f"payments {sorted(self.outstanding)} not paid within {timeout:.0f} s")
            if self.error:
                raise RuntimeError("the poller failed") from self.error

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
        self.join(timeout=10)


def pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def line(name: str, samples_ms: list[float]) -> str:
    return (
        f"{name:<46} p50 {pct(samples_ms, 50):7.1f}   p95 {pct(samples_ms, 95):7.1f}   "
        f"max {max(samples_ms):7.1f}   mean {statistics.fmean(samples_ms):7.1f} ms"
    )


def breakdown(started_at: dict[int, datetime.datetime], seen_after: dict[int, float]) -> list[str]:
    """Where the time went, from each payment's rows: callback stored, API call logged, paid.

    ``paid_at`` is stamped inside the apply transaction; its commit, and the poll that sees it, come after.
    """
    from cascad_wagtail.models import ApiCall, CallbackEvent, Payment

    segments: dict[str, list[float]] = {
        "pay call -> first callback stored": [],
        "callback stored -> worker's GET starts": [],
        "worker's GET (emulator round trip)": [],
        "GET answered -> paid_at stamped (apply)": [],
        "paid_at stamped -> seen committed by a poll": [],
    }
    for payment in Payment.objects.filter(pk__in=list(started_at)):
        t0 = started_at[payment.pk]
        event = CallbackEvent.objects.filter(payment_id=payment.pk, received_at__gte=t0).order_by("received_at").first()
        if event is None or payment.paid_at is None:
            continue
        call = (
            ApiCall.objects.filter(payment_id=payment.pk, method="GET", created_at__gte=event.received_at)
            .order_by("created_at")
            .first()
        )
        if call is None:
            continue
        get_started = call.created_at - datetime.timedelta(milliseconds=call.duration_ms)
        ms = {
            "pay call -> first callback stored": (event.received_at - t0),
            "callback stored -> worker's GET starts": (get_started - event.received_at),
            "worker's GET (emulator round trip)": datetime.timedelta(milliseconds=call.duration_ms),
            "GET answered -> paid_at stamped (apply)": (payment.paid_at - call.created_at),
            "paid_at stamped -> seen committed by a poll": (
                t0 + datetime.timedelta(seconds=seen_after[payment.pk]) - payment.paid_at
            ),
        }
        for name, delta in ms.items():
            segments[name].append(delta.total_seconds() * 1000)
    rows = [
        f"where the time goes ({len(segments['pay call -> first callback stored'])} payments, from row "
        f"timestamps; ApiCall durations are whole ms):"
    ]
    rows += [line("  " + name, samples) for name, samples in segments.items() if len(samples) > 1]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", type=int, default=200, help="payments timed (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="payments paid untimed first (default 10)")
    parser.add_argument("--in-flight", type=int, default=1, help="payments being paid at once (default 1)")
    parser.add_argument("--poll", type=float, default=0.005, help="database poll interval in s (default 0.005)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--worker-pool", default="prefork", choices=("prefork", "threads", "solo"))
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery worker concurrency (default 2)")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="idle seconds before each pay call, so each payment meets a quiet system (default 0)",
    )
    parser.add_argument("--timeout", type=float, default=30, help="give up when one payment takes longer (s)")
    parser.add_argument("--max-seconds", type=float, default=150, help="start no payment after this long (s)")
    args = parser.parse_args()
    if not 2 <= args.k <= 2000 or not 1 <= args.in_flight <= 32:
        parser.error("use 2 <= k <= 2000 and 1 <= in-flight <= 32")

    import requests

    began = time.monotonic()
    with Stack() as stack:
        stack.create_database()
        stack.flush_redis()
        stack.setup_django("sandbox_site.settings")
        migrated = time.monotonic()
        server = stack.start_gunicorn("sandbox_site.settings", workers=args.workers)
        emulator_url = stack.start_emulator("--callback-mode", "auto")
        site = configure_site(emulator_url, server.port)
        worker = stack.start_celery_worker("sandbox_site.settings", args.worker_pool, args.worker_concurrency)

        from cascad_wagtail import services
        from cascad_wagtail.models import CallbackEvent, ChargeStatus, Payment
        from sandbox_site.shop.models import Order

        payments = []
        for number in range(args.warmup + args.k):
            order = Order.objects.create(
                site=site, email=f"buyer{number}@example.com", total=Decimal("990.00") + number, currency="RUB"
            )
            payments.append(services.start_payment(order))
        control = requests.Session()

        def settled() -> bool:
            pending = control.get(f"{emulator_url}/_emulator/callbacks", timeout=10).json()["pending"]
            unprocessed = CallbackEvent.objects.exclude(status=CallbackEvent.Status.PROCESSED).count()
            return pending == 0 and unprocessed == 0

        wait_until(settled, 120, "every 'created' callback delivered and processed")
        created = CallbackEvent.objects.count()
        prepared = time.monotonic()
        print(
            f"set-up: migrate {migrated - began:.1f} s; {len(payments)} payments created through start_payment, "
            f"their {created} 'created' callbacks delivered and processed by the worker: {prepared - migrated:.1f} s"
        )

        log_offset = len(worker.log())
        poller = Poller(args.poll)
        poller.start()
        stack.on_exit("poller", poller.stop)
        started_at: dict[int, datetime.datetime] = {}
        pay_calls: list[float] = []
        timed_from = time.monotonic()
        for index, payment in enumerate(payments):
            poller.wait_below(args.in_flight, args.timeout)
            if time.monotonic() - began > args.max_seconds:
                print(f"stopping after {len(started_at)} timed payments: --max-seconds {args.max_seconds:.0f} reached")
                break
            if index == args.warmup:
                timed_from = time.monotonic()
            if args.pause and index:
                time.sleep(args.pause)
            started_wall = datetime.datetime.now(datetime.UTC)
            started = time.perf_counter()
            poller.add(payment.pk, started)
            response = control.post(
                f"{emulator_url}/_emulator/invoices/{payment.invoice_id}/pay", json=SUCCESS_CARD, timeout=10
            )
            response.raise_for_status()
            if index >= args.warmup:
                pay_calls.append(time.perf_counter() - started)
                started_at[payment.pk] = started_wall
        poller.wait_below(1, args.timeout)
        poller.stop()
        measured = time.monotonic()

        latencies = [poller.done[pk] * 1000 for pk in started_at]
        paid = Payment.objects.filter(charge_status=ChargeStatus.FULLY_CHARGED).count()
        details = breakdown(started_at, poller.done)
        wait_until(
            lambda: not CallbackEvent.objects.exclude(status=CallbackEvent.Status.PROCESSED).exists(),
            60,
            "every callback processed",
        )
        events = CallbackEvent.objects.count() - created
        worker_log = worker.log()
        failures = [text for text in worker_log.splitlines() if "Traceback" in text or " ERROR/" in text]
        task_runs = [
            float(seconds) * 1000
            for seconds in re.findall(r"process_callback\[[^\]]+\] succeeded in ([0-9.]+)s", worker_log[log_offset:])
        ]
        deliveries = control.get(f"{emulator_url}/_emulator/callbacks", timeout=10).json()["data"]
        not_200 = sum(1 for row in deliveries if row["http_status"] != 200)
        control.close()

    print(
        f"\n{len(started_at)} payments paid at the emulator, {args.in_flight} in flight at a time, "
        f"after {args.warmup} warm-up ones; gunicorn {args.workers} sync workers, "
        f"Celery worker --pool {args.worker_pool} --concurrency {args.worker_concurrency}, "
        f"poll every {args.poll * 1000:.0f} ms, pause {args.pause * 1000:.0f} ms, nproc {os.cpu_count()}"
    )
    print(line("pay call -> row FULLY_CHARGED (seen by poll)", latencies))
    print(line("the pay call alone (emulator round trip)", [s * 1000 for s in pay_calls]))
    for row in details:
        print(row)
    if len(task_runs) > 1:
        print(line(f"worker: process_callback run time ({len(task_runs)} runs)", task_runs))
    print(
        f"check: {paid} of {len(payments)} payments FULLY_CHARGED (warm-up included); {events} callbacks "
        f"stored while paying (all processed); callback deliveries not answered 200: {not_200}; "
        f"worker errors: {len(failures)}; {poller.polls} polls"
    )
    print(
        f"timed payments took {measured - timed_from:.1f} s ({len(started_at) / (measured - timed_from):.1f} "
        f"payments/s); "
        f"total run time {time.monotonic() - began:.0f} s; "
        f"load average at the end {' '.join(f'{value:.2f}' for value in os.getloadavg())}"
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: everything this run started was stopped and removed", file=sys.stderr)
        sys.exit(130)
