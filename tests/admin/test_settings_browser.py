"""Settings → Cascad in a real browser: the page loads, Test connection runs and reports, in English and
Russian. With ``SCREENSHOT_DIR`` set, each step is saved as ``admin-settings-*.png``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from tests.browser import _support

pytestmark = [pytest.mark.emulator, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str = "admin", password: str = "password") -> None:
    _support.admin_log_in(page, live_server.url, username, password)


def screenshot(page, name: str) -> None:
    """The whole page: the admin scrolls inside its own panes, so the window grows to their height first."""
    height = page.evaluate("Math.max(...[...document.querySelectorAll('*')].map((e) => e.scrollHeight))")
    page.set_viewport_size({"width": 1200, "height": min(max(height, 900), 6000)})
    page.evaluate("document.querySelectorAll('*').forEach((e) => { e.scrollTop = 0; })")
    _support.screenshot(page, name)
    page.set_viewport_size({"width": 1000, "height": 900})


def settings_page(live_server, site) -> str:
    return f"{live_server.url}/admin/settings/cascad_wagtail/cascadsettings/{site.pk}/"


def test_test_connection_from_the_settings_page_in_english(page, live_server, admin_user, cascad, emulator):
    log_in(page, live_server)
    page.goto(settings_page(live_server, cascad.site))
    expect(page.locator("#cascad-callback-url")).to_have_value(cascad.callback_url)
    expect(page.get_by_label("Sandbox (test keys)")).to_be_checked()
    expect(page.get_by_label("Bank card")).to_be_visible()
    assert emulator.api_key not in page.content() and emulator.secret_key not in page.content()
    screenshot(page, "admin-settings-en")

    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#header-title, h1, h2").filter(has_text="Connection test").first).to_be_visible()
    expect(page.locator("[data-outcome]")).to_have_count(7)
    expect(page.locator('[data-outcome="passed"]')).to_have_count(7)
    expect(page.get_by_text("Every check passed: Cascad accepts these settings.")).to_be_visible()
    screenshot(page, "admin-settings-test-connection-en")

    page.get_by_role("button", name="Test again").click()
    expect(page.locator('[data-outcome="passed"]')).to_have_count(7)
    page.get_by_role("link", name="Back to the Cascad settings").click()
    expect(page).to_have_url(settings_page(live_server, cascad.site))


def test_a_failed_test_in_english_names_the_problem(page, live_server, admin_user, cascad, emulator):
    cascad.sandbox_public_key = "pk_test_NotThisAccount01"
    cascad.sandbox_secret_key = ""
    cascad.save()
    log_in(page, live_server)
    page.goto(settings_page(live_server, cascad.site))
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator('[data-check="public_api"]')).to_have_attribute("data-outcome", "failed")
    expect(page.locator('[data-check="secret_key"]')).to_have_attribute("data-outcome", "failed")
    expect(page.get_by_text("Cascad refused the public key (HTTP 401).", exact=False)).to_be_visible()
    assert emulator.api_key not in page.content()
    screenshot(page, "admin-settings-test-connection-failed-en")


def test_the_settings_page_and_test_connection_in_russian(page, live_server, admin_user, cascad, emulator):
    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "ru"
    profile.save()
    log_in(page, live_server)
    page.goto(settings_page(live_server, cascad.site))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#cascad-callback-url")).to_have_value(cascad.callback_url)
    screenshot(page, "admin-settings-ru")
    page.locator("[data-cascad-test-connection]").click()
    expect(page.locator('[data-outcome="passed"]')).to_have_count(7)
    screenshot(page, "admin-settings-test-connection-ru")


def test_switching_to_live_on_the_emulator_is_refused_in_the_page(page, live_server, admin_user, cascad, emulator):
    log_in(page, live_server)
    page.goto(settings_page(live_server, cascad.site))
    page.get_by_label("Live", exact=True).check()
    page.fill("#id_live_public_key", emulator.public_key)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The setting could not be saved due to errors.")).to_be_visible()
    expect(page.get_by_text("This is the Cascad emulator", exact=False)).to_be_visible()
    expect(page.get_by_text("This is a test key (it starts with pk_test_)", exact=False)).to_be_visible()
    assert emulator.api_key not in page.content() and emulator.secret_key not in page.content()
    screenshot(page, "admin-settings-live-refused-en")
    cascad.refresh_from_db()
    assert cascad.mode == "sandbox" and cascad.live_public_key == ""
