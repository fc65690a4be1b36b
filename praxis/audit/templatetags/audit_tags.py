"""`{{ event.event_code|event_label }}` and friends: the audit log in the reader's language."""

from django import template

from praxis.audit import labels

register = template.Library()

register.filter("event_label", labels.event_label)
register.filter("action_label", labels.action_label)
register.filter("outcome_label", labels.outcome_label)
