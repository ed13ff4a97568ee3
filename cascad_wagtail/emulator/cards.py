"""The test cards of the contract and what each one does.

``resolve_card`` is used by the control API's ``pay`` and by the Checkout page, so both honour
exactly the same table.
"""

from __future__ import annotations

import dataclasses
import re

SUCCESS_CARD = "5519283812030000"
THREE_DS_CARD = "5123817234060000"
FAILING_CARDS = ("4302912837020000", "4412397212080000")
PENDING_EXPIRY = "07/77"

#: Expiry → resolution for the failing cards; any other expiry gives ``general_fatal_error``.
FAILURE_RESOLUTIONS: dict[str, str] = {
    "08/56": "access_denied",
    "07/55": "error",
    "06/54": "provider_error",
    "05/53": "unknown",
    "04/52": "duplicated_transaction",
    "03/51": "auth_fatal_error",
    "02/50": "unable_to_determine_3ds_enrolment",
    "01/49": "card_is_3ds_enrolled",
    "12/48": "card_is_not_3ds_enrolled",
    "11/47": "issuer_decline",
    "10/46": "client_auth_failed",
    "09/45": "provider_fatal_error",
    "08/44": "invalid_details",
    "07/43": "invalid_pin",
    "06/42": "antifraud_error",
    "05/41": "invalid_card",
    "04/40": "fatal_error",
    "03/39": "unable_to_reconcile",
    "02/38": "invalid_amount",
    "01/37": "limit_violation",
    "12/36": "functionality_is_not_permitted",
    "11/35": "invalid_request",
    "10/34": "lost_or_stolen_card",
    "09/33": "declined",
    "08/32": "invalid_otp",
    "07/31": "invalid_3ds_code",
    "06/30": "invalid_card_status",
    "05/29": "insufficient_funds",
    "04/28": "card_expired",
    "03/27": "invalid_cvv",
    "02/26": "invalid_pan",
    "01/25": "invalid_credentials",
}
DEFAULT_FAILURE = "general_fatal_error"
#: What a failed 3-D Secure step resolves to *(emulator decision)*.
THREE_DS_FAILURE = "invalid_3ds_code"


class UnknownCard(ValueError):
    """A card number that is not one of the test cards."""


@dataclasses.dataclass(frozen=True)
class CardResult:
    """The outcome of paying with a card: a final or pending status and its resolution."""

    status: str
    resolution: str
    needs_3ds: bool = False


def normalize_card(number: str) -> str:
    return "".join(ch for ch in str(number) if ch.isdigit())


_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2})\s*$|^\s*(\d{2})(\d{2})\s*$")


def normalize_expiry(expiry: str) -> str:
    """``"7/77"``, ``"07 / 77"`` and ``"0777"`` all become ``"07/77"``; anything else is refused."""
    match = _EXPIRY.match(str(expiry))
    if not match:
        raise ValueError(f"expiry {expiry!r} is not MM/YY")
    month, year = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    if not 1 <= int(month) <= 12:
        raise ValueError(f"expiry {expiry!r} has no month {month}")
    return f"{int(month):02d}/{year}"


def resolve_card(number: str, expiry: str, three_ds: str = "pass") -> CardResult:
    """What paying with ``number`` / ``expiry`` does; ``three_ds`` is the 3-D Secure step's answer."""
    card = normalize_card(number)
    expiry = normalize_expiry(expiry)
    if card == SUCCESS_CARD:
        if expiry == PENDING_EXPIRY:
            return CardResult("process_pending", "ok")
        return CardResult("processed", "ok")
    if card == THREE_DS_CARD:
        if three_ds != "pass":
            return CardResult("process_failed", THREE_DS_FAILURE, needs_3ds=True)
        if expiry == PENDING_EXPIRY:
            return CardResult("process_pending", "auth_3ds_required", needs_3ds=True)
        return CardResult("processed", "ok", needs_3ds=True)
    if card in FAILING_CARDS:
        return CardResult("process_failed", FAILURE_RESOLUTIONS.get(expiry, DEFAULT_FAILURE))
    raise UnknownCard(f"{card or number!r} is not a test card")
