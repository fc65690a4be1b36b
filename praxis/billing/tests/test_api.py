"""The billing API through HTTP (SPEC §4, §13; R-BIL-6 … R-BIL-15).

Situations are built the way real ones come about (STYLE 13): a `team` workspace created on 2026-11-01
(its anchor, monthly, NL 21 % VAT), members invited as paid `pro` seats who accept, and the real billing
run (`call_command("billing_run", at=..., force=True)`) issuing the invoices. Refused calls are checked to change
nothing: every billing table and every licence is compared before and after.
"""

import datetime as dt
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from praxis.api.tests.conftest import workspace_state
from praxis.billing import invoicing
from praxis.billing.api import router as billing_router
from praxis.billing.models import BalanceEntry, ChangeRequest, Invoice, InvoiceLine, SeatChange
from praxis.testing.db import shared_per_module
from praxis.testing.team import TEAM_ROLES, Team, join, new_user
from praxis.testing.team import build_team as build_shared_team
from praxis.workspaces.models import Licence
from praxis.workspaces.services import workspace_create

NOON = dt.time(11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam in winter
MONEY = re.compile(r"^-?\d+\.\d{2}$")
MANAGERS = ("owner", "admin")
REFUSED = ("assistant", "clinician", "staff")


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


def run_billing(day: str) -> None:
    call_command("billing_run", at=day, force=True, stdout=StringIO())



def build_team(make_user, *, name: str, label: str) -> Team:
    """The shared team (`praxis.testing.team.build_team`) as a `team` workspace — a paid `pro` seat per
    role — plus `free`: a member the workspace does not pay for (still in their own trial); the
    2026-11-01 cycle invoice is issued."""
    team = build_shared_team(make_user, name=name, tier="team", label=label)
    team.users["free"] = make_user(first_name=f"{label}Vera", last_name="Vrij")
    join(team.owner, team.workspace, team.users["free"], "free", role="clinician")
    team.reload_members()
    run_billing("2026-11-01")
    team.invoice = Invoice.objects.with_scopes_disabled().get(workspace=team.workspace, kind="cycle")
    return team


@pytest.fixture
def api_client(db):
    """`api_client(user)`: logged in by session; `api_client(token=secret)`: bearer; `api_client()`: anonymous.
    (Made when called, so a session starts at the time the test moved to.)"""

    def _make(user=None, *, token: str | None = None) -> Client:
        client = Client(headers={"Authorization": f"Bearer {token}"} if token else None)
        if user is not None:
            client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
        return client

    return _make


def _build_linde() -> Team:
    import time_machine

    with time_machine.travel(at("2026-11-01"), tick=False):
        return build_team(new_user, name="Praktijk De Linde", label="")


# Built once per module on 1 November 2026; each test runs in a savepoint over it, on that day.
_shared_world, _linde = shared_per_module(_build_linde, name="_linde")


@pytest.fixture
def team(_linde, time_machine) -> Team:
    time_machine.move_to(at("2026-11-01"), tick=False)
    return _linde


@pytest.fixture
def other(team, make_user) -> Team:
    """A second practice, with its own invoice and members: never reachable from `team`."""
    return build_team(make_user, name="Kliniek Elders", label="Other")


def url(team: Team, rest: str = "", *, ws: str | None = None) -> str:
    return f"/api/v1/workspaces/{ws or team.workspace.slug}/billing{rest}"


def post(client, path: str, body: dict | None = None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["code"] == code, payload
    assert payload["detail"]
    return payload


def billing_state(workspace) -> dict:
    """The workspace (members, licences, tokens…) and everything billing keeps for it."""
    return {
        **workspace_state(workspace),
        "invoices": list(Invoice.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
        "lines": list(InvoiceLine.objects.filter(invoice__workspace=workspace).order_by("pk").values()),
        "seat_changes": list(SeatChange.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
        "balance": list(BalanceEntry.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
        "change_requests": list(ChangeRequest.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
        "all_licences": list(Licence.objects.order_by("pk").values()),
    }


def money_fields(payload) -> list[tuple[str, object, object]]:
    """Every `x` that has an `x_cents` twin, anywhere in a JSON payload: (name, x, x_cents)."""
    found = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if f"{key}_cents" in payload:
                found.append((key, value, payload[f"{key}_cents"]))
            found += money_fields(value)
    elif isinstance(payload, list):
        for item in payload:
            found += money_fields(item)
    return found


def assert_money_is_exact(response) -> None:
    """R-BIL-1 on the wire: no floats anywhere; amounts are "12.34" strings equal to their integer cents."""
    floats = []
    def parse_float(text: str) -> Decimal:
        floats.append(text)
        return Decimal(text)

    json.loads(response.content, parse_float=parse_float)
    assert floats == []
    fields = money_fields(response.json())
    assert fields
    for name, value, cents in fields:
        assert isinstance(value, str) and MONEY.match(value), (name, value)
        assert isinstance(cents, int) and not isinstance(cents, bool), (name, cents)
        assert Decimal(value) * 100 == cents, (name, value, cents)


# --- every operation: who may, who may not, and outsiders ----------------------------------------------------

VIEW, MANAGE = "billing.view", "billing.manage"
OPS = {
    # name: (method, path under …/billing, body, capability)
    "billing_summary": ("GET", lambda t: "", None, VIEW),
    "billing_seats": ("GET", lambda t: "/seats", None, VIEW),
    "billing_invoice_list": ("GET", lambda t: "/invoices", None, VIEW),
    "billing_invoice_detail": ("GET", lambda t: f"/invoices/{t.invoice.pk}", None, VIEW),
    "billing_invoice_pdf": ("GET", lambda t: f"/invoices/{t.invoice.pk}/pdf", None, VIEW),
    "billing_preview": ("GET", lambda t: "/preview", None, VIEW),
    "billing_seat_cost": ("GET", lambda t: "/seat-cost?account_type=pro&count=2", None, VIEW),
    "billing_change_request_list": ("GET", lambda t: "/change-requests", None, VIEW),
    "billing_change_request_create": ("POST", lambda t: "/change-requests",
                                      {"subject": "Annual billing", "agreed_to_costs": True}, MANAGE),
    "billing_member_subscribe": ("POST", lambda t: f"/members/{t.members['free'].pk}/subscribe",
                                 {"account_type": "essentials"}, MANAGE),
    "billing_member_account_type": ("POST", lambda t: f"/members/{t.members['clinician'].pk}/account-type",
                                    {"account_type": "essentials"}, MANAGE),
    "billing_member_unsubscribe": ("POST", lambda t: f"/members/{t.members['staff'].pk}/unsubscribe", None, MANAGE),
}
# Operations that name an object of the workspace in their path.
OBJECT_OPS = ["billing_invoice_detail", "billing_invoice_pdf", "billing_member_subscribe",
              "billing_member_account_type", "billing_member_unsubscribe"]


def send(client, team: Team, name: str, *, ids: Team | None = None, ws: str | None = None):
    method, path, body, _capability = OPS[name]
    target = url(team, path(ids or team), ws=ws)
    return client.get(target) if method == "GET" else post(client, target, body)


def test_every_billing_operation_is_in_this_matrix():
    declared = {op.view_func.__name__: op.view_func.required_capability
                for path_view in billing_router.path_operations.values() for op in path_view.operations}
    assert declared == {name: op[3] for name, op in OPS.items()}


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize("name", list(OPS))
def test_owner_and_admin_may(name, role, team, api_client):
    response = send(api_client(team.users[role]), team, name)
    assert 200 <= response.status_code < 300, response.content


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("name", list(OPS))
def test_other_roles_are_refused_and_change_nothing(name, role, team, api_client,
                                                    django_capture_on_commit_callbacks):
    """R-BIL-14: only `billing.view` sees billing; writes need `billing.manage` (SPEC §3)."""
    before = billing_state(team.workspace)
    with django_capture_on_commit_callbacks() as callbacks:
        response = send(api_client(team.users[role]), team, name)
    assert_error(response, 403, "forbidden")
    assert billing_state(team.workspace) == before
    assert not callbacks


@pytest.mark.parametrize("name", list(OPS))
def test_anonymous_gets_401(name, team, api_client):
    before = billing_state(team.workspace)
    assert_error(send(api_client(), team, name), 401, "unauthenticated")
    assert billing_state(team.workspace) == before


@pytest.mark.parametrize("name", list(OPS))
def test_other_workspace_answers_404_and_changes_nothing(name, team, other, api_client):
    """R-ROLE-4: the owner of one practice names the other practice (its slug and its ids): 404."""
    before = billing_state(other.workspace)
    client = api_client(team.owner)
    response = send(client, team, name, ids=other, ws=other.workspace.slug)
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert response.status_code == 404
    assert billing_state(other.workspace) == before


@pytest.mark.parametrize("name", OBJECT_OPS)
def test_other_workspaces_ids_in_own_workspace_answer_404(name, team, other, api_client):
    """The other practice's invoice or member ids under one's own slug: the same 404 as a missing one."""
    before_team, before_other = billing_state(team.workspace), billing_state(other.workspace)
    response = send(api_client(team.owner), team, name, ids=other)
    assert_error(response, 404, "not_found")
    assert b"Kliniek Elders" not in response.content and other.invoice.number.encode() not in response.content
    assert billing_state(other.workspace) == before_other
    assert billing_state(team.workspace) == before_team


# --- summary, seats, invoices ----------------------------------------------------------------------------------

def test_summary(team, api_client):
    response = api_client(team.admin).get(url(team))
    assert response.status_code == 200
    assert response.json() == {
        "interval": "monthly", "anchor": "2026-11-01", "next_billing_date": "2026-12-01", "trial_until": None,
        "balance": "0.00", "balance_cents": 0, "currency": "EUR"}


def test_summary_shows_the_practice_trial_and_the_credit(db, time_machine, make_user, api_client):
    """R-BIL-9: a practice's first cycle starts when its trial ends; R-BIL-6: credit is on the balance."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = make_user()
    workspace = workspace_create(actor=owner, name="Praktijk Proef", tier="practice")
    BalanceEntry.objects.with_scopes_disabled().create(workspace=workspace, amount_cents=2163, reason="test credit")
    payload = api_client(owner).get(f"/api/v1/workspaces/{workspace.slug}/billing").json()
    assert (payload["anchor"], payload["next_billing_date"]) == ("2026-11-15", "2026-11-15")
    assert payload["trial_until"].startswith("2026-11-15T")
    assert (payload["balance"], payload["balance_cents"]) == ("21.63", 2163)


def test_seats_by_account_type_with_members(team, api_client):
    response = api_client(team.owner).get(url(team, "/seats"))
    assert response.status_code == 200
    paid = [team.members[role] for role in TEAM_ROLES]
    assert response.json() == {"day": "2026-11-01", "seats": [{
        "account_type": "pro", "quantity": 4, "user_ids": sorted(m.user_id for m in paid),
        "member_ids": sorted(m.pk for m in paid)}]}


def test_invoice_list_detail_and_filters(team, api_client):
    client = api_client(team.owner)
    listing = client.get(url(team, "/invoices"))
    assert listing.status_code == 200
    [item] = listing.json()["items"]
    assert listing.json()["count"] == 1
    assert {k: item[k] for k in ("id", "number", "kind", "status", "period_start", "period_end", "subtotal",
                                 "vat_rate", "vat", "total", "credited_invoice_number")} == {
        "id": team.invoice.pk, "number": "2026-000001", "kind": "cycle", "status": "open",
        "period_start": "2026-11-01", "period_end": "2026-12-01", "subtotal": "236.00", "vat_rate": "21.00",
        "vat": "49.56", "total": "285.56", "credited_invoice_number": None}

    assert client.get(url(team, "/invoices?status=open&kind=cycle")).json()["count"] == 1
    assert client.get(url(team, "/invoices?status=paid")).json()["count"] == 0
    assert client.get(url(team, "/invoices?kind=proration")).json()["count"] == 0
    assert_error(client.get(url(team, "/invoices?status=bogus")), 422, "invalid")

    detail = client.get(url(team, f"/invoices/{team.invoice.pk}"))
    assert detail.status_code == 200
    payload = detail.json()
    assert (payload["billed_name"], payload["billed_country"], payload["language"]) == (
        "Praktijk De Linde", "NL", "en")
    [line] = payload["lines"]
    assert {k: line[k] for k in ("account_type", "quantity", "unit_price", "unit_price_cents", "amount")} == {
        "account_type": "pro", "quantity": 4, "unit_price": "59.00", "unit_price_cents": 5900, "amount": "236.00"}
    assert_error(client.get(url(team, "/invoices/999999")), 404, "not_found")


def test_credit_note_is_listed_with_the_invoice_it_corrects(team, api_client):
    """R-BIL-11: corrections are credit notes; the corrected invoice is void."""
    with scope(workspace=team.workspace):
        note = invoicing.credit_note(invoice=team.invoice, actor=None, reason="test")
    client = api_client(team.owner)
    items = client.get(url(team, "/invoices?kind=credit_note")).json()["items"]
    assert [(i["number"], i["credited_invoice_id"], i["credited_invoice_number"], i["total"]) for i in items] == [
        (note.number, team.invoice.pk, team.invoice.number, "-285.56")]
    assert client.get(url(team, "/invoices?status=void")).json()["items"][0]["id"] == team.invoice.pk


def test_invoice_pdf(team, api_client):
    response = api_client(team.admin).get(url(team, f"/invoices/{team.invoice.pk}/pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="2026-000001.pdf"'
    assert response.content.startswith(b"%PDF")


def test_money_is_two_decimal_strings_with_cents_everywhere(team, time_machine, api_client):
    time_machine.move_to(at("2026-11-16"), tick=False)
    client = api_client(team.owner)
    for path in ("", "/invoices", f"/invoices/{team.invoice.pk}", "/preview", "/seat-cost?account_type=pro&count=3"):
        response = client.get(url(team, path))
        assert response.status_code == 200, (path, response.content)
        assert_money_is_exact(response)


# --- R-BIL-14: the preview and the seat cost are what is really charged --------------------------------------

def test_preview_is_the_invoice_the_billing_run_issues(team, time_machine, make_user, api_client):
    """Mid-cycle a `pro` joins (prorated, invoiced the next day) and the clinician's seat is cancelled
    (59.00 × 11/30 = 21.63 credit). The preview of 2026-11-20 and the invoice of the 2026-12-01 run are
    the same: 4 × 59.00 = 236.00 − 21.63 credit = 214.37, VAT 45.02, total 259.39."""
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(team.owner, team.workspace, make_user(), "pro", role="clinician")
    run_billing("2026-11-17")
    time_machine.move_to(at("2026-11-20"), tick=False)
    client = api_client(team.owner)
    cancelled = post(client, url(team, f"/members/{team.members['clinician'].pk}/unsubscribe"))
    assert cancelled.status_code == 200, cancelled.content

    preview = client.get(url(team, "/preview"))
    assert preview.status_code == 200
    expected = preview.json()
    assert {k: expected[k] for k in ("kind", "period_start", "period_end", "subtotal", "credit_applied", "vat",
                                     "total")} == {
        "kind": "cycle", "period_start": "2026-12-01", "period_end": "2027-01-01", "subtotal": "236.00",
        "credit_applied": "21.63", "vat": "45.02", "total": "259.39"}

    run_billing("2026-12-01")
    december = Invoice.objects.with_scopes_disabled().get(workspace=team.workspace, kind="cycle", period_start=dt.date(2026, 12, 1))
    issued = client.get(url(team, f"/invoices/{december.pk}")).json()
    fields = ("period_start", "period_end", "currency", "subtotal_cents", "credit_applied_cents", "vat_rate",
              "vat_cents", "total_cents")
    assert {k: issued[k] for k in fields} == {k: expected[k] for k in fields}
    line_fields = ("description", "account_type", "quantity", "unit_price_cents", "amount_cents", "period_start",
                   "period_end")
    assert [{k: line[k] for k in line_fields} for line in issued["lines"]] == [
        {k: line[k] for k in line_fields} for line in expected["lines"]]


def test_preview_during_a_practice_trial_is_the_first_cycle(db, time_machine, make_user, api_client):
    """R-BIL-9: seats cost nothing in the trial; the first invoice is the cycle at the trial's end."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = make_user()
    workspace = workspace_create(actor=owner, name="Praktijk Proef", tier="practice")
    practice = Team(workspace=workspace, users={"owner": owner})
    join(practice.owner, practice.workspace, make_user(), "essentials", role="clinician")
    payload = api_client(owner).get(f"/api/v1/workspaces/{workspace.slug}/billing/preview").json()
    assert (payload["period_start"], payload["subtotal"], payload["total"]) == ("2026-11-15", "29.00", "35.09")
    run_billing("2026-11-15")
    assert Invoice.objects.with_scopes_disabled().get(workspace=workspace).total_cents == payload["total_cents"]


def test_preview_without_a_billing_cycle_is_204(team, api_client):
    """Services always fix an anchor (R-BIL-2); a row without one (e.g. loaded by hand) has no next invoice."""
    from praxis.workspaces.models import Workspace

    Workspace.objects.filter(pk=team.workspace.pk).update(billing_anchor=None)
    response = api_client(team.owner).get(url(team, "/preview"))
    assert response.status_code == 204
    assert response.content == b""


def test_seat_cost_is_what_adding_the_seats_charges(team, time_machine, make_user, api_client):
    """R-BIL-14 before inviting: two `pro` seats on 2026-11-16 cost 2 × 29.50 = 59.00 + 12.39 VAT now, and
    118.00 + 24.78 VAT per month; inviting them really charges that."""
    time_machine.move_to(at("2026-11-16"), tick=False)
    response = api_client(team.admin).get(url(team, "/seat-cost?account_type=pro&count=2"))
    assert response.status_code == 200
    cost = response.json()
    assert {k: cost[k] for k in ("account_type", "count", "interval", "vat_rate", "per_cycle", "per_cycle_vat",
                                 "per_cycle_total")} == {
        "account_type": "pro", "count": 2, "interval": "monthly", "vat_rate": "21.00", "per_cycle": "118.00",
        "per_cycle_vat": "24.78", "per_cycle_total": "142.78"}
    now = cost["now"]
    assert (now["kind"], now["period_start"], now["period_end"]) == ("proration", "2026-11-16", "2026-12-01")
    assert (now["subtotal"], now["vat"], now["total"]) == ("59.00", "12.39", "71.39")

    for _ in range(2):
        join(team.owner, team.workspace, make_user(), "pro", role="clinician")
    run_billing("2026-11-17")
    charged = Invoice.objects.with_scopes_disabled().get(workspace=team.workspace, kind="proration")
    assert (charged.subtotal_cents, charged.vat_cents, charged.total_cents) == (
        now["subtotal_cents"], now["vat_cents"], now["total_cents"])


def test_seat_cost_on_a_cycle_start_after_its_invoice_is_the_whole_cycle(team, api_client):
    """Issue 6 point 1: the 2026-11-01 cycle invoice is issued (the fixture ran billing), so a seat added on
    that day owes 30 of 30 days on the day's proration invoice — this test used to expect "nothing now"."""
    cost = api_client(team.owner).get(url(team, "/seat-cost?account_type=essentials")).json()
    assert (cost["count"], cost["per_cycle"], cost["per_cycle_total"], cost["cycle"]) == (1, "29.00", "35.09", None)
    assert (cost["now"]["kind"], cost["now"]["period_start"], cost["now"]["period_end"]) == (
        "proration", "2026-11-01", "2026-12-01")
    assert (cost["now"]["subtotal"], cost["now"]["vat"], cost["now"]["total"]) == ("29.00", "6.09", "35.09")


def test_seat_cost_on_a_cycle_start_before_its_invoice_is_on_the_cycle_invoice(team, time_machine, api_client):
    """On 2026-12-01 before that day's run: nothing now, the December invoice (not yet issued) gets the seat."""
    time_machine.move_to(at("2026-12-01"), tick=False)
    cost = api_client(team.owner).get(url(team, "/seat-cost?account_type=essentials")).json()
    assert cost["now"] is None
    assert (cost["cycle"]["kind"], cost["cycle"]["period_start"], cost["cycle"]["subtotal"]) == (
        "cycle", "2026-12-01", "29.00")


@pytest.mark.parametrize(("query", "status", "code"), [
    ("account_type=gold&count=1", 400, "invalid_account_type"),
    ("count=1", 400, "invalid_account_type"),
    ("account_type=pro&count=0", 422, "invalid"),
    ("account_type=pro&count=201", 422, "invalid"),
])
def test_seat_cost_refuses_bad_input(query, status, code, team, api_client):
    assert_error(api_client(team.owner).get(url(team, f"/seat-cost?{query}")), status, code)


# --- change requests (R-BIL-15) ------------------------------------------------------------------------------

def test_change_request_is_created_and_listed(team, api_client):
    client = api_client(team.admin)
    response = post(client, url(team, "/change-requests"),
                    {"subject": "  Annual billing  ", "details": "From January", "agreed_to_costs": True})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["subject"], created["details"], created["status"], created["requested_by_id"]) == (
        "Annual billing", "From January", "new", team.admin.pk)
    listing = client.get(url(team, "/change-requests")).json()
    assert listing["count"] == 1
    assert listing["items"][0]["id"] == created["id"]
    assert listing["items"][0]["requested_by_name"] == team.admin.display_name


def test_change_requests_page_newest_first_without_repeats(team, api_client):
    """Requests made in the same instant still page in one stable order (newest first)."""
    client = api_client(team.owner)
    made = [post(client, url(team, "/change-requests"), {"subject": f"Request {i}", "agreed_to_costs": True})
            .json()["id"] for i in range(5)]
    pages = [client.get(url(team, f"/change-requests?page={page}&page_size=2")).json()["items"] for page in (1, 2, 3)]
    assert [item["id"] for page in pages for item in page] == made[::-1]


@pytest.mark.parametrize(("body", "code"), [
    ({"subject": "Annual billing"}, "agreement_required"),
    ({"subject": "Annual billing", "agreed_to_costs": False}, "agreement_required"),
    ({"subject": "   ", "agreed_to_costs": True}, "subject_required"),
    ({"subject": "x" * 201, "agreed_to_costs": True}, "too_long"),
])
def test_change_request_needs_a_subject_and_the_agreement(body, code, team, api_client):
    before = billing_state(team.workspace)
    payload = assert_error(post(api_client(team.owner), url(team, "/change-requests"), body), 400, code)
    assert payload["field"] in ("subject", "agreed_to_costs")
    assert billing_state(team.workspace) == before
    assert not ChangeRequest.objects.with_scopes_disabled().exists()


# --- who the workspace pays for (R-BIL-6, R-BIL-8, R-BIL-10) ----------------------------------------------------

def test_member_subscribe_account_type_and_unsubscribe(team, time_machine, api_client):
    time_machine.move_to(at("2026-11-16"), tick=False)
    client = api_client(team.owner)
    free = team.members["free"]

    response = post(client, url(team, f"/members/{free.pk}/subscribe"), {"account_type": "essentials"})
    assert response.status_code == 200, response.content
    assert response.json()["member_id"] == free.pk
    assert {k: response.json()["licence"][k] for k in ("account_type", "status", "paid_by")} == {
        "account_type": "essentials", "status": "active", "paid_by": "workspace"}

    response = post(client, url(team, f"/members/{free.pk}/account-type"), {"account_type": "pro"})
    assert response.status_code == 200, response.content
    assert response.json()["licence"]["account_type"] == "pro"
    # R-BIL-6: the essentials seat's unused rest (29.00 × 15/30) is credited.
    assert client.get(url(team)).json()["balance"] == "14.50"
    assert_error(post(client, url(team, f"/members/{free.pk}/account-type"), {"account_type": "pro"}),
                 400, "unchanged")

    response = post(client, url(team, f"/members/{free.pk}/unsubscribe"))
    assert response.status_code == 200, response.content
    assert {k: response.json()["licence"][k] for k in ("account_type", "paid_by")} == {
        "account_type": "free", "paid_by": "self"}
    assert client.get(url(team)).json()["balance"] == "44.00"  # + pro 59.00 × 15/30
    assert_error(post(client, url(team, f"/members/{free.pk}/unsubscribe")), 409, "not_paid_by_workspace")


def test_invalid_account_type_is_refused(team, api_client):
    before = billing_state(team.workspace)
    response = post(api_client(team.owner), url(team, f"/members/{team.members['free'].pk}/subscribe"),
                    {"account_type": "gold"})
    assert_error(response, 400, "invalid_account_type")
    assert billing_state(team.workspace) == before


def test_r_bil_8_a_member_who_pays_for_themselves_is_not_switched(team, make_user, api_client):
    """R-BIL-8: refused (409 `pays_for_self`) until the member cancels their own subscription (consent)."""
    self_payer = make_user(first_name="Sam", last_name="Zelf")
    started = post(api_client(self_payer), "/api/v1/me/subscription", {"account_type": "pro"})
    assert started.status_code == 200, started.content
    assert (started.json()["paid_by"], started.json()["status"]) == ("self", "active")
    member = join(team.owner, team.workspace, self_payer, "free", role="clinician")
    owner = api_client(team.owner)

    before = billing_state(team.workspace)
    response = post(owner, url(team, f"/members/{member.pk}/subscribe"), {"account_type": "pro"})
    assert_error(response, 409, "pays_for_self")
    assert billing_state(team.workspace) == before

    cancelled = api_client(self_payer).delete("/api/v1/me/subscription")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["account_type"] == "free"
    response = post(owner, url(team, f"/members/{member.pk}/subscribe"), {"account_type": "pro"})
    assert response.status_code == 200, response.content
    assert response.json()["licence"]["paid_by"] == "workspace"


@pytest.mark.parametrize("who", ["contact", "cancelled"])
def test_members_without_login_or_cancelled_hold_no_account_type(who, team, api_client):
    from praxis.workspaces.services import contact_person_add, members_cancel

    with scope(workspace=team.workspace):
        if who == "contact":
            member = contact_person_add(access=team.access("owner"), first_name="Carla", last_name="Contact")
        else:
            member = team.members["free"]
            members_cancel(access=team.access("owner"), membership_ids=[member.pk])
    response = post(api_client(team.owner), url(team, f"/members/{member.pk}/subscribe"), {"account_type": "pro"})
    assert_error(response, 400, "no_login")


# --- one's own subscription under /me ------------------------------------------------------------------------------

def test_own_subscription_start_and_cancel(db, make_user, api_client):
    user = make_user()
    client = api_client(user)
    assert_error(post(client, "/api/v1/me/subscription", {"account_type": "free"}), 400, "not_paid")
    started = post(client, "/api/v1/me/subscription", {"account_type": "essentials"})
    assert started.status_code == 200, started.content
    assert {k: started.json()[k] for k in ("account_type", "status", "paid_by", "ends_at")} == {
        "account_type": "essentials", "status": "active", "paid_by": "self", "ends_at": None}
    assert client.get("/api/v1/me").json()["account_type"] == "essentials"
    assert client.delete("/api/v1/me/subscription").json()["account_type"] == "free"
    assert client.get("/api/v1/me").json()["account_type"] == "free"
    assert_error(client.delete("/api/v1/me/subscription"), 409, "no_subscription")


def test_own_subscription_refused_when_a_workspace_pays(team, api_client):
    assert_error(post(api_client(team.clinician), "/api/v1/me/subscription", {"account_type": "essentials"}),
                 409, "paid_by_workspace")


def test_own_subscription_is_not_managed_with_a_workspace_token(team, api_client):
    """A token opens one workspace (SPEC §13); a subscription is billed to the personal one."""
    from praxis.api.services import token_create

    _token, secret = token_create(user=team.owner, workspace_slug=team.workspace.slug, name="ci")
    before = list(Licence.objects.order_by("pk").values())
    client = api_client(token=secret)
    assert_error(post(client, "/api/v1/me/subscription", {"account_type": "pro"}), 403, "session_required")
    assert_error(client.delete("/api/v1/me/subscription"), 403, "session_required")
    assert list(Licence.objects.order_by("pk").values()) == before
    assert client.get(url(team)).status_code == 200  # …while the workspace's billing is open to it


def test_own_subscription_needs_login(db, api_client):
    assert_error(post(api_client(), "/api/v1/me/subscription", {"account_type": "pro"}), 401, "unauthenticated")


# --- query budget (STYLE 13) -------------------------------------------------------------------------------------

def test_invoice_list_costs_the_same_queries_for_3_and_25_invoices(team, api_client, django_assert_num_queries):
    """Cycle invoices and credit notes (which name the invoice they correct) mixed."""
    months = iter(range(1, 40))

    def grow(n: int) -> None:
        while n > 0:
            month = next(months)
            day = dt.date(2026 + (10 + month) // 12, (10 + month) % 12 + 1, 1)
            run_billing(day.isoformat())
            n -= 1
            if n > 0:
                with scope(workspace=team.workspace):
                    invoicing.credit_note(invoice=Invoice.objects.get(workspace=team.workspace, kind="cycle",
                                                                      period_start=day), actor=None, reason="test")
                n -= 1

    client = api_client(team.owner)
    path = url(team, "/invoices")
    grow(2)
    client.get(path)  # warm-up
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).json()["count"] == 3
    grow(22)
    with django_assert_num_queries(len(small)):
        response = client.get(path)
    assert response.json()["count"] == 25 and len(response.json()["items"]) == 25
