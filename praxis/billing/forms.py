"""HTML forms of the billing tab (SPEC §4).

Forms only shape and type the input; the rules (a subject and the cost agreement are required, R-BIL-15;
who may be paid for, R-BIL-8) live in `services.py`, whose `ServiceError`s the views put back on these
forms, so the HTML and the API refuse the same things with the same messages. That is why the change
request's fields are not `required` here: the service says what is missing.
"""

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from praxis.core.validation import plain_text_validator
from praxis.workspaces.roles import AccountType

from . import catalogue

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_SEATS_PREVIEWED = 500


def paid_choices() -> "list[tuple[str, StrOrPromise]]":
    """The account types the catalogue charges for (issue 6 point 8: one notion of "paid"); read when a
    form is made, so a plan the operator makes paid or free in the admin shows at once."""
    plans = catalogue.plans()
    return [(value, label) for value, label in AccountType.choices if catalogue.is_paid(value, catalogue=plans)]


# "Free" is not a change of account type but the end of paying: the "Stop paying" action.
CHANGE_CHOICES = [(value, label) for value, label in AccountType.choices if value != AccountType.FREE]


class ChangeRequestForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False, validators=[plain_text_validator])
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    agreed_to_costs = forms.BooleanField(
        label=_("I agree to the extra costs"), required=False,
        help_text=_("Required: a change to the subscription may cost more."),
    )


class MemberSubscribeForm(forms.Form):
    """"Pay for this member": first shown with what it costs, then sent again with `confirm`."""

    account_type = forms.ChoiceField(label=_("Account type"), choices=paid_choices, initial=AccountType.PRO)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MemberAccountTypeForm(forms.Form):
    account_type = forms.ChoiceField(label=_("New account type"), choices=CHANGE_CHOICES)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class OwnAccountTypeForm(forms.Form):
    """The acting admin's own row (issue 6 point 6): every account type, including the free non-clinical
    `support` of a practice manager."""

    account_type = forms.ChoiceField(label=_("Your account type"), choices=AccountType.choices)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MemberUnsubscribeForm(forms.Form):
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SeatCostForm(forms.Form):
    """The invite dialog's cost preview (R-BIL-14): either `count` or the dialog's `emails` (counted as
    the invitation service will parse them); `invite` marks a request from the dialog, where an unticked
    "pay for this user" box is simply absent."""

    account_type = forms.ChoiceField(label=_("Account type"), choices=AccountType.choices)
    count = forms.IntegerField(label=_("Number of people"), required=False, min_value=1,
                               max_value=MAX_SEATS_PREVIEWED)
    emails = forms.CharField(label=_("E-mail addresses"), required=False)
    pay_for_user = forms.BooleanField(label=_("Pay for this user"), required=False)
    pay_timing = forms.CharField(label=_("Start paying"), required=False)
    invite = forms.BooleanField(required=False, widget=forms.HiddenInput)


class OwnSubscriptionForm(forms.Form):
    """A solo user's own subscription (billed through their personal workspace)."""

    account_type = forms.ChoiceField(
        label=_("Account type"),
        choices=paid_choices,
    )
