"""The schema: every SDK document validates, the floor SDL is kept, scalars, ids and the resolver registry."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from graphql import (
    build_schema,
    execute_sync,
    find_breaking_changes,
    find_dangerous_changes,
    get_introspection_query,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from cascad_wagtail.graphql import InvalidGlobalId, RegistryError, from_global_id, global_id
from cascad_wagtail.graphql.execution import validation_rules
from cascad_wagtail.graphql.registry import Registry
from cascad_wagtail.graphql.scalars import bind_scalars
from cascad_wagtail.graphql.schema import SDL_PATH, build, get_schema
from tests.graphql.documents import SPEC, all_documents

DOCUMENTS = all_documents()


# -- the SDK's documents ---------------------------------------------------------------------------


def test_every_operation_the_sdk_defines_is_covered():
    names = {document.id for document in DOCUMENTS}
    # The captures, plus what the package defines but the runs did not send (saleor-sdk.md).
    assert {
        "0.3.0-10:UserDetails",
        "0.3.0-10:CreateCheckout",
        "0.3.0-10:CreateCheckoutPayment",
        "0.3.0-10:CompleteCheckout",
        "0.3.0-10:UserOrderByToken",
        "0.3.0-10:OrdersByUser",
        "0.3.0-10:GetShop",
        "0.3.0-10:UpdateCheckoutBillingAddressWithEmail",
        "0.7.0:login",
        "0.7.0:User",
    } <= names
    assert len(names) == len(DOCUMENTS) == 28


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document.id)
def test_the_sdk_document_validates_against_the_served_schema_within_the_default_limits(document):
    # The served schema and the served rules: the spec's, the introspection guard, depth and complexity.
    errors = validate(get_schema(), parse(document.text), validation_rules())
    assert [error.message for error in errors] == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document.id)
def test_the_sdk_example_variables_are_accepted(document):
    # Arguments no stricter than the SDK's variables, and scalars that take what the SDK sends
    # (UUID tokens, PositiveDecimal amounts, CountryCode "DE", phone: null).
    (operation,) = [d for d in parse(document.text).definitions if d.kind == "operation_definition"]
    coerced = get_variable_values(get_schema(), operation.variable_definitions or (), document.variables)
    assert not isinstance(coerced, list), [error.message for error in coerced]


def test_the_floor_schema_is_kept_whole():
    """Nothing of minimal-schema.graphql is removed, retyped or made stricter; additions only."""
    floor = build_schema((SPEC / "minimal-schema.graphql").read_text())
    ours = build_schema(SDL_PATH.read_text())
    assert [change.description for change in find_breaking_changes(floor, ours)] == []
    dangerous = [change.description for change in find_dangerous_changes(floor, ours)]
    # The additions a client could notice: Saleor's Node interface (in ``... on Node`` spreads), and
    # Saleor's later code for a sign-in refused by the rate limit (the SDKs show any code's message).
    noticed = [description for description in dangerous if not description.startswith("Node added to interfaces")]
    assert noticed == ["Enum value AccountErrorCode.LOGIN_ATTEMPT_DELAYED was added."]


def test_saleor_error_types_keep_field_message_and_code_enums():
    schema = get_schema()
    for type_name, enum in [
        ("CheckoutError", "CheckoutErrorCode"),
        ("PaymentError", "PaymentErrorCode"),
        ("AccountError", "AccountErrorCode"),
    ]:
        fields = schema.type_map[type_name].fields
        assert str(fields["code"].type) == f"{enum}!"
        assert str(fields["field"].type) == str(fields["message"].type) == "String"
    assert "PARTIAL_PAYMENT_NOT_ALLOWED" in schema.type_map["PaymentErrorCode"].values


# -- scalars ----------------------------------------------------------------------------------------

ECHO_SDL = """
scalar UUID scalar JSONString scalar GenericScalar scalar Decimal scalar PositiveDecimal scalar DateTime scalar Date
type Query {
  uuid(value: UUID): UUID
  jsonString(value: JSONString): JSONString
  generic(value: GenericScalar): GenericScalar
  decimal(value: Decimal): Decimal
  positiveDecimal(value: PositiveDecimal): PositiveDecimal
  dateTime(value: DateTime): DateTime
  date(value: Date): Date
}
"""


@pytest.fixture(scope="module")
def echo():
    """Each field hands its argument back; ``received`` keeps what the resolver was given."""
    schema = build_schema(ECHO_SDL)
    bind_scalars(schema)
    received = {}

    def resolve(_root, info, value=None):
        received[info.field_name] = value
        return value

    for field in schema.query_type.fields.values():
        field.resolve = resolve

    def run(query, variables=None):
        result = execute_sync(schema, parse(query), variable_values=variables)
        errors = validate(schema, parse(query))
        return result, errors, received

    return run


ROUND_TRIPS = [
    # (field, scalar, JSON input, Python value a resolver gets, JSON output)
    (
        "uuid",
        "UUID",
        "90e8d798-2953-40bc-bdb1-3c7db2607b17",
        uuid.UUID("90e8d798-2953-40bc-bdb1-3c7db2607b17"),
        "90e8d798-2953-40bc-bdb1-3c7db2607b17",
    ),
    (
        "jsonString",
        "JSONString",
        '{"type": "redirect", "amount": 12.50}',
        {"type": "redirect", "amount": Decimal("12.50")},
        '{"type":"redirect","amount":12.50}',
    ),
    (
        "generic",
        "GenericScalar",
        {"exp": 4102444800, "owner": "saleor"},
        {"exp": 4102444800, "owner": "saleor"},
        {"exp": 4102444800, "owner": "saleor"},
    ),
    ("decimal", "Decimal", Decimal("-1290.10"), Decimal("-1290.10"), Decimal("-1290.10")),
    ("positiveDecimal", "PositiveDecimal", Decimal("1290.10"), Decimal("1290.10"), Decimal("1290.10")),
    (
        "dateTime",
        "DateTime",
        "2024-05-01T12:30:00+03:00",
        dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=3))),
        "2024-05-01T12:30:00+03:00",
    ),
    ("date", "Date", "2024-05-01", dt.date(2024, 5, 1), "2024-05-01"),
]


@pytest.mark.parametrize(("field", "scalar", "given", "python", "output"), ROUND_TRIPS, ids=[r[1] for r in ROUND_TRIPS])
def test_scalar_round_trip_from_a_variable(echo, field, scalar, given, python, output):
    result, _, received = echo(f"query ($v: {scalar}) {{ {field}(value: $v) }}", {"v": given})
    assert result.errors is None
    assert received[field] == python and type(received[field]) is type(python)
    assert result.data == {field: output}


LITERALS = [
    ("uuid", '"90e8d798-2953-40bc-bdb1-3c7db2607b17"', uuid.UUID("90e8d798-2953-40bc-bdb1-3c7db2607b17")),
    ("jsonString", r'"{\"a\": [1, 2.50]}"', {"a": [1, Decimal("2.50")]}),
    ("generic", '{a: [1, "x", 2.50, true, null]}', {"a": [1, "x", Decimal("2.50"), True, None]}),
    ("decimal", "-0.10", Decimal("-0.10")),
    ("positiveDecimal", "1290.10", Decimal("1290.10")),
    ("positiveDecimal", '"1290.10"', Decimal("1290.10")),
    ("dateTime", '"2024-05-01T09:30:00Z"', dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)),
    ("date", '"2024-05-01"', dt.date(2024, 5, 1)),
]


@pytest.mark.parametrize(("field", "literal", "python"), LITERALS, ids=[f"{r[0]}:{r[1]}" for r in LITERALS])
def test_scalar_from_a_literal_in_the_query(echo, field, literal, python):
    result, errors, received = echo(f"{{ {field}(value: {literal}) }}")
    assert errors == [] and result.errors is None
    assert received[field] == python and str(received[field]) == str(python)


def test_a_float_given_directly_becomes_the_decimal_of_its_repr_never_its_binary_value(echo):
    result, _, received = echo("query ($v: PositiveDecimal) { positiveDecimal(value: $v) }", {"v": 64.99})
    assert result.errors is None
    # Decimal(64.99) would be 64.9899999999999948840923025272786617279052734375.
    assert received["positiveDecimal"] == Decimal("64.99")


REFUSED = [
    ("UUID", "not-a-uuid", "A UUID"),
    ("JSONString", "{not json", "JSON document"),
    ("JSONString", {"already": "an object"}, "JSON document"),
    ("Decimal", "NaN", "A decimal number"),
    ("Decimal", "1e999999999", "A decimal number"),
    ("Decimal", True, "A decimal number"),
    ("PositiveDecimal", Decimal("-0.01"), "zero or more"),
    ("PositiveDecimal", "Infinity", "zero or more"),
    ("DateTime", "2024-05-01T12:30:00", "time zone"),
    ("DateTime", "yesterday", "time zone"),
    ("Date", "2024-02-30", "A date"),
]


@pytest.mark.parametrize(("scalar", "given", "says"), REFUSED, ids=[f"{r[0]}:{r[1]}" for r in REFUSED])
def test_a_bad_scalar_input_is_refused_with_a_message_that_says_what_is_expected(echo, scalar, given, says):
    field = {"UUID": "uuid", "DateTime": "dateTime"}.get(scalar, scalar[0].lower() + scalar[1:])
    result, _, _ = echo(f"query ($v: {scalar}) {{ {field}(value: $v) }}", {"v": given})
    assert result.data is None
    assert says in result.errors[0].message


def test_a_bad_literal_is_refused_at_validation(echo):
    _, errors, _ = echo("{ positiveDecimal(value: -5) }")
    assert len(errors) == 1 and "zero or more" in errors[0].message


def test_positive_decimal_reaches_the_payment_resolver_as_an_exact_decimal_from_a_literal():
    registry = Registry()
    received = []

    @registry.resolver("Mutation", "checkoutPaymentCreate")
    def create_payment(_root, _info, input, checkout_id=None, token=None):  # noqa: A002  (the SDL's name)
        received.append(input)
        return {"checkout": None, "payment": None, "errors": [], "paymentErrors": []}

    result = execute_sync(
        build(registry),
        parse(
            'mutation { checkoutPaymentCreate(checkoutId: "x", input: {gateway: "cascad.payments", amount: 1290.10}) '
            "{ errors { code } } }"
        ),
    )
    assert result.errors is None
    assert received == [{"gateway": "cascad.payments", "amount": Decimal("1290.10")}]
    assert str(received[0]["amount"]) == "1290.10"


# -- global ids -----------------------------------------------------------------------------------


def test_global_ids_are_saleors_base64_of_type_and_pk():
    assert global_id("ProductVariant", 1) == "UHJvZHVjdFZhcmlhbnQ6MQ=="  # the SDK's captured variant id
    assert from_global_id("UHJvZHVjdFZhcmlhbnQ6MQ==", "ProductVariant") == "1"
    assert from_global_id("UHJvZHVjdFZhcmlhbnQ6MQ==", "ProductVariant", int) == 1
    token = uuid.UUID("cdc0bb9e-0ec3-45d3-b5a3-7bae3d052a57")
    assert global_id("Checkout", token) == "Q2hlY2tvdXQ6Y2RjMGJiOWUtMGVjMy00NWQzLWI1YTMtN2JhZTNkMDUyYTU3"
    assert from_global_id(global_id("Checkout", token), "Checkout", uuid.UUID) == token


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("not base64!", "is not a valid ID"),
        ("", "is not a valid ID"),
        (None, "is not a valid ID"),
        ("UHJvZHVjdFZhcmlhbnQ=", "is not a valid ID"),  # "ProductVariant", no colon
        ("OjE=", "is not a valid ID"),  # ":1", no type
        ("Q2hlY2tvdXQ6MQ==", "belongs to a Checkout, not a ProductVariant"),
        ("UHJvZHVjdFZhcmlhbnQ6YQ==", "is not a valid ID"),  # "ProductVariant:a" with parse=int
    ],
)
def test_a_wrong_global_id_is_refused_with_a_clear_message(value, says):
    with pytest.raises(InvalidGlobalId) as raised:
        from_global_id(value, "ProductVariant", int)
    assert says in raised.value.message


# -- the registry ---------------------------------------------------------------------------------


def test_anonymous_me_is_there_out_of_the_box():
    result = execute_sync(get_schema(), parse("{ me { id } }"))
    assert result.errors is None and result.data == {"me": None}


def test_an_ordinary_resolver_replaces_a_fallback_and_a_second_one_is_refused():
    registry = Registry()
    registry.resolver("Query", "me", fallback=True)(lambda _root, _info: None)

    @registry.resolver("Query", "me")
    def signed_in(_root, _info):
        return {"id": "VXNlcjox", "email": "ada@example.com"}

    with pytest.raises(RegistryError, match="Query.me has two resolvers"):
        registry.resolver("Query", "me")(lambda _root, _info: None)
    result = execute_sync(build(registry), parse("{ me { email } }"))
    assert result.data == {"me": {"email": "ada@example.com"}}


def test_a_resolver_for_a_field_the_schema_lacks_is_refused_when_the_schema_is_built():
    registry = Registry()
    registry.resolver("Query", "chekout")(lambda _root, _info: None)
    with pytest.raises(RegistryError, match="Query.chekout, which the schema does not have"):
        build(registry)


def test_a_registration_after_the_schema_was_built_is_refused():
    registry = Registry()
    build(registry)
    with pytest.raises(RegistryError, match="after the schema was built"):
        registry.resolver("Query", "shop")(lambda _root, _info: None)


def test_arguments_and_input_keys_arrive_in_snake_case_and_fields_read_snake_case_attributes():
    registry = Registry()
    received = {}

    @registry.resolver("Mutation", "checkoutCreate")
    def create(_root, _info, **arguments):
        received.update(arguments)
        address = SimpleNamespace(pk=7, first_name="Ada", street_address1="Main St 1")
        return {"checkout": SimpleNamespace(pk="cdc0", shipping_address=address), "errors": []}

    result = execute_sync(
        build(registry),
        parse(
            'mutation { checkoutCreate(input: {lines: [{quantity: 1, variantId: "UHJvZHVjdFZhcmlhbnQ6MQ=="}], '
            'shippingAddress: {firstName: "Ada", streetAddress1: "Main St 1", country: DE}}) '
            "{ checkout { id shippingAddress { id firstName streetAddress1 } } errors { code } } }"
        ),
    )
    assert result.errors is None
    assert received == {
        "input": {
            "lines": [{"quantity": 1, "variant_id": "UHJvZHVjdFZhcmlhbnQ6MQ=="}],
            "shipping_address": {"first_name": "Ada", "street_address1": "Main St 1", "country": "DE"},
        }
    }
    checkout = result.data["checkoutCreate"]["checkout"]
    # ``id`` of a Node type is the global id of the object's pk, unless the resolver says otherwise.
    assert checkout["id"] == global_id("Checkout", "cdc0")
    assert checkout["shippingAddress"] == {
        "id": global_id("Address", 7),
        "firstName": "Ada",
        "streetAddress1": "Main St 1",
    }


def test_a_type_resolver_decides_the_object_type_of_an_interface():
    registry = Registry()

    @registry.type_resolver("Pet")
    def pet_type(value, _info, _abstract_type):
        return "Cat" if value["meows"] else "Dog"

    registry.resolver("Query", "pets")(
        lambda _root, _info: [{"name": "Tom", "meows": True}, {"name": "Rex", "meows": False}]
    )
    schema = build_schema(
        "interface Pet { name: String } type Cat implements Pet { name: String } "
        "type Dog implements Pet { name: String } type Query { pets: [Pet] }"
    )
    registry.bind(schema)
    result = execute_sync(schema, parse("{ pets { __typename name } }"))
    assert result.data == {"pets": [{"__typename": "Cat", "name": "Tom"}, {"__typename": "Dog", "name": "Rex"}]}


def test_a_root_field_nobody_resolves_says_so():
    result = execute_sync(
        build(Registry()), parse('{ orderByToken(token: "90e8d798-2953-40bc-bdb1-3c7db2607b17") { id } }')
    )
    assert result.errors[0].message == "Query.orderByToken is not available on this server."


def test_the_standard_introspection_query_passes_the_default_limits():
    document = parse(get_introspection_query(descriptions=True, specified_by_url=True))
    assert validate(get_schema(), document, validation_rules()) == []
