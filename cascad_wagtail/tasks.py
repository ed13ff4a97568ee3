"""Celery tasks: each takes ids, is safe to run twice, and calls one service.

Enqueued on commit by the callback intake and by the beat schedule in ``schedule.BEAT_SCHEDULE``,
which a project merges into its own ``CELERY_BEAT_SCHEDULE``. A task that meets a Cascad outage retries with
backoff; anything it leaves undone is picked up by the next reconciliation.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from . import services
from .exceptions import CascadConnectionError, ServerError
from .models import CallbackEvent, Payment, Refund

logger = logging.getLogger("cascad_wagtail.tasks")

RETRYABLE = (CascadConnectionError, ServerError)


@shared_task(bind=True, autoretry_for=RETRYABLE, retry_backoff=2, retry_backoff_max=300, max_retries=8)
def process_callback(self, event_id: int) -> str:
    """Refresh the payment a stored callback names, then mark the event processed."""
    event = CallbackEvent.objects.select_related("payment__site").get(pk=event_id)
    if event.payment is None:
        return "no payment"
    try:
        services.refresh_payment(event.payment, source="callback")
    except RETRYABLE as exc:
        CallbackEvent.objects.filter(pk=event_id).update(error=f"{exc.__class__.__name__}: {exc}"[:2000])
        raise
    except Exception as exc:
        CallbackEvent.objects.filter(pk=event_id).update(
            status=CallbackEvent.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        raise
    CallbackEvent.objects.filter(pk=event_id).update(
        status=CallbackEvent.Status.PROCESSED, error="", processed_at=timezone.now()
    )
    return "processed"


@shared_task(autoretry_for=RETRYABLE, retry_backoff=2, retry_backoff_max=300, max_retries=8)
def refresh_payment(payment_id: int) -> str:
    payment = Payment.objects.select_related("site").get(pk=payment_id)
    return services.refresh_payment(payment, source="task").charge_status


@shared_task
def reconcile(older_than_seconds: int = 300, everything: bool = False) -> dict:
    report = services.reconcile(older_than=datetime.timedelta(seconds=older_than_seconds), everything=everything)
    return report.__dict__


@shared_task
def expire_payments() -> int:
    """Ask Cascad about unpaid invoices past their expiry (never expire on our own clock)."""
    done = 0
    for payment in Payment.objects.filter(is_open=True, stage=0, expires_at__lt=timezone.now()).select_related("site"):
        try:
            services.expire_payment(payment)
            done += 1
        except Exception:
            logger.exception("expiring payment %s failed; the next run tries again", payment.reference_id)
    return done


@shared_task
def settle_refunds(older_than_seconds: int = 60) -> int:
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    refunds = Refund.objects.filter(status__in=[Refund.Status.PENDING, Refund.Status.UNKNOWN], updated_at__lte=cutoff)
    settled = 0
    for refund in refunds.select_related("payment__site"):
        try:
            services.settle_refund(refund)
            settled += 1
        except Exception:
            logger.exception("settling refund %s failed; the next run tries again", refund.reference_id)
    return settled


@shared_task
def dispatch_effects(payment_id: int | None = None) -> int:
    return services.dispatch_effects(payment_id)


@shared_task
def prune_sign_in_attempts() -> int:
    """Forget sign-in attempts older than the rate limit's window (they no longer count)."""
    from .accounts import throttle

    return throttle.prune()
