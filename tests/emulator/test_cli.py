"""Starting the emulator: its options, and its refusal of live keys."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
import requests

from cascad_wagtail import signing

from ..conftest import start_emulator, stop_emulator
from .conftest import CallbackSink

pytestmark = pytest.mark.emulator

COMMAND = [sys.executable, "-m", "cascad_wagtail.emulator"]


@pytest.fixture(scope="module")
def help_text() -> str:
    result = subprocess.run([*COMMAND, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def options(help_text) -> list[str]:
    return sorted(set(re.findall(r"--[a-z][a-z0-9-]*", help_text)))


def option(options: list[str], *words: str) -> str:
    """The one option whose name holds every word (the contract names only some options exactly)."""
    found = [name for name in options if all(word in name for word in words)]
    assert len(found) == 1, (words, options)
    return found[0]


@pytest.mark.parametrize("name", ["--host", "--port", "--time-scale", "--callback-mode"])
def test_help_lists_the_options_the_contract_names(options, name):
    assert name in options


@pytest.mark.parametrize(
    "words",
    [("account",), ("api", "key"), ("public", "key"), ("secret", "key"), ("callback", "url")],
    ids=["account id", "api key", "public key", "secret key", "default callback url"],
)
def test_help_lists_an_option_for_each_default(options, words):
    option(options, *words)


def run_until_exit_or_listening(args: list[str], timeout: float = 20) -> tuple[int | None, str]:
    """Start the emulator; return (exit code, output), or (None, output) if it started listening."""
    process = subprocess.Popen(
        [*COMMAND, "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "listening on" in line:
                return None, "".join(output)
        return process.wait(timeout=max(1, deadline - time.monotonic())), "".join(output)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    "which, key",
    [("public", "pk_live_SandboxPublicKey0001"), ("secret", "sk_live_SandboxSecretKey0001")],
)
def test_live_keys_are_refused_at_start(options, which, key):
    code, output = run_until_exit_or_listening([option(options, which, "key"), key])
    assert code is not None, f"the emulator started with a live {which} key:\n{output}"
    assert code != 0, output


def test_port_0_prints_the_listening_url_and_serves_there():
    process, url = start_emulator()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        assert not url.endswith(":0")
        response = requests.post(f"{url}/_emulator/reset", json={}, timeout=10)
        assert response.status_code == 200
    finally:
        stop_emulator(process)


def test_credentials_and_keys_given_at_start_are_the_ones_used(options):
    account = "coma_OtherAccnt000002"
    api_key = "other-api-key-00000000000000000000000000002"
    public_key = "pk_test_OtherPublicKey0002"
    secret_key = "sk_test_OtherSecretKey0002"
    assert len(api_key) == 43

    sink = CallbackSink()
    process, url = start_emulator(
        "--callback-mode",
        "manual",
        option(options, "account"),
        account,
        option(options, "api", "key"),
        api_key,
        option(options, "public", "key"),
        public_key,
        option(options, "secret", "key"),
        secret_key,
        option(options, "callback", "url"),
        sink.url,
    )
    try:
        invoices = f"{url}/api/payment-invoices"
        assert requests.get(invoices, auth=(account, api_key), timeout=10).status_code == 200
        default_auth = ("coma_SandboxAccnt0001", "sandbox-api-key-000000000000000000000000001")
        assert requests.get(invoices, auth=default_auth, timeout=10).status_code == 401

        prerequest = f"{url}/public-api/payment-prerequest"
        ok = requests.post(prerequest, json={"public_key": public_key, "currency": "RUB"}, timeout=10)
        assert ok.status_code == 200
        refused = requests.post(
            prerequest, json={"public_key": "pk_test_SandboxPublicKey0001", "currency": "RUB"}, timeout=10
        )
        assert refused.status_code in (401, 403)

        created = requests.post(
            invoices,
            auth=(account, api_key),
            json={
                "data": {
                    "type": "payment-invoices",
                    "attributes": {"reference_id": "cli-1", "amount": 10, "currency": "RUB"},
                }
            },
            timeout=10,
        )
        assert created.status_code == 201, created.text
        requests.post(f"{url}/_emulator/callbacks/deliver", json={}, timeout=10).raise_for_status()
        assert sink.event.wait(5), "no callback reached the default callback URL given at start"
        received = sink.received[0]
        assert json.loads(received.body)["data"]["id"] == created.json()["data"]["id"]
        assert signing.verify(secret_key, received.body, received.headers.get("X-Signature"))
    finally:
        stop_emulator(process)
        sink.close()


def test_manual_callback_mode_sends_nothing_until_deliver(options):
    sink = CallbackSink()
    process, url = start_emulator("--callback-mode", "manual", option(options, "callback", "url"), sink.url)
    try:
        created = requests.post(
            f"{url}/api/payment-invoices",
            auth=("coma_SandboxAccnt0001", "sandbox-api-key-000000000000000000000000001"),
            json={
                "data": {
                    "type": "payment-invoices",
                    "attributes": {"reference_id": "cli-2", "amount": 10, "currency": "RUB"},
                }
            },
            timeout=10,
        )
        assert created.status_code == 201
        assert not sink.event.wait(1.0)
    finally:
        stop_emulator(process)
        sink.close()


def test_auto_callback_mode_sends_the_creation_callback_by_itself(options):
    sink = CallbackSink()
    process, url = start_emulator("--callback-mode", "auto", option(options, "callback", "url"), sink.url)
    try:
        created = requests.post(
            f"{url}/api/payment-invoices",
            auth=("coma_SandboxAccnt0001", "sandbox-api-key-000000000000000000000000001"),
            json={
                "data": {
                    "type": "payment-invoices",
                    "attributes": {"reference_id": "cli-3", "amount": 10, "currency": "RUB"},
                }
            },
            timeout=10,
        )
        assert created.status_code == 201
        assert sink.event.wait(5), "auto mode sent no creation callback"
        assert json.loads(sink.received[0].body)["data"]["id"] == created.json()["data"]["id"]
    finally:
        stop_emulator(process)
        sink.close()
