"""Operating the app: ``manage.py check`` names each misconfiguration, and the two commands an
operator runs by hand (``cascad_reconcile``, ``cascad_reprocess_callback``) work against the emulator.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from cascad_wagtail import services, signing
from cascad_wagtail.checks import TAG
from cascad_wagtail.exceptions import AuthenticationError
from cascad_wagtail.models import CallbackEvent, CascadSettings, ChargeStatus, Payment
from cascad_wagtail.webhooks import intake

LIVE = {
    "live_account_id": "coma_LiveAccount000001",
    "live_api_key": "live-api-key-0000000000000000000000000000001",
    "live_public_key": "pk_live_LivePublicKey0001",
    "live_secret_key": "sk_live_LiveSecretKey0001",
}
SANDBOX = {
    "sandbox_account_id": "coma_SandboxAccnt0001",
    "sandbox_api_key": "sandbox-api-key-000000000000000000000000001",
    "sandbox_public_key": "pk_test_SandboxPublicKey0001",
    "sandbox_secret_key": "sk_test_SandboxSecretKey0001",
}
PAY = {"card": "5519283812030000", "expiry": "12/30"}


def cascad_ids(*, databases=("default",)) -> list[str]:
    """The ids of this app's check messages, as ``manage.py check --database default`` reports them."""
    messages = run_checks(tags=[TAG], databases=list(databases) if databases else None)
    return sorted(message.id for message in messages if message.id.startswith("cascad_wagtail."))


def configure(site, **fields) -> CascadSettings:
    config = CascadSettings.for_site(site)
    for name, value in {"enabled": True, **fields}.items():
        setattr(config, name, value)
    config.save()
    return config


# -- system checks ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_configuration_is_silent(site, settings):
    settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER = False, False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    configure(site, mode="live", host_url="https://pay.cascad.example", **LIVE, **SANDBOX)
    sandbox_site = site.__class__.objects.create(hostname="demo.test", root_page=site.root_page)
    configure(sandbox_site, mode="sandbox", host_url="http://127.0.0.1:8100", **SANDBOX)
    assert cascad_ids() == []


@pytest.mark.parametrize(
    "value", [None, "", "testshop.NoSuchModel", "not-a-label"], ids=["none", "empty", "unknown", "malformed"]
)
def test_e001_an_order_model_that_is_not_set_or_not_installed(settings, value):
    settings.CASCAD_ORDER_MODEL = value
    assert cascad_ids(databases=None) == ["cascad_wagtail.E001"]


def test_e008_an_order_model_without_the_order_interface(settings):
    settings.CASCAD_ORDER_MODEL = "auth.Group"
    [message] = run_checks(tags=[TAG])
    assert message.id == "cascad_wagtail.E008" and "get_cascad_amount" in message.msg


@pytest.mark.parametrize("value", [[], "", ["not a fernet key"], [None]], ids=["empty", "blank", "invalid", "none"])
def test_e002_encryption_keys_missing_or_not_fernet_keys(settings, value):
    settings.CASCAD_ENCRYPTION_KEYS = value
    assert cascad_ids(databases=None) == ["cascad_wagtail.E002"]


def test_e002_accepts_a_comma_separated_string_from_the_environment(settings):
    settings.CASCAD_ENCRYPTION_KEYS = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    assert cascad_ids(databases=None) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "blank", ["host_url", "sandbox_account_id", "sandbox_api_key", "sandbox_public_key", "sandbox_secret_key"]
)
def test_e003_an_enabled_site_without_its_host_or_a_key(site, blank):
    configure(site, **{"mode": "sandbox", "host_url": "http://127.0.0.1:8100", **SANDBOX, blank: ""})
    [message] = run_checks(tags=[TAG], databases=["default"])
    assert message.id == "cascad_wagtail.E003" and message.obj == site
    assert str(CascadSettings._meta.get_field(blank).verbose_name) in message.msg


@pytest.mark.django_db
def test_e003_only_the_current_modes_keys_are_required_and_overrides_count(site, settings):
    configure(site, mode="live", host_url="https://pay.cascad.example", **{**LIVE, "live_api_key": ""})
    assert cascad_ids() == ["cascad_wagtail.E003"]
    settings.CASCAD_LIVE_API_KEY = "live-api-key-from-the-environment-000000001"
    assert cascad_ids() == []


@pytest.mark.django_db
def test_a_disabled_site_is_not_checked(site):
    configure(site, enabled=False, mode="live", host_url="http://127.0.0.1:8100", live_public_key="pk_test_X")
    assert cascad_ids() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "wrong"),
    [
        ("sandbox", {"sandbox_public_key": "pk_live_Oops0001"}),
        ("sandbox", {"sandbox_secret_key": "sk_live_Oops0001"}),
        ("live", {"live_public_key": "pk_test_Oops0001"}),
        ("live", {"live_secret_key": "sk_test_Oops0001"}),
        ("sandbox", {"live_secret_key": "sk_test_Oops0001"}),
    ],
)
def test_e004_a_key_prefix_that_disagrees_with_its_mode(site, mode, wrong):
    configure(site, mode=mode, host_url="https://pay.cascad.example", **{**SANDBOX, **LIVE, **wrong})
    [message] = run_checks(tags=[TAG], databases=["default"])
    [(field, value)] = wrong.items()
    assert message.id == "cascad_wagtail.E004"
    assert str(CascadSettings._meta.get_field(field).verbose_name) in message.msg
    assert value not in message.msg + message.hint


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host",
    [
        "http://127.0.0.1:8100",
        "http://localhost:8000",
        "http://cascad.localhost",
        "http://[::1]:9000",
        "http://0.0.0.0",
        "https://cascad.example:8100",
    ],
)
def test_e005_live_mode_against_the_emulator(site, host):
    configure(site, mode="live", host_url=host, **LIVE)
    assert cascad_ids() == ["cascad_wagtail.E005"]


@pytest.mark.django_db
def test_e005_follows_the_cascad_host_setting(site, settings):
    configure(site, mode="live", host_url="https://pay.cascad.example", **LIVE)
    settings.CASCAD_HOST = "http://127.0.0.1:8100"
    assert cascad_ids() == ["cascad_wagtail.E005"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CASCAD_SANDBOX_PUBLIC_KEY", "pk_live_FromEnv0001"),
        ("CASCAD_SANDBOX_SECRET_KEY", "sk_live_FromEnv0001"),
        ("CASCAD_LIVE_PUBLIC_KEY", "pk_test_FromEnv0001"),
        ("CASCAD_LIVE_SECRET_KEY", "sk_test_FromEnv0001"),
    ],
)
def test_e006_a_key_override_that_disagrees_with_its_mode_is_reported_once(site, settings, name, value):
    configure(site, mode="sandbox", host_url="http://127.0.0.1:8100", **SANDBOX)
    setattr(settings, name, value)
    [message] = run_checks(tags=[TAG], databases=["default"])
    assert message.id == "cascad_wagtail.E006" and name in message.msg
    assert value not in message.msg + message.hint


@pytest.mark.django_db
def test_e007_a_stored_secret_the_encryption_keys_cannot_read(site, settings):
    configure(site, mode="sandbox", host_url="http://127.0.0.1:8100", **SANDBOX)
    settings.CASCAD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert cascad_ids() == ["cascad_wagtail.E007"]


@pytest.mark.parametrize(
    "options",
    [
        {"DEBUG": False, "CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": "memory://"},
        {"DEBUG": False, "CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": ""},
        {"DEBUG": False, "CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": None},
    ],
    ids=["memory", "empty", "missing"],
)
def test_w001_no_broker_while_debug_is_off(settings, options):
    for name, value in options.items():
        if value is None:
            del settings.CELERY_BROKER_URL
        else:
            setattr(settings, name, value)
    [message] = run_checks(tags=[TAG])
    assert message.id == "cascad_wagtail.W001" and not message.is_serious()


@pytest.mark.parametrize(
    "options",
    [
        {"DEBUG": True, "CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": "memory://"},
        {"DEBUG": False, "CELERY_TASK_ALWAYS_EAGER": True, "CELERY_BROKER_URL": "memory://"},
        {"DEBUG": False, "CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": "filesystem://"},
    ],
    ids=["debug", "eager", "filesystem"],
)
def test_w001_is_silent_in_debug_in_eager_mode_and_with_a_real_broker(settings, options):
    for name, value in options.items():
        setattr(settings, name, value)
    assert cascad_ids(databases=None) == []


@pytest.mark.django_db
def test_no_message_ever_shows_a_secret(site, settings):
    wrong = {"live_public_key": "pk_test_Visible0001", "live_secret_key": "sk_test_Visible0001", "live_api_key": ""}
    configure(site, mode="live", host_url="http://user:hunter2@127.0.0.1:8100", **{**LIVE, **wrong})
    settings.CASCAD_SANDBOX_SECRET_KEY = "sk_live_FromTheEnvironment"
    messages = run_checks(tags=[TAG], databases=["default"])
    assert sorted(m.id for m in messages) == [
        "cascad_wagtail.E003",
        "cascad_wagtail.E004",
        "cascad_wagtail.E004",
        "cascad_wagtail.E005",
        "cascad_wagtail.E006",
    ]
    text = "\n".join(str(message) for message in messages)
    for secret in [*wrong.values(), *LIVE.values(), "hunter2", "sk_live_FromTheEnvironment", "Visible"]:
        assert not secret or secret not in text


@pytest.mark.django_db
def test_a_plain_check_never_reads_the_database(site, django_assert_num_queries):
    configure(site, mode="live", host_url="http://127.0.0.1:8100")
    with django_assert_num_queries(0):
        assert cascad_ids(databases=None) == []


def test_check_before_migrate_does_not_crash(tmp_path):
    """``migrate`` runs the database checks before the tables exist: they must wait, not fail."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--database", "default", "--tag", TAG],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # The settings checks still ran (W001 here), the site checks found no table and stayed quiet.
    assert "cascad_wagtail.W001" in result.stderr and "Traceback" not in result.stderr


def test_messages_are_translated(settings):
    settings.CASCAD_ORDER_MODEL = None
    with translation.override("ru"):
        [message] = run_checks(tags=[TAG])
    assert message.id == "cascad_wagtail.E001"
    assert "CASCAD_ORDER_MODEL" in message.msg and re.search("[а-яё]", message.msg + message.hint)


# -- cascad_reconcile -----------------------------------------------------------------------------


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def paid_at_cascad(cascad, make_order, emulator) -> Payment:
    """A payment the customer paid at Cascad that the shop has not heard of yet."""
    payment = services.start_payment(make_order())
    emulator.control(f"invoices/{payment.invoice_id}/pay", PAY)
    return payment


def charge_status(payment: Payment) -> str:
    return Payment.objects.get(pk=payment.pk).charge_status


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_reconcile_picks_up_a_payment_paid_at_cascad(paid_at_cascad):
    assert charge_status(paid_at_cascad) == ChargeStatus.PENDING
    out, _ = run("cascad_reconcile", "--older-than", "0")
    assert "Payments refreshed: 1" in out and "Errors: 0" in out
    assert charge_status(paid_at_cascad) == ChargeStatus.FULLY_CHARGED


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_reconcile_leaves_recent_payments_to_their_callbacks_unless_told_all(paid_at_cascad):
    out, _ = run("cascad_reconcile")
    assert "Payments refreshed: 0" in out
    assert charge_status(paid_at_cascad) == ChargeStatus.PENDING
    out, _ = run("cascad_reconcile", "--all")
    assert "Payments refreshed: 1" in out
    assert charge_status(paid_at_cascad) == ChargeStatus.FULLY_CHARGED


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_reconcile_exits_non_zero_when_cascad_refuses(paid_at_cascad, cascad):
    cascad.sandbox_api_key = "wrong-api-key-00000000000000000000000000001"
    cascad.save()
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("cascad_reconcile", "--older-than", "0", stdout=out)
    assert raised.value.returncode == 1
    assert "Payments refreshed: 0" in out.getvalue() and "Errors: 1" in out.getvalue()
    assert charge_status(paid_at_cascad) == ChargeStatus.PENDING


def test_reconcile_refuses_a_negative_age():
    with pytest.raises(CommandError):
        call_command("cascad_reconcile", "--older-than", "-1")


# -- cascad_reprocess_callback ------------------------------------------------------------------


def invoice_body(emulator, payment) -> bytes:
    """The invoice as Cascad would send it: its current document, serialised by the emulator."""
    import requests

    return requests.get(
        f"{emulator.url}/api/payment-invoices/{payment.invoice_id}", auth=emulator.auth, timeout=10
    ).content


@pytest.fixture
def failed_event(paid_at_cascad, cascad, emulator) -> CallbackEvent:
    """A genuine callback stored while Cascad refused the shop's API key, so its processing failed."""
    body = invoice_body(emulator, paid_at_cascad)
    right_key = cascad.sandbox_api_key
    cascad.sandbox_api_key = "wrong-api-key-00000000000000000000000000001"
    cascad.save()
    # Tasks run eagerly in the tests, so the worker's failure surfaces here.
    with pytest.raises(AuthenticationError):
        intake.receive(body, signing.sign(emulator.secret_key, body), {}, "127.0.0.1")
    cascad.sandbox_api_key = right_key
    cascad.save()
    event = CallbackEvent.objects.get()
    assert event.status == CallbackEvent.Status.FAILED and event.signature_valid
    return event


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("by", ["id", "--failed"])
def test_reprocess_turns_a_failed_callback_into_a_processed_one(failed_event, paid_at_cascad, by):
    assert charge_status(paid_at_cascad) == ChargeStatus.PENDING
    out, err = run("cascad_reprocess_callback", *([str(failed_event.pk)] if by == "id" else ["--failed"]))
    assert f"Callback {failed_event.pk}: HTTP 200" in out and err == ""
    failed_event.refresh_from_db()
    assert failed_event.status == CallbackEvent.Status.PROCESSED and failed_event.error == ""
    assert charge_status(paid_at_cascad) == ChargeStatus.FULLY_CHARGED


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_reprocess_refuses_a_callback_whose_signature_was_invalid(paid_at_cascad, emulator):
    body = invoice_body(emulator, paid_at_cascad)
    response = Client().post(
        "/cascad/callback/",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signing.sign("sk_test_X", body),
    )
    assert response.status_code == 403
    event = CallbackEvent.objects.get()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("cascad_reprocess_callback", str(event.pk), stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert f"Callback {event.pk} refused" in err.getvalue() and "signature" in err.getvalue()
    event.refresh_from_db()
    assert event.status == CallbackEvent.Status.REJECTED
    assert charge_status(paid_at_cascad) == ChargeStatus.PENDING


@pytest.mark.django_db
def test_reprocess_needs_an_id_or_failed_and_reports_unknown_ids():
    with pytest.raises(CommandError, match="--failed"):
        call_command("cascad_reprocess_callback")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("cascad_reprocess_callback", "999999", stderr=err)
    assert "Callback 999999: no such stored callback." in err.getvalue()
    out, _ = run("cascad_reprocess_callback", "--failed")
    assert "No failed callbacks to reprocess." in out
