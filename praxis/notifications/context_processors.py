"""The bell's unread count on every page: one COUNT query, and only when the page renders the bell."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def notification_bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user=user))}
