"""Helpers for the browser tests: invoices over raw HTTP, the emulator's truth, the card form, screenshots.

Invoices are created with ``requests`` and the emulator's Basic auth, exactly as the contract
(``spec/cascad-api.md``) describes; nothing here imports the plugin's client or the emulator.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, expect

TIMEOUT = 10

SUCCESS_CARD = "5519283812030000"
THREE_DS_CARD = "5123817234060000"
FAILING_CARD = "4302912837020000"
PENDING_EXPIRY = "07/77"


def _loads(response: requests.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


def create_invoice(emulator, **attributes: Any) -> dict:
    """``POST /api/payment-invoices``; returns the created invoice's ``data``."""
    attrs: dict[str, Any] = {
        "reference_id": f"bt_{uuid.uuid4().hex[:16]}",
        "amount": 25.5,
        "currency": "USD",
        "description": "Browser test order",
    }
    attrs.update(attributes)
    response = requests.post(
        f"{emulator.url}/api/payment-invoices",
        json={"data": {"type": "payment-invoices", "attributes": attrs}},
        auth=emulator.auth,
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    return _loads(response)["data"]


def emulator_invoices(emulator) -> list[dict]:
    """``GET /_emulator/invoices``: the emulator's own truth, every invoice oldest first."""
    return _loads(emulator.control("invoices", method="GET"))["data"]


def emulator_invoice(emulator, invoice_id: str) -> dict:
    """One invoice's attributes from ``GET /_emulator/invoices``."""
    for invoice in emulator_invoices(emulator):
        if invoice["id"] == invoice_id:
            return invoice["attributes"]
    raise AssertionError(f"the emulator does not list {invoice_id}")


def fill_card(page_or_frame, number: str, expiry: str, cvv: str = "123") -> None:
    """Type a card into the Checkout form and press Pay (works on a page or a frame locator)."""
    page_or_frame.locator("#card_number").fill(number)
    page_or_frame.locator("#card_expiry").fill(expiry)
    page_or_frame.locator("#card_cvv").fill(cvv)
    page_or_frame.locator("#pay").click()


def expect_result(page_or_frame, status: str, timeout: float = 5_000):
    """Wait for the result card with ``data-status=status`` and return it."""
    card = page_or_frame.locator(f'section.card[data-status="{status}"]')
    expect(card).to_be_visible(timeout=timeout)
    return card


def url_pattern(prefix: str) -> re.Pattern:
    """A pattern matching ``prefix`` exactly, optionally followed by a query string."""
    return re.compile("^" + re.escape(prefix) + r"(\?.*)?$")


def screenshot(page: Page, name: str) -> None:
    """Save a full-page PNG to ``$SCREENSHOT_DIR/name.png`` when that variable is set; else do nothing."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def admin_log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in through Wagtail's own login form and land on the admin's dashboard."""
    page.goto(f"{base_url}/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/admin/")
