"""Shared fixtures: a real Cascad emulator process, spoken to over HTTP.

The emulator runs as a subprocess exactly as a developer starts it
(``python -m cascad_wagtail.emulator``), on a free port chosen by the OS. Each test that asks for
``emulator`` gets it reset to its start-up configuration, so tests do not see each other's invoices.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
from playwright.sync_api import sync_playwright

from cascad_wagtail import wire

DEFAULT_CREDENTIALS = {
    "account_id": "coma_SandboxAccnt0001",
    "api_key": "sandbox-api-key-000000000000000000000000001",
    "public_key": "pk_test_SandboxPublicKey0001",
    "secret_key": "sk_test_SandboxSecretKey0001",
}


@dataclasses.dataclass(frozen=True)
class Emulator:
    url: str
    account_id: str
    api_key: str
    public_key: str
    secret_key: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.account_id, self.api_key)

    def control(self, path: str, payload: dict | None = None, method: str = "POST") -> requests.Response:
        """Call the control API (``/_emulator/...``) and fail the test on an error status."""
        data = None if payload is None else wire.dumps(_exact(payload))
        response = requests.request(
            method, f"{self.url}/_emulator/{path}", data=data, headers={"Content-Type": "application/json"}, timeout=10
        )
        response.raise_for_status()
        return response


def _exact(value):
    """Rates like ``0.3`` may be written as floats in tests; the wire takes only exact decimals."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


def start_emulator(*extra_args: str) -> tuple[subprocess.Popen, str]:
    """Start an emulator process on a free port; return it and its base URL once it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cascad_wagtail.emulator", "--host", "127.0.0.1", "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return process, match.group(1)
    process.kill()
    raise RuntimeError("the emulator did not start")


def stop_emulator(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def emulator_process():
    process, url = start_emulator("--callback-mode", "manual")
    # Drain output in the background so a chatty emulator never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    yield url
    stop_emulator(process)


@pytest.fixture
def emulator(emulator_process) -> Emulator:
    requests.post(f"{emulator_process}/_emulator/reset", json={}, timeout=10).raise_for_status()
    return Emulator(url=emulator_process, **DEFAULT_CREDENTIALS)


# -- the browser: Debian's Chromium driven by Playwright (its own browser download is never used) --

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(`make test` installs it, or `apt-get install chromium`). They are not skipped.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh English page in its own context (no cookies or cache shared between tests)."""
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Django's LocaleMiddleware activates a request's language for the thread and leaves it so; a
    Russian request in one test must not make the next test's output Russian."""
    yield
    from django.utils import translation

    translation.deactivate()
