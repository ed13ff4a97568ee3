"""The storefront API's checkout at ``/graphql/``: a 50-line checkout against a 1-line one.

Three operations, each as SDK 0.3.0-10 sends it (its exact document text from the spec's wire
capture, ``/work/shared/spec/saleor/sdk-0.3.0-10-wire-documents.graphql``, batched as a one-item JSON
array), for checkouts of 1 line and of 50 lines:

- ``details``: the ``CheckoutDetails`` query (the ``Checkout`` fragment: lines with their variants,
  prices, addresses, shipping methods, gateways). Read-only, so it is sent many times.
- ``complete``: the first ``checkoutComplete`` of a checkout with a payment created: the order is
  placed (the variants locked, the stock taken, the order and its lines written) and its invoice is
  created at Cascad (the emulator); the answer is the redirect to Cascad's payment page.
- ``paid``: ``checkoutComplete`` once that invoice has been paid through the emulator's control API
  (success card): the payment is refreshed from Cascad, marked paid, the checkout deleted, and the
  answer is the order. Each checkout goes through ``complete`` and ``paid`` once.
- ``bare``: ``POST /bare/``, a Django view that only answers ``ok``, on the same server: the floor.

The stack (``stack.py``): a fresh PostgreSQL database (created, migrated, dropped), Redis db 14 as
the settings' Celery broker (flushed before and after; no worker runs), the emulator in
``manual`` callback mode (no callbacks load the server while it is measured), and gunicorn with 2
sync workers serving ``bench.bench_settings``: the demo shop's settings (``sandbox_site.settings``,
whose storefront adapter is ``sandbox_site.shop.storefront.SandboxStorefront`` and whose
``CASCAD_CHANNELS`` maps ``default-channel`` to the default site) plus ``/bare/``. The demo is seeded
(``seed_demo``'s own code) with the default site set to the gunicorn's ``127.0.0.1:<port>`` and its
``CascadSettings`` pointing at the emulator with the emulator's sandbox keys; the variants are topped
up to 50 (extra variants on the demo's product pages) with a million units of stock each.

Checkouts are prepared over HTTP with the SDK's own ``CreateCheckout`` (lines, email, shipping and
billing address), ``UpdateCheckoutShippingMethod`` (the courier) and ``CreateCheckoutPayment`` (the
amount the SDK computes from the ``Checkout`` fragment). A 1-line checkout buys one of the 50
variants (in turn), a 50-line one buys one of each.

Every case is measured twice, each time with the 1-line and the 50-line side (and, for ``details``,
the bare view) interleaved in rounds that alternate which side goes first:

- with ``-c`` client threads (default 4) against the 2 workers: requests/s, p50 and p99 latency,
  CPU per request of the gunicorn workers, the PostgreSQL backends and the emulator;
- with 1 client, one request at a time: p50 and p99 latency.

Every request opens its own connection (gunicorn's sync workers close it after each answer anyway),
and every answer is checked (no GraphQL errors, the number of lines, the redirect, the paid order).

Query counts cannot come from gunicorn's workers, so the same operations on other checkouts of the
same database (``--in-process`` per size, after one warm-up) are run in this process through
Django's test ``Client`` with ``CaptureQueriesContext``, and each request's time is split (see
``InProcess``): GraphQL parse, validate, the resolvers' own Python, the SQL, the calls to Cascad, the
JSON encoding, the rest of Django. ``--profile TOP`` also runs one more 50-line request per case under
cProfile and prints its own time by package and its ``TOP`` functions.

Run: ``.venv/bin/python bench/bench_graphql_checkout.py [-n 100] [--sequential 30] [-c 4] [--profile 15]``
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import cProfile
import http.client
import json
import os
import pstats
import re
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from stack import ROOT, SUCCESS_CARD, CpuMeter, Stack, children_of, cpu_seconds, machine_busy_seconds

SETTINGS = "bench.bench_settings"
WIRE_FILE = ROOT.parent / "shared" / "spec" / "saleor" / "sdk-0.3.0-10-wire-documents.graphql"
HEADER = re.compile(r"^# ===== operationName: (\w+)\s+\((.*)\)\n# example variables: (.*)\n", re.M)
OPERATIONS = (
    "CreateCheckout",
    "UpdateCheckoutShippingMethod",
    "CreateCheckoutPayment",
    "CheckoutDetails",
    "CompleteCheckout",
)
CHANNEL = "default-channel"
RETURN_ORIGIN = "https://storefront.example.test"
RETURN_URL = f"{RETURN_ORIGIN}/checkout/payment-confirm"
LINES = 50
STOCK = 1_000_000
SIZES = (1, LINES)
CASES = ("details", "complete", "paid")
TITLES = {
    "details": "CheckoutDetails query",
    "complete": "checkoutComplete, 1st call",
    "paid": "checkoutComplete, paid",
    "bare": "bare Django view",
}


# -- the SDK's documents -----------------------------------------------------------------------------


def sdk_documents() -> dict[str, tuple[str, dict]]:
    """``name: (text, example variables)`` of the operations used here, exactly as captured on the wire."""
    if not WIRE_FILE.exists():
        raise SystemExit(f"the SDK's wire capture is missing: {WIRE_FILE}")
    text = WIRE_FILE.read_text(encoding="utf-8")
    found = list(HEADER.finditer(text))
    documents = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        documents.setdefault(match.group(1), (text[match.end() : end], json.loads(match.group(3))))
    missing = set(OPERATIONS) - set(documents)
    if missing:
        raise SystemExit(f"{WIRE_FILE} has no section for {sorted(missing)}")
    return documents


DOCUMENTS = sdk_documents()


def body(name: str, variables: dict) -> bytes:
    """The HTTP body SDK 0.3.0-10 sends: a JSON array holding the one operation."""
    text, _example = DOCUMENTS[name]
    return json.dumps([{"operationName": name, "variables": variables, "query": text}]).encode()


def example(name: str) -> dict:
    return json.loads(json.dumps(DOCUMENTS[name][1]))


def result_of(answer: bytes) -> dict:
    """The ``data`` of a one-operation batch answer; ``ValueError`` on any GraphQL error."""
    (result,) = json.loads(answer, parse_float=Decimal)
    if result.get("errors"):
        raise ValueError(f"GraphQL errors: {result['errors']}")
    return result["data"]


# -- HTTP ----------------------------------------------------------------------------------------------


def post(port: int, path: str, payload: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST", path, body=payload, headers={"Content-Type": "application/json", "User-Agent": "Cascad-Bench/1"}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def send(port: int, name: str, variables: dict) -> dict:
    status, answer = post(port, "/graphql/", body(name, variables))
    if status != 200:
        raise RuntimeError(f"{name}: HTTP {status} {answer[:300]!r}")
    return result_of(answer)


def sdk_amount(checkout: dict) -> Decimal:
    """The amount SDK 0.3.0-10 pays: Σ lines' gross + the shipping method's price − the discount."""
    lines = sum((line["totalPrice"]["gross"]["amount"] for line in checkout["lines"]), Decimal(0))
    shipping = checkout["shippingMethod"]["price"]["amount"] if checkout["shippingMethod"] else 0
    discount = checkout["discount"]["amount"] if checkout["discount"] else 0
    return (lines + shipping - discount).quantize(Decimal("0.01"))


class Catalogue:
    """What a checkout is made of: the 50 variants' and the courier's global ids."""

    def __init__(self, variant_ids: list[str], courier_id: str) -> None:
        self.variant_ids, self.courier_id = variant_ids, courier_id

    def lines(self, size: int, number: int) -> list[dict]:
        if size == 1:
            return [{"quantity": 1, "variantId": self.variant_ids[number % len(self.variant_ids)]}]
        return [{"quantity": 1, "variantId": variant_id} for variant_id in self.variant_ids[:size]]


def prepare_checkout(port: int, catalogue: Catalogue, size: int, number: int) -> dict:
    """A checkout ready for ``checkoutComplete``, made as the SDK makes it; its ``id`` and ``token``."""
    variables = example("CreateCheckout")
    address = variables["checkoutInput"]["shippingAddress"]
    variables["checkoutInput"].update(channel=CHANNEL, lines=catalogue.lines(size, number), billingAddress=address)
    payload = send(port, "CreateCheckout", variables)["checkoutCreate"]
    if payload["errors"]:
        raise RuntimeError(f"CreateCheckout: {payload['errors']}")
    checkout = payload["checkout"]
    payload = send(
        port, "UpdateCheckoutShippingMethod", {"checkoutId": checkout["id"], "shippingMethodId": catalogue.courier_id}
    )["checkoutShippingMethodUpdate"]
    if payload["errors"]:
        raise RuntimeError(f"UpdateCheckoutShippingMethod: {payload['errors']}")
    checkout = payload["checkout"]
    if len(checkout["lines"]) != size:
        raise RuntimeError(f"a checkout of {size} lines has {len(checkout['lines'])}")
    variables = example("CreateCheckoutPayment")
    variables["checkoutId"] = checkout["id"]
    amount = float(sdk_amount(checkout))  # the SDK sends a JS number
    variables["paymentInput"].update(gateway="cascad.payments", amount=amount, returnUrl=RETURN_URL)
    payload = send(port, "CreateCheckoutPayment", variables)["checkoutPaymentCreate"]
    if payload["errors"]:
        raise RuntimeError(f"CreateCheckoutPayment: {payload['errors']}")
    return {"id": checkout["id"], "token": checkout["token"], "size": size}


def prepare(port: int, catalogue: Catalogue, wanted: dict[int, int], threads: int) -> dict[int, list[dict]]:
    """``wanted[size]`` ready checkouts of each size, made over HTTP by ``threads`` clients."""
    jobs = [(size, number) for size, count in wanted.items() for number in range(count)]
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        made = list(pool.map(lambda job: prepare_checkout(port, catalogue, *job), jobs))
    return {size: [checkout for checkout in made if checkout["size"] == size] for size in wanted}


def invoice_id(answer: dict) -> str:
    """The Cascad invoice id in the redirect of a first ``checkoutComplete``."""
    url = json.loads(answer["confirmationData"])["url"]
    return parse_qs(urlsplit(url).query)["cpi"][0]


def pay_all(emulator_url: str, invoice_ids: list[str], threads: int) -> None:
    """Pay every invoice at the emulator, as a customer does on Cascad's page (control API)."""

    def pay(invoice: str) -> None:
        url = urlsplit(emulator_url)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            connection.request(
                "POST",
                f"/_emulator/invoices/{invoice}/pay",
                body=json.dumps(SUCCESS_CARD),
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        status = json.loads(answer)["data"]["attributes"]["status"] if response.status == 200 else None
        if status != "processed":
            raise RuntimeError(f"paying {invoice}: HTTP {response.status} {answer[:300]!r}")

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(pay, invoice_ids))


# -- checking answers ----------------------------------------------------------------------------------


def check(case: str, size: int, status: int, answer: bytes) -> str | None:
    """What is wrong with an answer (``None``: nothing); for ``complete``, the invoice id as ``cpi:…``."""
    if status != 200:
        return f"HTTP {status} {answer[:120]!r}"
    if case == "bare":
        return None if answer == b"ok" else f"bare answered {answer[:80]!r}"
    try:
        data = result_of(answer)
    except ValueError as exc:
        return str(exc)[:300]
    if case == "details":
        checkout = data["checkout"]
        if checkout is None or len(checkout["lines"]) != size:
            return f"CheckoutDetails: {str(checkout)[:200]}"
        return None
    payload = data["checkoutComplete"]
    if payload["errors"]:
        return f"checkoutComplete errors: {payload['errors']}"
    if case == "complete":
        if not payload["confirmationNeeded"] or payload["order"] is not None:
            return f"checkoutComplete did not redirect: {str(payload)[:200]}"
        return f"cpi:{invoice_id(payload)}"
    order = payload["order"]
    if order is None or order["paymentStatus"] != "FULLY_CHARGED" or len(order["lines"]) != size:
        return f"checkoutComplete gave no paid order of {size} lines: {str(payload)[:200]}"
    return None


# -- load ----------------------------------------------------------------------------------------------


class Meters:
    """CPU seconds over a phase: gunicorn workers, PostgreSQL backends, the emulator, the whole machine."""

    def __init__(self, stack: Stack, workers: list[int], emulator_pid: int) -> None:
        self.workers, self.emulator_pid = workers, emulator_pid
        self.database = CpuMeter(stack.database_backends)
        self.started: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        return {
            "app": cpu_seconds(self.workers),
            "emulator": cpu_seconds([self.emulator_pid]),
            "machine": machine_busy_seconds(),
        }

    def start(self) -> None:
        self.database.start()
        self.started = self._now()

    def stop(self) -> dict[str, float]:
        now = self._now()
        return {**{name: now[name] - self.started[name] for name in now}, "db": self.database.stop()}


class Side:
    """One side of a case (a case and a checkout size) with everything measured on it."""

    def __init__(self, case: str, size: int, path: str, bodies: list[bytes]) -> None:
        self.case, self.size, self.path, self.bodies = case, size, path, bodies
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.invoices: list[str] = []
        self.answer_bytes = 0
        self.totals: collections.Counter = collections.Counter()

    @property
    def label(self) -> str:
        return "bare" if self.case == "bare" else f"{self.case} {self.size}"

    def run(self, port: int, chunk: list[bytes], concurrency: int, meters: Meters | None) -> float:
        """Send ``chunk`` with ``concurrency`` threads; the wall time (CPU into ``totals``)."""
        queue = collections.deque(chunk)
        answers: list[tuple[float, int, bytes]] = []
        lock = threading.Lock()

        def client() -> None:
            mine = []
            while True:
                try:
                    payload = queue.popleft()
                except IndexError:
                    break
                started = time.perf_counter()
                try:
                    status, answer = post(port, self.path, payload)
                except (OSError, http.client.HTTPException) as exc:
                    status, answer = 0, f"{exc.__class__.__name__}: {exc}".encode()
                mine.append((time.perf_counter() - started, status, answer))
            with lock:
                answers.extend(mine)

        threads = [threading.Thread(target=client) for _ in range(concurrency)]
        if meters:
            meters.start()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        if meters:
            self.totals.update(meters.stop())
        self.totals["wall"] += wall
        for latency, status, answer in answers:  # checked after the clock stopped
            problem = check(self.case, self.size, status, answer)
            if problem and problem.startswith("cpi:"):
                self.invoices.append(problem[4:])
                problem = None
            if problem:
                self.failures.append(problem)
            self.latencies.append(latency)
            self.answer_bytes += len(answer)
        return wall


def interleave(port: int, sides: list[Side], rounds: int, concurrency: int, meters: Meters | None) -> None:
    """Each side's bodies in ``rounds`` chunks; in each round every side runs once, the order rotating."""
    for number in range(rounds):
        order = sides[number % len(sides) :] + sides[: number % len(sides)]
        for side in order:
            n = len(side.bodies)
            chunk = side.bodies[number * n // rounds : (number + 1) * n // rounds]
            if chunk:
                side.run(port, chunk, concurrency, meters)


def percentile(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def summary(side: Side) -> dict[str, float]:
    done = len(side.latencies)
    ms = [latency * 1000 for latency in side.latencies]
    per = {name: side.totals[name] * 1000 / done for name in ("app", "db", "emulator", "machine")}
    return {
        "n": done,
        "rps": done / side.totals["wall"],
        "p50": percentile(ms, 50),
        "p99": percentile(ms, 99),
        "kb": side.answer_bytes / done / 1024,
        **per,
    }


# -- query counts, in this process ---------------------------------------------------------------------


#: Where a profiled function's own time is counted: the first of these found in its file name.
BUCKETS = [
    ("/cascad_wagtail/graphql/", "cascad_wagtail.graphql (transport, resolvers)"),
    ("/cascad_wagtail/checkout/", "cascad_wagtail.checkout (services)"),
    ("/cascad_wagtail/", "cascad_wagtail, other"),
    ("/sandbox_site/", "sandbox_site (the adapter, models)"),
    ("/site-packages/graphql/", "graphql-core"),
    ("/django/db/", "django.db (ORM)"),
    ("/django/", "django, other"),
    ("/wagtail/", "wagtail"),
    ("/psycopg", "psycopg"),
    ("/requests/", "requests/urllib3"),
    ("/urllib3/", "requests/urllib3"),
]


def bucket(filename: str) -> str:
    if filename == "~":
        return "built-ins (C functions)"
    for part, name in BUCKETS:
        if part in filename:
            return name
    return "stdlib and other"


def profile_text(profiler: cProfile.Profile, top: int) -> str:
    """Own time per package, then the ``top`` functions by own time."""
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    by_bucket: collections.Counter = collections.Counter()
    for (filename, _line, _name), (_cc, _nc, own, _cumulative, _callers) in stats.stats.items():
        by_bucket[bucket(filename)] += own
    lines = [f"    {total * 1000:7.1f} ms under the profiler; own time by package:"]
    lines += [f"    {own * 1000:7.1f} ms {own / total:5.1%}  {name}" for name, own in by_bucket.most_common()]
    lines.append(f"    top {top} functions by own time (ms own / ms cumulative / calls):")
    ranked = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in ranked:
        where = "~" if filename == "~" else f"{'/'.join(Path(filename).parts[-2:])}:{line}"
        lines.append(f"    {own * 1000:7.1f} {cumulative * 1000:7.1f} {calls:7d}  {name}  {where}")
    lines.append(f"    top {top} functions of cascad_wagtail and sandbox_site by cumulative time (same columns):")
    ours = [item for item in stats.stats.items() if "/cascad_wagtail/" in item[0][0] or "/sandbox_site/" in item[0][0]]
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in sorted(
        ours, key=lambda item: item[1][3], reverse=True
    )[:top]:
        where = f"{'/'.join(Path(filename).parts[-2:])}:{line}"
        lines.append(f"    {own * 1000:7.1f} {cumulative * 1000:7.1f} {calls:7d}  {name}  {where}")
    return "\n".join(lines)


#: What the in-process breakdown times: ``(module, attribute)`` wrapped for the length of a request.
TIMED = {
    "parse": ("cascad_wagtail.graphql.execution", "parse"),
    "validate": ("cascad_wagtail.graphql.execution", "validate"),
    "execute": ("cascad_wagtail.graphql.execution", "execute_sync"),
    "json": ("cascad_wagtail.graphql.views", "to_json"),
    "cascad": ("requests.adapters", "HTTPAdapter.send"),
}
#: The storefront adapter's methods (``cascad_wagtail.storefront``), timed together as ``adapter``.
ADAPTER_METHODS = (
    "get_variants",
    "get_shipping_methods",
    "find_voucher",
    "create_order",
    "cancel_order",
    "get_order_info",
    "order_for_token",
)
PARTS = ("wall", "parse", "validate", "resolvers", "adapter", "sql", "cascad", "json", "rest")


class InProcess:
    """Requests through Django's test ``Client`` in this process, each with its queries counted
    (``CaptureQueriesContext``) and its time split into parts that add up to the whole:

    - ``parse``, ``validate``: graphql-core on the SDK's document;
    - ``resolvers``: the Python of ``execute`` (graphql-core's execution, the resolvers, the checkout
      services) outside the adapter, the SQL and the calls to Cascad;
    - ``adapter``: the Python of the storefront adapter's methods, without their SQL;
    - ``sql``: every query's time (an ``execute_wrapper``), wherever it ran;
    - ``cascad``: the calls to Cascad, the emulator (``requests``' ``HTTPAdapter.send``);
    - ``json``: encoding the answer (``to_json``);
    - ``rest``: Django around the view (middleware, reading the request) without its SQL.

    The wrappers are installed in this process only, for the length of each request; a part nested in
    another (the adapter inside execute, SQL inside either) is taken out of the outer one."""

    def __init__(self, port: int, profile: int = 0) -> None:
        from django.test import Client

        self.client = Client(HTTP_HOST=f"127.0.0.1:{port}")
        self.profile = profile
        self.profiles: dict[str, str] = {}
        self.samples: dict[tuple[str, int], list[dict]] = collections.defaultdict(list)
        self.spent: collections.Counter = collections.Counter()
        self.inside: list[str] = []  # the timed parts being run, innermost last

    def _execute(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.spent["sql"] += spent
            self.spent[f"sql in {self.inside[-1] if self.inside else 'django'}"] += spent

    def _timed(self, original, part: str):
        def timed(*args, **kwargs):
            outermost = part not in self.inside  # an adapter method calling another counts once
            self.inside.append(part)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                if outermost:
                    self.spent[part] += time.perf_counter() - started
                self.inside.pop()

        return timed

    @contextlib.contextmanager
    def _timers(self):
        import importlib

        from cascad_wagtail import storefront

        targets = []
        for part, (module_name, attribute) in TIMED.items():
            owner = importlib.import_module(module_name)
            *path, name = attribute.split(".")
            for step in path:
                owner = getattr(owner, step)
            targets.append((owner, name, part))
        adapter = type(storefront.get_adapter())
        targets += [(adapter, name, "adapter") for name in ADAPTER_METHODS if hasattr(adapter, name)]
        # What each owner itself holds (a class may inherit the method: then nothing to put back).
        originals = [(owner, name, vars(owner).get(name)) for owner, name, _part in targets]
        for owner, name, part in targets:
            setattr(owner, name, self._timed(getattr(owner, name), part))
        try:
            yield
        finally:
            for owner, name, original in originals:
                if original is None:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)

    def measure(self, case: str, size: int, payload: bytes, keep: bool = True, profile: bool = False) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if profile:  # alone: no timers, no capture, only the profiler's own overhead
            profiler = cProfile.Profile()
            response = profiler.runcall(self.client.post, "/graphql/", payload, content_type="application/json")
            self.profiles[f"{case} {size}"] = profile_text(profiler, self.profile)
            keep = False
        else:
            self.spent.clear()
            with (
                self._timers(),
                CaptureQueriesContext(connection) as captured,
                connection.execute_wrapper(self._execute),
            ):
                started = time.perf_counter()
                response = self.client.post("/graphql/", payload, content_type="application/json")
                self.spent["wall"] = time.perf_counter() - started
        problem = check(case, size, response.status_code, response.content)
        if problem and not problem.startswith("cpi:"):
            raise RuntimeError(f"in-process {case} of {size} lines: {problem}")
        if keep:
            spent = collections.Counter(self.spent)
            # Nested parts out of the outer ones: the parts then add up to the wall time.
            spent["resolvers"] = spent["execute"] - spent["adapter"] - spent["cascad"] - spent["sql in execute"]
            spent["adapter"] -= spent["sql in adapter"]
            graphql = spent["parse"] + spent["validate"] + spent["execute"] + spent["json"]
            spent["rest"] = spent["wall"] - graphql - spent["sql in django"]
            spent = dict(spent)
            self.samples[case, size].append({"queries": len(captured.captured_queries), **spent})
        return result_of(response.content)

    def run(self, emulator_url: str, checkouts: dict[int, list[dict]], details_runs: int, threads: int) -> None:
        """Every case on each size's checkouts; the first checkout of a size warms up, unrecorded. With
        ``profile``, the last 50-line checkout is run under cProfile instead, also unrecorded."""

        def each(case: str, payload_of) -> list[dict]:
            answers = []
            for size in SIZES:
                for index, checkout in enumerate(checkouts[size]):
                    profiled = bool(self.profile) and size == LINES and index == len(checkouts[size]) - 1
                    runs = details_runs if case == "details" and not profiled else 1
                    for _ in range(runs):
                        answer = self.measure(case, size, payload_of(checkout), keep=index > 0, profile=profiled)
                    answers.append(answer)
            return answers

        each("details", lambda checkout: body("CheckoutDetails", {"token": checkout["token"]}))
        completed = each("complete", lambda checkout: body("CompleteCheckout", {"checkoutId": checkout["id"]}))
        pay_all(emulator_url, [invoice_id(answer["checkoutComplete"]) for answer in completed], threads)
        each("paid", lambda checkout: body("CompleteCheckout", {"checkoutId": checkout["id"]}))

    def counts(self) -> dict[tuple[str, int], dict]:
        """Per case and size: queries per request (a range if they varied) and the median of each part, ms."""
        result = {}
        for key, values in self.samples.items():
            queries = sorted({value["queries"] for value in values})
            result[key] = {
                "queries": str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}",
                **{part: statistics.median(value.get(part, 0.0) for value in values) * 1000 for part in PARTS},
            }
        return result


# -- set-up --------------------------------------------------------------------------------------------


def seed_shop(emulator_url: str, port: int) -> Catalogue:
    """The demo shop, its site on the bench server, Cascad on the emulator; 50 variants, ample stock."""
    from wagtail.models import Locale

    from cascad_wagtail.graphql import global_id
    from sandbox_site.shop.demo.seed import Options, seed
    from sandbox_site.shop.models import ProductPage, ProductVariant, ShippingMethod

    Locale.objects.get_or_create(language_code="en")
    seed(Options(cascad_host=emulator_url, hostname="127.0.0.1", port=port, stock=STOCK), say=lambda _text: None)
    pages = list(ProductPage.objects.live().order_by("path"))
    number = ProductVariant.objects.count()
    while number < LINES:
        page = pages[number % len(pages)]
        first = page.variants.order_by("sort_order").first()
        ProductVariant.objects.create(
            page=page,
            sort_order=100 + number,
            sku=f"BENCH-{number}",
            name=f"Bench edition {number}",
            name_ru=f"Выпуск {number}",
            stock=STOCK,
            image=first.image if first else None,
            price_rub=first.price_rub + number,
            price_usd=first.price_usd,
            price_eur=first.price_eur,
        )
        number += 1
    variants = list(ProductVariant.objects.filter(page__live=True).order_by("pk")[:LINES])
    if len(variants) < LINES:
        raise RuntimeError(f"only {len(variants)} live variants")
    courier = ShippingMethod.objects.get(name="Courier")
    return Catalogue([global_id("ProductVariant", v.pk) for v in variants], global_id("ShippingMethod", courier.pk))


def emulator_pid() -> int:
    for pid in children_of(os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"cascad_wagtail.emulator" in cmdline:
            return pid
    raise RuntimeError("the emulator process was not found")


# -- report --------------------------------------------------------------------------------------------


#: The HTTP table's columns: (group, heading, source, key, decimals, width).
COLUMNS = [
    ("load", "req/s", "loaded", "rps", 1, 9),
    ("load", "p50 ms", "loaded", "p50", 1, 9),
    ("load", "p99 ms", "loaded", "p99", 1, 9),
    ("1 client", "p50 ms", "sequential", "p50", 1, 9),
    ("1 client", "p99 ms", "sequential", "p99", 1, 9),
    ("CPU ms/request", "app", "loaded", "app", 1, 8),
    ("CPU ms/request", "db", "loaded", "db", 1, 7),
    ("CPU ms/request", "emul.", "loaded", "emulator", 1, 7),
    ("", "queries", "counts", "queries", 0, 9),
    ("", "KB out", "loaded", "kb", 1, 8),
]
#: The in-process table's columns (all from ``counts``).
PART_COLUMNS = [
    ("in-process, median ms", "total", "counts", "wall", 1, 9),
    ("in-process, median ms", "parse", "counts", "parse", 1, 8),
    ("in-process, median ms", "validate", "counts", "validate", 1, 9),
    ("in-process, median ms", "resolve", "counts", "resolvers", 1, 9),
    ("in-process, median ms", "adapter", "counts", "adapter", 1, 9),
    ("in-process, median ms", "SQL", "counts", "sql", 1, 7),
    ("in-process, median ms", "Cascad", "counts", "cascad", 1, 8),
    ("in-process, median ms", "JSON", "counts", "json", 1, 7),
    ("in-process, median ms", "rest", "counts", "rest", 1, 7),
]


def fmt(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return value if isinstance(value, str) else f"{value:.{digits}f}"


def report(loaded: dict, sequential: dict, counts: dict, columns: list, load_title: str, bare: bool) -> str:
    """A table: per case the 1-line and the 50-line rows and their ratio (then, if ``bare``, the bare view)."""
    groups, headings = f"{'':<29}", f"{'case':<22}{'lines':>7}"
    for index, (group, heading, _source, _key, _digits, width) in enumerate(columns):
        span = [column for column in columns if column[0] == group]
        if index == columns.index(span[0]):
            title = load_title if group == "load" else group
            total = sum(column[5] for column in span)
            groups += f"  {' ' + title + ' ' if title else '':-^{total - 2}}"
        headings += f"{heading:>{width}}"
    rows = [groups, headings]

    def row(title: str, lines: str, values: dict[str, dict], rps_digits: int = 1) -> str:
        text = f"{title:<22}{lines:>7}"
        for _group, _heading, source, key, digits, width in columns:
            value = (values.get(source) or {}).get(key)
            text += f"{fmt(value, rps_digits if key == 'rps' else digits):>{width}}"
        return text

    def ratio(fifty: dict | None, one: dict | None) -> dict:
        if not fifty or not one:
            return {}
        result = {}
        for key, value in fifty.items():
            if isinstance(value, str):
                result[key] = f"{value}/{one[key]}"
            elif one.get(key):
                result[key] = value / one[key]
        return result

    for case in CASES:
        sides = {
            size: {
                "loaded": loaded.get(f"{case} {size}"),
                "sequential": sequential.get(f"{case} {size}"),
                "counts": counts.get((case, size)),
            }
            for size in SIZES
        }
        rows.append(row(TITLES[case], "1", sides[1]))
        rows.append(row("", str(LINES), sides[LINES]))
        ratios = {source: ratio(sides[LINES][source], sides[1][source]) for source in sides[1]}
        rows.append(row(f"  ratio {LINES}/1", "", ratios, rps_digits=2))
    if bare:
        rows.append(row(TITLES["bare"], "", {"loaded": loaded["bare"], "sequential": sequential["bare"]}))
    return "\n".join(rows)


# -- main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="checkouts per size completed under load (default 100)")
    parser.add_argument("--sequential", type=int, default=30, help="… and one at a time (default 30)")
    parser.add_argument("--details", type=int, default=300, help="CheckoutDetails per size under load (default 300)")
    parser.add_argument("--details-sequential", type=int, default=60, help="… and one at a time (default 60)")
    parser.add_argument("-c", "--concurrency", type=int, default=4, help="client threads under load (default 4)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds per case (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--in-process", type=int, default=4, help="checkouts per size counted in-process (+1 warm-up)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="TOP", help="also cProfile one 50-line request per case in-process"
    )
    args = parser.parse_args()
    if not (args.rounds <= args.n <= 2000 and 1 <= args.concurrency <= 32 and 2 <= args.sequential <= 500):
        parser.error("use rounds <= n <= 2000, 1 <= concurrency <= 32, 2 <= sequential <= 500")

    began = time.monotonic()
    with Stack() as stack:
        stack.env["SANDBOX_STOREFRONT_ORIGINS"] = RETURN_ORIGIN
        stack.create_database()
        stack.flush_redis()
        emulator_url = stack.start_emulator("--callback-mode", "manual")
        stack.setup_django(SETTINGS)
        server = stack.start_gunicorn(SETTINGS, workers=args.workers)
        workers = server.worker_pids()
        catalogue = seed_shop(emulator_url, server.port)
        migrated = time.monotonic()

        warm = 2
        wanted = {size: warm + args.n + args.sequential for size in SIZES}
        loaded_checkouts = prepare(server.port, catalogue, wanted, args.concurrency)
        extra = {1: 0, LINES: 1 if args.profile else 0}  # the profiled checkout
        counted = prepare(
            server.port, catalogue, {size: args.in_process + 1 + extra[size] for size in SIZES}, args.concurrency
        )
        prepared = time.monotonic()
        print(
            f"set-up: migrate + seed {migrated - began:.1f} s; {sum(wanted.values())} checkouts for the HTTP runs "
            f"and {sum(len(c) for c in counted.values())} for the in-process counts prepared over HTTP in "
            f"{prepared - migrated:.1f} s",
            flush=True,
        )

        meters = Meters(stack, workers, emulator_pid())

        def details_bodies(size: int, count: int) -> list[bytes]:
            pool = loaded_checkouts[size][warm:]  # the warm-up ones are completed (and gone) first
            return [body("CheckoutDetails", {"token": pool[i % len(pool)]["token"]}) for i in range(count)]

        def complete_bodies(checkouts: list[dict]) -> list[bytes]:
            return [body("CompleteCheckout", {"checkoutId": checkout["id"]}) for checkout in checkouts]

        bare_body = b'[{"operationName": "Bare"}]'
        split = {
            size: {
                "warm": loaded_checkouts[size][:warm],
                "load": loaded_checkouts[size][warm : warm + args.n],
                "sequential": loaded_checkouts[size][warm + args.n :],
            }
            for size in SIZES
        }

        # Warm-up, untimed: both workers see every case once or more.
        for size in SIZES:
            for _ in range(4):
                for payload in details_bodies(size, 2):
                    post(server.port, "/graphql/", payload)
        for _ in range(8):
            post(server.port, "/bare/", bare_body)
        warm_sides = [Side("complete", size, "/graphql/", complete_bodies(split[size]["warm"])) for size in SIZES]
        for side in warm_sides:
            side.run(server.port, side.bodies, 2, None)
        pay_all(emulator_url, [i for side in warm_sides for i in side.invoices], args.concurrency)
        for side in warm_sides:
            Side("paid", side.size, "/graphql/", side.bodies).run(server.port, side.bodies, 2, None)

        loaded: dict[str, Side] = {}
        sequential: dict[str, Side] = {}
        phase_began = time.monotonic()
        # (a) CheckoutDetails, with the bare view as the floor.
        for mode, count, concurrency, into in (
            ("load", args.details, args.concurrency, loaded),
            ("sequential", args.details_sequential, 1, sequential),
        ):
            sides = [Side("details", size, "/graphql/", details_bodies(size, count)) for size in SIZES]
            sides.append(Side("bare", 0, "/bare/", [bare_body] * count))
            interleave(server.port, sides, args.rounds, concurrency, meters if mode == "load" else None)
            into.update({side.label: side for side in sides})
        details_done = time.monotonic()
        # (b) the first checkoutComplete: order + invoice.
        for mode, concurrency, into in (("load", args.concurrency, loaded), ("sequential", 1, sequential)):
            sides = [Side("complete", size, "/graphql/", complete_bodies(split[size][mode])) for size in SIZES]
            interleave(server.port, sides, args.rounds, concurrency, meters if mode == "load" else None)
            into.update({side.label: side for side in sides})
        complete_done = time.monotonic()
        # (c) checkoutComplete once paid: the order.
        invoices = [i for into in (loaded, sequential) for size in SIZES for i in into[f"complete {size}"].invoices]
        pay_all(emulator_url, invoices, args.concurrency)
        paid_at = time.monotonic()
        for mode, concurrency, into in (("load", args.concurrency, loaded), ("sequential", 1, sequential)):
            sides = [Side("paid", size, "/graphql/", complete_bodies(split[size][mode])) for size in SIZES]
            interleave(server.port, sides, args.rounds, concurrency, meters if mode == "load" else None)
            into.update({side.label: side for side in sides})
        paid_done = time.monotonic()
        if server.worker_pids() != workers:
            print(f"warning: gunicorn workers changed during the run: {workers} -> {server.worker_pids()}")

        # Query counts and the in-process breakdown, on checkouts of their own.
        in_process = InProcess(server.port, args.profile)
        in_process.run(emulator_url, counted, details_runs=5, threads=args.concurrency)
        counts = in_process.counts()

        from cascad_wagtail.models import Checkout, Payment
        from sandbox_site.shop.models import Order

        orders = Order.objects.count()
        paid_orders = Order.objects.filter(paid_at__isnull=False).count()
        payments = Payment.objects.count()
        checkouts_left = Checkout.objects.count()
        queued = stack.redis().llen("celery")
        server_log = server.log()
        profiles = in_process.profiles

    expected_orders = 2 * (2 + args.n + args.sequential + args.in_process + 1) + extra[LINES]
    failures = {label: side.failures for label, side in {**loaded, **sequential}.items() if side.failures}
    loaded_summary = {label: summary(side) for label, side in loaded.items()}
    sequential_summary = {label: summary(side) for label, side in sequential.items()}
    print(
        f"\nnproc {os.cpu_count()}, gunicorn {args.workers} sync workers, load from {args.concurrency} client threads "
        f"and from 1, in {args.rounds} interleaved rounds per case; per size: {args.details} + "
        f"{args.details_sequential} CheckoutDetails, {args.n} + {args.sequential} checkouts completed (then paid "
        f"and completed again); in-process: {args.in_process} checkouts per size after 1 warm-up, "
        f"CheckoutDetails 5 times each"
    )
    print(
        f"timed phases: details {details_done - phase_began:.0f} s, "
        f"first complete {complete_done - details_done:.0f} s, "
        f"paying {len(invoices)} invoices at the emulator {paid_at - complete_done:.1f} s, paid complete "
        f"{paid_done - paid_at:.0f} s\n"
    )
    load_title = f"{args.concurrency} clients"
    print(report(loaded_summary, sequential_summary, counts, COLUMNS, load_title, bare=True))
    print()
    print(report({}, {}, counts, PART_COLUMNS, load_title, bare=False))
    print(
        "\nload: requests/s and latency with the clients above; 1 client: latency one request at a time. CPU: "
        "per request under load, of the gunicorn workers (app), the PostgreSQL backends (db) and the emulator "
        "(emul.), from /proc/<pid>/stat in 10 ms ticks. queries: per request, in-process. KB out: the answer.\n"
        "in-process: medians through the test Client, in parts that add up to the total: parse/validate: "
        "graphql-core on the SDK's document; resolve: the Python of execute (graphql-core, the resolvers, the "
        "checkout services) outside the shop's adapter; adapter: the Python of the storefront adapter's methods; "
        "SQL: all of the request's queries; Cascad: the calls to the emulator; JSON: encoding the answer; "
        "rest: Django around the view"
    )
    machine = {label: value["machine"] for label, value in loaded_summary.items()}
    print("whole-machine CPU ms per request under load: " + ", ".join(f"{k} {v:.2f}" for k, v in machine.items()))
    print(
        f"check: {orders} orders ({paid_orders} paid), {payments} payments, {checkouts_left} checkouts left "
        f"(expected {expected_orders} paid orders and none left); {queued} Celery messages queued in Redis; "
        f"failed answers: {sum(len(f) for f in failures.values())}"
    )
    for label, text in profiles.items():
        print(f"\ncProfile of one in-process {label}-line request:\n{text}")
    for label, problems in failures.items():
        for problem, times in collections.Counter(problems).most_common(3):
            print(f"  {label}: {times} x {problem}")
    if failures:
        print("gunicorn log tail:\n" + "".join(server_log.splitlines(keepends=True)[-30:]))
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
