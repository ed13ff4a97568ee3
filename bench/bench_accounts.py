"""Signed-in customers over the storefront API at ``/graphql/``: ``me``, ``me.orders`` and ``tokenCreate``.

Three phases, each with its sides interleaved in one run; every document is SDK 0.3.0-10's text as it
stands (``UserDetails`` and ``TokenAuth`` from the spec's wire capture,
``/work/shared/spec/saleor/sdk-0.3.0-10-wire-documents.graphql``; ``OrdersByUser`` from the package,
``tests/graphql/sdk-extra-documents.graphql``), sent as a one-item JSON array:

1. ``me``: ``UserDetails`` anonymous (no header: ``me`` is null) against the same document with
   ``Authorization: JWT <token>`` (the token decoded, the customer read) and the bare view (``POST
   /bare/``, a Django view that only answers ``ok``: the floor). The tokens come from ``tokenCreate``
   over HTTP at the start of the phase (they live 5 minutes).
2. ``me.orders``: ``OrdersByUser`` with ``perPage: 20`` for a customer with 1 order and one with 20,
   and ``perPage: 100`` for one with 100 (sent a quarter as many times: it is slow). The orders are
   placed with the demo shop's own ``place_order(..., user=customer)``, 2 lines each (variants in
   turn); every 5th is also paid through the emulator as the demo's seed pays its customer's orders
   (``services.start_payment``, the control API's success card, ``services.refresh_payment``).
3. ``tokenCreate`` (``TokenAuth``): the right password; a wrong one for an unknown email (a fresh
   random email each time); a wrong one for a known email (a different customer each time, so no
   account ever has more than one failure); the right password for an account the rate limit locks
   (5 failures in the window, made over HTTP at set-up): refused without checking the password.
   Every failed attempt stays counted against its client address (30 per 15 minutes), so each wrong
   password is sent from a fresh loopback address (``127.100.x.y``: ``REMOTE_ADDR`` is the peer's);
   the right and the refused ones come from ``127.0.0.1``, which never fails.

The stack (``stack.py``) as in ``bench_graphql_checkout.py``: a fresh PostgreSQL database, Redis db 14
(flushed; no worker), the emulator in ``manual`` callback mode, gunicorn with 2 sync workers on
``bench.bench_settings`` (the demo shop's settings, so Django's default PBKDF2 hasher, plus ``/bare/``),
the demo seeded by ``seed_demo``'s own code (``bench_graphql_checkout.seed_shop``). Customers are plain
``auth.User`` rows whose password hash is made once with the default hasher and shared, so signing in
checks a real PBKDF2 hash (and never re-hashes it).

Every phase is measured twice, its sides interleaved in rounds that rotate which side goes first:
with ``-c`` client threads (default 4) against the 2 workers (requests/s, p50/p99, CPU per request of
the workers and the PostgreSQL backends), and with 1 client (p50/p99). The default counts give every
side of a slow case an even number of requests per round (6 sign-ins, 6 pages of 100 orders), so the
two workers stay busy to the end of each round and requests/s is not lowered by a last lone request.
Every request opens its own connection and every answer is checked: no GraphQL errors, ``me`` null
or the right customer, the right orders in the right order with their lines, a token for the right
customer, the error code of a refusal (``INVALID_CREDENTIALS``, ``LOGIN_ATTEMPT_DELAYED``). At the end
the sign-in attempts left in the database must be exactly the failures sent.

``--more-customers N`` adds N customers without orders (one INSERT, then ANALYZE) before anything
is measured: every sign-in attempt looks its email up case-insensitively in the customer table.

Query counts come from this process: the same requests through Django's test ``Client`` with
``CaptureQueriesContext`` (1 warm-up, then ``--in-process`` each), with their median time, the SQL's
and PBKDF2's (``PBKDF2PasswordHasher.encode``). ``--profile TOP`` also runs one more request of five
sides (signed-in, 100 orders, right, unknown email, refused) under cProfile and prints its own time
by package and its ``TOP`` functions.

Run: ``.venv/bin/python bench/bench_accounts.py [-c 4] [--rounds 8] [--profile 15]``
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import http.client
import itertools
import json
import logging
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import NamedTuple

from bench_graphql_checkout import (
    DOCUMENTS,
    HEADER,
    SETTINGS,
    Meters,
    emulator_pid,
    fmt,
    interleave,
    profile_text,
    result_of,
    seed_shop,
    summary,
)
from stack import ROOT, SUCCESS_CARD, Stack

EXTRA_FILE = ROOT / "tests" / "graphql" / "sdk-extra-documents.graphql"
PASSWORD = "bench-customer-password"
WRONG = "not-the-password"
LINES_PER_ORDER = 2
PAY_EVERY = 5  # every 5th order is paid through the emulator
#: label: (the customer's orders, perPage, the share of the phase's requests it gets)
ORDER_SIDES = {"orders 1": (1, 20, 1), "orders 20": (20, 20, 1), "orders 100": (100, 100, 0.25)}
RIGHT_CUSTOMERS = 4
LOCK_FAILURES = 5  # CASCAD_SIGN_IN_FAILURES_PER_ACCOUNT: the next attempt is refused
WARM = 2
BARE_BODY = b'[{"operationName": "Bare"}]'


def extra_document(name: str) -> str:
    """An operation of the SDK's package that the wire capture did not send (it uses no fragments)."""
    text = EXTRA_FILE.read_text(encoding="utf-8")
    found = list(HEADER.finditer(text))
    for index, match in enumerate(found):
        if match.group(1) == name:
            end = found[index + 1].start() if index + 1 < len(found) else len(text)
            return text[match.end() : end]
    raise SystemExit(f"{EXTRA_FILE} has no section for {name}")


TEXTS = {
    "UserDetails": DOCUMENTS["UserDetails"][0],
    "TokenAuth": DOCUMENTS["TokenAuth"][0],
    "OrdersByUser": extra_document("OrdersByUser"),
}


def body(name: str, variables: dict) -> bytes:
    return json.dumps([{"operationName": name, "variables": variables, "query": TEXTS[name]}]).encode()


def jwt_header(token: str) -> dict[str, str]:
    return {"Authorization": f"JWT {token}"}


_addresses = itertools.count()


def fresh_address() -> str:
    """A loopback address no request used before (Linux routes all of 127.0.0.0/8 to ``lo``)."""
    number = next(_addresses)
    return f"127.100.{number // 250}.{number % 250 + 1}"


# -- HTTP ------------------------------------------------------------------------------------------------


class Request(NamedTuple):
    payload: bytes
    headers: dict[str, str]
    source: str  # the client address the connection is made from
    expected: object  # what ``check`` compares the answer with


def post(port: int, path: str, request: Request) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(request.source, 0))
    try:
        headers = {"Content-Type": "application/json", "User-Agent": "Cascad-Bench/1", **request.headers}
        connection.request("POST", path, body=request.payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def sign_in_over_http(port: int, email: str) -> str:
    """An access token from ``tokenCreate``, as the SDK signs in."""
    status, answer = post(
        port, "/graphql/", Request(body("TokenAuth", {"email": email, "password": PASSWORD}), {}, "127.0.0.1", None)
    )
    payload = result_of(answer)["tokenCreate"] if status == 200 else None
    if not payload or payload["errors"] or not payload["token"]:
        raise RuntimeError(f"signing {email} in: HTTP {status} {answer[:300]!r}")
    return payload["token"]


# -- checking answers ----------------------------------------------------------------------------------


def check_me(expected, data: dict) -> str | None:
    me = data["me"]
    if expected is None:
        return None if me is None else f"anonymous UserDetails gave {str(me)[:120]}"
    if me is None or (me["id"], me["email"]) != expected or me["addresses"] != []:
        return f"UserDetails: {str(me)[:160]} (expected {expected})"
    return None


def check_orders(expected, data: dict) -> str | None:
    ids, has_next = expected
    orders = (data["me"] or {}).get("orders")
    if orders is None:
        return f"OrdersByUser gave no orders: {str(data)[:160]}"
    got = [edge["node"]["id"] for edge in orders["edges"]]
    if got != ids or orders["pageInfo"]["hasNextPage"] != has_next:
        return f"OrdersByUser: {len(got)} orders, hasNextPage {orders['pageInfo']['hasNextPage']} (expected {len(ids)})"
    for edge in orders["edges"]:
        lines = edge["node"]["lines"]
        if len(lines) != LINES_PER_ORDER or not all(line["variant"] and line["thumbnail"] for line in lines):
            return f"OrdersByUser: an order's lines are {str(lines)[:160]}"
    return None


def check_token(expected, data: dict) -> str | None:
    payload = data["tokenCreate"]
    if expected in ("INVALID_CREDENTIALS", "LOGIN_ATTEMPT_DELAYED"):
        codes = [error["code"] for error in payload["errors"]]
        if codes != [expected] or payload["token"] is not None or payload["user"] is not None:
            return f"tokenCreate: {codes} (expected {expected})"
        return None
    if (
        payload["errors"]
        or not payload["token"]
        or not payload["csrfToken"]
        or (payload["user"] or {}).get("id") != expected
    ):
        return f"tokenCreate: {str(payload)[:200]} (expected the user {expected})"
    return None


def check(side_check: Callable | None, expected, status: int, answer: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status} {answer[:120]!r}"
    if side_check is None:
        return None if answer == b"ok" else f"bare answered {answer[:80]!r}"
    try:
        data = result_of(answer)
    except ValueError as exc:
        return str(exc)[:300]
    return side_check(expected, data)


# -- load ----------------------------------------------------------------------------------------------


class Side:
    """One side of a phase, its requests (``bodies``, as ``interleave`` calls them) and what was measured."""

    def __init__(self, label: str, path: str, requests: list[Request], side_check: Callable | None) -> None:
        self.label, self.path, self.bodies, self.check = label, path, requests, side_check
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.answer_bytes = 0
        self.totals: collections.Counter = collections.Counter()

    def run(self, port: int, chunk: list[Request], concurrency: int, meters: Meters | None) -> float:
        """Send ``chunk`` with ``concurrency`` threads; the wall time (CPU into ``totals``)."""
        queue = collections.deque(chunk)
        answers: list[tuple[float, Request, int, bytes]] = []
        lock = threading.Lock()

        def client() -> None:
            mine = []
            while True:
                try:
                    request = queue.popleft()
                except IndexError:
                    break
                started = time.perf_counter()
                try:
                    status, answer = post(port, self.path, request)
                except (OSError, http.client.HTTPException) as exc:
                    status, answer = 0, f"{exc.__class__.__name__}: {exc}".encode()
                mine.append((time.perf_counter() - started, request, status, answer))
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
        for latency, request, status, answer in answers:  # checked after the clock stopped
            problem = check(self.check, request.expected, status, answer)
            if problem:
                self.failures.append(problem)
            self.latencies.append(latency)
            self.answer_bytes += len(answer)
        return wall


def measure_phase(port: int, make_sides: Callable[[str], list[Side]], args, meters: Meters) -> dict[str, dict]:
    """The phase's sides under load and one request at a time: ``{"load"|"sequential": {label: Side}}``."""
    result = {}
    for mode, concurrency in (("load", args.concurrency), ("sequential", 1)):
        sides = make_sides(mode)
        interleave(port, sides, args.rounds, concurrency, meters if mode == "load" else None)
        result[mode] = {side.label: side for side in sides}
    return result


# -- in this process -------------------------------------------------------------------------------------


class InProcess:
    """Requests through Django's test ``Client``: their queries (``CaptureQueriesContext``), wall time,
    SQL time (an ``execute_wrapper``) and PBKDF2 time (``PBKDF2PasswordHasher.encode``, which both
    checking and making a hash run)."""

    def __init__(self, port: int, profile: int) -> None:
        from django.test import Client

        self.client = Client(HTTP_HOST=f"127.0.0.1:{port}")
        self.profile = profile
        self.profiles: dict[str, str] = {}
        self.samples: dict[str, list[dict]] = collections.defaultdict(list)
        self.spent: collections.Counter = collections.Counter()

    def _sql(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.spent["sql"] += time.perf_counter() - started

    @contextlib.contextmanager
    def _hash_timer(self):
        from django.contrib.auth.hashers import PBKDF2PasswordHasher

        original = PBKDF2PasswordHasher.encode

        def encode(hasher, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(hasher, *args, **kwargs)
            finally:
                self.spent["hash"] += time.perf_counter() - started

        PBKDF2PasswordHasher.encode = encode
        try:
            yield
        finally:
            PBKDF2PasswordHasher.encode = original

    def measure(self, side: Side, request: Request, keep: bool, profile: bool = False) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def send():
            return self.client.post(
                side.path,
                request.payload,
                content_type="application/json",
                headers=request.headers,
                REMOTE_ADDR=request.source,
            )

        if profile:
            profiler = cProfile.Profile()
            response = profiler.runcall(send)
            self.profiles[side.label] = profile_text(profiler, self.profile)
            keep = False
        else:
            self.spent.clear()
            with (
                self._hash_timer(),
                CaptureQueriesContext(connection) as captured,
                connection.execute_wrapper(self._sql),
            ):
                started = time.perf_counter()
                response = send()
                self.spent["wall"] = time.perf_counter() - started
        problem = check(side.check, request.expected, response.status_code, response.content)
        if problem:
            raise RuntimeError(f"in-process {side.label}: {problem}")
        if keep:
            self.samples[side.label].append({"queries": len(captured.captured_queries), **self.spent})

    def run(self, sides: list[Side], profiled: set[str]) -> None:
        """Each side's requests in turn, the first one a warm-up (and, with ``profile``, one profiled)."""
        for side in sides:
            for index, request in enumerate(side.bodies):
                last = index == len(side.bodies) - 1
                self.measure(
                    side, request, keep=index > 0, profile=bool(self.profile) and last and side.label in profiled
                )

    def counts(self) -> dict[str, dict]:
        result = {}
        for label, values in self.samples.items():
            queries = sorted({value["queries"] for value in values})
            result[label] = {
                "queries": str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}",
                **{
                    part: statistics.median(value.get(part, 0.0) for value in values) * 1000
                    for part in ("wall", "sql", "hash")
                },
            }
        return result


# -- set-up ----------------------------------------------------------------------------------------------


class Customers:
    """The bench's customers, made with the ORM, all with the same real PBKDF2 hash of ``PASSWORD``."""

    def __init__(self, known: int) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from cascad_wagtail.graphql import global_id

        users = get_user_model()
        password = make_password(PASSWORD)  # once: 1,000,000 PBKDF2 iterations take a good half second
        emails = ["me@bench.test", "locked@bench.test"]
        emails += [f"orders-{count}@bench.test" for count, _per_page, _share in ORDER_SIDES.values()]
        emails += [f"right-{number}@bench.test" for number in range(RIGHT_CUSTOMERS)]
        emails += [f"known-{number}@bench.test" for number in range(known)]
        users.objects.bulk_create(
            users(username=email, email=email, password=password, first_name="Bench", last_name=email.split("@")[0])
            for email in emails
        )
        self.by_email = {user.email: user for user in users.objects.filter(email__in=emails)}
        self.gid = {email: global_id("User", user.pk) for email, user in self.by_email.items()}
        self.right = [f"right-{number}@bench.test" for number in range(RIGHT_CUSTOMERS)]
        self.known = iter(f"known-{number}@bench.test" for number in range(known))
        self.orders: dict[str, list[str]] = {}  # email: the orders' global ids, newest first


def add_customers(number: int) -> None:
    """``number`` more customers (``auth.User`` rows in one INSERT, no orders), then ANALYZE: what the
    email lookup of every sign-in costs on a large customer table."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) SELECT '!', false, 'extra-' || n || '@bench.test', '', '', "
            "'extra-' || n || '@bench.test', false, true, now() FROM generate_series(1, %s) AS n",
            [number],
        )
        cursor.execute(f"ANALYZE {table}")


def place_orders(customers: Customers, emulator_url: str) -> tuple[int, int]:
    """Each ``orders-N`` customer's N orders, through the shop's ``place_order``; some of them paid."""
    import requests
    from wagtail.models import Site

    from cascad_wagtail import services
    from cascad_wagtail.graphql import global_id
    from sandbox_site.shop.checkout import place_order
    from sandbox_site.shop.models import DEFAULT_CURRENCY, ProductVariant, ShippingMethod

    site = Site.objects.get(is_default_site=True)
    shipping = ShippingMethod.objects.filter(is_active=True).order_by("pk").first()
    variants = list(ProductVariant.objects.filter(page__live=True).order_by("pk").values_list("pk", flat=True))
    placed = paid = 0
    for count, _per_page, _share in ORDER_SIDES.values():
        email = f"orders-{count}@bench.test"
        user = customers.by_email[email]
        ids = []
        for number in range(count):
            quantities = {variants[(placed + line) % len(variants)]: 1 for line in range(LINES_PER_ORDER)}
            customer = {"email": email, "name": "Bench Customer", "phone": "+7 495 123-45-67"}
            if shipping.needs_address:
                customer.update(address="Tverskaya 1", city="Moscow", postal_code="125009")
            order = place_order(
                quantities=quantities,
                currency=DEFAULT_CURRENCY,
                site=site,
                customer=customer,
                shipping=shipping,
                user=user,
            )
            placed += 1
            if number % PAY_EVERY == PAY_EVERY - 1:
                payment = services.start_payment(order)
                url = f"{emulator_url}/_emulator/invoices/{payment.invoice_id}/pay"
                requests.post(url, json=SUCCESS_CARD, timeout=10).raise_for_status()
                if services.refresh_payment(payment).charge_status != "FULLY_CHARGED":
                    raise RuntimeError(f"order {order.pk} was not paid")
                paid += 1
            ids.append(global_id("Order", order.pk))
        customers.orders[email] = ids[::-1]
    return placed, paid


def lock_account(port: int, email: str) -> None:
    """Fail ``LOCK_FAILURES`` times for ``email`` (from fresh addresses): the next attempt is refused."""
    for _ in range(LOCK_FAILURES):
        request = Request(
            body("TokenAuth", {"email": email, "password": WRONG}), {}, fresh_address(), "INVALID_CREDENTIALS"
        )
        status, answer = post(port, "/graphql/", request)
        problem = check(check_token, request.expected, status, answer)
        if problem:
            raise RuntimeError(f"locking {email}: {problem}")


# -- the sides ---------------------------------------------------------------------------------------------


def me_sides(count: int, token: str, expected: tuple[str, str]) -> list[Side]:
    details = body("UserDetails", {})
    return [
        Side("anonymous", "/graphql/", [Request(details, {}, "127.0.0.1", None)] * count, check_me),
        Side("signed-in", "/graphql/", [Request(details, jwt_header(token), "127.0.0.1", expected)] * count, check_me),
        Side("bare", "/bare/", [Request(BARE_BODY, {}, "127.0.0.1", None)] * count, None),
    ]


def orders_sides(number: int, customers: Customers, tokens: dict[str, str], shared: bool = True) -> list[Side]:
    """``number`` requests per side (times the side's share when ``shared``)."""
    sides = []
    for label, (count, per_page, share) in ORDER_SIDES.items():
        email = f"orders-{count}@bench.test"
        ids = customers.orders[email]
        request = Request(
            body("OrdersByUser", {"perPage": per_page}),
            jwt_header(tokens[email]),
            "127.0.0.1",
            (ids[:per_page], len(ids) > per_page),
        )
        requests = [request] * (max(1, round(number * share)) if shared else number)
        sides.append(Side(label, "/graphql/", requests, check_orders))
    return sides


def sign_in_sides(counts: dict[str, int], customers: Customers) -> list[Side]:
    def token_auth(email: str, password: str, source: str, expected) -> Request:
        return Request(body("TokenAuth", {"email": email, "password": password}), {}, source, expected)

    right = [
        token_auth(email, PASSWORD, "127.0.0.1", customers.gid[email])
        for email in itertools.islice(itertools.cycle(customers.right), counts["right password"])
    ]
    unknown = [
        token_auth(f"nobody-{uuid.uuid4().hex}@bench.test", WRONG, fresh_address(), "INVALID_CREDENTIALS")
        for _ in range(counts["wrong, unknown email"])
    ]
    known = [
        token_auth(next(customers.known), WRONG, fresh_address(), "INVALID_CREDENTIALS")
        for _ in range(counts["wrong, known email"])
    ]
    refused = [
        token_auth("locked@bench.test", PASSWORD, "127.0.0.1", "LOGIN_ATTEMPT_DELAYED")
        for _ in range(counts["refused (limit)"])
    ]
    return [
        Side("right password", "/graphql/", right, check_token),
        Side("wrong, unknown email", "/graphql/", unknown, check_token),
        Side("wrong, known email", "/graphql/", known, check_token),
        Side("refused (limit)", "/graphql/", refused, check_token),
    ]


# -- report --------------------------------------------------------------------------------------------

#: (group, heading, source, key, decimals, width)
COLUMNS = [
    ("load", "req/s", "load", "rps", 1, 9),
    ("load", "p50 ms", "load", "p50", 1, 9),
    ("load", "p99 ms", "load", "p99", 1, 9),
    ("1 client", "p50 ms", "sequential", "p50", 1, 9),
    ("1 client", "p99 ms", "sequential", "p99", 1, 9),
    ("CPU ms/req", "app", "load", "app", 1, 8),
    ("CPU ms/req", "db", "load", "db", 1, 6),
    ("in-process, median", "queries", "counts", "queries", 0, 9),
    ("in-process, median", "ms", "counts", "wall", 1, 8),
    ("in-process, median", "SQL", "counts", "sql", 1, 7),
    ("in-process, median", "PBKDF2", "counts", "hash", 1, 8),
    ("", "KB out", "load", "kb", 1, 8),
]
#: Per phase: its sides, then its ratio rows (label, numerator, denominator).
PHASES = {
    "UserDetails (me)": (
        ["anonymous", "signed-in", "bare"],
        [("signed-in / anonymous", "signed-in", "anonymous")],
    ),
    "OrdersByUser (me.orders)": (
        ["orders 1", "orders 20", "orders 100"],
        [("20 / 1 orders", "orders 20", "orders 1"), ("100 / 1 orders", "orders 100", "orders 1")],
    ),
    "TokenAuth (tokenCreate)": (
        ["right password", "wrong, unknown email", "wrong, known email", "refused (limit)"],
        [
            ("unknown email / right", "wrong, unknown email", "right password"),
            ("known email / right", "wrong, known email", "right password"),
            ("refused / right", "refused (limit)", "right password"),
        ],
    ),
}
LABEL_WIDTH = 30


def report(results: dict[str, dict], load_title: str) -> str:
    groups, headings = " " * LABEL_WIDTH, f"{'side':<{LABEL_WIDTH}}"
    for index, (group, heading, _source, _key, _digits, width) in enumerate(COLUMNS):
        span = [column for column in COLUMNS if column[0] == group]
        if index == COLUMNS.index(span[0]):
            title = load_title if group == "load" else group
            groups += f"{' ' + title + ' ' if title else '':-^{sum(column[5] for column in span)}}"
        headings += f"{heading:>{width}}"
    rows = [groups, headings]

    def row(title: str, values: dict[str, dict], ratio: bool = False) -> str:
        text = f"{title:<{LABEL_WIDTH}}"
        for _group, _heading, source, key, digits, width in COLUMNS:
            value = (values.get(source) or {}).get(key)
            text += f"{fmt(value, 2 if ratio and key in ('rps', 'p50', 'p99') else digits):>{width}}"
        return text

    def ratio(top: dict | None, bottom: dict | None) -> dict:
        result = {}
        for key, value in (top or {}).items():
            if isinstance(value, str):
                result[key] = f"{value}/{bottom[key]}"
            elif (bottom or {}).get(key):
                result[key] = value / bottom[key]
        return result

    for phase, (labels, ratios) in PHASES.items():
        rows.append(phase)
        for label in labels:
            rows.append(row(f"  {label}", results[label]))
        for title, top, bottom in ratios:
            values = {source: ratio(results[top].get(source), results[bottom].get(source)) for source in results[top]}
            rows.append(row(f"    ratio {title}", values, ratio=True))
    return "\n".join(rows)


# -- main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--me", type=int, default=400, help="UserDetails per side under load (default 400)")
    parser.add_argument("--me-sequential", type=int, default=100, help="… and one at a time (default 100)")
    parser.add_argument("--orders", type=int, default=192, help="OrdersByUser per side under load (default 192)")
    parser.add_argument("--orders-sequential", type=int, default=64, help="… and one at a time (default 64)")
    parser.add_argument("--sign-in", type=int, default=48, help="tokenCreate per hashing side under load (default 48)")
    parser.add_argument("--sign-in-sequential", type=int, default=16, help="… and one at a time (default 16)")
    parser.add_argument(
        "--refused", type=int, default=4, help="refused tokenCreate: this many times as many (default 4)"
    )
    parser.add_argument("-c", "--concurrency", type=int, default=4, help="client threads under load (default 4)")
    parser.add_argument("--rounds", type=int, default=8, help="interleaved rounds per phase (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--more-customers", type=int, default=0, metavar="N", help="N more customers in the table (default 0)"
    )
    parser.add_argument("--in-process", type=int, default=3, help="requests per side counted in-process (+1 warm-up)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="TOP", help="also cProfile one request of five sides in-process"
    )
    args = parser.parse_args()
    smallest = min(args.me_sequential, args.orders_sequential, args.sign_in_sequential)
    if not (1 <= args.concurrency <= 32 and 1 <= args.rounds <= smallest and args.in_process >= 1):
        parser.error("use 1 <= concurrency <= 32, 1 <= rounds <= every count, in-process >= 1")

    began = time.monotonic()
    profiled = 1 if args.profile else 0
    sign_in_counts = {
        "load": dict.fromkeys(("right password", "wrong, unknown email", "wrong, known email"), args.sign_in),
        "sequential": dict.fromkeys(
            ("right password", "wrong, unknown email", "wrong, known email"), args.sign_in_sequential
        ),
    }
    for counts in sign_in_counts.values():
        counts["refused (limit)"] = counts["right password"] * args.refused
    known_needed = WARM + args.sign_in + args.sign_in_sequential + 1 + args.in_process + profiled
    with Stack() as stack:
        stack.create_database()
        stack.flush_redis()
        emulator_url = stack.start_emulator("--callback-mode", "manual")
        stack.setup_django(SETTINGS)
        server = stack.start_gunicorn(SETTINGS, workers=args.workers)
        workers = server.worker_pids()
        seed_shop(emulator_url, server.port)
        seeded = time.monotonic()
        customers = Customers(known_needed)
        if args.more_customers:
            add_customers(args.more_customers)
        placed, paid = place_orders(customers, emulator_url)
        lock_account(server.port, "locked@bench.test")
        print(
            f"set-up: migrate + seed {seeded - began:.1f} s; {len(customers.by_email)} customers "
            f"(+ {args.more_customers} with no orders), {placed} orders "
            f"({paid} paid through the emulator), 1 account locked, in {time.monotonic() - seeded:.1f} s",
            flush=True,
        )
        meters = Meters(stack, workers, emulator_pid())

        def warm_up(sides: list[Side]) -> None:
            for side in sides:
                side.run(server.port, side.bodies, 2, None)
                if side.failures:
                    raise RuntimeError(f"warm-up of {side.label}: {side.failures[0]}")

        results: dict[str, dict[str, Side]] = {"load": {}, "sequential": {}}
        timings = {}

        # 1. UserDetails: anonymous, signed in, the bare view.
        started = time.monotonic()
        me_email = "me@bench.test"
        me_token = sign_in_over_http(server.port, me_email)
        me_expected = (customers.gid[me_email], me_email)
        warm_up(me_sides(4 * WARM, me_token, me_expected))
        phase = measure_phase(
            server.port,
            lambda mode: me_sides(args.me if mode == "load" else args.me_sequential, me_token, me_expected),
            args,
            meters,
        )
        for mode in results:
            results[mode].update(phase[mode])
        timings["me"] = time.monotonic() - started

        # 2. OrdersByUser: 1, 20 and 100 orders.
        started = time.monotonic()
        order_emails = [f"orders-{count}@bench.test" for count, _per_page, _share in ORDER_SIDES.values()]
        order_tokens = {email: sign_in_over_http(server.port, email) for email in order_emails}
        warm_up(orders_sides(2 * WARM, customers, order_tokens, shared=False))
        phase = measure_phase(
            server.port,
            lambda mode: orders_sides(
                args.orders if mode == "load" else args.orders_sequential, customers, order_tokens
            ),
            args,
            meters,
        )
        for mode in results:
            results[mode].update(phase[mode])
        timings["orders"] = time.monotonic() - started

        # 3. tokenCreate: right, wrong (unknown / known email), refused by the limit.
        started = time.monotonic()
        warm_up(sign_in_sides(dict.fromkeys(sign_in_counts["load"], WARM), customers))
        phase = measure_phase(server.port, lambda mode: sign_in_sides(sign_in_counts[mode], customers), args, meters)
        for mode in results:
            results[mode].update(phase[mode])
        timings["sign-in"] = time.monotonic() - started
        if server.worker_pids() != workers:
            print(f"warning: gunicorn workers changed during the run: {workers} -> {server.worker_pids()}")

        # Query counts in this process (tokens minted here: the HTTP ones may be near their 5 minutes).
        started = time.monotonic()
        from cascad_wagtail import accounts
        from cascad_wagtail.accounts import tokens
        from cascad_wagtail.models import SignInAttempt

        runs = args.in_process + 1 + profiled
        fresh = {email: tokens.create_access_token(customers.by_email[email]) for email in order_emails}
        in_process = InProcess(server.port, args.profile)
        # The refused sign-ins' warnings go to the server's log under load; here they would only clutter.
        logging.getLogger("cascad_wagtail.accounts").setLevel(logging.ERROR)
        in_process.run(
            [
                *me_sides(runs, tokens.create_access_token(customers.by_email[me_email]), me_expected)[:2],
                *orders_sides(runs, customers, fresh, shared=False),
                *sign_in_sides(dict.fromkeys(sign_in_counts["load"], runs), customers),
            ],
            profiled={"signed-in", "orders 100", "right password", "wrong, unknown email", "refused (limit)"},
        )
        counts = in_process.counts()
        timings["in-process"] = time.monotonic() - started

        failures_sent = (
            LOCK_FAILURES
            + sum(
                len(side.bodies)
                for mode in results
                for label, side in results[mode].items()
                if label.startswith("wrong")
            )
            + 2 * WARM
            + 2 * runs
        )
        attempts_left = SignInAttempt.objects.count()
        locked_left = SignInAttempt.objects.filter(account=accounts.limit_key("locked@bench.test")).count()
        server_log = server.log()

    summaries = {
        label: {
            "load": summary(results["load"][label]),
            "sequential": summary(results["sequential"][label]),
            "counts": counts.get(label),
        }
        for label in results["load"]
    }
    failures = {
        f"{mode} {label}": side.failures for mode in results for label, side in results[mode].items() if side.failures
    }
    print(
        f"\nnproc {os.cpu_count()}, gunicorn {args.workers} sync workers, load from {args.concurrency} client threads "
        f"and from 1, in {args.rounds} interleaved rounds per phase; per side: UserDetails {args.me} + "
        f"{args.me_sequential}, OrdersByUser {args.orders} + {args.orders_sequential} (a quarter of it for 100 "
        f"orders), tokenCreate {args.sign_in} + {args.sign_in_sequential} ({args.refused}x as many refused); "
        f"in-process: {args.in_process} per side after 1 warm-up"
    )
    print("timed phases: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()) + "\n")
    print(report(summaries, f"{args.concurrency} clients"))
    print(
        "\nload: requests/s and latency with the clients above; 1 client: latency one request at a time. CPU: per "
        "request under load, of the gunicorn workers (app) and the PostgreSQL backends (db), from /proc/<pid>/stat in "
        "10 ms ticks. in-process: through the test Client, medians: queries, the request's time, its SQL's and "
        "PBKDF2's. KB out: the answer."
    )
    machine = {label: value["load"]["machine"] for label, value in summaries.items()}
    print("whole-machine CPU ms per request under load: " + ", ".join(f"{k} {v:.1f}" for k, v in machine.items()))
    print(
        f"check: {attempts_left} sign-in attempts left in the database (expected {failures_sent}: every failure "
        f"sent, no success, no refusal), {locked_left} of them the locked account's (expected {LOCK_FAILURES}); "
        f"failed answers: {sum(len(f) for f in failures.values())}"
    )
    for label, text in in_process.profiles.items():
        print(f"\ncProfile of one in-process {label} request:\n{text}")
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
