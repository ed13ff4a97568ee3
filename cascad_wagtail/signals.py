"""Signals for the shop. All are sent after the change is committed, once per change.

Each is sent inside a transaction of its own that also marks it dispatched: a receiver that raises
rolls its own writes back and the signal is sent again later (by ``services.dispatch_effects``).
Receivers get ``sender`` (the ``Payment`` class), ``payment`` and ``order``.
"""

from django.dispatch import Signal

#: Any change of the payment's charge status; also gets ``previous`` and ``status`` (of that change).
payment_status_changed = Signal()
#: The order is paid in full by this payment. Sent at most once per order.
order_paid = Signal()
#: This payment failed, expired or was cancelled; the order may be paid with a new payment.
order_payment_failed = Signal()
#: Money was refunded; also gets ``amount`` (this refund) and ``refunded_amount`` (in total).
order_refunded = Signal()
