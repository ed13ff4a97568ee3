"""Fixtures for tests that need a shop: a Wagtail site configured against a real emulator process.

Imported by the conftest of each test folder that uses them (``from tests.shop_fixtures import *``).
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from wagtail.models import Locale, Page, Site

from cascad_wagtail.models import CascadSettings
from tests.testshop.models import Order

_ports = itertools.count(9001)


@pytest.fixture(autouse=True)
def fresh_cache():
    """The offered-methods and callback-keys caches are per process: each test starts without them."""
    from django.core.cache import cache

    from cascad_wagtail.webhooks.intake import forget_secret_keys

    cache.clear()
    forget_secret_keys()
    yield
    cache.clear()


@pytest.fixture
def site(db):
    """A Wagtail site of its own, so each test's settings cannot leak into another's."""
    # Transactional tests flush the tables, the migration-made locale and root page included.
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    return Site.objects.create(hostname="shop.test", port=next(_ports), root_page=root, site_name="Test shop")


@pytest.fixture
def cascad(site, emulator) -> CascadSettings:
    """Cascad switched on for ``site``, in sandbox mode, with the emulator's default keys."""
    config = CascadSettings.for_site(site)
    config.enabled = True
    config.mode = "sandbox"
    config.host_url = emulator.url
    config.sandbox_account_id = emulator.account_id
    config.sandbox_api_key = emulator.api_key
    config.sandbox_public_key = emulator.public_key
    config.sandbox_secret_key = emulator.secret_key
    config.save()
    return config


@pytest.fixture
def make_order(site):
    def make(total="1500.00", currency="RUB", email="buyer@example.com", on_site=None) -> Order:
        return Order.objects.create(total=Decimal(total), currency=currency, email=email, site=on_site or site)

    return make


@pytest.fixture
def signals_log():
    """Every app signal sent during the test, as (signal name, payment reference) pairs."""
    from cascad_wagtail import signals

    log: list[tuple[str, str]] = []
    receivers = {}
    for name in ("payment_status_changed", "order_paid", "order_payment_failed", "order_refunded"):

        def receiver(sender, payment, order, _name=name, **kwargs):
            log.append((_name, payment.reference_id))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, weak=False)
    yield log
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


@pytest.fixture
def live_site(cascad, live_server):
    """The test site served by the live server: Cascad's callbacks and redirects reach it for real."""
    parts = urlsplit(live_server.url)
    site = cascad.site
    site.hostname, site.port = parts.hostname, parts.port
    site.save()
    return site


__all__ = ["cascad", "fresh_cache", "live_site", "make_order", "signals_log", "site"]
