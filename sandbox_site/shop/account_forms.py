"""The customer's account forms: sign up, and sign in through cascad_wagtail's sign-in service.

Customers are Django's own users: the lower-cased email is both ``username`` and ``email``, the full
name sits in ``first_name``. An email is registered once, whatever its case.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cascad_wagtail import accounts

#: The email doubles as the username, which holds 150 characters.
EMAIL_MAX_LENGTH = 150


def email_is_registered(email: str) -> bool:
    """Whether any user already has ``email`` as username or email, ignoring case."""
    return get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    #: Set when the email belongs to an account: the page then offers to sign in or reset the password.
    email_taken = False

    def __init__(self, request, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if email_is_registered(email):
            # Saying so lets the customer sign in instead; it counts against their address like a failed
            # sign-in, so nobody can test many emails this way (cascad_wagtail.accounts.note_taken_email).
            try:
                accounts.note_taken_email(self.request)
            except accounts.TooManyAttempts as exc:
                minutes = max(1, -(-exc.retry_after // 60))
                message = ngettext(
                    "Too many sign-ups with emails that already have an account. Try again in %(minutes)d minute.",
                    "Too many sign-ups with emails that already have an account. Try again in %(minutes)d minutes.",
                    minutes,
                )
                raise ValidationError(message % {"minutes": minutes}, code=exc.code) from exc
            raise self._email_taken()
        return email

    def clean(self) -> dict:
        data = super().clean()
        password, again = data.get("password1"), data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self._new_user())
            except ValidationError as exc:
                self.add_error("password1", exc)
        if password and again and password != again:
            self.add_error("password2", _("The two passwords differ: type the same password twice."))
        return data

    def save(self):
        """The new customer, or ``None`` when the email was registered meanwhile (the form says so)."""
        user = self._new_user()
        user.set_password(self.cleaned_data["password1"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # another sign-up with this email won the race for the username
            self.add_error("email", self._email_taken())
            return None
        return user

    def _new_user(self):
        """The user this form describes, unsaved (the password validators compare it with the password)."""
        email = self.cleaned_data.get("email", "")
        return get_user_model()(username=email, email=email, first_name=self.cleaned_data.get("name", ""))

    def _email_taken(self) -> ValidationError:
        self.email_taken = True
        return ValidationError(
            _("An account with this email already exists. Sign in, or reset your password if you have forgotten it."),
            code="email_taken",
        )


class SignInForm(forms.Form):
    """Email and password, checked by ``cascad_wagtail.accounts.sign_in`` (its rate limit included)."""

    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                self.user = accounts.sign_in(self.request, data["email"], data["password"])
            except accounts.SignInRefused as exc:
                # The service's words: the same for an unknown email and a wrong password.
                raise ValidationError(exc.message, code=exc.code) from exc
        return data
