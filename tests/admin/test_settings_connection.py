"""Settings → Cascad → Test connection, against the running emulator over HTTP.

Good keys pass every check; each kind of bad input is named on its own line (wrong API key, account
id or public key, a host that refuses, times out or is not Cascad, an incomplete key set, live mode
with test keys); the test is audit-logged; no secret ever reaches the page or the log.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from wagtail.log_actions import registry as log_actions
from wagtail.models import GroupSitePermission, ModelLogEntry

from cascad_wagtail.admin import settings_admin

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

WRONG_API_KEY = "wrong-api-key-0000000000000000000000000001"
WRONG_SECRET = "sk_test_NotTheRightOne0001"


def connection_url(site) -> str:
    return f"/admin/cascad/settings/{site.pk}/test-connection/"


def run_test(client, site, **posted):
    """Press Test connection; return the response and its checks as {code: (outcome, message)}."""
    response = client.post(connection_url(site), posted)
    assert response.status_code == 200, response.content.decode()[:500]
    checks = {check.code: (check.outcome, check.message) for check in response.context["checks"]}
    assert list(checks) == ["settings", "mode", "host", "private_api", "public_api", "secret_key", "callback_url"]
    return response, checks


def outcomes(checks) -> dict[str, str]:
    return {code: outcome for code, (outcome, _message) in checks.items()}


def assert_no_secret(response, *secrets: str) -> None:
    html = response.content.decode()
    for secret in secrets:
        assert secret not in html


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def not_cascad():
    """An HTTP server that is not Cascad: an HTML 404 for every path, without X-Request-Id."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            body = b"<!doctype html><title>Not found</title><h1>Not found</h1>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- good keys ---------------------------------------------------------------------------------------


def test_good_keys_pass_every_check_and_the_page_shows_no_secret(cascad, admin_client, emulator):
    response, checks = run_test(admin_client, cascad.site)
    assert set(outcomes(checks).values()) == {"passed"}, checks
    assert checks["host"][1] == f"Cascad answers at {emulator.url}."
    assert checks["private_api"][1] == "Cascad accepted the account id and the API key."
    assert checks["public_api"][1] == (
        "Cascad accepted the public key. "
        "Methods offered in RUB: Bank card, Faster Payments System (SBP), Cascad Wallet."
    )
    assert "it only verifies the signatures of callbacks" in checks["secret_key"][1]
    assert cascad.callback_url in checks["callback_url"][1]
    html = response.content.decode()
    assert "Every check passed: Cascad accepts these settings." in html
    assert f'href="/admin/settings/cascad_wagtail/cascadsettings/{cascad.site.pk}/"' in html
    assert_no_secret(response, emulator.api_key, emulator.secret_key)


def test_the_test_is_audit_logged_without_secrets(cascad, admin_client, admin_user, emulator):
    cascad.sandbox_api_key = WRONG_API_KEY
    cascad.save()
    run_test(admin_client, cascad.site)
    entry = ModelLogEntry.objects.get(action="cascad_wagtail.test_connection")
    assert entry.user_id == admin_user.pk and entry.object_id == str(cascad.pk)
    assert entry.data["mode"] == "sandbox" and entry.data["ok"] is False
    assert entry.data["host"] == emulator.url
    assert entry.data["checks"]["private_api"] == "failed" and entry.data["checks"]["public_api"] == "passed"
    record = json.dumps(entry.data) + entry.message
    for secret in (WRONG_API_KEY, emulator.secret_key, emulator.api_key):
        assert secret not in record
    assert log_actions.get_action_label(entry.action) == "Test Cascad connection"
    assert entry.message == (
        "Cascad connection tested in mode “Sandbox (test keys)”; failed: Account id and API key (Private API)."
    )


# -- each kind of bad input --------------------------------------------------------------------------


def test_a_wrong_api_key_is_named(cascad, admin_client, emulator):
    cascad.sandbox_api_key = WRONG_API_KEY
    cascad.save()
    response, checks = run_test(admin_client, cascad.site)
    assert outcomes(checks) | {"private_api": "?"} == dict.fromkeys(checks, "passed") | {"private_api": "?"}
    outcome, message = checks["private_api"]
    assert outcome == "failed"
    assert message.startswith("Cascad refused the account id or the API key (HTTP 401).")
    assert "The account id does not look like one" not in message
    assert_no_secret(response, WRONG_API_KEY, emulator.api_key, emulator.secret_key)


def test_a_malformed_api_key_is_named_as_such(cascad, admin_client):
    cascad.sandbox_api_key = "too-short"
    cascad.save()
    response, checks = run_test(admin_client, cascad.site)
    assert checks["private_api"][0] == "failed"
    assert "The API key does not look like one: Cascad's are 43 characters long." in checks["private_api"][1]
    assert_no_secret(response, "too-short")


@pytest.mark.parametrize(
    ("account_id", "hint"),
    [("coma_SomeoneElse00001", False), ("my-shop", True)],
)
def test_a_wrong_account_id_is_named(cascad, admin_client, emulator, account_id, hint):
    cascad.sandbox_account_id = account_id
    cascad.save()
    response, checks = run_test(admin_client, cascad.site)
    outcome, message = checks["private_api"]
    assert outcome == "failed" and "refused the account id or the API key" in message
    assert ("The account id does not look like one: Cascad's are coma_ and 16 letters or digits." in message) is hint
    assert checks["public_api"][0] == "passed" and checks["host"][0] == "passed"
    assert_no_secret(response, emulator.api_key, emulator.secret_key)


def test_a_wrong_public_key_is_named(cascad, admin_client, emulator):
    cascad.sandbox_public_key = "pk_test_NotThisAccount01"
    cascad.save()
    response, checks = run_test(admin_client, cascad.site)
    assert outcomes(checks)["private_api"] == "passed"
    assert checks["public_api"] == (
        "failed",
        "Cascad refused the public key (HTTP 401). Copy the sandbox public key again from the Cascad dashboard.",
    )
    assert_no_secret(response, emulator.api_key, emulator.secret_key)


def test_a_host_that_refuses_connections_is_named(cascad, admin_client, emulator):
    cascad.host_url = f"http://127.0.0.1:{closed_port()}"
    cascad.save()
    response, checks = run_test(admin_client, cascad.site)
    assert checks["host"] == (
        "failed",
        f"Nothing answers at {cascad.host_url} (connection refused): check the address and the port.",
    )
    assert checks["private_api"][0] == checks["public_api"][0] == "skipped"
    assert "The connection does not work yet" in response.content.decode()
    assert_no_secret(response, emulator.api_key, emulator.secret_key)


def test_a_host_name_that_does_not_resolve_is_named(cascad, admin_client):
    cascad.host_url = "http://cascad.invalid"
    cascad.save()
    _response, checks = run_test(admin_client, cascad.site)
    assert checks["host"] == (
        "failed",
        "The name in http://cascad.invalid cannot be resolved: check the spelling of the host.",
    )


def test_a_host_that_does_not_answer_in_time_is_named(cascad, admin_client, emulator, monkeypatch):
    monkeypatch.setattr(settings_admin, "TIMEOUT", (1.0, 2.0))
    emulator.control("faults", {"seed": 1, "api_timeout": 1, "api_timeout_s": 4})
    response, checks = run_test(admin_client, cascad.site)
    assert checks["host"] == ("failed", f"{emulator.url} did not answer within 2 seconds (timeout).")
    assert checks["private_api"][0] == checks["public_api"][0] == "skipped"
    assert_no_secret(response, emulator.api_key, emulator.secret_key)


def test_a_host_that_is_not_cascad_is_named(cascad, admin_client, not_cascad):
    cascad.host_url = not_cascad
    cascad.save()
    _response, checks = run_test(admin_client, cascad.site)
    outcome, message = checks["host"]
    assert outcome == "failed"
    assert message.startswith(f"Something answers at {not_cascad} (HTTP 404), but it is not Cascad")
    assert checks["private_api"][0] == checks["public_api"][0] == "skipped"


def test_an_incomplete_key_set_names_each_missing_field(cascad, admin_client, emulator):
    cascad.sandbox_public_key = ""
    cascad.sandbox_secret_key = ""
    cascad.save()
    response, checks = run_test(admin_client, cascad.site)
    assert checks["settings"] == (
        "failed",
        "These settings are empty: sandbox public key, sandbox secret key. Enter them and save, then test again.",
    )
    assert checks["private_api"][0] == "passed"
    assert checks["public_api"] == ("skipped", "Not tested: the public key is empty.")
    outcome, message = checks["secret_key"]
    assert outcome == "failed" and message.startswith("The secret key is empty. Cascad signs every callback with it")
    assert "without it every callback is refused" in message
    assert_no_secret(response, emulator.api_key)


def test_no_host_and_no_keys_at_all(site, admin_client):
    _response, checks = run_test(admin_client, site)
    assert checks["settings"][0] == "failed"
    assert (
        "Cascad host, sandbox account id, sandbox API key, sandbox public key, sandbox secret key"
        in checks["settings"][1]
    )
    assert {checks[code][0] for code in ("host", "private_api", "public_api")} == {"skipped"}


def test_live_mode_with_test_keys_on_the_emulator_is_named(cascad, admin_client, emulator):
    """Saved by other means than the form (which refuses it): the test names every problem."""
    cascad.mode = "live"
    cascad.live_account_id = emulator.account_id
    cascad.live_api_key = emulator.api_key
    cascad.live_public_key = emulator.public_key
    cascad.live_secret_key = emulator.secret_key
    cascad.save()
    response, checks = run_test(admin_client, cascad.site)
    outcome, message = checks["mode"]
    assert outcome == "failed"
    assert "The live public key starts with pk_test_ instead of pk_live_." in message
    assert "The live secret key starts with sk_test_ instead of sk_live_." in message
    assert "Live mode points at the Cascad emulator" in message
    assert checks["public_api"][0] == "failed" and "belong to a test account (test_mode)" in checks["public_api"][1]
    assert checks["secret_key"] == ("failed", "The live secret key starts with sk_test_ instead of sk_live_.")
    assert_no_secret(response, emulator.api_key, emulator.secret_key)


def test_the_mode_chosen_on_the_form_is_tested_and_unsaved_edits_are_named(cascad, admin_client, emulator):
    posted = {
        "mode": "live",
        "host_url": "http://elsewhere.example",
        "live_account_id": "",
        "live_public_key": "",
        "live_api_key": "typed-but-not-saved-0000000000000000000001",
        "live_secret_key": "",
    }
    response, checks = run_test(admin_client, cascad.site, **posted)
    assert response.context["mode"] == "live"
    assert checks["settings"][1].startswith("These settings are empty: live account id, live API key")
    html = response.content.decode()
    assert "These changes on the settings form were not saved, so they were not tested:" in html
    assert "Cascad host, live API key, mode" in html
    assert_no_secret(response, posted["live_api_key"], emulator.api_key, emulator.secret_key)


def test_overridden_keys_are_the_ones_tested_and_never_shown(cascad, admin_client, emulator, settings):
    settings.CASCAD_SANDBOX_API_KEY = WRONG_API_KEY
    settings.CASCAD_SANDBOX_SECRET_KEY = WRONG_SECRET
    response, checks = run_test(admin_client, cascad.site)
    assert checks["private_api"][0] == "failed"
    assert checks["secret_key"][0] == "passed"
    assert_no_secret(response, WRONG_API_KEY, WRONG_SECRET, emulator.api_key, emulator.secret_key)
    settings.CASCAD_SANDBOX_API_KEY = emulator.api_key
    response, checks = run_test(admin_client, cascad.site)
    assert checks["private_api"][0] == "passed"
    assert_no_secret(response, WRONG_SECRET, emulator.api_key, emulator.secret_key)


# -- the door ----------------------------------------------------------------------------------------


def test_get_goes_back_to_the_settings_and_post_needs_the_csrf_token(cascad, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.get(connection_url(cascad.site))
    assert response.status_code == 302
    assert response["Location"] == f"/admin/settings/cascad_wagtail/cascadsettings/{cascad.site.pk}/"
    assert client.post(connection_url(cascad.site)).status_code == 403
    assert not ModelLogEntry.objects.filter(action="cascad_wagtail.test_connection").exists()


def test_only_users_who_may_edit_the_setting_can_test(cascad, django_user_model):
    group = Group.objects.create(name="Editors without settings")
    group.permissions.set(Permission.objects.filter(codename="access_admin"))
    user = django_user_model.objects.create_user(username="editor", password="pw")
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    assert client.post(connection_url(cascad.site)).status_code in (302, 403)
    assert not ModelLogEntry.objects.filter(action="cascad_wagtail.test_connection").exists()

    # Wagtail's per-site permission to edit this setting (Groups → Cascad settings) is the one that counts.
    change = Permission.objects.get(codename="change_cascadsettings")
    GroupSitePermission.objects.create(group=group, site=cascad.site, permission=change)
    assert client.post(connection_url(cascad.site)).status_code == 200
    assert ModelLogEntry.objects.filter(action="cascad_wagtail.test_connection", user_id=user.pk).exists()
