"""`core.formfields.ModelChoiceField`: its options come from one plain query — on PostgreSQL Django's own
reads them through a server-side cursor (DECLARE, FETCH, CLOSE) on every page that shows the select."""

import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from praxis.core.formfields import ModelChoiceField
from praxis.support.catalogue import ensure_default_categories
from praxis.support.models import Category


class _CategoryForm(forms.Form):
    category = ModelChoiceField(queryset=Category.objects.order_by("position", "pk"), empty_label="—",
                                to_field_name="code")


@pytest.mark.django_db
def test_the_options_are_read_in_one_plain_query_and_still_validate():
    ensure_default_categories()
    codes = list(Category.objects.order_by("position", "pk").values_list("code", flat=True))
    form = _CategoryForm()
    with CaptureQueriesContext(connection) as queries:
        html = str(form["category"])
        html_again = str(form["category"])
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["SELECT"]  # no DECLARE … CURSOR
    assert html == html_again
    assert re.findall(r'<option value="([^"]*)"', html) == ["", *codes]  # the empty choice first, then all
    bound = _CategoryForm(data={"category": codes[-1]})
    assert bound.is_valid() and bound.cleaned_data["category"].code == codes[-1]
    assert not _CategoryForm(data={"category": "no-such-category"}).is_valid()
