"""How much does ``POST /cascad/callback/`` cost over a bare Django view on the same server?

Starts its own stack (see ``stack.py``): a fresh PostgreSQL database (created, migrated, dropped),
Redis db 14 as the Celery broker (flushed before and after; no worker runs, so the queued
``process_callback`` tasks just wait there), the emulator in ``manual`` callback mode, and gunicorn
with 2 sync workers serving the demo shop's settings with ``bench.bench_urls`` (the real URLs plus a
bare view at ``/bare/``).

The callback bodies are genuine: N orders are paid for through ``services.start_payment`` against
the emulator, and each invoice gives two documents, as the Private API returns them (``created``,
then ``processed`` after a success-card payment at the emulator), each signed with the emulator's
secret key, which the site's ``CascadSettings`` hold. Every body is sent once, so the body-hash
dedupe never short-circuits and every callback goes the whole way: signature check against every
configured key, event stored, payment matched, task queued on commit in Redis.

The load is the same for both sides: ``-c`` client threads, each with its own keep-alive HTTP/1.1
connection (``http.client``; gunicorn's sync workers close it after each answer, so both sides
reconnect alike), POSTing the same bodies with the same headers. The requests are interleaved in
rounds, alternating which side goes first, so drift in the machine hits both alike. App CPU is the
sum of the gunicorn workers' user + system time (``/proc/<pid>/stat``) over each side's rounds.

Run: ``.venv/bin/python bench/bench_callback_intake.py [-n 3000] [-c 8] [--rounds 10]``
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import random
import statistics
import sys
import threading
import time
from decimal import Decimal

from stack import SUCCESS_CARD, CpuMeter, Stack, cpu_seconds, machine_busy_seconds

SIDES = {"callback": "/cascad/callback/", "bare": "/bare/"}
EXPECTED = {"callback": b"queued", "bare": b"ok"}


def make_bodies(emulator_url: str, site_port: int, count: int) -> tuple[list[bytes], str]:
    """``count`` distinct, genuine invoice documents of payments in the database, and the secret key."""
    import requests
    from wagtail.models import Locale, Site

    from cascad_wagtail import services
    from cascad_wagtail.emulator import config as emulator_defaults
    from cascad_wagtail.models import CascadSettings
    from sandbox_site.shop.models import Order

    Locale.objects.get_or_create(language_code="en")
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "127.0.0.1", site_port  # the invoices' callback_url names the bench server
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

    session = requests.Session()
    session.auth = (emulator_defaults.DEFAULT_ACCOUNT_ID, emulator_defaults.DEFAULT_API_KEY)
    bodies: list[bytes] = []
    number = 0
    while len(bodies) < count:
        number += 1
        order = Order.objects.create(
            site=site, email=f"buyer{number}@example.com", total=Decimal("1500.00") + number, currency="RUB"
        )
        payment = services.start_payment(order)
        created = session.get(f"{emulator_url}/api/payment-invoices/{payment.invoice_id}", timeout=10)
        created.raise_for_status()
        paid = session.post(
            f"{emulator_url}/_emulator/invoices/{payment.invoice_id}/pay", json=SUCCESS_CARD, timeout=10
        )
        paid.raise_for_status()
        bodies += [created.content, paid.content]
    session.close()
    if len(set(bodies)) != len(bodies):
        raise RuntimeError("two callback bodies are the same: the dedupe would short-circuit")
    return bodies[:count], emulator_defaults.DEFAULT_SECRET_KEY


class Phase:
    """One side's share of one round: ``concurrency`` threads POSTing ``bodies`` to ``path``."""

    def __init__(self, port: int, path: str, requests: list[tuple[bytes, str]], concurrency: int) -> None:
        self.port, self.path = port, path
        self.queue = collections.deque(requests)
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.connects = 0
        self.concurrency = concurrency
        self.lock = threading.Lock()

    def _client(self, expected: bytes) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        latencies, failures, connects = [], [], 0
        try:
            while True:
                try:
                    body, signature = self.queue.popleft()
                except IndexError:
                    break
                headers = {
                    "Content-Type": "application/json",
                    "X-Signature": signature,
                    "User-Agent": "Cascad-Bench/1",
                    "Connection": "keep-alive",
                }
                if connection.sock is None:
                    connects += 1
                started = time.perf_counter()
                try:
                    connection.request("POST", self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    answer = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    failures.append(f"{exc.__class__.__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - started)
                if response.status != 200 or answer != expected:
                    failures.append(f"HTTP {response.status} {answer[:80]!r}")
        finally:
            connection.close()
        with self.lock:
            self.latencies += latencies
            self.failures += failures
            self.connects += connects

    def run(self, expected: bytes, meters: dict[str, tuple]) -> dict[str, float]:
        """Wall time and the CPU time of each meter (``name: (start, stop)``) over this phase."""
        threads = [threading.Thread(target=self._client, args=(expected,)) for _ in range(self.concurrency)]
        for start, _ in meters.values():
            start()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        return {"wall": wall, **{name: stop() for name, (_, stop) in meters.items()}}


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="requests per side (default 3000)")
    parser.add_argument("-c", "--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds the requests are split into (default 10)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed requests per side first (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each round's numbers")
    parser.add_argument("--max-seconds", type=float, default=150, help="stop starting rounds after this long")
    args = parser.parse_args()
    if args.n < args.rounds or args.n > 20000 or not 1 <= args.concurrency <= 64:
        parser.error("use 1 <= concurrency <= 64 and rounds <= n <= 20000")

    began = time.monotonic()
    with Stack() as stack:
        stack.create_database()
        stack.flush_redis()
        emulator_url = stack.start_emulator("--callback-mode", "manual")
        stack.setup_django("bench.bench_settings")
        migrated = time.monotonic()
        server = stack.start_gunicorn("bench.bench_settings", workers=args.workers)
        workers = server.worker_pids()

        from cascad_wagtail import signing

        bodies, secret = make_bodies(emulator_url, server.port, args.warmup + args.n)
        requests = [(body, signing.sign(secret, body)) for body in bodies]
        random.Random(7).shuffle(requests)
        prepared = time.monotonic()
        print(
            f"set-up: migrate {migrated - began:.1f} s, {len(bodies) // 2} payments created through "
            f"start_payment and {len(bodies)} invoice documents read in {prepared - migrated:.1f} s"
        )

        warm, timed = requests[: args.warmup], requests[args.warmup :]
        for side in SIDES:  # both sides see the same (already used for the callback) warm-up bodies
            Phase(server.port, SIDES[side], warm, args.concurrency).run(EXPECTED[side], {})

        app, machine, client, database = [0.0], [0.0], [0.0], CpuMeter(stack.database_backends)
        meters = {
            "app": (lambda: app.__setitem__(0, cpu_seconds(workers)), lambda: cpu_seconds(workers) - app[0]),
            "machine": (
                lambda: machine.__setitem__(0, machine_busy_seconds()),
                lambda: machine_busy_seconds() - machine[0],
            ),
            "db": (database.start, database.stop),
            "client": (lambda: client.__setitem__(0, time.process_time()), lambda: time.process_time() - client[0]),
        }
        per_round = [timed[i * args.n // args.rounds : (i + 1) * args.n // args.rounds] for i in range(args.rounds)]
        totals = {side: collections.defaultdict(float, latencies=[], failures=[]) for side in SIDES}
        rounds_done, round_ratios = 0, []
        for number, chunk in enumerate(per_round):
            if time.monotonic() - began > args.max_seconds:
                print(f"stopping after {rounds_done} rounds: --max-seconds {args.max_seconds:.0f} reached")
                break
            order = ("callback", "bare") if number % 2 == 0 else ("bare", "callback")
            walls = {}
            for side in order:
                phase = Phase(server.port, SIDES[side], chunk, args.concurrency)
                measured = phase.run(EXPECTED[side], meters)
                for name, value in measured.items():
                    totals[side][name] += value
                walls[side] = measured["wall"]
                if args.verbose:
                    print(
                        f"  round {number + 1:>2} {side:<8} {len(chunk) / measured['wall']:7.1f} req/s   "
                        f"app CPU {measured['app'] * 1000 / len(chunk):5.2f} ms/req   "
                        f"machine CPU {measured['machine'] * 1000 / len(chunk):5.2f} ms/req",
                        flush=True,
                    )
                totals[side]["latencies"] += phase.latencies
                totals[side]["failures"] += phase.failures
                totals[side]["connects"] += phase.connects
            round_ratios.append(walls["bare"] / walls["callback"])  # same request count: req/s ratio
            rounds_done += 1
        if server.worker_pids() != workers:
            print(f"warning: gunicorn workers changed during the run: {workers} -> {server.worker_pids()}")

        from cascad_wagtail.models import CallbackEvent

        sent = sum(len(chunk) for chunk in per_round[:rounds_done]) + args.warmup
        stored = CallbackEvent.objects.filter(signature_valid=True, payment__isnull=False).count()
        queued = stack.redis().llen("celery")

    result = {}
    print(
        f"\n{sum(len(c) for c in per_round[:rounds_done])} requests per side in {rounds_done} interleaved rounds, "
        f"{args.concurrency} client threads, gunicorn {args.workers} sync workers, nproc {os.cpu_count()}, "
        f"{args.warmup} warm-up requests per side"
    )
    for side in SIDES:
        total = totals[side]
        done = len(total["latencies"])
        ms = [s * 1000 for s in total["latencies"]]
        result[side] = {
            "rps": done / total["wall"],
            "p50": percentile(ms, 50),
            "p99": percentile(ms, 99),
            "cpu": total["app"] * 1000 / done,
            "db": total["db"] * 1000 / done,
            "machine": total["machine"] * 1000 / done,
            "client": total["client"] * 1000 / done,
        }
        r = result[side]
        print(
            f"{side:<9} {r['rps']:7.1f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms   "
            f"app CPU {r['cpu']:6.2f} ms/req   failures {len(total['failures'])}   "
            f"connections opened {total['connects']:.0f}"
        )
        for failure in collections.Counter(total["failures"]).most_common(3):
            print(f"          {failure[1]} x {failure[0]}")
    c, b = result["callback"], result["bare"]
    print(
        f"ratio callback/bare: req/s {c['rps'] / b['rps']:.3f}   p50 {c['p50'] / b['p50']:.2f}   "
        f"p99 {c['p99'] / b['p99']:.2f}   app CPU per request {c['cpu'] / b['cpu']:.2f}"
    )
    if len(round_ratios) > 1:
        print(
            f"req/s ratio callback/bare per round: min {min(round_ratios):.3f}   "
            f"median {statistics.median(round_ratios):.3f}   max {max(round_ratios):.3f}"
        )
    print(f"callback's own app CPU per request (callback - bare): {c['cpu'] - b['cpu']:.2f} ms")
    print(
        f"also CPU per request: PostgreSQL backends callback {c['db']:.2f} ms, bare {b['db']:.2f} ms; "
        f"the load generator (this process) callback {c['client']:.2f} ms, bare {b['client']:.2f} ms; "
        f"whole machine (all of those, Redis, the kernel, anything else running) "
        f"callback {c['machine']:.2f} ms, bare {b['machine']:.2f} ms"
    )
    print(
        f"check: {sent} callbacks sent, {stored} stored as verified events matched to a payment, "
        f"{queued} process_callback tasks waiting in Redis db 14"
    )
    print(
        f"total run time {time.monotonic() - began:.0f} s; load average at the end "
        f"{' '.join(f'{value:.2f}' for value in os.getloadavg())}"
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: everything this run started was stopped and removed", file=sys.stderr)
        sys.exit(130)
