"""Addresses validated per country: required fields, postal codes (RU, US, GB, DE and the default), US states."""

from __future__ import annotations

import pytest

from cascad_wagtail.addresses import Address, validate_address

BASE = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetAddress1": "Main St 1",
    "city": "Somewhere",
}


def problems(**fields) -> list[tuple[str, str]]:
    _address, found = validate_address({**BASE, **fields})
    return [(problem.code, problem.field) for problem in found]


@pytest.mark.parametrize(
    ("country", "postal_code", "extra", "normalized"),
    [
        ("RU", "101000", {}, "101000"),
        ("RU", "101 000", {}, "101000"),
        ("US", "94103", {"countryArea": "ca"}, "94103"),
        ("US", "94103-1234", {"countryArea": "NY"}, "94103-1234"),
        ("GB", "sw1a1aa", {}, "SW1A 1AA"),
        ("GB", "EC1A 1BB", {}, "EC1A 1BB"),
        ("GB", "m1 1ae", {}, "M1 1AE"),
        ("DE", "10115", {}, "10115"),
        ("FR", "75001", {}, "75001"),
        ("NL", "1012 ab", {}, "1012 AB"),
        ("HK", "", {}, ""),
    ],
)
def test_valid_addresses_are_normalized(country, postal_code, extra, normalized):
    address, found = validate_address({**BASE, "country": country.lower(), "postalCode": postal_code, **extra})
    assert found == []
    assert address.country == country and address.postal_code == normalized
    if country == "US":
        assert address.country_area == extra["countryArea"].upper()


@pytest.mark.parametrize(
    ("country", "postal_code", "expected"),
    [
        ("RU", "", ("REQUIRED", "postalCode")),
        ("RU", "10100", ("INVALID", "postalCode")),
        ("RU", "1010000", ("INVALID", "postalCode")),
        ("DE", "", ("REQUIRED", "postalCode")),
        ("DE", "1011", ("INVALID", "postalCode")),
        ("GB", "", ("REQUIRED", "postalCode")),
        ("GB", "12345", ("INVALID", "postalCode")),
        ("US", "", ("REQUIRED", "postalCode")),
        ("US", "9410", ("INVALID", "postalCode")),
        ("FR", "75001!", ("INVALID", "postalCode")),
    ],
)
def test_postal_codes_per_country(country, postal_code, expected):
    extra = {"countryArea": "CA"} if country == "US" else {}
    assert problems(country=country, postalCode=postal_code, **extra) == [expected]


def test_us_addresses_need_a_state():
    assert problems(country="US", postalCode="94103") == [("REQUIRED", "countryArea")]
    assert problems(country="US", postalCode="94103", countryArea="Narnia") == [("INVALID", "countryArea")]


def test_required_fields_and_countries():
    _address, found = validate_address({"country": "", "phone": None})
    assert [(p.code, p.field) for p in found] == [
        ("REQUIRED", "firstName"),
        ("REQUIRED", "lastName"),
        ("REQUIRED", "streetAddress1"),
        ("REQUIRED", "city"),
        ("REQUIRED", "country"),
    ]
    assert problems(country="XX") == [("INVALID", "country")]
    assert problems(country="EU") == [("INVALID", "country")]  # in Saleor's enum, but not a place to ship to
    assert validate_address(None)[1][0].code == "REQUIRED"


def test_phone_and_lengths():
    assert problems(country="FR", phone="+33 1 23 45 67 89") == []
    assert problems(country="FR", phone="call me") == [("INVALID", "phone")]
    assert problems(country="FR", phone="+1") == [("INVALID", "phone")]
    assert problems(country="FR", city="x" * 257) == [("INVALID", "city")]


def test_input_and_stored_names_give_the_same_address():
    from_input = Address.from_data({**BASE, "country": "DE", "postalCode": "10115", "streetAddress2": None})
    assert Address.from_data(from_input.as_dict()) == from_input
    assert from_input.street_address_2 == "" and from_input.full_name == "Ada Lovelace"
    assert Address.from_data({"unknownKey": "x"}) == Address()
