"""The customer's pages: the payment link and the return page that tells the truth."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from cascad_wagtail import services
from cascad_wagtail.models import Payment

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def pay(emulator, payment, **body):
    emulator.control(f"invoices/{payment.invoice_id}/pay", body)


def test_the_payment_link_creates_the_invoice_and_redirects_to_checkout(cascad, make_order, emulator, client):
    order = make_order()
    link = services.payment_link(order)
    assert link.startswith(cascad.site.root_url + "/cascad/pay/")
    response = client.get(link.removeprefix(cascad.site.root_url))
    payment = Payment.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == payment.hpp_url
    again = client.get(link.removeprefix(cascad.site.root_url))
    assert again["Location"] == payment.hpp_url
    assert Payment.objects.filter(order=order).count() == 1


def test_a_forged_payment_link_is_refused(cascad, make_order, client):
    order = make_order()
    token = services.payment_link_token(order)
    assert client.get(f"/cascad/pay/{token[:-2]}xx/").status_code == 404
    assert client.get("/cascad/pay/1/").status_code == 404
    assert Payment.objects.count() == 0


def test_the_payment_link_of_a_paid_order_says_so(cascad, make_order, emulator, client):
    order = make_order()
    payment = services.start_payment(order)
    pay(emulator, payment, card="5519283812030000", expiry="12/30")
    services.refresh_payment(payment)
    response = client.get(services.payment_link(order).removeprefix(cascad.site.root_url))
    assert response.status_code == 409
    assert "already been paid" in response.content.decode()


def test_the_payment_link_in_an_outage_offers_to_try_again(cascad, make_order, emulator, client, settings):
    settings.CASCAD_TIMEOUT = (1, 1)
    emulator.control("faults", {"seed": 1, "api_error": 1})
    response = client.get(services.payment_link(make_order()).removeprefix(cascad.site.root_url))
    assert response.status_code == 503
    assert "Try again" in response.content.decode()


def return_page(client, payment, language="en"):
    return client.get(f"/cascad/return/{payment.uuid}/", HTTP_ACCEPT_LANGUAGE=language)


def test_the_return_page_refreshes_once_and_says_paid(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order())
    pay(emulator, payment, card="5519283812030000", expiry="12/30")
    response = return_page(client, payment)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="paid"' in html and "successful" in html
    assert f'data-forward-url="/orders/{payment.order_id}/"' in html
    assert Payment.objects.get(pk=payment.pk).charge_status == "FULLY_CHARGED"


def test_the_return_page_names_the_failure_in_words_and_offers_a_retry(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order())
    pay(emulator, payment, card="4302912837020000", expiry="05/29")
    html = return_page(client, payment).content.decode()
    assert 'data-state="failed"' in html
    assert "not enough funds" in html and "insufficient_funds" not in html
    assert "/cascad/pay/" in html and "Try again" in html


def test_the_return_page_never_says_failed_while_processing(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order())
    pay(emulator, payment, card="5519283812030000", expiry="07/77")
    html = return_page(client, payment).content.decode()
    assert 'data-state="processing"' in html and 'data-waiting="true"' in html
    assert "did not go through" not in html


def test_the_status_endpoint_follows_the_payment_without_a_reload(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order())
    pay(emulator, payment, card="5519283812030000", expiry="07/77")
    first = client.get(f"/cascad/return/{payment.uuid}/status/").json()
    assert first["state"] == "processing" and first["waiting"] is True
    pay(emulator, payment, outcome="processed")
    from django.core.cache import cache

    cache.clear()  # the poll refreshes at most every few seconds; skip the wait
    second = client.get(f"/cascad/return/{payment.uuid}/status/").json()
    assert second["state"] == "paid" and second["waiting"] is False
    assert second["forward_url"] == f"/orders/{payment.order_id}/"
    assert 'data-state="paid"' in second["html"]


def test_the_return_page_of_a_cancelled_invoice(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order())
    services.cancel_payment(payment)
    html = return_page(client, payment).content.decode()
    assert 'data-state="cancelled"' in html and "Try again" in html


def test_an_unpaid_invoice_offers_to_continue_to_checkout(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order())
    html = return_page(client, payment).content.decode()
    assert 'data-state="unpaid"' in html and payment.hpp_url.replace("&", "&amp;") in html


def test_a_storefront_return_url_wins(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order(), return_url="https://store.example/thanks")
    pay(emulator, payment, card="5519283812030000", expiry="12/30")
    html = return_page(client, payment).content.decode()
    assert 'data-forward-url="https://store.example/thanks"' in html


def test_an_unknown_payment_is_404(db, client):
    assert client.get("/cascad/return/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_return_page_in_russian(cascad, make_order, emulator, client):
    payment = services.start_payment(make_order())
    pay(emulator, payment, card="4302912837020000", expiry="05/29")
    html = return_page(client, payment, "ru").content.decode()
    assert "Платёж не прошёл" in html
    assert "на карте недостаточно средств" in html
    assert "Попробовать снова" in html


def test_a_cascad_outage_shows_the_last_known_state_truthfully(cascad, make_order, emulator, client, settings):
    payment = services.start_payment(make_order())
    settings.CASCAD_TIMEOUT = (1, 1)
    emulator.control("faults", {"seed": 1, "api_error": 1})
    html = return_page(client, payment).content.decode()
    assert 'data-state="unpaid"' in html
    assert "could not reach the payment service" in html


def message_of(html: str) -> str:
    return re.search(r'<p class="cascad-message">(.*?)</p>', html, re.S).group(1)


def test_every_failure_resolution_is_shown_in_words(cascad, make_order, emulator, client):
    """Each expiry of the failing card names a resolution; the return page says each in words, in both languages."""
    from cascad_wagtail.emulator.cards import DEFAULT_FAILURE, FAILURE_RESOLUTIONS
    from cascad_wagtail.resolutions import RESOLUTIONS

    cases = [*FAILURE_RESOLUTIONS.items(), ("03/99", DEFAULT_FAILURE)]
    for expiry, resolution in cases:
        payment = services.start_payment(make_order())
        pay(emulator, payment, card="4412397212080000", expiry=expiry)
        english = message_of(return_page(client, payment).content.decode())
        russian = message_of(return_page(client, payment, "ru").content.decode())
        assert Payment.objects.get(pk=payment.pk).cascad_resolution == resolution
        with translation.override("en"):
            english_words = str(RESOLUTIONS[resolution])
        with translation.override("ru"):
            russian_words = str(RESOLUTIONS[resolution])
        assert english_words in english and resolution not in english.replace(english_words, ""), (resolution, english)
        assert russian_words in russian and russian_words != english_words, (resolution, russian)
