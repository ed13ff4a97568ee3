"""The Payments admin list with 100,000 payments: its first page, filtered and searched, against 100.

A fresh PostgreSQL database (``stack.py``: created, migrated, dropped at the end) on the demo shop's
settings (``sandbox_site.settings``, ``DJANGO_DEBUG=0``). No emulator, gunicorn, Celery or Redis: the
list calls none of them. The requests go through Django's test ``Client`` in this process, logged in
(``force_login``) as a superuser, so the numbers are the whole Django + Wagtail request (middleware,
session, view, queries, templates) without an HTTP server or a network in between.

1. 100 payments (the newest 100 of the history below) are inserted, then every case is requested
   ``--warmup`` times untimed and ``-n`` times timed, the cases interleaved (one request of each in
   turn) so drift hits them alike. Per request: wall time, number of queries
   (``CaptureQueriesContext``), SQL time (an ``execute_wrapper`` around every query, with the
   paginator's ``COUNT(*)`` also timed on its own; ``CaptureQueriesContext`` rounds to whole ms),
   and CPU time of this process and of the PostgreSQL backend serving it (``/proc/<pid>/stat``), which
   a busy machine disturbs less than wall time.
2. The other 99,900 payments (older ones, in order, with their orders) are bulk-inserted, the tables
   ``VACUUM ANALYZE``d (what autovacuum would do minutes later anyway; without it the plans and the
   index-only scans depend on whether autovacuum has run yet), and the same cases measured again.
3. A table of both sizes and their ratios, then ``EXPLAIN (ANALYZE, BUFFERS)`` of each case's slowest
   query on the payments table at 100,000, to show which index serves it.

A case may carry a change applied in this process only (a context manager, marked `` *``), to
measure a proposal before making it. ``--drop-index NAME`` drops an index after migrating, to
measure without it.

The history: one payment every 5 minutes (100,000 cover about a year), two sites, mostly paid, some
refused or cancelled, a few pending, refunded or needing review; roubles, dollars, euros; 85% of
orders paid at the first try, the others after one or two refused attempts (only the last payment of
an order is ever open). Searches look for a payment among the newest 100, so they find it at both
sizes. Timeline tables (API calls, callbacks, events) are left empty: the list never reads them.

Run: ``.venv/bin/python bench/bench_admin_list.py [-n 30] [--warmup 5] [--large 100000] [--drop-index NAME]``
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import random
import re
import statistics
import sys
import time
from decimal import Decimal
from urllib.parse import urlencode

from stack import Stack, cpu_seconds

INDEX = "/admin/cascad/payments/"
STEP = datetime.timedelta(minutes=5)
STATUSES = {  # ChargeStatus value: weight, for an order's last payment
    "FULLY_CHARGED": 58,
    "REFUSED": 10,
    "CANCELLED": 8,
    "NOT_CHARGED": 6,
    "FULLY_REFUNDED": 7,
    "PARTIALLY_REFUNDED": 4,
    "PENDING": 2,
    "PARTIALLY_CHARGED": 1,
}
OPEN = {"NOT_CHARGED", "PENDING", "PARTIALLY_CHARGED"}
PAID = {"FULLY_CHARGED", "PARTIALLY_REFUNDED", "FULLY_REFUNDED"}
CURRENCIES = {"RUB": 70, "USD": 20, "EUR": 10}
FIRST = "maria anna olga elena irina natalia ivan sergey alexey dmitry andrey pavel".split()
LAST = "ivanova petrova smirnova kuznetsova popova sokolova ivanov petrov smirnov kuznetsov popov sokolov".split()
DOMAINS = ["mail.example", "inbox.example", "post.example", "example.com"]
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


# -- the data ---------------------------------------------------------------------------------------


def history(total: int, now: datetime.datetime, seed: int = 7) -> list[list[dict]]:
    """``total`` payments as orders (lists of payment fields, oldest first), one payment every 5 minutes."""
    rng = random.Random(seed)
    statuses, status_weights = list(STATUSES), list(STATUSES.values())
    currencies, currency_weights = list(CURRENCIES), list(CURRENCIES.values())
    orders, number = [], 0
    while number < total:
        size = min(rng.choices([1, 2, 3], [85, 12, 3])[0], total - number)
        email = f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(1, 999)}@{rng.choice(DOMAINS)}"
        currency = rng.choices(currencies, currency_weights)[0]
        site = 0 if rng.random() < 0.8 else 1
        amount = Decimal(rng.randint(50_000, 2_000_000)) / 100
        payments = []
        for attempt in range(size):
            last = attempt == size - 1
            status = rng.choices(statuses, status_weights)[0] if last else "REFUSED"
            created = now - (total - 1 - number) * STEP - datetime.timedelta(seconds=rng.randint(0, 240))
            payments.append(
                {
                    "number": number,
                    "email": email,
                    "currency": currency,
                    "site": site,
                    "amount": amount,
                    "status": status,
                    "mode": "sandbox" if rng.random() < 0.05 else "live",
                    "invoice_id": "cpi_" + "".join(rng.choices(ALPHABET, k=24)),
                    "open": last and status in OPEN,
                    "review": status in PAID and rng.random() < 0.004,
                    "created": created,
                }
            )
            number += 1
        orders.append(payments)
    return orders


@contextlib.contextmanager
def explicit_timestamps(*models):
    """Let ``bulk_create`` keep the ``created_at``/``updated_at`` given (``auto_now(_add)`` off meanwhile)."""
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def insert(orders: list[list[dict]], sites, skip_numbers: set[int] = frozenset(), batch: int = 5000) -> int:
    """Bulk-insert ``orders`` and their payments (but the payments numbered in ``skip_numbers``).

    Each order is inserted once: its payments' ``_pk`` holds its id from then on.
    """
    from cascad_wagtail.models import Payment
    from sandbox_site.shop.models import Order

    inserted = 0
    with explicit_timestamps(Order, Payment):
        for start in range(0, len(orders), batch):
            chunk = orders[start : start + batch]
            new = [payments for payments in chunk if "_pk" not in payments[0]]
            created = Order.objects.bulk_create(
                Order(
                    site=sites[payments[0]["site"]],
                    email=payments[0]["email"],
                    name=payments[0]["email"].split("@")[0].replace(".", " ").title(),
                    total=payments[0]["amount"],
                    subtotal=payments[0]["amount"],
                    currency=payments[0]["currency"],
                    payment_status=payments[-1]["status"],
                    created_at=payments[0]["created"],
                )
                for payments in new
            )
            for payments, order in zip(new, created, strict=True):
                for p in payments:
                    p["_pk"] = order.pk
            rows = []
            for payments in chunk:
                order_pk = payments[0]["_pk"]
                for p in payments:
                    if p["number"] in skip_numbers:
                        continue
                    paid = p["status"] in PAID
                    rows.append(
                        Payment(
                            order_id=order_pk,
                            site=sites[p["site"]],
                            mode=p["mode"],
                            invoice_id=p["invoice_id"],
                            amount=p["amount"],
                            currency=p["currency"],
                            description=f"Order {order_pk}",
                            customer_email=p["email"],
                            creation="created",
                            cascad_status="processed" if paid else ("terminated" if not p["open"] else "created"),
                            charge_status=p["status"],
                            processed_amount=p["amount"] if paid else None,
                            refunded_amount=p["amount"] if p["status"] == "FULLY_REFUNDED" else Decimal(0),
                            is_open=p["open"],
                            needs_review=p["review"],
                            review_reason="Cascad answered an amount different from the order's" if p["review"] else "",
                            paid_at=p["created"] + datetime.timedelta(minutes=1) if paid else None,
                            created_at=p["created"],
                            updated_at=p["created"] + datetime.timedelta(minutes=2),
                        )
                    )
            Payment.objects.bulk_create(rows, batch_size=batch)
            inserted += len(rows)
    return inserted


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("cascad_wagtail_payment", "shop_order", "wagtailcore_site"):
            cursor.execute(f"VACUUM ANALYZE {table}")


# -- the cases --------------------------------------------------------------------------------------


#: Marks a case measured with a proposed change applied in this process only (a what-if; none today).
PROPOSED = " *"


def cases(newest: list[dict], now: datetime.datetime) -> dict[str, tuple[dict, object]]:
    """Each case's query parameters and the change it is measured with (``None``: the code as it is).

    The searches look for a payment among ``newest``, so that they find it at both sizes.
    """
    target = newest[len(newest) // 2]
    local = target["email"].split("@")[0]
    month = {"from": (now - datetime.timedelta(days=30)).date().isoformat(), "to": now.date().isoformat()}
    paid = {"status": "FULLY_CHARGED"}
    rare = {"status": ["PENDING", "NOT_CHARGED"]}
    return {
        "plain": ({}, None),
        "status paid": (paid, None),
        "status pending+not charged": (rare, None),
        "currency USD": ({"currency": "USD"}, None),
        "created last 30 days": ({"created_from": month["from"], "created_to": month["to"]}, None),
        "paid last 30 days": ({"paid_from": month["from"], "paid_to": month["to"]}, None),
        "needs review": ({"needs_review": "true"}, None),
        "search email, whole name": ({"q": local + "@"}, None),
        "search email, 5 letters": ({"q": local[:5]}, None),
        "search invoice id": ({"q": target["invoice_id"]}, None),
        "search order number": ({"q": f"#{target['_pk']}"}, None),
    }


def matched(params: dict) -> int:
    """How many payments a case's filters and search select (counted apart, untimed)."""
    from django.http import QueryDict

    from cascad_wagtail.admin.filters import PaymentFilterSet, search_payments
    from cascad_wagtail.models import Payment

    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    filterset = PaymentFilterSet(data, queryset=Payment.objects.all())
    assert filterset.is_valid(), filterset.errors
    return search_payments(filterset.qs, data.get("q", "")).count()


class Recorder:
    """Every query's SQL, parameters and duration (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - started))


def is_count(sql: str) -> bool:
    return sql.startswith("SELECT COUNT(*)") and "cascad_wagtail_payment" in sql


def get(client, url: str, patch):
    with patch() if patch else contextlib.nullcontext():
        return client.get(url)


def measure(client, urls: dict[str, tuple[str, object]], runs: int, warmup: int) -> dict[str, dict]:
    """Per case and request: wall time, queries, SQL time, COUNT(*) time, each query's duration, and
    the CPU time of this process and of the PostgreSQL backend serving it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keys = ("wall", "sql", "count", "cpu", "db_cpu", "per_query")
    results = {name: {"queries": set(), **{key: [] for key in keys}} for name in urls}
    for _ in range(warmup):
        for url, patch in urls.values():
            assert get(client, url, patch).status_code == 200, url
    with connection.cursor() as cursor:  # the test Client keeps the connection between requests
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    gc.collect()
    for _ in range(runs):
        for name, (url, patch) in urls.items():
            recorder = Recorder()
            with (
                patch() if patch else contextlib.nullcontext(),
                CaptureQueriesContext(connection) as captured,
                connection.execute_wrapper(recorder),
            ):
                db_cpu, cpu, started = cpu_seconds([backend]), time.process_time(), time.perf_counter()
                response = client.get(url)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                db_cpu = cpu_seconds([backend]) - db_cpu
            assert response.status_code == 200, (url, response.status_code)
            result = results[name]
            result["queries"].add(len(captured.captured_queries))
            result["wall"].append(wall)
            result["cpu"].append(cpu)
            result["db_cpu"].append(db_cpu)
            result["sql"].append(sum(duration for _, _, duration in recorder.queries))
            result["count"].append(sum(duration for sql, _, duration in recorder.queries if is_count(sql)))
            result["per_query"].append(recorder.queries)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] == backend, "the database connection changed during the run"
    return results


def rows_shown(client, url: str, patch) -> int:
    html = get(client, url, patch).content.decode()
    return len(set(re.findall(re.escape(INDEX) + r'(\d+)/"', html)))


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) > 1 else samples[0]


def slowest(result: dict) -> tuple[str, object, float]:
    """The query on the payments table with the highest median duration over the runs (each run
    runs the same queries in the same order)."""
    runs = result["per_query"]
    length = min(len(queries) for queries in runs)
    medians = [statistics.median(queries[i][2] for queries in runs) for i in range(length)]
    on_payments = [i for i in range(length) if "cascad_wagtail_payment" in runs[-1][i][0]]
    index = max(on_payments, key=medians.__getitem__)
    sql, params, _ = runs[-1][index]
    return sql, params, medians[index]


def explain(sql: str, params) -> str:
    from django.db import connection

    if sql.lstrip().upper().startswith("DECLARE"):
        sql = sql[sql.upper().index(" FOR ") + 5 :]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


def table(urls: dict[str, tuple[str, object]], small: dict, large: dict, small_n: int, large_n: int) -> str:
    """The comparison: rows, queries, wall time (median, p95), SQL and COUNT(*) time, CPU at both sizes."""
    lines = [
        f"{'case':<28} {'rows shown':>11} {'matched':>14} {'queries':>9} {'median ms':>24} {'p95 ms':>24} "
        f"{'SQL ms, median':>17} {'COUNT(*) ms':>17} {'CPU ms/req: app+db':>24}",
        f"{'':<28} {'S / L':>11} {'S / L':>14} {'S / L':>9} {'S / L / ratio':>24} {'S / L / ratio':>24} "
        f"{'S / L':>17} {'S / L':>17} {'S / L / ratio':>24}",
    ]
    for name in urls:
        a, b = small["results"][name], large["results"][name]
        queries = ["/".join(str(q) for q in sorted(r["queries"])) for r in (a, b)]
        wall = [statistics.median(r["wall"]) for r in (a, b)]
        tail = [p95(r["wall"]) for r in (a, b)]
        cpu = [statistics.fmean(r["cpu"]) + statistics.fmean(r["db_cpu"]) for r in (a, b)]
        lines.append(
            f"{name:<28} {small['shown'][name]:>4} / {large['shown'][name]:<4} "
            f"{small['matched'][name]:>5} / {large['matched'][name]:<6} {queries[0]:>3} / {queries[1]:<3} "
            f"{ms(wall[0])} / {ms(wall[1])} / {wall[1] / wall[0]:4.2f}  "
            f"{ms(tail[0])} / {ms(tail[1])} / {tail[1] / tail[0]:4.2f}  "
            f"{ms(statistics.median(a['sql']))} / {ms(statistics.median(b['sql']))}  "
            f"{ms(statistics.median(a['count']))} / {ms(statistics.median(b['count']))}  "
            f"{ms(cpu[0])} / {ms(cpu[1])} / {cpu[1] / cpu[0]:4.2f}"
        )
    lines.append(f"S = {small_n} payments, L = {large_n}; ratio = L / S; {PROPOSED.strip()} = with the proposed change")
    lines.append(
        "CPU: mean per request of this process (time.process_time) plus the PostgreSQL backend serving it "
        "(/proc/<pid>/stat, 10 ms ticks, so a mean over the requests)"
    )
    lines += [f"  {name:<28} {url}" for name, (url, _) in urls.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="timed requests per case and size (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per case first (default 5)")
    parser.add_argument("--small", type=int, default=100, help="payments first (default 100)")
    parser.add_argument("--large", type=int, default=100_000, help="payments then (default 100000)")
    parser.add_argument(
        "--drop-index",
        action="append",
        default=[],
        metavar="NAME",
        help="drop this index after migrating, to measure without it (repeatable)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print the plans at the small size")
    args = parser.parse_args()
    if not 2 <= args.n <= 1000 or not 0 < args.small < args.large <= 1_000_000:
        parser.error("use 2 <= n <= 1000 and 0 < small < large <= 1000000")

    began = time.monotonic()
    with Stack() as stack:
        stack.env["DJANGO_ALLOWED_HOSTS"] = "testserver"  # the test Client's host
        stack.create_database()
        stack.setup_django("sandbox_site.settings")
        from django.db import connection

        if connection.vendor != "postgresql" or connection.settings_dict["NAME"] != stack.db_name:
            raise SystemExit(f"not on the bench database: {connection.vendor} {connection.settings_dict['NAME']}")
        with connection.cursor() as cursor:
            for name in args.drop_index:
                cursor.execute(f'DROP INDEX "{name}"')
                print(f"dropped index {name}")
        migrated = time.monotonic()

        import django
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.utils import timezone
        from wagtail.models import Site

        from cascad_wagtail.models import Payment

        default = Site.objects.get(is_default_site=True)
        other = Site.objects.create(hostname="second.example", port=80, root_page=default.root_page, site_name="Second")
        sites = [default, other]
        user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench")
        client = Client()
        client.force_login(user)

        now = timezone.now()
        orders = history(args.large, now)
        payments = [p for order in orders for p in order]
        newest = payments[-args.small :]
        for p in [p for p in newest if p["status"] in PAID][:2]:
            p["review"] = True  # so that the needs-review list is not empty with the newest alone
        boundary = args.large - args.small
        first = [order for order in orders if order[-1]["number"] >= boundary]
        insert(first, sites, skip_numbers={p["number"] for p in payments[:boundary]})
        vacuum_analyze()
        assert Payment.objects.count() == args.small
        urls = {
            name: (INDEX + ("?" + urlencode(params, doseq=True) if params else ""), patch)
            for name, (params, patch) in cases(newest, now).items()
        }
        print(
            f"set-up: migrate {migrated - began:.1f} s; {args.small} payments; Django {django.get_version()}, "
            f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}; in-process test Client, "
            f"superuser; {args.n} timed requests per case and size after {args.warmup} untimed",
            flush=True,
        )

        def phase(size: int) -> dict:
            found = {name: matched(params) for name, (params, _) in cases(newest, now).items()}
            shown = {name: rows_shown(client, url, patch) for name, (url, patch) in urls.items()}
            measured = measure(client, urls, args.n, args.warmup)
            print(f"measured at {size} payments ({time.monotonic() - began:.0f} s)", flush=True)
            return {"matched": found, "shown": shown, "results": measured}

        small = phase(args.small)
        if args.verbose:
            for name, result in small["results"].items():
                sql, params, median = slowest(result)
                print(
                    f"\n-- {name} at {args.small}: slowest query on the payments table, median {median * 1000:.2f} ms"
                )
                print(explain(sql, params))

        grown = time.monotonic()
        rest = [order for order in orders if order[0]["number"] < boundary]
        inserted = insert(rest, sites, skip_numbers={p["number"] for p in newest})
        vacuum_analyze()
        assert Payment.objects.count() == args.large, Payment.objects.count()
        print(
            f"grew to {args.large} payments: {inserted} inserted, VACUUM ANALYZE, in {time.monotonic() - grown:.1f} s"
        )
        large = phase(args.large)

        print()
        print(table(urls, small, large, args.small, args.large))
        for name, (url, _) in urls.items():
            sql, params, median = slowest(large["results"][name])
            print(f"\n-- {name} at {args.large}: {url}")
            print(f"slowest query on the payments table (median {median * 1000:.2f} ms):")
            print(sql if len(sql) < 600 else sql[:300] + " … " + sql[-280:])
            print(explain(sql, params))
        print(f"\ntotal run time {time.monotonic() - began:.0f} s; load average at the end {load_average()}")


def load_average() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


if __name__ == "__main__":
    sys.exit(main())
