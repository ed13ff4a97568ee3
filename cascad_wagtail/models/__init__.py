"""The app's models: per-site settings, payments and their refunds, callbacks, API calls, history,
the storefront's checkouts, and what customer sign-in keeps."""

from .accounts import SignInAttempt, TokenKey
from .api_call import ApiCall
from .callback_event import CallbackEvent
from .checkout import Checkout, CheckoutCompletion, CheckoutLine
from .payment import ChargeStatus, Creation, Payment
from .payment_event import PaymentEvent
from .refund import Refund
from .site_settings import CascadSettings, KeySet

__all__ = [
    "ApiCall",
    "CallbackEvent",
    "CascadSettings",
    "Checkout",
    "CheckoutCompletion",
    "CheckoutLine",
    "ChargeStatus",
    "Creation",
    "KeySet",
    "Payment",
    "PaymentEvent",
    "Refund",
    "SignInAttempt",
    "TokenKey",
]
