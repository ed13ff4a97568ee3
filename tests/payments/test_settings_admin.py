"""Settings → Cascad in the Wagtail admin: secrets are write-only and never appear in the page."""

from __future__ import annotations

import pytest

from cascad_wagtail.models import CascadSettings

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def edit_url(site) -> str:
    return f"/admin/settings/cascad_wagtail/cascadsettings/{site.pk}/"


def test_no_secret_appears_in_the_settings_page(cascad, admin_client, emulator):
    cascad.live_api_key = "live-api-key-that-must-stay-hidden-0000000001"
    cascad.live_secret_key = "sk_live_HiddenSecret0001"
    cascad.save()
    response = admin_client.get(edit_url(cascad.site))
    assert response.status_code == 200
    html = response.content.decode()
    for secret in (emulator.api_key, emulator.secret_key, cascad.live_api_key, cascad.live_secret_key):
        assert secret not in html
    assert emulator.public_key in html  # public keys are not secret
    assert "leave blank to keep it" in html


def test_a_blank_secret_keeps_the_stored_one_and_a_new_one_replaces_it(cascad, admin_client, emulator):
    response = admin_client.get(edit_url(cascad.site))
    form = response.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update(
        {
            "enabled": "on",
            "mode": "sandbox",
            "host_url": emulator.url,
            "sandbox_account_id": emulator.account_id,
            "sandbox_public_key": emulator.public_key,
            "sandbox_api_key": "",
            "sandbox_secret_key": "sk_test_Replaced0001",
            "invoice_lifetime_minutes": "60",
            "offered_methods": "[]",
        }
    )
    for name in ("live_api_key", "live_secret_key"):
        data[name] = ""
    posted = admin_client.post(edit_url(cascad.site), data)
    assert posted.status_code in (200, 302), posted.content.decode()[:2000]
    saved = CascadSettings.for_site(cascad.site)
    assert saved.sandbox_api_key == emulator.api_key
    assert saved.sandbox_secret_key == "sk_test_Replaced0001"
    assert saved.invoice_lifetime_minutes == 60
