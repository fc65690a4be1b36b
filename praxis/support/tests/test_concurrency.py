"""The support portal under real parallel transactions (PostgreSQL row locks; SQLite WAL + IMMEDIATE):
a mail service posting the same reply several times at once files it once (the ticket row lock and the
(ticket, Message-ID) constraint); colleagues adding the same follower at once make one follower (the
(ticket, membership) constraint), the others get the ordinary refusal — never a server error."""

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from praxis.audit.services import verify_chain
from praxis.core.errors import ServiceError
from praxis.support import services
from praxis.support.models import Message, Watcher
from praxis.testing.concurrency import race

from .factories import make_operator, ticket_file

pytestmark = pytest.mark.django_db(transaction=True)
N = 6


def test_the_same_reply_posted_at_once_is_filed_once(team, make_user, settings):
    settings.PRAXIS_SUPPORT_INBOUND_SECRET = "s3cret"
    ticket = ticket_file(team.access("clinician"))
    operator = make_operator(make_user)
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Which browser?", status="awaiting_customer")
    address = services.reply_address(ticket=ticket, user=team.clinician)
    raw = (f"From: {team.clinician.email}\r\nTo: {address}\r\nSubject: Re\r\nMessage-ID: <same@mail>\r\n"
           "Content-Type: text/plain\r\n\r\nFirefox").encode()

    def post(_i):
        return Client().post("/api/v1/support/inbound", data=raw, content_type="message/rfc822",
                             headers={"X-Praxis-Inbound-Secret": "s3cret"}).status_code

    assert race(post, N) == [202] * N
    with scopes_disabled():
        assert Message.objects.filter(ticket=ticket, from_operator=False).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert verify_chain() == []


def test_adding_the_same_follower_at_once_makes_one(team):
    ticket = ticket_file(team.access("owner"))
    staff = team.member("staff").pk

    def add(_i):
        access = team.access("owner")
        with scope(workspace=team.workspace):
            return services.watcher_add(access=access, ticket_id=ticket.pk, membership_id=staff).pk

    results = race(add, N)
    added = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(added) == 1 and len(refused) == N - 1, results
    assert {r.code for r in refused} == {"already_following"}
    with scopes_disabled():
        assert Watcher.objects.filter(ticket=ticket).count() == 1
    assert verify_chain() == []
