"""Helpers for tests that run the client against the real emulator process."""

from __future__ import annotations

from cascad_wagtail import wire
from cascad_wagtail.client import CascadClient, Invoice


def client_for(emulator, **kwargs) -> CascadClient:
    return CascadClient(emulator.url, emulator.account_id, emulator.api_key, emulator.public_key, **kwargs)


def truth_documents(emulator) -> list[dict]:
    """``GET /_emulator/invoices``, parsed with exact decimals: what a test is judged against."""
    return wire.loads(emulator.control("invoices", method="GET").content)["data"]


def truth(emulator) -> dict[str, Invoice]:
    return {doc["id"]: Invoice.from_resource(doc) for doc in truth_documents(emulator)}
