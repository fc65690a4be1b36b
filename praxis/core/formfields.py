"""Form fields shared by the apps' forms."""

from django import forms
from django.forms.models import ModelChoiceIterator


class _ListedChoiceIterator(ModelChoiceIterator):
    """Django's iterator reads the choices with `QuerySet.iterator()`, which on PostgreSQL is a server-side
    cursor (`DECLARE … WITH HOLD`, `FETCH`, `CLOSE`: three statements, and outside a transaction the result
    materialised on the server) — for a select of a few dozen options, on every page that shows it. This
    one reads them as a plain query, once per form (the queryset keeps them for a second iteration)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    """`forms.ModelChoiceField` whose options are read in one plain query (`_ListedChoiceIterator`)."""

    iterator = _ListedChoiceIterator
