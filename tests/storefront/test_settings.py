"""The storefront's settings: channels (and their system check), the adapter, allowed return URLs."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from cascad_wagtail import storefront


def channel_errors() -> list:
    return [error for error in run_checks(tags=["cascad_wagtail"]) if error.id == "cascad_wagtail.E009"]


@pytest.mark.parametrize(
    "value",
    [
        ["default-channel"],
        {"": {"site": "default", "currency": "RUB"}},
        {"default-channel": "default"},
        {"default-channel": {"site": "default"}},
        {"default-channel": {"site": "", "currency": "RUB"}},
        {"default-channel": {"site": "default", "currency": "XYZ"}},
        {"default-channel": {"site": "default", "currency": "JPY"}},  # no decimals: the SDK rounds to two
        {"default-channel": {"site": "default", "currency": "KWD"}},
        {"default-channel": {"site": "default", "currency": "RUB", "colour": "red"}},
    ],
)
def test_a_malformed_channels_setting_is_a_system_check_error(settings, value):
    settings.CASCAD_CHANNELS = value
    (error,) = channel_errors()
    assert "CASCAD_CHANNELS" in error.msg and error.hint
    with pytest.raises(ImproperlyConfigured):
        storefront.channel_settings()


def test_well_formed_channels_pass_the_check(settings):
    settings.CASCAD_CHANNELS = {
        "default-channel": {"site": "default", "currency": "RUB"},
        "usa": {"site": "shop.example.com:8443", "currency": "USD"},
    }
    assert channel_errors() == []
    assert storefront.channel_settings()["usa"].site == "shop.example.com:8443"
    settings.CASCAD_CHANNELS = {}
    assert channel_errors() == []


def test_channels_name_sites_by_default_hostname_or_hostname_and_port(db, settings):
    from wagtail.models import Page, Site

    root = Page.get_first_root_node()
    Site.objects.update(is_default_site=False)
    default = Site.objects.create(hostname="main.test", port=80, root_page=root, is_default_site=True)
    other = Site.objects.create(hostname="Other.test", port=8001, root_page=root)
    settings.CASCAD_CHANNELS = {
        "a": {"site": "default", "currency": "RUB"},
        "b": {"site": "other.test", "currency": "EUR"},
        "c": {"site": "other.test:8001", "currency": "USD"},
        "d": {"site": "other.test:9999", "currency": "USD"},
    }
    assert storefront.get_channel("a").site == default
    assert storefront.get_channel("b") == storefront.Channel("b", other, "EUR")
    assert storefront.get_channel("c").site == other
    with pytest.raises(storefront.InactiveChannel):
        storefront.get_channel("d")
    with pytest.raises(storefront.UnknownChannel):
        storefront.get_channel("e")
    assert storefront.default_channel_slug() is None


def test_the_adapter_setting(settings):
    assert isinstance(storefront.get_adapter(), storefront.StorefrontAdapter)
    settings.CASCAD_STOREFRONT_ADAPTER = None
    with pytest.raises(ImproperlyConfigured, match="CASCAD_STOREFRONT_ADAPTER is not set"):
        storefront.get_adapter()
    settings.CASCAD_STOREFRONT_ADAPTER = "tests.testshop.nowhere.Storefront"
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        storefront.get_adapter()


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://storefront.example.test/checkout/payment-confirm?x=1", True),
        ("https://STOREFRONT.example.test:443/back", True),
        ("http://127.0.0.1:3000/back", True),
        ("http://127.0.0.1:3001/back", False),
        ("http://storefront.example.test/back", False),
        ("https://storefront.example.test.evil.example/", False),
        ("https://evil.example/?https://storefront.example.test", False),
        ("https://user:pw@storefront.example.test/", False),
        ("https://storefront.example.test\\@evil.example/", False),
        ("https://storefront.example.test/ back", False),
        ("//storefront.example.test/back", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_return_urls_must_be_on_an_allowed_origin(settings, url, allowed):
    settings.CASCAD_STOREFRONT_RETURN_ORIGINS = ["https://storefront.example.test/", "http://127.0.0.1:3000"]
    assert storefront.is_allowed_return_url(url) is allowed
