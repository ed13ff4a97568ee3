"""The Node harness drives the real @saleor/sdk, proven against a tiny capture server (no shop needed).

The capture server records every POST and answers like a GraphQL server that knows almost nothing:
``UserDetails`` → ``me: null`` (anonymous), a few sign-in mutations → fake JWTs, anything else → a GraphQL
error with HTTP 200. That is enough to see what the SDK puts on the wire, which must match the captured
wire documents of the spec (``tests/spec/saleor``, copies of ``../shared/spec/saleor``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.sdk.harness import SdkHarnessError, SdkSession, run_scenario

pytestmark = pytest.mark.sdk

SPEC = Path(__file__).resolve().parents[1] / "spec" / "saleor"
CHANNEL = "default-channel"
VARIANT = "UHJvZHVjdFZhcmlhbnQ6MQ=="
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "companyName": "",
    "streetAddress1": "Main St 1",
    "streetAddress2": "",
    "city": "Berlin",
    "postalCode": "10115",
    "countryArea": "",
    "phone": "+4930123456",
    "country": {"code": "DE", "country": "Germany"},
}


def wire_documents(name: str) -> dict[str, dict]:
    """``{operationName: {"query": text, "batched": bool, "auth": bool, "variables": example}}`` from a wire file."""
    text = (SPEC / name).read_text()
    header = re.compile(
        r"^# ===== operationName: (\w+)\s+\(batched array body: (True|False); auth header present: (True|False)\)\n"
        r"# example variables: (.*)\n",
        re.M,
    )
    found = list(header.finditer(text))
    documents = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        documents[match.group(1)] = {
            "query": text[match.end() : end].strip(),
            "batched": match.group(2) == "True",
            "auth": match.group(3) == "True",
            "variables": json.loads(match.group(4)),
        }
    return documents


def fake_jwt(**claims) -> str:
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.sig"


ACCESS = fake_jwt(owner="saleor", exp=4102444800, type="access", email="ada@example.com")
REFRESH = fake_jwt(owner="saleor", exp=4102444800, type="refresh")
USER_07 = {
    "__typename": "User",
    "id": "VXNlcjox",
    "email": "ada@example.com",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "isStaff": False,
    "userPermissions": [],
    "metadata": [],
    "defaultShippingAddress": None,
    "defaultBillingAddress": None,
    "addresses": [],
}
ANSWERS = {
    "UserDetails": {"data": {"me": None}},
    # 0.3.0-10 sign-in
    "TokenAuth": {
        "data": {
            "tokenCreate": {
                "__typename": "CreateToken",
                "csrfToken": "csrf",
                "refreshToken": REFRESH,
                "token": ACCESS,
                "errors": [],
                "user": {"__typename": "User", "id": "VXNlcjox"},
            }
        }
    },
    # 0.3.0-10 asks for the signed-in user's checkouts; an error here makes signIn() never resolve.
    "UserCheckoutTokenList": {"data": {"me": {"__typename": "User", "id": "VXNlcjox", "checkoutTokens": []}}},
    # 0.7.0
    "login": {
        "data": {
            "tokenCreate": {
                "__typename": "CreateToken",
                "token": ACCESS,
                "refreshToken": REFRESH,
                "errors": [],
                "user": USER_07,
            }
        }
    },
    "verifyToken": {
        "data": {
            "tokenVerify": {
                "__typename": "VerifyToken",
                "isValid": True,
                "payload": {"owner": "saleor"},
                "user": USER_07,
                "errors": [],
            }
        }
    },
}


class CaptureServer:
    """Records each POST (body, headers) and answers from ``ANSWERS`` or with a GraphQL error."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers = dict(ANSWERS)
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                capture.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                operations = body if isinstance(body, list) else [body]
                answers = [
                    capture.answers.get(
                        (op or {}).get("operationName"),
                        {"data": None, "errors": [{"message": "capture server: not implemented"}]},
                    )
                    for op in operations
                ]
                payload = json.dumps(answers if isinstance(body, list) else answers[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/graphql/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def operations(self) -> list[tuple[str, dict, dict]]:
        """Every operation received, in order: ``(operationName, operation, request)``."""
        out = []
        for request in self.requests:
            body = request["body"]
            for op in body if isinstance(body, list) else [body]:
                out.append((op["operationName"], op, request))
        return out


@pytest.fixture
def capture():
    server = CaptureServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def header(request: dict, name: str) -> str | None:
    return {key.lower(): value for key, value in request["headers"].items()}.get(name.lower())


# ------------------------------------------------------------------------------------------------ 0.3.0-10


def test_v03_connects_and_sends_the_wire_documents_as_batched_arrays(capture):
    wire = wire_documents("sdk-0.3.0-10-wire-documents.graphql")
    results = run_scenario(
        "0.3.0-10",
        capture.url,
        CHANNEL,
        [
            {"op": "connect"},
            {"op": "addItem", "variantId": VARIANT, "quantity": 2},
            {"op": "setShippingAddress", "address": ADDRESS, "email": "ada@example.com"},
        ],
        timeout=60,
    )

    # Start-up: UserDetails, as a JSON array of one, without auth; anonymous me: null is not an error.
    first = capture.requests[0]
    assert isinstance(first["body"], list) and [op["operationName"] for op in first["body"]] == ["UserDetails"]
    assert header(first, "Authorization") is None
    assert results[0]["op"] == "connect" and results[0]["data"] == {"loaded": True}
    assert results[0]["state"]["auth"]["authenticated"] is False

    # Every body is an array; the operations are exactly the captured wire documents.
    assert all(isinstance(request["body"], list) for request in capture.requests)
    names = [name for name, _, _ in capture.operations()]
    assert names == ["UserDetails", "CheckoutProductVariants", "CreateCheckout"]
    for name, operation, request in capture.operations():
        assert operation["query"].strip() == wire[name]["query"], name
        assert wire[name]["batched"] is True
        assert (header(request, "Authorization") is not None) == wire[name]["auth"], name
    # The address given to the SDK as {country: {code}} goes out as the wire document's CreateCheckout input.
    create = capture.operations()[2][1]
    assert create["variables"] == wire["CreateCheckout"]["variables"]

    # The SDK reports server errors as data, not exceptions.
    add_item, shipping = results[1], results[2]
    assert add_item["requests"][0]["operations"] == ["CheckoutProductVariants"]
    assert add_item["firedErrors"][0]["typeName"] == "SET_CART_ITEM"
    assert add_item["state"]["cart"]["items"] == [{"quantity": 2, "variant": {"id": VARIANT}}]
    assert shipping["dataError"]["typeName"] == "SET_SHIPPING_ADDRESS"
    assert shipping["dataError"]["error"]["graphQLErrors"] == [{"message": "capture server: not implemented"}]
    assert shipping["functionError"] is None
    assert shipping["requests"] == [
        {"url": capture.url, "batched": True, "operations": ["CreateCheckout"], "status": 200}
    ]


def test_v03_without_items_the_sdk_answers_a_function_error_and_sends_nothing(capture):
    results = run_scenario(
        "0.3.0-10",
        capture.url,
        CHANNEL,
        [{"op": "setShippingAddress", "address": ADDRESS, "email": "ada@example.com"}, {"op": "completeCheckout"}],
        timeout=60,
    )
    assert results[0]["functionError"]["typeName"] == "ITEMS_NOT_ADDED_TO_CART"
    assert results[1]["functionError"]["typeName"] == "SHIPPING_ADDRESS_NOT_SET"
    # Only the start-up UserDetails (the first op connected implicitly).
    assert [name for name, _, _ in capture.operations()] == ["UserDetails"]


def test_v03_sign_in_then_sends_jwt_authorization(capture):
    wire = wire_documents("sdk-0.3.0-10-wire-documents.graphql")
    results = run_scenario(
        "0.3.0-10",
        capture.url,
        CHANNEL,
        [{"op": "connect"}, {"op": "signIn", "email": "ada@example.com", "password": "wrong"}, {"op": "signOut"}],
        timeout=60,
    )
    operations = capture.operations()
    names = [name for name, _, _ in operations]
    assert names[:2] == ["UserDetails", "TokenAuth"]
    token_auth = operations[1]
    assert token_auth[1]["query"].strip() == wire["TokenAuth"]["query"]
    assert token_auth[1]["variables"] == {"email": "ada@example.com", "password": "wrong"}
    assert header(token_auth[2], "Authorization") is None
    # After the token: every request carries "Authorization: JWT <token>" (UserDetails, UserCheckoutTokenList).
    after = operations[2:]
    assert {name for name, _, _ in after} >= {"UserDetails", "UserCheckoutTokenList"}
    assert all(header(request, "Authorization") == f"JWT {ACCESS}" for _, _, request in after)
    assert results[1]["state"]["auth"]["token"] == ACCESS
    assert results[2]["state"]["auth"]["token"] is None


def test_v03_a_step_that_never_finishes_is_a_crash(capture):
    # SDK 0.3.0-10 awaits UserCheckoutTokenList inside a Promise executor: when it fails, signIn() never
    # resolves (an unhandled rejection in a browser). The server must answer it; the harness reports the hang.
    del capture.answers["UserCheckoutTokenList"]
    with pytest.raises(SdkHarnessError, match=r"step 1 \(signIn\) did not finish within 2000 ms") as raised:
        run_scenario(
            "0.3.0-10",
            capture.url,
            CHANNEL,
            [{"op": "connect"}, {"op": "signIn", "email": "ada@example.com", "password": "pw"}],
            step_timeout_ms=2000,
            timeout=60,
        )
    assert "unhandled rejection" in raised.value.stderr
    assert [result["op"] for result in raised.value.results] == ["connect"]


def test_v03_local_storage_survives_into_the_next_run(capture, tmp_path):
    storage = tmp_path / "local-storage.json"
    run_scenario(
        "0.3.0-10",
        capture.url,
        CHANNEL,
        [{"op": "addItem", "variantId": VARIANT, "quantity": 3}],
        storage_file=storage,
        timeout=60,
    )
    assert json.loads(json.loads(storage.read_text())["data_checkout"])["lines"][0]["quantity"] == 3
    again = run_scenario("0.3.0-10", capture.url, CHANNEL, [{"op": "state"}], storage_file=storage, timeout=60)
    assert again[0]["state"]["cart"]["items"] == [{"quantity": 3, "variant": {"id": VARIANT}}]


def test_v03_session_pauses_between_steps(capture):
    with SdkSession("0.3.0-10", capture.url, CHANNEL, steps=[{"op": "connect"}]) as sdk:
        assert sdk.results[0]["data"] == {"loaded": True}
        seen = len(capture.requests)
        time.sleep(0.3)  # the test acts here; the SDK waits
        assert len(capture.requests) == seen
        added = sdk.step("addItem", variantId=VARIANT, quantity=1)
        assert added["step"] == 1 and added["op"] == "addItem"
        query = sdk.step("query", query="query GetShop { shop { name } }")
        assert query["dataError"]["error"] == [{"message": "capture server: not implemented"}]
    assert [result["op"] for result in sdk.results] == ["connect", "addItem", "query"]


@pytest.mark.parametrize("version", ["0.3.0-10", "0.7.0"])
def test_record_errors_lists_the_graphql_errors_of_each_answer(capture, version):
    capture.answers["Coded"] = {
        "data": None,
        "errors": [{"message": "expired", "extensions": {"exception": {"code": "ExpiredSignatureError"}}}],
    }
    steps = [{"op": "query", "query": "query Coded { shop { name } }"}, {"op": "query", "query": "query Nope { a }"}]
    coded, nope = run_scenario(version, capture.url, CHANNEL, steps, timeout=60, record_errors=True)
    (request,) = [request for request in coded["requests"] if request["operations"] == ["Coded"]]
    assert request["errors"] == [{"operation": "Coded", "code": "ExpiredSignatureError", "message": "expired"}]
    assert all(other["errors"] == [] for other in coded["requests"] if other is not request)  # UserDetails (0.3)
    assert nope["requests"][0]["errors"] == [
        {"operation": "Nope", "code": None, "message": "capture server: not implemented"}
    ]
    # Off by default: the entries are as before.
    (plain,) = run_scenario(version, capture.url, CHANNEL, steps[:1], timeout=60)
    assert all("errors" not in entry for entry in plain["requests"])


def test_driver_crash_raises_with_stderr(capture):
    with pytest.raises(SdkHarnessError, match="unknown op") as raised:
        run_scenario("0.3.0-10", capture.url, CHANNEL, [{"op": "connect"}, {"op": "noSuchOp"}], timeout=60)
    assert [result["op"] for result in raised.value.results] == ["connect"]


# ------------------------------------------------------------------------------------------------ 0.7.0


def test_v07_login_sends_single_objects_and_bearer_header(capture):
    wire = wire_documents("sdk-0.7.0-wire-documents.graphql")
    results = run_scenario(
        "0.7.0",
        capture.url,
        CHANNEL,
        [
            {"op": "connect"},
            {"op": "login", "email": "a@b.c", "password": "password"},
            {"op": "verifyToken"},
            {"op": "me"},
            {"op": "logout"},
        ],
        timeout=60,
    )
    assert [result["op"] for result in results] == ["connect", "login", "verifyToken", "me", "logout"]
    # Nothing at start-up (no refresh token stored), then one JSON object per request: no batching.
    assert all(isinstance(request["body"], dict) for request in capture.requests)
    operations = capture.operations()
    assert [name for name, _, _ in operations] == ["login", "verifyToken", "User"]

    _, login, login_request = operations[0]
    assert login["query"].strip() == wire["login"]["query"]
    assert login["variables"] == wire["login"]["variables"]
    assert header(login_request, "authorization-bearer") is None
    assert results[1]["data"]["tokenCreate"]["token"] == ACCESS
    assert results[1]["dataError"] is None and results[1]["functionError"] is None
    assert results[1]["state"]["authenticated"] is True
    assert results[1]["state"]["refreshToken"] == REFRESH

    # With the access token: the "authorization-bearer" header (not Authorization: JWT).
    _, verify, verify_request = operations[1]
    assert verify["query"].strip() == wire["verifyToken"]["query"]
    assert verify["variables"] == {"token": ACCESS}
    assert header(verify_request, "authorization-bearer") == ACCESS
    assert header(verify_request, "Authorization") is None
    assert results[2]["data"]["tokenVerify"]["isValid"] is True

    # `me` is the SDK's own User query; the capture server does not know it: a dataError, not a crash.
    assert "user: me" in operations[2][1]["query"]
    assert results[3]["dataError"]["error"]["graphQLErrors"] == [{"message": "capture server: not implemented"}]
    # logout clears the stored tokens without a request.
    assert results[4]["state"]["refreshToken"] is None and results[4]["requests"] == []


def test_v07_refresh_without_a_token_is_a_function_error(capture):
    results = run_scenario("0.7.0", capture.url, CHANNEL, [{"op": "refreshToken"}, {"op": "verifyToken"}], timeout=60)
    assert results[0]["functionError"]["error"]["message"] == "refreshToken not present"
    assert results[1]["functionError"]["error"]["message"] == "Token not present"
    assert capture.requests == []
