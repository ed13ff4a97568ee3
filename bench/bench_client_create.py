"""How much does ``CascadClient.create_invoice`` cost over a bare ``requests`` POST?

Starts an emulator process (the same way the test suite does), then times N client creates and
N bare ``Session.post`` calls of the same JSON body, interleaved (alternating which goes first) so
that drift in the emulator or the machine hits both sides alike. Both sides reuse one
``requests.Session`` each, so both keep their connection alive. The client's extra work is amount
validation, Decimal-exact JSON out and in, the typed ``Invoice``, logging and the ``on_call`` record.

Run: ``.venv/bin/python bench/bench_client_create.py [-n 300]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from cascad_wagtail import wire  # noqa: E402
from cascad_wagtail.client import CascadClient  # noqa: E402
from tests.conftest import DEFAULT_CREDENTIALS, start_emulator, stop_emulator  # noqa: E402

AMOUNT = Decimal("1500.00")
CURRENCY = "RUB"
DESCRIPTION = "Order 42"
TIMEOUT = (3.05, 20.0)
STALL_S = 0.030


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = statistics.quantiles(ms, n=20)[18]
    return f"{name:<8} median {statistics.median(ms):7.3f} ms   p95 {p95:7.3f} ms   mean {statistics.fmean(ms):7.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="creates per side (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed creates per side first")
    args = parser.parse_args()

    process, url = start_emulator("--callback-mode", "manual")
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    account, api_key = DEFAULT_CREDENTIALS["account_id"], DEFAULT_CREDENTIALS["api_key"]
    records = []
    client = CascadClient(
        url,
        account,
        api_key,
        DEFAULT_CREDENTIALS["public_key"],
        connect_timeout=TIMEOUT[0],
        read_timeout=TIMEOUT[1],
        on_call=records.append,
    )
    bare = requests.Session()
    headers = {"Accept": "application/json", "Content-Type": "application/json"}

    def with_client() -> None:
        client.create_invoice(
            reference_id=f"cw_{uuid.uuid4().hex}", amount=AMOUNT, currency=CURRENCY, description=DESCRIPTION
        )

    def with_requests() -> None:
        body = wire.dumps(
            {
                "data": {
                    "type": "payment-invoices",
                    "attributes": {
                        "reference_id": f"cw_{uuid.uuid4().hex}",
                        "amount": AMOUNT,
                        "currency": CURRENCY,
                        "description": DESCRIPTION,
                    },
                }
            }
        )
        response = bare.post(
            f"{url}/api/payment-invoices", data=body, headers=headers, auth=(account, api_key), timeout=TIMEOUT
        )
        if response.status_code != 201:
            raise RuntimeError(f"bare create answered {response.status_code}")

    timings: dict[str, list[float]] = {"client": [], "bare": []}
    cpu: dict[str, list[float]] = {"client": [], "bare": []}
    sides = {"client": with_client, "bare": with_requests}
    try:
        for _ in range(args.warmup):
            with_client()
            with_requests()
        for i in range(args.n):
            order = ("client", "bare") if i % 2 == 0 else ("bare", "client")
            for name in order:
                started, cpu_started = time.perf_counter(), time.process_time()
                sides[name]()
                timings[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
    finally:
        client.close()
        bare.close()
        stop_emulator(process)

    print(f"{args.n} creates per side against the emulator at {url} (interleaved, {args.warmup} warm-up each)")
    print(summary("client", timings["client"]))
    print(summary("bare", timings["bare"]))
    ratio = statistics.median(timings["client"]) / statistics.median(timings["bare"])
    p95 = [statistics.quantiles(timings[side], n=20)[18] for side in ("client", "bare")]
    means = [statistics.fmean(timings[side]) for side in ("client", "bare")]
    print(f"ratio client/bare: median {ratio:.3f}   p95 {p95[0] / p95[1]:.3f}   mean {means[0] / means[1]:.3f}")
    # A bimodal wall time (a few ms, or ~40 ms more) is a server-side Nagle / delayed-ACK stall, not the client;
    # when about half the calls stall, the median of either side is a coin toss between the two modes.
    stalled = {side: sum(t > STALL_S for t in timings[side]) / len(timings[side]) for side in timings}
    fast = {side: [t for t in timings[side] if t <= STALL_S] for side in timings}
    if all(fast.values()):
        fast_ratio = statistics.median(fast["client"]) / statistics.median(fast["bare"])
        print(
            f"calls over {STALL_S * 1000:.0f} ms: client {stalled['client']:.0%}, bare {stalled['bare']:.0%}; "
            f"median of the others: client {statistics.median(fast['client']) * 1000:.3f} ms, "
            f"bare {statistics.median(fast['bare']) * 1000:.3f} ms (ratio {fast_ratio:.3f})"
        )
    # Wall time includes the emulator's answer; this process's CPU time is the client side alone.
    cpu_ms = {side: statistics.fmean(cpu[side]) * 1000 for side in cpu}
    print(
        f"CPU in this process per call: client {cpu_ms['client']:.3f} ms, bare {cpu_ms['bare']:.3f} ms "
        f"(ratio {cpu_ms['client'] / cpu_ms['bare']:.2f})"
    )
    retried = sum(record.attempt > 1 for record in records)
    print(f"client attempts recorded by on_call: {len(records)} (retried: {retried})")


if __name__ == "__main__":
    main()
