"""The widget (``{host}/widget.js``) on a shop page of another origin: iframe and redirect flows.

The emulator serves ``http://127.0.0.1:PORT``; the shop's parent page is served as
``http://localhost:PORT2``, so the two are different origins, as a real shop and Cascad are.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ._support import SUCCESS_CARD, create_invoice, emulator_invoice, expect_result, fill_card, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

PARENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test shop</title></head>
<body style="font-family: sans-serif; margin: 24px">
<h1>Test shop: order 42</h1>
<div id="checkout" style="max-width: 560px"></div>
<p>onReturn: <output id="returned">none</output></p>
<p>onClose: <output id="closed">0</output></p>
<script src="{widget_src}"></script>
<script>
  window.shopLoadedOnce = true;           // a navigation of the parent would lose this
  window.cascadReturns = [];
  window.cascadCloses = 0;
  window.seenMessages = [];
  window.addEventListener("message", function (event) {{
    window.seenMessages.push({{origin: event.origin, type: event.data && event.data.type}});
  }});
  CascadWidget.init({{
    selector: "#checkout",
    flow: {flow},
    cpi: {cpi},
    onReturn: function (result) {{
      window.cascadReturns.push(result);
      document.getElementById("returned").textContent = JSON.stringify(result);
    }},
    onClose: function () {{
      window.cascadCloses += 1;
      document.getElementById("closed").textContent = String(window.cascadCloses);
    }}
  }});
</script>
</body></html>
"""


def _parent_page(emulator, shop, cpi: str, flow: str = "iframe") -> str:
    """Register the shop's parent page and return its URL (on the shop's other origin)."""
    shop.pages["/shop/pay"] = PARENT_PAGE.format(
        widget_src=f"{emulator.url}/widget.js", flow=json.dumps(flow), cpi=json.dumps(cpi)
    )
    return f"{shop.other_origin}/shop/pay"


def test_iframe_pays_and_calls_on_return_without_navigating(emulator, shop, page):
    invoice = create_invoice(emulator, return_urls=shop.return_urls())
    parent_url = _parent_page(emulator, shop, invoice["id"])
    page.goto(parent_url)

    frame = page.frame_locator("#checkout iframe")
    expect(frame.locator("#pay")).to_be_visible()
    src = page.locator("#checkout iframe").get_attribute("src")
    assert src.startswith(f"{emulator.url}/hpp/?") and "embedded=1" in src
    assert "parent_origin=" + shop.other_origin.replace(":", "%3A").replace("/", "%2F") in src
    # Embedded, the form offers Close instead of a link back to the shop.
    expect(frame.locator("#close")).to_be_visible()
    screenshot(page, "20-widget-iframe-form")

    fill_card(frame, SUCCESS_CARD, "12/30")

    expect(page.locator("#returned")).to_have_text(
        json.dumps({"cpi": invoice["id"], "status": "processed"}, separators=(",", ":"))
    )
    assert page.evaluate("window.cascadReturns") == [{"cpi": invoice["id"], "status": "processed"}]
    card = expect_result(frame, "processed")
    expect(card.get_by_test_id("message")).to_have_text("25.50\u00a0USD has been paid.")
    screenshot(page, "21-widget-iframe-paid")

    # Neither the parent nor the frame goes anywhere: same URL, same document, no redirect planned.
    assert page.url == parent_url
    assert page.evaluate("window.shopLoadedOnce") is True
    expect(frame.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    assert not shop.visited("/return/")

    # The frame's own Return button repeats the message; the widget reports only once.
    frame.locator("#return").click()
    page.wait_for_function("window.seenMessages.filter(m => m.type === 'cascad:return').length >= 2")
    assert page.evaluate("window.cascadReturns.length") == 1

    truth = emulator_invoice(emulator, invoice["id"])
    assert truth["status"] == "processed"
    assert Decimal(str(truth["processed_amount"])) == Decimal("25.50")


def test_a_return_message_from_another_origin_is_ignored(emulator, shop, page):
    invoice = create_invoice(emulator)
    page.goto(_parent_page(emulator, shop, invoice["id"]))
    expect(page.frame_locator("#checkout iframe").locator("#pay")).to_be_visible()

    # The parent's own origin (not Cascad's) forges a finished payment, then posts a marker. Messages
    # are dispatched in order, so once the marker is seen the widget has already judged the forgery.
    page.evaluate(
        """cpi => {
            window.postMessage({type: "cascad:return", cpi: cpi, status: "processed"}, "*");
            window.postMessage({type: "test:marker"}, "*");
        }""",
        invoice["id"],
    )
    page.wait_for_function("window.seenMessages.some(m => m.type === 'test:marker')")
    forged = page.evaluate("window.seenMessages.filter(m => m.type === 'cascad:return')")
    assert forged == [{"origin": shop.other_origin, "type": "cascad:return"}]
    assert page.evaluate("window.cascadReturns") == []
    expect(page.locator("#returned")).to_have_text("none")
    assert emulator_invoice(emulator, invoice["id"])["status"] == "created"

    # The genuine message from the Checkout frame is still accepted afterwards.
    fill_card(page.frame_locator("#checkout iframe"), SUCCESS_CARD, "12/30")
    expect(page.locator("#returned")).to_contain_text('"status":"processed"')


def test_close_in_the_iframe_calls_on_close(emulator, shop, page):
    invoice = create_invoice(emulator)
    page.goto(_parent_page(emulator, shop, invoice["id"]))
    page.frame_locator("#checkout iframe").locator("#close").click()
    expect(page.locator("#closed")).to_have_text("1")
    assert page.evaluate("window.cascadReturns") == []
    assert emulator_invoice(emulator, invoice["id"])["status"] == "created"


def test_redirect_flow_sends_the_window_to_checkout(emulator, shop, page):
    invoice = create_invoice(emulator)
    page.goto(_parent_page(emulator, shop, invoice["id"], flow="redirect"))

    expect(page).to_have_url(re.compile("^" + re.escape(f"{emulator.url}/hpp/?cpi={invoice['id']}") + "$"))
    expect(page.locator("#pay")).to_be_visible()
    expect(page.locator("#close")).to_have_count(0)  # a full page, not the embedded one
    expect(page.locator("body")).not_to_have_class("embedded")
    screenshot(page, "22-widget-redirect")


def test_iframe_shrinks_to_the_result_page(emulator, shop, page):
    invoice = create_invoice(emulator)
    page.goto(_parent_page(emulator, shop, invoice["id"]))
    frame = page.frame_locator("#checkout iframe")
    expect(frame.locator("#pay")).to_be_visible()
    page.wait_for_function("document.querySelector('#checkout iframe').style.height !== ''")
    form_height = page.evaluate("parseFloat(document.querySelector('#checkout iframe').style.height)")

    fill_card(frame, SUCCESS_CARD, "12/30")
    # The result page posts cascad:resize before cascad:return, so by onReturn the resize is applied.
    expect(page.locator("#returned")).to_contain_text('"status":"processed"')
    result_height = page.evaluate("parseFloat(document.querySelector('#checkout iframe').style.height)")
    content_height = page.frames[1].evaluate("document.body.getBoundingClientRect().height")
    assert result_height < form_height
    assert result_height <= content_height + 16 + 1
