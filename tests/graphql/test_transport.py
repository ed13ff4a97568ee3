"""``/graphql/`` over HTTP: bodies and batches as the SDK sends them, errors, limits, refusals."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from graphql import GraphQLError, get_introspection_query

from cascad_wagtail.graphql import from_global_id, global_id
from cascad_wagtail.graphql.ids import InvalidGlobalId
from cascad_wagtail.graphql.registry import Registry
from cascad_wagtail.graphql.schema import build
from cascad_wagtail.graphql.views import GraphQLView
from tests.graphql.documents import wire_documents

URL = "/graphql/"
SDK = {document.id: document for document in wire_documents()}
USER_DETAILS = SDK["0.3.0-10:UserDetails"]


def post(client, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **extra)


# -- the served endpoint, as the SDK uses it ------------------------------------------------------


def test_sdk_0_3_start_up_user_details_in_a_batch_gets_me_null(client):
    # 0.3.0-10 sends every body as an array, even for one operation, and fires UserDetails at start-up.
    response = post(
        client, [{"operationName": "UserDetails", "variables": USER_DETAILS.variables, "query": USER_DETAILS.text}]
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [{"data": {"me": None}}]


def test_sdk_0_7_single_object_user_query_gets_user_null(client):
    query = "query User { user: me { id email __typename } }"
    response = post(client, {"operationName": "User", "variables": {}, "query": query})
    assert response.status_code == 200
    assert response.json() == {"data": {"user": None}}


def test_unknown_extra_variables_are_ignored(client):
    # The SDK sends ``channel`` to operations that do not declare it.
    body = {"query": USER_DETAILS.text, "variables": {"channel": "default-channel", "anything": [1, 2]}}
    assert post(client, body).json() == {"data": {"me": None}}


def test_a_batch_is_answered_in_the_order_it_was_sent(client):
    batch = [
        {"query": "{ first: __typename }"},
        {"query": "{ second: nope }"},
        {"query": USER_DETAILS.text, "operationName": "UserDetails"},
        {"query": "{ fourth: __typename }"},
    ]
    response = post(client, batch)
    assert response.status_code == 200
    first, second, third, fourth = response.json()
    assert first == {"data": {"first": "Query"}}
    assert second["errors"][0]["message"] == "Cannot query field 'nope' on type 'Query'." and "data" not in second
    assert third == {"data": {"me": None}}
    assert fourth == {"data": {"fourth": "Query"}}


def test_graphql_errors_are_http_200_with_an_exception_code(client):
    response = post(client, {"query": "query { me { id "})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["message"].startswith("Syntax Error")
    assert error["extensions"] == {"exception": {"code": "GraphQLError"}}


def test_variables_of_the_wrong_type_are_an_error_with_http_200(client):
    body = {"query": "query ($t: UUID!) { orderByToken(token: $t) { id } }", "variables": {"t": "not-a-uuid"}}
    response = post(client, body)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert "A UUID" in error["message"] and error["extensions"]["exception"]["code"] == "GraphQLError"


def test_a_query_can_be_sent_with_get(client):
    response = client.get(
        URL, {"query": "query ($c: String) { me { checkoutTokens(channel: $c) } }", "variables": '{"c": "x"}'}
    )
    assert response.status_code == 200 and response.json() == {"data": {"me": None}}


def test_introspection_is_allowed_by_default(client):
    response = post(client, {"query": get_introspection_query()})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_introspection_can_be_switched_off(client, settings):
    settings.CASCAD_GRAPHQL_INTROSPECTION = False
    response = post(client, {"query": "{ __schema { queryType { name } } }"})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["message"] == "Introspection is switched off on this server: __schema cannot be queried."
    assert error["extensions"]["exception"]["code"] == "IntrospectionDisabled"
    assert post(client, {"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}


# -- refusals of requests that are not GraphQL (4xx, still GraphQL-shaped) ------------------------


def refused(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"exception": {"code": code}}
    return error["message"]


def test_malformed_json_is_a_400(client):
    message = refused(post(client, '[{"query": "{ me { id } }"'), 400, "JSONDecodeError")
    assert message == "The request body is not valid JSON."


@pytest.mark.parametrize(
    "body", ['"{ me { id } }"', "[]", '[{"query": "{ me { id } }"}, 7]', '{"variables": {}}', '{"query": 5}']
)
def test_a_body_that_is_not_operation_objects_is_a_400(client, body):
    message = refused(post(client, body), 400, "InvalidRequest")
    assert "query" in message or "empty" in message


def test_variables_that_are_not_an_object_are_a_400(client):
    message = refused(post(client, {"query": "{ me { id } }", "variables": [1]}), 400, "InvalidRequest")
    assert message == '"variables" must be a JSON object.'


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/graphql"])
def test_a_body_that_is_not_json_by_content_type_is_a_415(client, content_type):
    response = client.post(URL, '{"query": "{ me { id } }"}', content_type=content_type)
    message = refused(response, 415, "UnsupportedMediaType")
    assert message == "Send the GraphQL request as JSON, with Content-Type: application/json."


def test_a_mutation_sent_with_get_is_a_405_and_is_not_run(client):
    response = client.get(URL, {"query": 'mutation { tokenVerify(token: "x") { isValid } }'})
    message = refused(response, 405, "MethodNotAllowed")
    assert message == "Only queries can be sent with GET; send mutations with POST."
    assert response["Allow"] == "POST"


def test_other_methods_are_a_405(client):
    response = client.put(URL, "{}", content_type="application/json")
    assert refused(response, 405, "MethodNotAllowed") == "Send GraphQL requests with POST (or queries with GET)."
    assert response["Allow"] == "GET, POST"


def test_the_endpoint_needs_no_csrf_token(settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert post(client, {"query": "{ __typename }"}).status_code == 200


# -- limits and execution, on a schema whose resolvers record what ran ----------------------------


@pytest.fixture
def recording():
    """A view over the real SDL whose resolvers note each call; ``call(body)`` → (status, JSON)."""
    registry = Registry()
    calls: list[tuple] = []

    @registry.resolver("Query", "me")
    def me(_root, info):
        calls.append(("me", info.context))
        return None

    @registry.resolver("Query", "productVariants")
    def product_variants(_root, info, ids=None, **_page):
        calls.append(("productVariants", ids))
        # ``from_global_id`` refuses another type's id; the error reaches the client with its message.
        pks = [from_global_id(value, "ProductVariant", int) for value in ids or []]
        # Objects carrying the shop's raw id, as the storefront adapter's dataclasses do.
        variants = [SimpleNamespace(id=str(pk), name=f"Size {pk}", sku=f"SKU-{pk}") for pk in pks]
        return {"edges": [{"node": variant, "cursor": variant.id} for variant in variants]}

    @registry.resolver("Mutation", "checkoutPaymentCreate")
    def create_payment(_root, _info, input, **_ids):  # noqa: A002  (the SDL's name)
        calls.append(("checkoutPaymentCreate", input["amount"]))
        payment = {
            "id": "UGF5bWVudDox",
            "gateway": input["gateway"],
            "token": "",
            "total": {"currency": "RUB", "amount": input["amount"]},
        }
        return {"payment": payment, "errors": [], "paymentErrors": []}

    @registry.resolver("Mutation", "tokenVerify")
    def verify(_root, _info, token):
        calls.append(("tokenVerify", token))
        if token == "expired":
            raise GraphQLError("Signature has expired", extensions={"exception": {"code": "ExpiredSignatureError"}})
        if token == "boom":
            raise KeyError("secret internals")
        raise InvalidGlobalId("A message meant for the customer.")

    view = GraphQLView.as_view(schema=build(registry))
    factory = RequestFactory()

    def call(body, *, raw=None, drop_length=False):
        data = raw if raw is not None else json.dumps(body)
        request = factory.post(URL, data, content_type="application/json")
        if drop_length:  # a chunked upload: no Content-Length to trust
            del request.META["CONTENT_LENGTH"]
        response = view(request)
        return response.status_code, json.loads(response.content), response.content

    call.calls = calls
    return call


def test_positive_decimal_reaches_the_resolver_exact_from_a_json_variable_and_goes_out_exact(recording):
    query = (
        "mutation ($c: ID!, $p: PaymentInput!) { checkoutPaymentCreate(checkoutId: $c, input: $p) "
        "{ payment { gateway total { amount currency } } errors { code } } }"
    )
    # Written by hand: the number must reach the server as the JSON text 1290.10.
    raw = '{"query": ' + json.dumps(query) + ', "variables": {"c": "x", "p": {"gateway": "g", "amount": 1290.10}}}'
    status, body, content = recording(None, raw=raw)
    assert status == 200 and "errors" not in body
    (call,) = recording.calls
    assert call == ("checkoutPaymentCreate", Decimal("1290.10")) and str(call[1]) == "1290.10"
    # Money.amount is Saleor's Float: the same number, written by its shortest repr.
    assert b'"amount":1290.1,' in content


def test_positive_decimal_reaches_the_resolver_exact_from_a_literal(recording):
    query = (
        'mutation { checkoutPaymentCreate(checkoutId: "x", input: {gateway: "g", amount: 1290.10}) '
        "{ errors { code } } }"
    )
    status, _, _ = recording({"query": query})
    assert status == 200
    assert [str(amount) for _, amount in recording.calls] == ["1290.10"]


def test_a_query_through_global_ids(recording):
    query = "query ($ids: [ID]) { productVariants(ids: $ids, first: 100) { edges { node { id name sku } } } }"
    status, body, _ = recording(
        {"query": query, "variables": {"ids": [global_id("ProductVariant", 1), "UHJvZHVjdFZhcmlhbnQ6Mg=="]}}
    )
    assert status == 200 and "errors" not in body
    nodes = [edge["node"] for edge in body["data"]["productVariants"]["edges"]]
    assert nodes == [
        {"id": "UHJvZHVjdFZhcmlhbnQ6MQ==", "name": "Size 1", "sku": "SKU-1"},
        {"id": "UHJvZHVjdFZhcmlhbnQ6Mg==", "name": "Size 2", "sku": "SKU-2"},
    ]


def test_an_id_of_another_type_is_an_error_that_says_so(recording):
    query = "query ($ids: [ID]) { productVariants(ids: $ids) { edges { node { id } } } }"
    status, body, _ = recording({"query": query, "variables": {"ids": [global_id("Checkout", 1)]}})
    assert status == 200
    (error,) = body["errors"]
    assert error["message"] == "The ID “Q2hlY2tvdXQ6MQ==” belongs to a Checkout, not a ProductVariant."
    assert error["extensions"]["exception"]["code"] == "InvalidGlobalId"
    assert error["path"] == ["productVariants"]


def test_resolver_errors_keep_their_code_and_hide_internals(recording, caplog):
    mutation = "mutation ($t: String!) { tokenVerify(token: $t) { isValid } }"
    expired = recording({"query": mutation, "variables": {"t": "expired"}})[1]["errors"][0]
    assert expired["message"] == "Signature has expired"
    assert expired["extensions"]["exception"]["code"] == "ExpiredSignatureError"

    ours = recording({"query": mutation, "variables": {"t": "mine"}})[1]["errors"][0]
    assert ours["message"] == "A message meant for the customer."
    assert ours["extensions"]["exception"]["code"] == "InvalidGlobalId"

    with caplog.at_level(logging.ERROR, logger="cascad_wagtail.graphql"):
        status, body, _ = recording({"query": mutation, "variables": {"t": "boom"}})
    assert status == 200
    (bug,) = body["errors"]
    assert bug["message"] == "Something went wrong on the server; the error has been logged."
    assert bug["extensions"]["exception"]["code"] == "KeyError"
    assert "secret internals" not in json.dumps(body)
    assert "secret internals" in caplog.text  # the traceback is in the log


def test_resolvers_get_the_request_as_context(recording):
    recording({"query": "{ me { id } }"})
    ((_, context),) = recording.calls
    assert isinstance(context, HttpRequest)
    assert context.user.is_anonymous


def test_a_signed_in_session_is_not_trusted():
    # The view is CSRF-exempt, so cookies must not authenticate: resolvers see an anonymous user
    # even when the session middleware has put a signed-in one on the request.
    seen = []
    registry = Registry()
    registry.resolver("Query", "me")(lambda _root, info: seen.append(info.context.user) or None)
    request = RequestFactory().post(URL, '{"query": "{ me { id } }"}', content_type="application/json")
    request.user = SimpleNamespace(is_anonymous=False, is_authenticated=True, username="ada")
    GraphQLView.as_view(schema=build(registry))(request)
    assert len(seen) == 1 and seen[0].is_anonymous


def test_too_deep_a_query_is_refused_and_nothing_runs(recording, settings):
    settings.CASCAD_GRAPHQL_MAX_DEPTH = 3
    status, body, _ = recording({"query": USER_DETAILS.text})  # me { defaultShippingAddress { country { code } } }: 4
    assert status == 200 and "data" not in body
    (error,) = body["errors"]
    assert error["message"] == "The query nests fields 4 levels deep; this server allows at most 3."
    assert error["extensions"]["exception"]["code"] == "QueryTooDeep"
    assert recording.calls == []


def test_too_complex_a_query_is_refused_and_nothing_runs(recording, settings):
    settings.CASCAD_GRAPHQL_MAX_COMPLEXITY = 50
    status, body, _ = recording({"query": USER_DETAILS.text})  # 54 fields once its fragments are expanded
    assert status == 200 and "data" not in body
    (error,) = body["errors"]
    assert error["message"] == "The query selects 54 fields; this server allows at most 50."
    assert error["extensions"]["exception"]["code"] == "QueryTooComplex"
    assert recording.calls == []


def test_fragments_that_double_at_every_level_are_measured_without_expanding_them(recording):
    # 2^30 fields if expanded: refused at once, by arithmetic on each fragment's measure.
    fragments = ["fragment F0 on User { id }"] + [
        f"fragment F{n} on User {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, 31)
    ]
    query = "{ me { ...F30 } } " + " ".join(fragments)
    status, body, _ = recording({"query": query})
    assert status == 200
    assert body["errors"][0]["extensions"]["exception"]["code"] == "QueryTooComplex"
    assert recording.calls == []


def test_a_body_over_the_size_limit_is_a_413_and_nothing_runs(recording, settings):
    settings.CASCAD_GRAPHQL_MAX_BODY_BYTES = 200
    body = {"query": "{ me { id } }", "variables": {"padding": "x" * 300}}
    for drop_length in (False, True):
        status, answer, _ = recording(body, drop_length=drop_length)
        assert status == 413
        assert (
            answer["errors"][0]["message"] == "The request body is larger than 200 bytes, the most this server accepts."
        )
        assert answer["errors"][0]["extensions"] == {"exception": {"code": "RequestTooLarge"}}
    assert recording.calls == []


def test_a_batch_over_the_size_limit_is_a_400_and_nothing_runs(recording):
    status, body, _ = recording([{"query": "{ me { id } }"}] * 11)
    assert status == 400
    assert body["errors"][0]["message"] == "The batch holds 11 operations; this server accepts at most 10 at once."
    assert body["errors"][0]["extensions"] == {"exception": {"code": "BatchTooLarge"}}
    assert recording.calls == []
    status, body, _ = recording([{"query": "{ me { id } }"}] * 10)
    assert status == 200 and body == [{"data": {"me": None}}] * 10


def test_a_get_query_string_over_the_size_limit_is_a_413(client, settings):
    settings.CASCAD_GRAPHQL_MAX_BODY_BYTES = 200
    response = client.get(URL, {"query": "{ __typename }", "variables": json.dumps({"padding": "x" * 300})})
    refused(response, 413, "RequestTooLarge")
