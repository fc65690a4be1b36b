"""`{{ day|weekday_date }}` and `{{ day|weekday_date:"year" }}`: a day with its weekday as each language
writes it — "Montag, 7. Dezember" (de), "maandag 7 december" (nl), "lundi 7 décembre" (fr), "Monday 7
December" (en). Django's named formats have no weekday-and-date one."""

from django import template
from django.utils import dateformat
from django.utils.translation import get_language

register = template.Library()

_FORMATS = {"de": ("l, j. F", "l, j. F Y")}
_DEFAULT = ("l j F", "l j F Y")


@register.filter
def weekday_date(value, arg: str = ""):
    if not value:
        return ""
    short, long = _FORMATS.get((get_language() or "en")[:2], _DEFAULT)
    return dateformat.format(value, long if arg == "year" else short)
