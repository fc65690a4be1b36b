"""Audit entries of the service calls that had no case yet (issue 6 point 12, R-AUD-1).

Same table style as `test_audit.py`: each `case_*` performs one call and returns what its entry must
say — (event code, action, actor, workspace, object); `test_audit_coverage.py` fails when a recorded
code is asserted nowhere. The seat, invoice and change-request codes were asserted nowhere before.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_scopes import scope

from praxis.accounts import services as accounts
from praxis.api import services as api_services
from praxis.audit import services as audit
from praxis.audit.models import AuditEvent
from praxis.billing import services as billing
from praxis.billing.models import ChangeRequest, Invoice, SeatChange
from praxis.billing.run import billing_run
from praxis.testing.team import join
from praxis.workspaces import licences
from praxis.workspaces.services import members_cancel, workspace_create

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another quite long passphrase"
T0 = dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC)  # a team created now is anchored on 2026-11-01


def _paid_team(make_user):
    """A `team` workspace (its seats cost money at once) with one `pro` member it pays for."""
    owner = make_user(first_name="Eva")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    member = join(owner, workspace, "pro@linde.test", "pro")
    return owner, workspace, member


def _last_seat(workspace, delta):
    return SeatChange.objects.with_scopes_disabled().filter(workspace=workspace, delta=delta).latest("pk")


def case_seat_added(team, make_user, password):
    owner, workspace, member = _paid_team(make_user)
    return "seat.added", "create", member.user, workspace, _last_seat(workspace, 1)


def case_seat_removed(team, make_user, password):
    owner, workspace, member = _paid_team(make_user)
    with scope(workspace=workspace):
        members_cancel(access=licences_access(owner, workspace), membership_ids=[member.pk])
    return "seat.removed", "update", owner, workspace, _last_seat(workspace, -1)


def licences_access(user, workspace):
    from praxis.workspaces.access import resolve_access

    return resolve_access(user, workspace.slug)


def case_invoice_issued(team, make_user, password):
    _owner, workspace, _member = _paid_team(make_user)
    billing_run(at=dt.date(2026, 11, 1))
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle")
    return "invoice.issued", "create", None, workspace, invoice


def case_invoice_credited(team, make_user, password):
    _owner, workspace, _member = _paid_team(make_user)
    billing_run(at=dt.date(2026, 11, 1))
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle")
    operator = get_user_model().objects.create_superuser(email="operator@praxis.test", password=password)
    billing.invoice_credit(invoice_id=invoice.pk, actor=operator, reason="wrong address")
    return "invoice.credited", "update", operator, workspace, invoice


def case_change_request_created(team, make_user, password):
    with scope(workspace=team.workspace):
        request = billing.change_request_create(access=team.access("owner"), subject="More seats",
                                                agreed_to_costs=True)
    return "change_request.created", "create", team.owner, team.workspace, request


def case_change_request_updated(team, make_user, password):
    with scope(workspace=team.workspace):
        request = billing.change_request_create(access=team.access("owner"), subject="More seats",
                                                agreed_to_costs=True)
    operator = get_user_model().objects.create_superuser(email="operator@praxis.test", password=password)
    client = Client()
    client.force_login(operator)
    response = client.post(f"/operator/billing/changerequest/{request.pk}/change/",
                           {"status": "in_progress", "operator_note": "On it"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return "change_request.updated", "update", operator, team.workspace, ChangeRequest.objects.with_scopes_disabled().get(pk=request.pk)


def case_licence_ends_with_trial(team, make_user, password):
    person = make_user()  # in their own 14-day trial
    join(team.owner, team.workspace, person, "pro", pay_timing="after_trial")
    licence = licences.licence_end_paid_by(user=person, workspace=team.workspace, actor=team.owner)
    return "licence.ends_with_trial", "update", team.owner, team.workspace, licence


def case_api_token_created(team, make_user, password):
    token, _secret = api_services.token_create(user=team.clinician, workspace_slug=team.workspace.slug, name="CLI")
    return "api_token.created", "create", team.clinician, team.workspace, token


def case_api_token_revoked(team, make_user, password):
    token, _secret = api_services.token_create(user=team.clinician, workspace_slug=team.workspace.slug, name="CLI")
    token = api_services.token_revoke(user=team.clinician, token_id=token.pk)
    return "api_token.revoked", "update", team.clinician, team.workspace, token


def case_user_updated(team, make_user, password):
    user = accounts.profile_update(user=team.staff, changes={"first_name": "Stanley"})
    return "user.updated", "update", user, None, user


def case_user_email_changed(team, make_user, password):
    user = accounts.email_change(user=team.staff, new_email="stan@new.test", current_password=password)
    return "user.email_changed", "update", user, None, user


def case_user_password_changed(team, make_user, password):
    user = accounts.password_change(user=team.staff, current_password=password, new_password=NEW_PASSWORD)
    return "user.password_changed", "update", user, None, user


def case_user_password_reset_requested(team, make_user, password):
    accounts.password_reset_process(email=team.staff.email)
    return "user.password_reset_requested", "execute", None, None, team.staff


def case_user_password_reset(team, make_user, password):
    link = accounts._issue_password_token(team.staff)
    user = accounts.password_reset_confirm(token=link.rstrip("/").rsplit("/", 1)[-1], password=NEW_PASSWORD)
    return "user.password_reset", "update", user, None, user


def _enrol(user, password):
    import pyotp

    from praxis.accounts import twofactor

    device = twofactor.enrolment_start(user)
    codes = twofactor.enrol(user=user, password=password, code=pyotp.TOTP(device.secret).now())
    return device, codes


def _next_code(device) -> str:
    """The code of the next time step (the current one was spent on enrolling)."""
    import pyotp

    from praxis.core import clock

    return pyotp.TOTP(device.secret).at(clock.now().timestamp() + 30)


def case_user_two_factor_enabled(team, make_user, password):
    _enrol(team.staff, password)
    return "user.two_factor_enabled", "create", team.staff, None, team.staff


def case_user_two_factor_removed(team, make_user, password):
    from praxis.accounts import twofactor

    device, _codes = _enrol(team.staff, password)
    twofactor.remove(user=team.staff, password=password, code=_next_code(device))
    return "user.two_factor_removed", "delete", team.staff, None, team.staff


def case_user_two_factor_recovery_codes_renewed(team, make_user, password):
    from praxis.accounts import twofactor

    device, _codes = _enrol(team.staff, password)
    twofactor.recovery_codes_renew(user=team.staff, password=password, code=_next_code(device))
    return "user.two_factor_recovery_codes_renewed", "update", team.staff, None, team.staff


def case_user_two_factor_recovery_code_used(team, make_user, password):
    from praxis.accounts import twofactor

    _device, codes = _enrol(team.staff, password)
    twofactor.verify(user=team.staff, code=codes[0])
    return "user.two_factor_recovery_code_used", "execute", team.staff, None, team.staff


def case_user_two_factor_reset(team, make_user, password):
    from django.core.management import call_command

    _enrol(team.staff, password)
    call_command("two_factor_reset", team.staff.email, reason="ticket 42", stdout=__import__("io").StringIO())
    from praxis.accounts import twofactor

    assert not twofactor.is_enrolled(team.staff)
    return "user.two_factor_reset", "delete", None, None, team.staff


def case_user_signup_existing(team, make_user, password):
    accounts.signup_process(email=team.staff.email, first_name="", last_name="", language="en",
                            referred_by_id=None)
    return "user.signup_existing", "execute", None, None, team.staff


def case_user_logged_in(team, make_user, password):
    response = Client().post("/accounts/login/", {"email": team.staff.email, "password": password})
    assert response.status_code == 302
    return "user.logged_in", "execute", team.staff, None, team.staff


def case_user_logged_out(team, make_user, password):
    client = Client()
    client.force_login(team.staff)
    client.post("/accounts/logout/")
    return "user.logged_out", "execute", team.staff, None, team.staff


def _calendar_feed(team):
    """The clinician (a practitioner) makes their calendar address (SPEC §9, R-SCH-5)."""
    from praxis.scheduling import services as scheduling
    from praxis.scheduling.models import CalendarFeed

    with scope(workspace=team.workspace):
        secret = scheduling.feed_create(access=team.access("clinician"))
        feed = CalendarFeed.objects.get(practitioner=team.members["clinician"], revoked_at__isnull=True)
    return secret, feed


def case_calendar_feed_created(team, make_user, password):
    _secret, feed = _calendar_feed(team)
    return "calendar_feed.created", "create", team.users["clinician"], team.workspace, feed


def case_calendar_feed_read(team, make_user, password):
    """A calendar application reads the address: no login, the practitioner is the actor (R-AUD-1)."""
    secret, feed = _calendar_feed(team)
    assert Client().get(f"/calendar/{secret}.ics").status_code == 200
    return "calendar_feed.read", "read", team.users["clinician"], team.workspace, feed


CASES = [value for name, value in sorted(globals().items()) if name.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=lambda f: f.__name__.removeprefix("case_"))
def test_point_12_every_service_writes_an_entry(case, workspace_with_team, make_user, password, time_machine):
    """Issue 6 point 12 / R-AUD-1: one entry per call, naming actor, workspace and object."""
    time_machine.move_to(T0, tick=False)
    code, action, actor, workspace, obj = case(workspace_with_team, make_user, password)
    entry = AuditEvent.objects.filter(event_code=code).order_by("-id").first()
    assert entry is not None, f"no {code} entry"
    assert (entry.action, entry.outcome) == (action, "success")
    assert entry.user_id == (actor.pk if actor else None)
    assert entry.workspace_id == (workspace.pk if workspace else None)
    assert (entry.object_type, entry.object_id) == (obj._meta.label_lower, str(obj.pk))
    assert audit.verify_chain() == []


def test_point_12_a_failed_login_is_a_refused_entry_without_an_actor(workspace_with_team, password):
    Client().post("/accounts/login/", {"email": workspace_with_team.staff.email, "password": "wrong" * 4})
    entry = AuditEvent.objects.filter(event_code="user.login_failed").get()
    assert (entry.action, entry.outcome, entry.user_id, entry.object_type) == (
        "execute", "refused", None, "accounts.user")


def test_switching_a_calendar_address_off_is_an_entry(workspace_with_team):
    """R-SCH-5 / R-AUD-1: switching the address off names the practitioner, the workspace and the kind of
    object (the revoking update does not fetch the feed, so its entry carries no object id)."""
    from praxis.scheduling import services as scheduling

    team = workspace_with_team
    _calendar_feed(team)
    with scope(workspace=team.workspace):
        assert scheduling.feed_revoke(access=team.access("clinician")) is True
    entry = AuditEvent.objects.filter(event_code="calendar_feed.revoked").get()
    assert (entry.action, entry.outcome, entry.user_id, entry.workspace_id, entry.object_type) == (
        "delete", "success", team.users["clinician"].pk, team.workspace.pk, "scheduling.calendarfeed")
    assert audit.verify_chain() == []
