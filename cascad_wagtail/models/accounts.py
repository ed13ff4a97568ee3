"""What customer sign-in keeps: attempts (for the rate limit) and each customer's token stamp key.

Both belong to ``cascad_wagtail.accounts``; the shop's user model is never changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInAttempt(models.Model):
    """One password check, by account (a digest of the email, never the email) and client address.

    A row is written before the password is checked and deleted when it turns out right, so the rows
    in the window are the failures (and the checks under way): see ``accounts.throttle``.
    """

    account = models.CharField(_("account digest"), max_length=64)
    address = models.CharField(_("client address"), max_length=45)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")
        indexes = [
            models.Index(fields=["account", "created_at"], name="cascad_signin_account_idx"),
            models.Index(fields=["address", "created_at"], name="cascad_signin_address_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.created_at:%Y-%m-%d %H:%M:%S}"


class TokenKey(models.Model):
    """A customer's random key inside every token stamp: replacing it revokes all their tokens at once.

    A customer without a row has the empty key; the row appears on the first revocation.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="cascad_token_key",
    )
    key = models.CharField(_("key"), max_length=64)
    revoked_at = models.DateTimeField(_("tokens revoked at"))

    class Meta:
        verbose_name = _("token key")
        verbose_name_plural = _("token keys")

    def __str__(self) -> str:
        return str(self.user)
