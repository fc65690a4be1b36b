"""Forms for the account pages (SPEC §11).

The forms only shape input; every rule (password strength, unique e-mail, valid phone number, current
password) is enforced by `praxis.accounts.services`, whose `ServiceError`s the views put back on these
forms with `praxis.core.web.form_error`. Field names match the services' `ServiceError.field` values
(`email`, `current_password`, `password`, ...) so a refusal lands on the right input.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Gender, User


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    # Issue 6 point 6 (R-ROLE-2): a practice manager signs up for the free, non-clinical Support account.
    account_type = forms.ChoiceField(
        label=_("Account"), widget=forms.RadioSelect, initial="pro", required=False,
        choices=[("pro", _("I work with clients: start with a 14-day Pro trial")),
                 ("support", _("I manage a practice or its reception (non-clinical): a free Support account"))],
    )
    ref = forms.CharField(required=False, widget=forms.HiddenInput)


def referrer_from_code(code: str | None) -> User | None:
    """The active user whose personal referral code this is (R-BIL-16); anything else — an empty or
    unknown code, a user id — is ignored."""
    code = (code or "").strip()
    if not code or len(code) > (User._meta.get_field("referral_code").max_length or 0):
        return None
    return User.objects.filter(referral_code=code, is_active=True).first()


class PasswordResetForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class NewPasswordMixin(forms.Form):
    """A new password typed twice. Strength is the service's call (R-ACC-5), equality is the form's."""

    password = forms.CharField(
        label=_("New password"), strip=False,
        help_text=_("At least 12 characters. A few unrelated words make a strong, memorable passphrase."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "minlength": 12}),
    )
    password_repeat = forms.CharField(
        label=_("Repeat new password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("password"), data.get("password_repeat")
        if first and second and first != second:
            self.add_error("password_repeat", _("The two passwords do not match."))
        return data


class PasswordSetForm(NewPasswordMixin):
    pass


class PasswordChangeForm(NewPasswordMixin):
    current_password = forms.CharField(
        label=_("Current password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "password", "password_repeat"]


class ProfileForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False,
        help_text=_("Include the country code, e.g. +31 20 123 4567."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES,
        help_text=_("The language of the interface and of the e-mails you receive."),
    )

    @classmethod
    def for_user(cls, user: User, data=None) -> "ProfileForm":
        initial = {name: getattr(user, name) for name in cls.base_fields}
        return cls(data=data, initial=initial)


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    current_password = forms.CharField(
        label=_("Current password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("So you recognise the token later, e.g. “Accounting export”."),
    )
    workspace = forms.ChoiceField(label=_("Workspace"))

    def __init__(self, *args, workspaces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace"].choices = [(ws.slug, ws.name) for ws in workspaces]


class TwoFactorCodeForm(forms.Form):
    """The code step of logging in: six digits from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"), max_length=20,
        help_text=_("The 6-digit code your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "spellcheck": "false", "autocapitalize": "off"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class TwoFactorConfirmForm(forms.Form):
    """Enrolling, removing or renewing codes: the current password (re-authentication) and a code."""

    password = forms.CharField(label=_("Current password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(
        label=_("Code"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false",
                                      "autocapitalize": "off"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
