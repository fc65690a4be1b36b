"""The project's select widget template (`praxis/templates/django/forms/widgets/select.html`) writes its
options inline for speed; what it renders must stay exactly what Django's own templates render."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting, get_default_renderer


class _Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "Alpha"), ("b", "Bèta & <co>"), ("c", 'Quote "c"')])
    grouped = forms.ChoiceField(choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]),
                                         ("Vegetables", [("leek", "Leek")]), ("none", "None of these")])
    several = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two"), (3, "Three")])
    flags = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], required=False,
                              widget=forms.Select(attrs={"disabled": True, "data-empty": "", "hidden": False,
                                                         "aria-label": "Flags <x>"}))
    yes_no = forms.NullBooleanField()


@pytest.mark.parametrize("data", [
    {},
    {"plain": "b", "grouped": "pear", "several": ["1", "3"], "flags": "y", "yes_no": "true"},
    {"plain": "<script>", "grouped": "none", "several": ["2"], "yes_no": "false"},
])
def test_the_inline_select_renders_what_djangos_templates_render(data):
    assert isinstance(get_default_renderer(), TemplatesSetting)  # the project's templates are in use
    ours, djangos = _Choices(data=data or None), _Choices(data=data or None, renderer=DjangoTemplates())
    for name in ours.fields:
        assert ours[name].as_widget() == djangos[name].as_widget(), name
        assert "<option" in ours[name].as_widget()
