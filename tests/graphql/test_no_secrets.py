"""No secret is reachable through the storefront API: not in the schema, not in any answer."""

from __future__ import annotations

import json

import pytest
from graphql import get_introspection_query

from .storefront_helpers import *  # noqa: F403  (fixtures: shop, variant)
from .storefront_helpers import complete, create_payment, post, ready

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

SECRET_WORDS = ("secret", "apikey", "api_key", "password", "encryption")


def test_the_schema_has_no_field_or_argument_for_a_secret(client):
    schema = post(client, {"query": get_introspection_query()}).json()["data"]["__schema"]
    names = []
    for kind in schema["types"]:
        for field in (kind.get("fields") or []) + (kind.get("inputFields") or []):
            names.append(f"{kind['name']}.{field['name']}")
            names += [f"{kind['name']}.{field['name']}({arg['name']})" for arg in field.get("args") or []]
    leaking = [name for name in names if any(word in name.lower().replace(" ", "") for word in SECRET_WORDS)]
    # Sign-in takes a password (issue 9's tokenCreate); nothing ever answers one.
    assert all(name.startswith(("Mutation.tokenCreate", "Mutation.accountRegister")) for name in leaking), leaking


def test_no_answer_of_a_whole_checkout_carries_a_key(client, shop, variant, emulator, cascad):
    checkout = ready(client, shop, (variant, 1))
    answers = [
        json.dumps(checkout),
        json.dumps(create_payment(client, checkout)),
        json.dumps(complete(client, checkout)),
    ]
    for secret in (emulator.api_key, emulator.secret_key, cascad.sandbox_api_key, cascad.sandbox_secret_key):
        assert all(secret not in answer for answer in answers)
    assert emulator.public_key in answers[0]  # the public key is public: the widget needs it
