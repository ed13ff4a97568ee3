"""Cascad's failure resolutions in words a customer understands (translated)."""

from django.utils.translation import gettext_lazy as _

RESOLUTIONS = {
    "access_denied": _("access was denied"),
    "error": _("a processing error occurred"),
    "provider_error": _("the payment provider reported an error"),
    "unknown": _("the bank gave no reason"),
    "duplicated_transaction": _("this looks like a duplicate payment"),
    "auth_fatal_error": _("the card could not be authorised"),
    "unable_to_determine_3ds_enrolment": _("the bank could not check 3-D Secure for this card"),
    "card_is_3ds_enrolled": _("this card needs 3-D Secure, which failed"),
    "card_is_not_3ds_enrolled": _("this card is not enrolled in 3-D Secure"),
    "issuer_decline": _("your bank declined the payment"),
    "client_auth_failed": _("authentication failed"),
    "provider_fatal_error": _("the payment provider failed"),
    "invalid_details": _("the payment details are not valid"),
    "invalid_pin": _("the PIN was wrong"),
    "antifraud_error": _("the payment was stopped by fraud checks"),
    "invalid_card": _("the card is not valid"),
    "fatal_error": _("a fatal error occurred"),
    "unable_to_reconcile": _("the payment could not be reconciled"),
    "invalid_amount": _("the amount is not valid"),
    "limit_violation": _("a card limit was exceeded"),
    "functionality_is_not_permitted": _("this card may not be used for such payments"),
    "invalid_request": _("the request was not valid"),
    "lost_or_stolen_card": _("the card is reported lost or stolen"),
    "declined": _("the payment was declined"),
    "invalid_otp": _("the one-time code was wrong"),
    "invalid_3ds_code": _("3-D Secure confirmation failed"),
    "invalid_card_status": _("the card is blocked or inactive"),
    "insufficient_funds": _("there are not enough funds on the card"),
    "card_expired": _("the card has expired"),
    "invalid_cvv": _("the CVV was wrong"),
    "invalid_pan": _("the card number is not valid"),
    "invalid_credentials": _("the card details were wrong"),
    "general_fatal_error": _("the payment could not be completed"),
}


def describe(code: str) -> str:
    """The reason in words; an unknown code is shown as it came, never guessed."""
    words = RESOLUTIONS.get(code)
    return str(words) if words is not None else str(_("the payment was not completed (%(code)s)") % {"code": code})
