"""HTML forms for workspaces, members, invitations and contact persons.

Forms only shape and type the input; the rules live in the services (`services.py`, `invitations.py`),
whose `ServiceError`s the views put back on the form with `praxis.core.web.form_error`, so the HTML and
the API refuse the same things with the same messages.
"""

from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from praxis.accounts.models import Gender
from praxis.core.validation import plain_text_validator

from .models import BillingInterval, Membership, Tier
from .roles import TICKETS_VIEW_ALL, AccountType, Role

COUNTRIES = [
    ("NL", _("Netherlands")),
    ("BE", _("Belgium")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("LU", _("Luxembourg")),
    ("AT", _("Austria")),
    ("CH", _("Switzerland")),
    ("GB", _("United Kingdom")),
    ("IE", _("Ireland")),
    ("DK", _("Denmark")),
    ("SE", _("Sweden")),
    ("NO", _("Norway")),
    ("FI", _("Finland")),
    ("ES", _("Spain")),
    ("PT", _("Portugal")),
    ("IT", _("Italy")),
    ("PL", _("Poland")),
    ("CZ", _("Czechia")),
]

TIME_ZONES = [
    "Europe/Amsterdam", "Europe/Brussels", "Europe/Paris", "Europe/Berlin", "Europe/Luxembourg",
    "Europe/Vienna", "Europe/Zurich", "Europe/London", "UTC",
]  # fmt: skip

GRANTABLE_ROLES = [(role.value, role.label) for role in Role if role != Role.OWNER]


class RoleField(forms.ChoiceField):
    """A role to give. It offers only the roles the member may give (`policies.assignable_roles`) but
    accepts every non-owner role, so a role they may not give reaches the service and is refused there
    as an audited 403 (issue 6 point 7) instead of an unaudited "not a valid choice"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Role"))
        kwargs.setdefault("choices", GRANTABLE_ROLES)
        super().__init__(**kwargs)

    def offer(self, roles: list[str] | None) -> None:
        if roles is not None:
            self.choices = [c for c in GRANTABLE_ROLES if c[0] in roles]

    def valid_value(self, value) -> bool:
        return value in {role for role, _label in GRANTABLE_ROLES}


def _with_current(choices: list[tuple[str, str]], current: str) -> list[tuple[str, str]]:
    """Keep a stored value that is not in the offered list selectable, so saving does not reject it."""
    if current and current not in {value for value, _label in choices}:
        return [*choices, (current, current)]
    return choices


class IdListField(forms.Field):
    """A list of integer ids from repeated inputs (`ids=3&ids=7`): the selection of a bulk action."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("The selection is not valid.")}

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            return list(dict.fromkeys(int(v) for v in value))
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class PasswordConfirmField(forms.CharField):
    """The acting user's own password, confirming a sensitive change (R-ROLE-5)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Your password"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        kwargs.setdefault("widget", forms.PasswordInput(attrs={"autocomplete": "current-password"}))
        super().__init__(**kwargs)


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[plain_text_validator])
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.TEAM, widget=forms.RadioSelect)
    billing_interval = forms.ChoiceField(
        label=_("Billing"), choices=BillingInterval.choices, initial=BillingInterval.MONTHLY,
        widget=forms.RadioSelect, help_text=_("Every paid seat follows this one cycle; it cannot be changed later."))


class OrganisationForm(forms.Form):
    """Organisation details (R-WS-4). Initial values come from the workspace."""

    name = forms.CharField(label=_("Name"), max_length=200, validators=[plain_text_validator])
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    registration_number = forms.CharField(
        label=_("Chamber of commerce / registration number"), max_length=64, required=False
    )
    vat_id = forms.CharField(label=_("VAT id"), max_length=32, required=False)
    billing_address = forms.CharField(
        label=_("Billing address"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to use the address above."),
    )
    country = forms.ChoiceField(label=_("Country"))
    time_zone = forms.ChoiceField(label=_("Time zone"))
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    require_two_factor = forms.BooleanField(
        label=_("Require two-step verification"), required=False,
        help_text=_("Members without it are asked to set it up before they can open this workspace."))

    def __init__(self, *args, workspace, **kwargs):
        kwargs.setdefault("initial", {
            field: getattr(workspace, field)
            for field in ("name", "address", "phone", "email", "registration_number", "vat_id",
                          "billing_address", "country", "time_zone", "language", "require_two_factor")
        })
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _with_current(COUNTRIES, workspace.country)
        self.fields["time_zone"].choices = _with_current([(tz, tz) for tz in TIME_ZONES], workspace.time_zone)


class OwnershipTransferForm(forms.Form):
    member = forms.TypedChoiceField(label=_("New owner"), coerce=int)
    password = PasswordConfirmField()

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, f"{m.display_name} <{m.user.email}>") for m in candidates]


class MemberRoleForm(forms.Form):
    role = RoleField()
    staff_plus = forms.BooleanField(
        label=_("Staff+: may see every support ticket of the workspace"), required=False,
        help_text=_("Only together with filing tickets, which every role may do."),
    )
    password = PasswordConfirmField(
        help_text=_("Changing a role needs your password, unless you entered it in the last 10 minutes."),
    )

    def __init__(self, *args, roles: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(RoleField, self.fields["role"]).offer(roles)

    @property
    def grants(self) -> list[str]:
        return [TICKETS_VIEW_ALL] if self.cleaned_data.get("staff_plus") else []


class BulkMembersForm(forms.Form):
    ids = IdListField()
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class BulkRestoreForm(forms.Form):
    ids = IdListField()
    pay_for_user = forms.BooleanField(label=_("Pay for their seat again"), required=False)


class InvitationsForm(forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One or more addresses, separated by new lines, commas or spaces."),
    )
    role = RoleField(initial=Role.CLINICIAN)
    account_type = forms.ChoiceField(label=_("Account type"), choices=AccountType.choices,
                                     initial=AccountType.ESSENTIALS)
    # Defaults to on because the default account type is a paid one (R-BIL-7); the page's script keeps it
    # in step with the chosen account type.
    pay_for_user = forms.BooleanField(label=_("Pay for this user"), required=False, initial=True)
    pay_timing = forms.ChoiceField(label=_("Start paying"), choices=Membership.PayTiming.choices,
                                   initial=Membership.PayTiming.NOW, widget=forms.RadioSelect)

    def __init__(self, *args, roles: list[str] | None = None, may_commit_money: bool = True, **kwargs):
        """`roles`: what the inviter may give (`policies.assignable_roles`). Without `may_commit_money`
        (`policies.may_commit_money`, issue 6 point 2) the invitee pays for a paid account type
        themselves: the page shows neither paying for the seat nor when to start paying. The fields
        stay, unchecked, so a posted "pay for this user" reaches the service and is refused (403, audited)."""
        super().__init__(*args, **kwargs)
        cast(RoleField, self.fields["role"]).offer(roles)
        if not may_commit_money:
            self.fields["pay_for_user"].initial = False
            self.fields["pay_timing"].required = False

    def clean_pay_timing(self):
        return self.cleaned_data.get("pay_timing") or Membership.PayTiming.NOW


class ContactPersonForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False,
                                 validators=[plain_text_validator])
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False,
                                validators=[plain_text_validator])
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    role = RoleField(initial=Role.STAFF)
    email = forms.EmailField(label=_("E-mail for portal access"), required=False,
                             help_text=_("Optional: we send an invitation to this address at once."))

    def __init__(self, *args, roles: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(RoleField, self.fields["role"]).offer(roles)


class ContactEditForm(forms.Form):
    """A login-less contact person's details (issue 6 point 18); the service checks the rules."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    email = forms.EmailField(label=_("E-mail for portal access"), required=False,
                             help_text=_("A new address ends the pending invitation and sends one to it; "
                                         "an empty field ends it."))


class ContactAccessForm(forms.Form):
    email = forms.EmailField(label=_("E-mail for portal access"))


class InvitationSignupForm(forms.Form):
    """Sign-up from an invitation (R-INV-3). There is deliberately no e-mail field: the service takes the
    address from the invitation, so a posted `email` is ignored."""

    first_name = forms.CharField(label=_("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; a long passphrase is best."),
    )
    password_repeat = forms.CharField(
        label=_("Repeat password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_repeat") and data["password"] != data["password_repeat"]:
            self.add_error("password_repeat", _("The passwords do not match."))
        return data
