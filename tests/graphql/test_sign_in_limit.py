"""The sign-in rate limit (``cascad_wagtail.accounts.throttle``): so many failed password checks per account
and per client address within the window, then ``LOGIN_ATTEMPT_DELAYED`` without checking the password.

Through ``tokenCreate`` (SDK 0.7.0's ``loginWithoutDetails``) from a chosen ``REMOTE_ADDR``, with the clock
held still by patching ``django.utils.timezone.now``; a real race of 20 threads on PostgreSQL; and a
property test of random sequences against a model of the limit written out here.
"""

from __future__ import annotations

import datetime
import os
import threading
import traceback
from collections import Counter
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth import get_user_model, user_login_failed
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from cascad_wagtail import accounts, tasks
from cascad_wagtail.accounts import throttle
from cascad_wagtail.models import SignInAttempt
from cascad_wagtail.schedule import BEAT_SCHEDULE

from .storefront_helpers import *  # noqa: F403  (fixtures: customer, make_customer)
from .storefront_helpers import PASSWORD, send

pytestmark = pytest.mark.django_db

PER_ACCOUNT, PER_ADDRESS, WINDOW = 5, 30, 15 * 60
START = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
INVALID = ("INVALID_CREDENTIALS", "Please, enter valid credentials: the email or the password is wrong.")


def delayed(minutes: int) -> tuple[str, str]:
    unit = "minute" if minutes == 1 else "minutes"
    return ("LOGIN_ATTEMPT_DELAYED", f"Too many failed sign-ins. Try again in {minutes} {unit}.")


OK = ("OK", "")


class Clock:
    """``timezone.now`` held at ``START`` + ``seconds``, moved only by ``advance``."""

    def __init__(self) -> None:
        self.seconds = 0

    def __call__(self) -> datetime.datetime:
        return START + datetime.timedelta(seconds=self.seconds)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


class Checks:
    """Counts the password checks ``sign_in`` makes (its calls of Django's ``authenticate``)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._authenticate = accounts.authenticate

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.count += 1
        return self._authenticate(*args, **kwargs)


@pytest.fixture
def checks(monkeypatch) -> Checks:
    counter = Checks()
    monkeypatch.setattr(accounts, "authenticate", counter)
    return counter


def attempt(email: str, password: str, address: str = "10.0.0.1") -> tuple[str, str]:
    """One ``tokenCreate`` from ``address``: ``OK`` or the error's ``(code, message)``."""
    created = send(
        Client(), "loginWithoutDetails", {"email": email, "password": password}, "0.7.0", REMOTE_ADDR=address
    )
    created = created["tokenCreate"]
    if created["token"]:
        assert created["errors"] == []
        return OK
    ((code, field, message),) = [(error["code"], error["field"], error["message"]) for error in created["errors"]]
    assert field == "email" and created["refreshToken"] is None and created["user"] is None
    return code, message


def retry_after(email: str, password: str, address: str = "10.0.0.1") -> int:
    """The seconds ``sign_in`` says to wait (it must refuse)."""
    request = RequestFactory().post("/graphql/", REMOTE_ADDR=address)
    with pytest.raises(accounts.TooManyAttempts) as refused:
        accounts.sign_in(request, email, password)
    assert refused.value.code == "LOGIN_ATTEMPT_DELAYED"
    return refused.value.retry_after


# -- per account ------------------------------------------------------------------------------------------


def test_five_failures_then_even_the_right_password_is_delayed_without_being_checked(clock, checks, customer):
    answers = [attempt(customer.email, f"wrong {number}") for number in range(PER_ACCOUNT)]
    assert answers == [INVALID] * PER_ACCOUNT and checks.count == PER_ACCOUNT

    assert attempt(customer.email, "wrong again") == delayed(16)
    assert attempt(customer.email, PASSWORD) == delayed(16)
    assert retry_after(customer.email, PASSWORD) == WINDOW + 1
    assert checks.count == PER_ACCOUNT  # none of the refused ones checked a password
    assert SignInAttempt.objects.count() == PER_ACCOUNT  # and none is counted


def test_the_limit_is_per_account_whatever_the_emails_case(clock, checks, customer, make_customer):
    neighbour = make_customer()
    for email in ["ada@example.com", "ADA@example.com", " Ada@Example.com ", "ada@EXAMPLE.COM", "aDa@example.com"]:
        assert attempt(email, "wrong") == INVALID

    assert attempt("ada@example.com", PASSWORD) == delayed(16)
    assert attempt(neighbour.email, PASSWORD) == OK  # the same address, another account
    assert attempt(customer.email, PASSWORD, address="192.0.2.7") == delayed(16)  # from anywhere


def test_an_unknown_email_is_limited_exactly_as_an_account(clock, checks, customer):
    """Nothing tells which emails have accounts: the answers to an unknown email are the very same."""
    known = [attempt(customer.email, "wrong", address="10.0.0.1") for _ in range(PER_ACCOUNT + 2)]
    unknown = [attempt("nobody@example.com", "wrong", address="10.0.0.2") for _ in range(PER_ACCOUNT + 2)]

    assert known == unknown == [INVALID] * PER_ACCOUNT + [delayed(16)] * 2
    assert retry_after("nobody@example.com", "wrong", "10.0.0.3") == retry_after(customer.email, "wrong", "10.0.0.4")


def test_a_success_resets_the_accounts_count(clock, customer):
    for _ in range(PER_ACCOUNT - 1):
        assert attempt(customer.email, "wrong") == INVALID
    assert attempt(customer.email, PASSWORD) == OK

    answers = [attempt(customer.email, "wrong") for _ in range(PER_ACCOUNT + 1)]

    assert answers == [INVALID] * PER_ACCOUNT + [delayed(16)]


# -- per address ------------------------------------------------------------------------------------------


def test_thirty_failures_from_one_address_across_accounts_close_it_to_every_email(
    clock, checks, customer, make_customer
):
    """One password tried on 30 accounts (password spraying) from one address closes the address."""
    sprayed = [make_customer() for _ in range(PER_ADDRESS)]
    answers = [attempt(victim.email, "Summer2026!", "10.6.6.6") for victim in sprayed]
    assert answers == [INVALID] * PER_ADDRESS

    assert attempt("guess-more@example.com", "wrong", "10.6.6.6") == delayed(16)
    assert attempt(customer.email, PASSWORD, "10.6.6.6") == delayed(16)
    assert retry_after(customer.email, PASSWORD, "10.6.6.6") == WINDOW + 1
    assert checks.count == PER_ADDRESS
    assert attempt(customer.email, PASSWORD, "10.0.0.1") == OK  # another address is not limited


def test_a_success_from_an_address_leaves_the_others_failures_counted(clock, customer):
    for number in range(PER_ADDRESS - PER_ACCOUNT):
        assert attempt(f"guess{number}@example.com", "wrong", "10.0.0.1") == INVALID
    assert attempt(customer.email, PASSWORD, "10.0.0.1") == OK

    answers = [attempt(f"more{number}@example.com", "wrong", "10.0.0.1") for number in range(PER_ACCOUNT + 1)]

    assert answers == [INVALID] * PER_ACCOUNT + [delayed(16)]


def test_a_customers_success_gives_an_attackers_address_none_of_its_failures_back(clock, customer):
    """The address keeps its count (``throttle``'s docstring): failures an attacker made against this
    account from their address still count for that address after the customer signs in elsewhere."""
    attacker = "10.6.6.6"
    for _ in range(PER_ACCOUNT - 1):
        assert attempt(customer.email, "guess", attacker) == INVALID
    for number in range(PER_ADDRESS - PER_ACCOUNT + 1):
        assert attempt(f"guess{number}@example.com", "guess", attacker) == INVALID
    assert attempt("one-more@example.com", "guess", attacker) == delayed(16)  # 30 failures: closed

    clock.advance(60)
    assert attempt(customer.email, PASSWORD, "192.0.2.1") == OK  # the customer, at home

    assert attempt("one-more@example.com", "guess", attacker) == delayed(15)


# -- the window -------------------------------------------------------------------------------------------


def test_the_wait_ends_when_the_window_has_passed_since_the_oldest_failure(clock, customer):
    """Failures one minute apart: each failure leaving the window lets exactly one more attempt in."""
    for _ in range(PER_ACCOUNT):
        assert attempt(customer.email, "wrong") == INVALID
        clock.advance(60)
    # Failures at 0, 60, 120, 180, 240; now 300.
    assert retry_after(customer.email, "wrong") == WINDOW - 300 + 1

    clock.advance(WINDOW - 300)  # 900: the failure at 0 is exactly as old as the window, still counted
    assert attempt(customer.email, PASSWORD) == delayed(1)
    clock.advance(1)  # 901
    assert attempt(customer.email, "wrong") == INVALID  # counted: 60 … 240 and 901
    assert retry_after(customer.email, PASSWORD) == 60 + WINDOW - 901 + 1
    clock.advance(60 + WINDOW - 901 + 1)
    assert attempt(customer.email, PASSWORD) == OK


def test_waiting_exactly_the_retry_time_is_enough_and_a_second_less_is_not(clock, customer):
    for _ in range(PER_ACCOUNT):
        attempt(customer.email, "wrong")
        clock.advance(7.25)
    wait = retry_after(customer.email, "wrong")

    clock.advance(wait - 1)
    assert attempt(customer.email, PASSWORD)[0] == "LOGIN_ATTEMPT_DELAYED"
    clock.advance(1)
    assert attempt(customer.email, PASSWORD) == OK


def test_failures_older_than_the_window_do_not_count(clock, customer):
    old = timezone.now() - datetime.timedelta(seconds=WINDOW + 1)
    digest = accounts.limit_key(customer.email)
    SignInAttempt.objects.bulk_create(
        SignInAttempt(account=digest, address="10.0.0.1", created_at=old) for _ in range(PER_ADDRESS + 5)
    )
    assert attempt(customer.email, PASSWORD) == OK


def test_shorter_limits_and_window_from_the_settings(clock, customer, settings):
    settings.CASCAD_SIGN_IN_FAILURES_PER_ACCOUNT, settings.CASCAD_SIGN_IN_WINDOW = 2, 120
    assert [attempt(customer.email, "wrong") for _ in range(3)] == [INVALID, INVALID, delayed(3)]
    assert retry_after(customer.email, "wrong") == 121
    clock.advance(121)
    assert attempt(customer.email, PASSWORD) == OK


def test_prune_deletes_only_the_attempts_older_than_the_window(clock):
    now = timezone.now()
    for age in (WINDOW * 10, WINDOW + 1, WINDOW - 1, 0):
        SignInAttempt.objects.create(
            account="a" * 64, address="10.0.0.1", created_at=now - datetime.timedelta(seconds=age)
        )

    assert throttle.prune() == 2
    assert sorted(round((now - row.created_at).total_seconds()) for row in SignInAttempt.objects.all()) == [
        0,
        WINDOW - 1,
    ]
    assert tasks.prune_sign_in_attempts() == 0
    assert BEAT_SCHEDULE["cascad-prune-sign-in-attempts"]["task"] == "cascad_wagtail.tasks.prune_sign_in_attempts"


def test_no_email_is_stored_only_its_digest(clock, customer):
    attempt(customer.email, "wrong")
    row = SignInAttempt.objects.get()
    assert (row.account, row.address) == (accounts.limit_key("ADA@example.com"), "10.0.0.1")
    assert "ada" not in row.account.lower() and len(row.account) == 64


# -- a real race ------------------------------------------------------------------------------------------

JOIN_SECONDS = 45
RACERS = 20


def race(calls) -> list:
    """Run every call in its own thread with its own database connection, all released at once by a
    barrier (as ``tests/payments/test_concurrency.py`` does); each result or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(index: int, call) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=JOIN_SECONDS)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which decides
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not [thread for thread in threads if thread.is_alive()], "a racing thread hung"
    return results


@contextmanager
def failed_checks():
    """Counts Django's ``user_login_failed`` signals: every password ``authenticate`` found wrong."""
    seen = Counter()
    lock = threading.Lock()

    def count(sender, credentials, **kwargs):
        with lock:
            seen["failed"] += 1

    user_login_failed.connect(count, weak=False)
    try:
        yield seen
    finally:
        user_login_failed.disconnect(count)


def sign_in_outcome(email: str, password: str, address: str) -> str:
    try:
        accounts.sign_in(RequestFactory().post("/graphql/", REMOTE_ADDR=address), email, password)
    except accounts.SignInRefused as refused:
        return refused.code
    return "OK"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        f"the race needs PostgreSQL's concurrent transactions; the test database is {connection.vendor} "
        "(start PostgreSQL on 127.0.0.1:5432 or set DATABASE_URL=postgresql://...)"
    ),
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_twenty_racing_wrong_passwords_check_at_most_five(checks, make_customer, round_):
    """Nothing is mocked but the counter around ``authenticate``: 20 threads, each on its own connection,
    try a wrong password for one account at once. At most 5 passwords are checked; every other
    attempt is refused as delayed; no attempt fails otherwise."""
    target = make_customer()

    with failed_checks() as failed:
        results = race([lambda: sign_in_outcome(target.email, "wrong", "10.0.0.1") for _ in range(RACERS)])

    errors = [result for result in results if isinstance(result, BaseException)]
    assert errors == [], "".join(traceback.format_exception(errors[0]))
    outcomes = Counter(results)
    assert set(outcomes) <= {"INVALID_CREDENTIALS", "LOGIN_ATTEMPT_DELAYED"}, outcomes
    assert checks.count == failed["failed"] == outcomes["INVALID_CREDENTIALS"] <= PER_ACCOUNT, (checks.count, outcomes)
    assert outcomes["LOGIN_ATTEMPT_DELAYED"] == RACERS - checks.count
    assert SignInAttempt.objects.count() == checks.count  # the refused left no row behind
    # Whatever got through, the account has what is left of its limit for this window, and no more.
    remaining = PER_ACCOUNT - checks.count
    later = [sign_in_outcome(target.email, "wrong", "10.0.0.2") for _ in range(remaining + 1)]
    assert later == ["INVALID_CREDENTIALS"] * remaining + ["LOGIN_ATTEMPT_DELAYED"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL (see above)")
@pytest.mark.django_db(transaction=True)
def test_twenty_racing_requests_to_graphql_check_at_most_five(checks, make_customer):
    """The same race through ``/graphql/``: every answer is an AccountError the SDK shows, never a crash."""
    target = make_customer()

    results = race([lambda: attempt(target.email, "wrong", "10.0.0.1")[0] for _ in range(RACERS)])

    outcomes = Counter(result if isinstance(result, str) else repr(result) for result in results)
    assert set(outcomes) <= {"INVALID_CREDENTIALS", "LOGIN_ATTEMPT_DELAYED"}, outcomes
    assert checks.count == outcomes["INVALID_CREDENTIALS"] <= PER_ACCOUNT, (checks.count, outcomes)


def test_a_refused_attempt_whose_racing_neighbours_leave_while_it_counts_is_still_refused(clock, customer):
    """The interleaving the race above runs into, made to happen: 5 failures and the attempts of 10 other
    requests are in the window when this attempt first reads the rows (16 of them, its own included);
    right after that read those 10 are refused and delete their rows. This attempt must still be
    refused as delayed, wait for the oldest failure to expire, and leave no row behind."""
    digest = accounts.limit_key(customer.email)
    started = timezone.now()
    SignInAttempt.objects.bulk_create(
        SignInAttempt(account=digest, address="10.0.0.1", created_at=started) for _ in range(PER_ACCOUNT)
    )
    others = SignInAttempt.objects.bulk_create(
        SignInAttempt(account=digest, address="10.0.0.9", created_at=started) for _ in range(2 * PER_ACCOUNT)
    )
    clock.advance(10)

    def the_others_leave_after_the_first_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if others and sql.lstrip().upper().startswith("SELECT") and SignInAttempt._meta.db_table in sql:
            leaving = [row.pk for row in others]
            others.clear()
            SignInAttempt.objects.filter(pk__in=leaving).delete()
        return result

    with connection.execute_wrapper(the_others_leave_after_the_first_read):
        wait = retry_after(customer.email, "wrong")

    assert others == []  # the read happened, and the others left
    assert wait == WINDOW - 10 + 1
    assert SignInAttempt.objects.count() == PER_ACCOUNT


# -- a property test against a model of the limit -----------------------------------------------------------

#: Multiplies max_examples: ``PROPS_SCALE=10`` for a deeper search than the default run.
SCALE = int(os.environ.get("PROPS_SCALE", "1"))
MODEL_LIMIT, MODEL_WINDOW = 3, 60
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(min_value=0, max_value=MODEL_WINDOW + 10)),
        st.tuples(st.just("wrong"), st.just(0)),
        st.tuples(st.just("right"), st.just(0)),
    ),
    max_size=30,
)


class Model:
    """The limit as the module docstring states it, for one account: failed checks since the last
    success count for ``MODEL_WINDOW`` seconds (a failure exactly that old still counts); an attempt
    that would be one more than ``MODEL_LIMIT`` of them is refused unchecked, told to wait until the
    oldest counted one has left the window."""

    def __init__(self) -> None:
        self.failures: list[int] = []

    def attempt(self, now: int, right: bool) -> tuple[str, int | None]:
        counted = sorted(when for when in self.failures if when >= now - MODEL_WINDOW)
        if len(counted) + 1 > MODEL_LIMIT:
            expiring = counted[len(counted) - MODEL_LIMIT]
            return "LOGIN_ATTEMPT_DELAYED", expiring + MODEL_WINDOW - now + 1
        if right:
            self.failures = []
            return "OK", None
        self.failures.append(now)
        return "INVALID_CREDENTIALS", None


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    CASCAD_SIGN_IN_FAILURES_PER_ACCOUNT=MODEL_LIMIT,
    CASCAD_SIGN_IN_WINDOW=MODEL_WINDOW,
)
class SignInLimitProperties(TestCase):
    @settings(deadline=None, max_examples=60 * SCALE, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
    @given(steps=STEPS)
    def test_the_limit_behaves_as_its_model_and_never_checks_a_refused_password(self, steps):
        user = get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)
        model, clock, checks = Model(), Clock(), Checks()
        #: (time, outcome) of every password check made, from the signals (not from the model).
        checked: list[tuple[int, str]] = []
        on_failure = lambda sender, **kwargs: checked.append((clock.seconds, "failed"))  # noqa: E731
        on_success = lambda sender, **kwargs: checked.append((clock.seconds, "ok"))  # noqa: E731
        user_login_failed.connect(on_failure, weak=False)
        try:
            with mock.patch.object(timezone, "now", clock), mock.patch.object(accounts, "authenticate", checks):
                for kind, seconds in steps:
                    if kind == "advance":
                        clock.advance(seconds)
                        continue
                    before = checks.count
                    expected = model.attempt(clock.seconds, right=kind == "right")
                    note(f"t={clock.seconds} {kind}: model says {expected}")
                    actual = self.sign_in(user, kind == "right")
                    if actual == ("OK", None):
                        on_success(None)
                    assert actual == expected, (clock.seconds, kind, actual, expected)
                    refused = actual[0] == "LOGIN_ATTEMPT_DELAYED"
                    assert checks.count == before + (0 if refused else 1), "a refused attempt checked the password"
        finally:
            user_login_failed.disconnect(on_failure)
        self.assert_never_more_than_the_limit_in_a_window(checked)

    def sign_in(self, user, right: bool) -> tuple[str, int | None]:
        request = RequestFactory().post("/graphql/", REMOTE_ADDR="10.0.0.1")
        try:
            signed_in = accounts.sign_in(request, user.email, PASSWORD if right else "wrong")
        except accounts.TooManyAttempts as refused:
            return refused.code, refused.retry_after
        except accounts.InvalidCredentials as invalid:
            return invalid.code, None
        assert signed_in == user
        return "OK", None

    @staticmethod
    def assert_never_more_than_the_limit_in_a_window(checked: list[tuple[int, str]]) -> None:
        """Between two successes, no window of ``MODEL_WINDOW`` seconds holds more than the limit of
        failed checks."""
        since_success: list[int] = []
        for when, outcome in checked:
            if outcome == "ok":
                since_success = []
                continue
            since_success.append(when)
            in_window = [other for other in since_success if other >= when - MODEL_WINDOW]
            assert len(in_window) <= MODEL_LIMIT, (when, since_success)


# -- spellings, addresses, odd input ------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's UPPER() leaves non-ASCII letters alone")
@pytest.mark.parametrize(
    ("email", "look_alike"), [("admin@example.com", "admın@example.com"), ("sid@example.com", "ſid@example.com")]
)
def test_a_spelling_the_database_takes_for_the_same_email_shares_its_count(
    clock, checks, make_customer, email, look_alike
):
    # PostgreSQL's UPPER() turns "ı" (dotless i) and "ſ" (long s) into the plain letters, so these
    # spellings sign in to the account: they must not get a count of their own.
    make_customer(email)
    assert [attempt(email, "wrong") for _ in range(PER_ACCOUNT)] == [INVALID] * PER_ACCOUNT
    assert attempt(look_alike, "wrong")[0] == "LOGIN_ATTEMPT_DELAYED"
    assert attempt(look_alike, PASSWORD)[0] == "LOGIN_ATTEMPT_DELAYED"
    assert checks.count == PER_ACCOUNT


def test_ipv6_addresses_are_counted_by_their_64_network_and_mapped_ipv4_as_ipv4(clock, make_customer):
    people = [make_customer() for _ in range(PER_ADDRESS + 1)]
    network = "2001:db8:1:2:"
    for number, person in enumerate(people[:PER_ADDRESS]):
        assert attempt(person.email, "wrong", address=f"{network}:{number + 1:x}") == INVALID
    # Another machine of the same /64 is the same client; the next /64 is not.
    assert attempt(people[-1].email, PASSWORD, address=f"{network}ffff:1:2:3")[0] == "LOGIN_ATTEMPT_DELAYED"
    assert attempt(people[-1].email, PASSWORD, address="2001:db8:1:3::1") == OK

    assert throttle.address_key("::ffff:10.0.0.7") == "10.0.0.7"
    assert throttle.address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert throttle.address_key("not an address") == throttle.address_key(None) == ""


def test_without_a_client_address_only_the_account_limit_applies(clock, make_customer):
    # One shared bucket for every request without REMOTE_ADDR would let anyone lock everybody out.
    people = [make_customer() for _ in range(PER_ADDRESS + 1)]
    for person in people[:PER_ADDRESS]:
        assert attempt(person.email, "wrong", address="") == INVALID
    assert attempt(people[-1].email, PASSWORD, address="") == OK
    assert set(SignInAttempt.objects.values_list("address", flat=True)) == {""}


@pytest.mark.parametrize("email", ["ada\x00@example.com", "a" * 250 + "@example.com", ""])
def test_an_email_no_account_can_have_is_invalid_credentials_not_a_server_error(clock, checks, customer, email, caplog):
    with caplog.at_level("ERROR"):
        assert attempt(email, PASSWORD) == INVALID
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    assert checks.count == 0  # nothing to check against: a password hash is spent instead
