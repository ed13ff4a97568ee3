"""The app's models: per-site settings, payments and their refunds, callbacks, API calls, history."""

from .api_call import ApiCall
from .callback_event import CallbackEvent
from .payment import ChargeStatus, Creation, Payment
from .payment_event import PaymentEvent
from .refund import Refund
from .site_settings import CascadSettings, KeySet

__all__ = [
    "ApiCall",
    "CallbackEvent",
    "CascadSettings",
    "ChargeStatus",
    "Creation",
    "KeySet",
    "Payment",
    "PaymentEvent",
    "Refund",
]
