"""Settings → Cascad in the Wagtail admin: the page, its form and what it refuses.

Secrets are write-only and never appear in the page; overridden fields say so and are disabled; the
offered methods are read from the emulator's prerequest; live mode is refused with test keys or on the
emulator's host, with nothing saved.
"""

from __future__ import annotations

import json
import re
import socket

import pytest
from wagtail.models import ModelLogEntry

from cascad_wagtail import forms
from cascad_wagtail.models import CascadSettings

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

LIVE_HOST = "https://cascad.invalid"  # not the emulator; ``.invalid`` never resolves, so no probe answers
LIVE_KEYS = {
    "live_account_id": "coma_LiveAccount000001",
    "live_api_key": "live-api-key-that-must-stay-hidden-000000001",
    "live_public_key": "pk_live_LivePublicKey0001",
    "live_secret_key": "sk_live_HiddenSecret0001",
}


def edit_url(site) -> str:
    return f"/admin/settings/cascad_wagtail/cascadsettings/{site.pk}/"


def form_data(emulator, **changes) -> dict:
    """What the browser posts for the ``cascad`` fixture's settings, secrets left blank (kept)."""
    data = {
        "enabled": "on",
        "mode": "sandbox",
        "host_url": emulator.url,
        "sandbox_account_id": emulator.account_id,
        "sandbox_public_key": emulator.public_key,
        "sandbox_api_key": "",
        "sandbox_secret_key": "",
        "live_account_id": "",
        "live_public_key": "",
        "live_api_key": "",
        "live_secret_key": "",
        "offered_methods": [],
        "invoice_lifetime_minutes": "1440",
    }
    data.update(changes)
    return data


def secrets_of(emulator, *extra: str) -> list[str]:
    return [emulator.api_key, emulator.secret_key, LIVE_KEYS["live_api_key"], LIVE_KEYS["live_secret_key"], *extra]


def field_errors(response) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the page ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sandbox", "live"])
def test_no_secret_appears_in_the_settings_page_in_either_mode(cascad, admin_client, emulator, mode):
    for name, value in LIVE_KEYS.items():
        setattr(cascad, name, value)
    cascad.mode = mode
    cascad.save()
    response = admin_client.get(edit_url(cascad.site))
    assert response.status_code == 200
    html = response.content.decode()
    for secret in secrets_of(emulator):
        assert secret not in html
    assert emulator.public_key in html and LIVE_KEYS["live_public_key"] in html  # public keys are not secret
    assert "Saved (sk_test_…); leave blank to keep it." in html
    assert "Saved (sk_live_…); leave blank to keep it." in html
    assert "Saved; leave blank to keep it." in html  # API keys carry no prefix to show


def test_the_page_is_organised_in_sections_with_the_callback_url_to_copy(cascad, admin_client):
    html = admin_client.get(edit_url(cascad.site)).content.decode()
    for heading in (
        "Cascad on this site",
        "Callback URL",
        "Sandbox keys",
        "Live keys",
        "Checkout options",
        "Connection test",
    ):
        assert heading in html
    url = f"http://shop.test:{cascad.site.port}/cascad/callback/"
    assert url == cascad.callback_url
    field = re.search(r'<input[^>]*id="cascad-callback-url"[^>]*>', html).group(0)
    assert f'value="{url}"' in field and "readonly" in field and "name=" not in field
    button = re.search(r"<button[^>]*data-cascad-test-connection[^>]*>", html).group(0)
    assert f'formaction="/admin/cascad/settings/{cascad.site.pk}/test-connection/"' in button
    assert 'type="radio"' in html and 'value="live"' in html  # the mode is a choice of two


def test_a_blank_secret_keeps_the_stored_one_and_a_new_one_replaces_it(cascad, admin_client, emulator):
    data = form_data(emulator, sandbox_secret_key="sk_test_Replaced0001", invoice_lifetime_minutes="60")
    posted = admin_client.post(edit_url(cascad.site), data)
    assert posted.status_code == 302, field_errors(posted)
    saved = CascadSettings.for_site(cascad.site)
    assert saved.sandbox_api_key == emulator.api_key
    assert saved.sandbox_secret_key == "sk_test_Replaced0001"
    assert saved.invoice_lifetime_minutes == 60
    entries = ModelLogEntry.objects.filter(action="wagtail.edit")
    assert entries.exists()
    for entry in entries:
        record = json.dumps(entry.data) + entry.label
        assert emulator.api_key not in record and "sk_test_Replaced0001" not in record


# -- overrides ---------------------------------------------------------------------------------------


def test_an_overridden_field_is_noted_disabled_and_ignored(cascad, admin_client, emulator, settings):
    settings.CASCAD_SANDBOX_API_KEY = "override-api-key-from-the-environment-00001"
    settings.CASCAD_LIVE_SECRET_KEY = "sk_live_OverrideSecret0001"
    settings.CASCAD_HOST = emulator.url
    html = admin_client.get(edit_url(cascad.site)).content.decode()
    for name, setting in (
        ("sandbox_api_key", "CASCAD_SANDBOX_API_KEY"),
        ("live_secret_key", "CASCAD_LIVE_SECRET_KEY"),
        ("host_url", "CASCAD_HOST"),
    ):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert "disabled" in field, name
        assert f"Set by {setting} in the server settings; this field is ignored." in html
    assert "Set by CASCAD_SANDBOX_PUBLIC_KEY" not in html
    for secret in secrets_of(emulator, settings.CASCAD_SANDBOX_API_KEY, settings.CASCAD_LIVE_SECRET_KEY):
        assert secret not in html

    # What is posted for a disabled field is ignored: the stored value stays.
    data = form_data(emulator, sandbox_api_key="posted-but-ignored-000000000000000000000001", host_url=LIVE_HOST)
    posted = admin_client.post(edit_url(cascad.site), data)
    assert posted.status_code == 302, field_errors(posted)
    saved = CascadSettings.for_site(cascad.site)
    assert saved.sandbox_api_key == emulator.api_key
    assert saved.host_url == emulator.url
    assert saved.keys("sandbox").api_key == settings.CASCAD_SANDBOX_API_KEY


# -- offered methods ---------------------------------------------------------------------------------


def test_the_offered_methods_are_the_ones_cascad_lists_and_are_saved_as_ticked(cascad, admin_client, emulator):
    found = forms.lookup_methods(cascad)
    assert found.problem is None and set(found.methods) == {"payment_card", "sbp", "wallet"}
    html = admin_client.get(edit_url(cascad.site)).content.decode()
    for code in found.methods:
        assert re.search(rf'<input[^>]*type="checkbox"[^>]*name="offered_methods"[^>]*value="{code}"', html)
    assert "These are the methods Cascad is known to have." not in html
    posted = admin_client.post(edit_url(cascad.site), form_data(emulator, offered_methods=["payment_card", "sbp"]))
    assert posted.status_code == 302, field_errors(posted)
    assert CascadSettings.for_site(cascad.site).offered_methods == ["payment_card", "sbp"]
    html = admin_client.get(edit_url(cascad.site)).content.decode()
    assert re.search(r'<input[^>]*value="sbp"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="wallet"[^>]*checked', html)


@pytest.mark.parametrize(
    ("change", "note"),
    [
        ({"host_url": f"http://127.0.0.1:{closed_port()}"}, "Cascad did not answer"),
        ({"sandbox_public_key": "pk_test_NotThisAccount01"}, "Cascad refused the saved public key"),
        ({"sandbox_public_key": ""}, "Enter the Cascad host and this mode"),
    ],
)
def test_when_cascad_cannot_be_asked_the_known_methods_are_offered_with_a_note(cascad, admin_client, change, note):
    for name, value in change.items():
        setattr(cascad, name, value)
    cascad.save()
    html = admin_client.get(edit_url(cascad.site)).content.decode()
    assert note in html
    assert "These are the methods Cascad is known to have." in html
    for code, label in (("payment_card", "Bank card"), ("sbp", "Faster Payments System (SBP)")):
        assert re.search(rf'value="{code}"', html) and label in html


# -- what is refused ---------------------------------------------------------------------------------


def test_live_mode_with_test_keys_is_refused_on_each_field_and_nothing_is_saved(cascad, admin_client, emulator):
    data = form_data(
        emulator,
        mode="live",
        host_url=LIVE_HOST,
        live_account_id="coma_LiveAccount000001",
        live_api_key="live-api-key-000000000000000000000000000001",
        live_public_key=emulator.public_key,
        live_secret_key=emulator.secret_key,
    )
    response = admin_client.post(edit_url(cascad.site), data)
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors["live_public_key"] == [
        "This is a test key (it starts with pk_test_): live mode takes real payments only with live keys, "
        "which start with pk_live_."
    ]
    assert errors["live_secret_key"] == [
        "This is a test key (it starts with sk_test_): live mode takes real payments only with live keys, "
        "which start with sk_live_."
    ]
    html = response.content.decode()
    assert "The setting could not be saved due to errors." in html
    for secret in secrets_of(emulator, data["live_api_key"]):
        assert secret not in html
    saved = CascadSettings.for_site(cascad.site)
    assert (saved.mode, saved.host_url, saved.live_public_key, saved.live_secret_key) == (
        "sandbox",
        emulator.url,
        "",
        "",
    )


def test_live_mode_on_the_emulators_host_is_refused_and_nothing_is_saved(cascad, admin_client, emulator):
    data = form_data(emulator, mode="live", **LIVE_KEYS)
    response = admin_client.post(edit_url(cascad.site), data)
    assert response.status_code == 200
    errors = field_errors(response)
    assert list(errors) == ["host_url"]
    assert errors["host_url"][0].startswith("This is the Cascad emulator")
    assert "live mode needs Cascad's own host" in errors["host_url"][0]
    html = response.content.decode()
    for secret in secrets_of(emulator):
        assert secret not in html
    saved = CascadSettings.for_site(cascad.site)
    assert (saved.mode, saved.live_account_id, saved.live_api_key) == ("sandbox", "", "")


def test_live_mode_on_the_emulator_set_by_cascad_host_is_refused_on_the_mode(cascad, admin_client, emulator, settings):
    settings.CASCAD_HOST = emulator.url
    response = admin_client.post(edit_url(cascad.site), form_data(emulator, mode="live", **LIVE_KEYS))
    assert response.status_code == 200
    assert field_errors(response)["mode"][0].startswith("This is the Cascad emulator")
    assert CascadSettings.for_site(cascad.site).mode == "sandbox"


def test_live_mode_with_a_test_key_from_the_server_settings_is_refused(cascad, admin_client, emulator, settings):
    settings.CASCAD_LIVE_PUBLIC_KEY = "pk_test_FromTheEnvironment01"
    response = admin_client.post(
        edit_url(cascad.site), form_data(emulator, mode="live", host_url=LIVE_HOST, **LIVE_KEYS)
    )
    assert field_errors(response)["mode"] == [
        "Live mode needs live keys, but CASCAD_LIVE_PUBLIC_KEY in the server settings is a test key."
    ]
    assert CascadSettings.for_site(cascad.site).mode == "sandbox"


def test_a_live_key_among_the_sandbox_keys_is_refused(cascad, admin_client, emulator):
    data = form_data(emulator, sandbox_public_key="pk_live_Misplaced0001", sandbox_secret_key="sk_live_Misplaced0001")
    response = admin_client.post(edit_url(cascad.site), data)
    errors = field_errors(response)
    assert errors["sandbox_public_key"][0].startswith("This is a live key (it starts with pk_live_)")
    assert errors["sandbox_secret_key"][0].startswith("This is a live key (it starts with sk_live_)")
    assert "sk_live_Misplaced0001" not in response.content.decode()
    assert CascadSettings.for_site(cascad.site).sandbox_secret_key == emulator.secret_key


def test_live_mode_with_live_keys_on_cascads_own_host_is_saved(cascad, admin_client, emulator):
    response = admin_client.post(
        edit_url(cascad.site), form_data(emulator, mode="live", host_url=LIVE_HOST, **LIVE_KEYS)
    )
    assert response.status_code == 302, field_errors(response)
    saved = CascadSettings.for_site(cascad.site)
    assert (saved.mode, saved.host_url) == ("live", LIVE_HOST)
    assert saved.keys("live") == saved.keys("live").__class__(mode="live", **{k[5:]: v for k, v in LIVE_KEYS.items()})
    html = admin_client.get(edit_url(cascad.site)).content.decode()
    for secret in secrets_of(emulator):
        assert secret not in html


def test_the_emulator_is_recognised_by_its_address_or_by_its_answer(emulator):
    assert forms.answers_as_emulator(emulator.url)
    assert forms.is_emulator_host(emulator.url)
    assert forms.is_emulator_host("http://localhost:9000") and forms.is_emulator_host("http://cascad.example:8100")
    assert not forms.answers_as_emulator(f"http://127.0.0.1:{closed_port()}")
    assert not forms.is_emulator_host(LIVE_HOST)
