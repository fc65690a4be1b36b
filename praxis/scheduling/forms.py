"""The booking, rescheduling and cancelling forms. They collect a local date, a start time and a
duration in the workspace's time zone; `times` turns them into UTC; the services decide the rest."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import times
from .models import Appointment

DURATIONS = (15, 20, 30, 45, 50, 60, 75, 90, 120)


def duration_choices(extra: int | None = None) -> list[tuple[int, str]]:
    """The durations offered, labelled in the request's language (built per form, not at import)."""
    minutes = sorted({*DURATIONS, *([extra] if extra else [])})
    return [(m, gettext("%(minutes)s minutes") % {"minutes": m}) for m in minutes]


class _TimesForm(forms.Form):
    practitioner = forms.TypedChoiceField(label=_("Practitioner"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time", "step": 300},
                                                                                 format="%H:%M"))
    duration = forms.TypedChoiceField(label=_("Duration"), coerce=int, initial=50)

    def __init__(self, *args, practitioners, workspace, duration: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["duration"]).choices = duration_choices(duration)
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [(m.pk, m.display_name) for m in practitioners]
        self.tz = times.zone(workspace)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not times.is_calendar_day(day):
            raise forms.ValidationError(_("Choose a date between 1900 and 2200."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start_time") is not None and data.get("duration"):
            try:
                data["start"] = times.to_utc(data["date"], data["start_time"], self.tz)
            except times.NoSuchLocalTime:
                self.add_error("start_time", _("This time does not exist on that day: the clocks go forward."))
            else:
                data["end"] = data["start"] + dt.timedelta(minutes=data["duration"])
        return data


class BookingForm(_TimesForm):
    kind = forms.ChoiceField(label=_("Type"), choices=Appointment.Kind.choices, initial=Appointment.Kind.IN_PERSON,
                             widget=forms.RadioSelect)
    location = forms.CharField(label=_("Location"), required=False, max_length=200,
                               help_text=_("For an appointment in person: the room or address."))
    video_link = forms.CharField(label=_("Video link"), required=False, max_length=500,
                                 help_text=_("For a video call: the address the client joins."))
    weeks = forms.IntegerField(label=_("Number of weekly appointments"), min_value=1, max_value=52, initial=1,
                               help_text=_("1 for a single appointment; more books the same time every week."))


class RescheduleForm(_TimesForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300,
                             help_text=_("Kept with the appointment; only the practice sees it."))


class MarkForm(forms.Form):
    status = forms.ChoiceField(choices=[(Appointment.Status.COMPLETED, Appointment.Status.COMPLETED.label),
                                        (Appointment.Status.NO_SHOW, Appointment.Status.NO_SHOW.label)])
