"""Postal addresses of a storefront checkout, and the rules each country has for them.

An address is checked before it is stored: the country must be a known ISO 3166 code, the fields
every carrier needs must be there, and the postal code (and, in the United States, the state) must
have the country's form. Countries without rules of their own get the default ones (a postal code
is optional but must look like one). Problems come back as data, never as exceptions: the checkout
turns them into Saleor's ``CheckoutError`` objects.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

#: ISO 3166-1 alpha-2 codes of Saleor's ``CountryCode`` enum, without ``EU`` (not a country to ship to).
COUNTRY_CODES = frozenset(
    """
    AF AX AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BQ BA BW BV BR IO
    BN BG BF BI CV KH CM CA KY CF TD CL CN CX CC CO KM CG CD CK CR CI HR CU CW CY CZ DK DJ DM DO EC EG
    SV GQ ER EE SZ ET FK FO FJ FI FR GF PF TF GA GM GE DE GH GI GR GL GD GP GU GT GG GN GW GY HT HM VA
    HN HK HU IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ KE KI KW KG LA LV LB LS LR LY LI LT LU MO MG MW
    MY MV ML MT MH MQ MR MU YT MX FM MD MC MN ME MS MA MZ MM NA NR NP NL NC NZ NI NE NG NU NF KP MK MP
    NO OM PK PW PS PA PG PY PE PH PN PL PT PR QA RE RO RU RW BL SH KN LC MF PM VC WS SM ST SA SN RS SC
    SL SG SX SK SI SB SO ZA GS KR SS ES LK SD SR SJ SE CH SY TW TJ TZ TH TL TG TK TO TT TN TR TM TC TV
    UG UA AE GB UM US UY UZ VU VE VN VG VI WF EH YE ZM ZW
    """.split()
)

US_STATES = frozenset(
    """
    AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC
    ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP
    """.split()
)

#: Input names (the GraphQL ``AddressInput`` fields) → ``Address`` attributes.
INPUT_NAMES = {
    "firstName": "first_name",
    "lastName": "last_name",
    "companyName": "company_name",
    "streetAddress1": "street_address_1",
    "streetAddress2": "street_address_2",
    "city": "city",
    "cityArea": "city_area",
    "postalCode": "postal_code",
    "country": "country",
    "countryArea": "country_area",
    "phone": "phone",
}
FIELD_NAMES = {attribute: name for name, attribute in INPUT_NAMES.items()}

#: Longest value of each field, in characters.
MAX_LENGTHS = {
    "first_name": 256,
    "last_name": 256,
    "company_name": 256,
    "street_address_1": 256,
    "street_address_2": 256,
    "city": 256,
    "city_area": 128,
    "postal_code": 20,
    "country": 2,
    "country_area": 128,
    "phone": 32,
}
ALWAYS_REQUIRED = ("first_name", "last_name", "street_address_1", "city", "country")
PHONE = re.compile(r"^\+?[0-9 ()\-]{5,31}$")


@dataclasses.dataclass(frozen=True)
class Address:
    """A postal address, every field a (possibly empty) string; ``country`` an upper-case ISO code."""

    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    street_address_1: str = ""
    street_address_2: str = ""
    city: str = ""
    city_area: str = ""
    postal_code: str = ""
    country: str = ""
    country_area: str = ""
    phone: str = ""

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | Address | None) -> Address | None:
        """An address from stored JSON (attribute names) or input (``AddressInput`` names); ``None`` → ``None``.

        Values are stripped; ``None`` becomes ``""``; unknown keys are ignored.
        """
        if data is None or isinstance(data, Address):
            return data
        values = {}
        for key, value in data.items():
            attribute = INPUT_NAMES.get(key, key)
            if attribute in MAX_LENGTHS:
                values[attribute] = "" if value is None else str(value).strip()
        return cls(**values)

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def street(self) -> str:
        return ", ".join(part for part in (self.street_address_1, self.street_address_2) if part)


@dataclasses.dataclass(frozen=True)
class AddressProblem:
    """One thing wrong with an address: the input field (``postalCode``), Saleor's error code, words."""

    field: str
    code: str  # "REQUIRED" or "INVALID"
    message: str


@dataclasses.dataclass(frozen=True)
class CountryRules:
    """What a country asks of an address beyond the fields every address needs."""

    postal_code_required: bool = False
    #: The form of a postal code, matched after ``normalize`` (``None``: the default loose form).
    postal_code: re.Pattern | None = None
    #: An example shown in the error message.
    example: str = ""
    normalize: Callable[[str], str] = str.upper
    #: Allowed values of ``country_area`` (required when set).
    country_areas: frozenset[str] | None = None


def _uk_postcode(value: str) -> str:
    """``sw1a1aa`` → ``SW1A 1AA``: the inward code is always the last three characters."""
    compact = re.sub(r"\s+", "", value.upper())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value)


DEFAULT_POSTAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9 \-]{1,11}$")
DEFAULT_RULES = CountryRules()
RULES: dict[str, CountryRules] = {
    "RU": CountryRules(True, re.compile(r"^\d{6}$"), "101000", _squeeze),
    "US": CountryRules(True, re.compile(r"^\d{5}(-\d{4})?$"), "94103", _squeeze, US_STATES),
    "GB": CountryRules(True, re.compile(r"^(GIR 0AA|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})$"), "SW1A 1AA", _uk_postcode),
    "DE": CountryRules(True, re.compile(r"^\d{5}$"), "10115", _squeeze),
}


def rules_for(country: str) -> CountryRules:
    return RULES.get(country, DEFAULT_RULES)


def validate_address(data: Mapping[str, Any] | Address | None) -> tuple[Address | None, list[AddressProblem]]:
    """The cleaned address (country, postal code and state normalized) and its problems.

    The address is usable only when the list is empty. ``None`` (no address at all) is one
    ``REQUIRED`` problem on ``country``.
    """
    address = Address.from_data(data)
    if address is None:
        return None, [AddressProblem("country", "REQUIRED", _("Enter an address."))]
    problems: list[AddressProblem] = []
    country = address.country.upper()
    for attribute, limit in MAX_LENGTHS.items():
        if len(getattr(address, attribute)) > limit:
            problems.append(
                AddressProblem(
                    FIELD_NAMES[attribute],
                    "INVALID",
                    _("This value is too long (at most %(limit)d characters).") % {"limit": limit},
                )
            )
    for attribute in ALWAYS_REQUIRED:
        if not getattr(address, attribute):
            problems.append(AddressProblem(FIELD_NAMES[attribute], "REQUIRED", _("This field is required.")))
    if country and country not in COUNTRY_CODES:
        problems.append(AddressProblem("country", "INVALID", _("This is not a country code we know.")))
    rules = rules_for(country)

    postal_code = rules.normalize(address.postal_code) if address.postal_code else ""
    if not postal_code:
        if rules.postal_code_required:
            problems.append(AddressProblem("postalCode", "REQUIRED", _("A postal code is required for this country.")))
    elif rules.postal_code is not None and not rules.postal_code.match(postal_code):
        problems.append(
            AddressProblem(
                "postalCode",
                "INVALID",
                _("This is not a valid postal code for this country (for example %(example)s).")
                % {"example": rules.example},
            )
        )
    elif rules.postal_code is None and not DEFAULT_POSTAL_CODE.match(postal_code):
        problems.append(AddressProblem("postalCode", "INVALID", _("This is not a valid postal code.")))

    country_area = address.country_area.upper() if rules.country_areas is not None else address.country_area
    if rules.country_areas is not None:
        if not country_area:
            problems.append(AddressProblem("countryArea", "REQUIRED", _("A state is required for this country.")))
        elif country_area not in rules.country_areas:
            problems.append(AddressProblem("countryArea", "INVALID", _("This is not a state of this country.")))

    if address.phone and (not PHONE.match(address.phone) or sum(c.isdigit() for c in address.phone) < 5):
        problems.append(AddressProblem("phone", "INVALID", _("This is not a valid phone number.")))

    cleaned = dataclasses.replace(address, country=country, postal_code=postal_code, country_area=country_area)
    return cleaned, _unique(problems)


def _unique(problems: list[AddressProblem]) -> list[AddressProblem]:
    """One problem per field (the first found: "required" before "invalid form")."""
    seen: set[str] = set()
    result = []
    for problem in problems:
        if problem.field not in seen:
            seen.add(problem.field)
            result.append(problem)
    return result
