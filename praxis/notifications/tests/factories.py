import factory

from praxis.notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    """A row as `notify` writes it, without the e-mail and the audit entry (for list and query tests)."""

    class Meta:
        model = Notification

    kind = "invitation.accepted"
    parameters = factory.Sequence(lambda n: {"invitee": f"Person {n}", "email": f"person{n}@example.test"})
