"""Client records in HTML: the active / cancelled lists, "+ New client", the record page with its tabs and
the Personal tab's sections, each edited in place (R-CLI-1, R-CLI-2, R-CLI-8, R-MEM-1, R-AUD-1; seeds 003
and 004).

Views stay thin: reads through `selectors`, writes through `services`, every permission through
`policies`; the forms come from the one factory in `praxis.clients.forms`. Without JavaScript everything
works as full pages; with htmx a tab switch swaps only the record's panel, an Edit swaps only its section.
Opening the record (a full page or a tab) is one audited read (`services.client_view`); the section
requests of an in-place edit are not reads of the record (R-AUD-1: one entry per page view).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from praxis.core.errors import NotFound, ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.web import form_error, is_htmx, refuse
from praxis.workspaces.licences import workspace_today
from praxis.workspaces.roles import CLIENTS_MANAGE, CLIENTS_VIEW, MEMBERS_MANAGE
from praxis.workspaces.web import workspace_view

from .. import display, forms, policies, selectors, services, tabs
from ..models import Client
from . import portal

# --- helpers ------------------------------------------------------------------------------------------


def _url(request, name: str, **kwargs) -> str:
    return reverse(f"clients:{name}", kwargs={"ws": request.access.workspace.slug, **kwargs})


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def _panel_only(request) -> bool:
    """An htmx swap of a panel — but a history restore after a cache miss needs the whole page."""
    return is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"


def _open(request, client_id: int, *, audited: bool) -> Client:
    """The client this member may open (prefetched care team), or the same 404 for a missing client,
    another workspace's and one not assigned to them (R-ROLE-4). `audited`: a page view (R-AUD-1)."""
    try:
        if audited:
            return services.client_view(access=request.access, client_id=client_id)
        return selectors.client_get(access=request.access, client_id=client_id)
    except NotFound:
        raise Http404 from None


def import_url(request) -> str | None:
    """The import page, once the import module provides one (its URL is not this module's to assume)."""
    try:
        return _url(request, "import")
    except NoReverseMatch:
        return None


# --- the lists ----------------------------------------------------------------------------------------

PAGE_SIZE = 50
KEYSET_COLUMNS = ("last_name", "first_name", "id")  # = Client.Meta.ordering = the `client_list_order` index


@dataclass
class KeysetPage:
    """One page of a list in name order, with the cursors of its neighbours (client ids, never names:
    a name in a URL would end up in server logs)."""

    rows: list[Client]
    previous_before: int | None
    next_after: int | None

    @property
    def has_other_pages(self) -> bool:
        return self.previous_before is not None or self.next_after is not None


def _beyond(clients: QuerySet[Client], cursor: tuple, *, backwards: bool) -> QuerySet[Client]:
    """Rows after (before) `cursor` in (last_name, first_name, id) order, as one row-value comparison:
    PostgreSQL and SQLite both read it as a range on the `client_list_order` index."""
    qn = connection.ops.quote_name
    table = qn(Client._meta.db_table)
    columns = ", ".join(f"{table}.{qn(column)}" for column in KEYSET_COLUMNS)
    sql = f"({columns}) {'<' if backwards else '>'} (%s, %s, %s)"
    return clients.filter(RawSQL(sql, cursor, output_field=BooleanField()))


def keyset_page(clients: QuerySet[Client], *, access, after: int | None = None, before: int | None = None,
                size: int = PAGE_SIZE) -> KeysetPage:
    """Keyset ("seek") pagination over the name order, not page numbers.

    Why: page 2 000 of 100 000 clients with OFFSET makes the database walk and discard 100 000 index
    entries on every click, and a `Paginator` also counts the whole filtered set for each page. Seeking
    from the last row shown reads only the rows of the page (plus one, to know whether there is a next),
    so every page costs the same, and the order is stable under inserts (no row shown twice or skipped
    when a client is added meanwhile). What is given up — jumping to page N — is not something a person
    does in a name-ordered list; they search. The cursor is a client id; its name parts are read back
    with one primary-key lookup among the clients this member may see (an unknown cursor starts over).
    """
    cursor_id = before if before is not None else after
    cursor = None
    if cursor_id is not None:
        cursor = (policies.visible_clients(access).filter(pk=cursor_id)
                  .values_list(*KEYSET_COLUMNS).first())
    if cursor is None:
        rows = list(clients[: size + 1])
        return KeysetPage(rows=rows[:size], previous_before=None,
                          next_after=rows[size - 1].pk if len(rows) > size else None)
    if before is not None:
        backwards = _beyond(clients, cursor, backwards=True).order_by(*(f"-{c}" for c in KEYSET_COLUMNS))
        rows = list(backwards[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(rows=rows, previous_before=rows[0].pk if more else None,
                          next_after=rows[-1].pk if rows else cursor_id)
    rows = list(_beyond(clients, cursor, backwards=False)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows=rows, previous_before=rows[0].pk if rows else cursor_id,
                      next_after=rows[-1].pk if more else None)


def _status(request) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return LifecycleStatus.CANCELLED if source.get("status") == LifecycleStatus.CANCELLED else LifecycleStatus.ACTIVE


def _list_context(request, status: str, params=None) -> dict[str, Any]:
    """The list panel for `params` (the query string: q, clinician, tag, after, before)."""
    access = request.access
    workspace = access.workspace
    params = request.GET if params is None else params
    q = " ".join(params.get("q", "").split())[:200]
    clinician_id = _int(params.get("clinician"))
    tag_id = _int(params.get("tag"))
    clients = selectors.clients_list(access=access, status=status, q=q, clinician_id=clinician_id, tag_id=tag_id)
    filtered = bool(q or clinician_id or tag_id)
    with selectors.search_plan(q):
        page = keyset_page(clients.prefetch_related(None), access=access, after=_int(params.get("after")),
                           before=_int(params.get("before")))
        hits = clients.count() if filtered else None
    selectors.with_team_and_tags(page.rows)
    if q:
        # R-AUD-1: every search is logged with its query and its number of hits.
        services.clients_searched(access=access, query=q, hits=hits or 0)
    today = workspace_today(workspace)
    for client in page.rows:
        client.age_now = client.age(today)  # type: ignore[attr-defined]
        client.phone_display = display.phone(client.phone)  # type: ignore[attr-defined]
    can_cancel = policies.may_cancel_clients(access)
    return {
        "workspace": workspace,
        "status": status,
        "status_param": LifecycleStatus.CANCELLED if status == LifecycleStatus.CANCELLED else None,
        "only_assigned": policies.sees_only_assigned(access),
        "q": q,
        "clinician_id": clinician_id,
        "tag_id": tag_id,
        "filtered": filtered,
        "hits": hits,
        "page": page,
        "clients": page.rows,
        "counts": selectors.client_counts(access=access),
        "clinicians": list(selectors.clinicians_list(workspace=workspace)),
        "tags": list(selectors.tags_list(workspace=workspace)),
        "can_manage": policies.may_manage_clients(access),
        "can_cancel": can_cancel,
        "import_url": import_url(request) if policies.may_manage_clients(access) else None,
        "htmx": is_htmx(request),
    }


@require_GET
@workspace_view(CLIENTS_VIEW)
def client_list(request):
    """The active and cancelled clients (seed 003), searchable (R-CLI-8), in name order."""
    context = _list_context(request, _status(request))
    if _panel_only(request):
        return render(request, "clients/list.html#client-panel", context)
    return render(request, "clients/list.html", context)


def _list_url(request, status: str) -> str:
    url = _url(request, "list")
    return f"{url}?status={LifecycleStatus.CANCELLED}" if status == LifecycleStatus.CANCELLED else url


def _after_bulk(request, form: forms.BulkClientsForm, ids: list[int], status: str):
    """Back to the record when one client was cancelled / restored from its own page, else the list."""
    if form.is_valid() and form.cleaned_data["return_to"] == "record" and len(ids) == 1:
        return redirect(_url(request, "record", client_id=ids[0]))
    return redirect(_list_url(request, status))


@require_POST
@workspace_view(MEMBERS_MANAGE)
def clients_cancel(request):
    """Two steps (seed 003): the selection is confirmed first (a dialog for htmx, else a page), then the
    clients are cancelled — nothing is deleted (R-MEM-4)."""
    form = forms.BulkClientsForm(request.POST)
    ids = form.cleaned_data["ids"] if form.is_valid() else []
    if not (form.is_valid() and form.cleaned_data["confirm"]):
        selected = selectors.clients_by_ids(access=request.access, client_ids=ids)
        if len(selected) != len(ids):
            raise Http404
        context = {"workspace": request.access.workspace, "selected": selected, "htmx": is_htmx(request),
                   "return_to": form.cleaned_data["return_to"] if form.is_valid() else ""}
        if is_htmx(request):
            return render(request, "clients/cancel.html#confirm-dialog", context)
        if not selected:
            messages.error(request, _("Select at least one client."))
            return redirect(_list_url(request, LifecycleStatus.ACTIVE))
        return render(request, "clients/cancel.html", context)
    try:
        changed = services.clients_cancel(access=request.access, client_ids=ids)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, ngettext("%(count)d client was cancelled.", "%(count)d clients were cancelled.",
                                           len(changed)) % {"count": len(changed)})
    return _after_bulk(request, form, ids, LifecycleStatus.ACTIVE)


@require_POST
@workspace_view(MEMBERS_MANAGE)
def clients_restore(request):
    """Restore cancelled clients (R-MEM-1), within the account type's client limit."""
    form = forms.BulkClientsForm(request.POST)
    ids = form.cleaned_data["ids"] if form.is_valid() else []
    if not ids:
        messages.error(request, _("Select at least one client."))
    else:
        try:
            changed = services.clients_restore(access=request.access, client_ids=ids)
        except ServiceError as exc:
            refuse(request, exc)
        else:
            messages.success(request, ngettext("%(count)d client was restored.", "%(count)d clients were restored.",
                                               len(changed)) % {"count": len(changed)})
    if _panel_only(request) and not (form.is_valid() and form.cleaned_data["return_to"]):
        return render(request, "clients/list.html#client-panel",
                      _list_context(request, LifecycleStatus.CANCELLED, params={}))
    return _after_bulk(request, form, ids, LifecycleStatus.CANCELLED)


# --- + New client ---------------------------------------------------------------------------------------


@workspace_view(CLIENTS_MANAGE)
def client_new(request):
    """R-CLI-1: the built-in fields, the care team and the live custom fields of every section."""
    access = request.access
    sections = [s for s in forms.sections_for(access) if not s.is_empty]
    clinician_ids = set(selectors.clinicians_list(workspace=access.workspace).values_list("pk", flat=True))
    initial = {"clinicians": [str(access.membership.pk)]} if access.membership.pk in clinician_ids else {}
    form = forms.client_form(access=access, sections=sections, data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(access=access, **form.service_input())
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added to your clients.") % {"name": client.display_name})
            return redirect(_url(request, "record", client_id=client.pk))
    limit = None
    if request.method == "GET":
        try:
            services.check_room_for(workspace=access.workspace, adding=1)
        except ServiceError as exc:  # say so before the form is filled in, not after
            limit = exc.message
    return render(request, "clients/new.html", {"workspace": access.workspace, "form": form, "limit": limit})


# --- the record ---------------------------------------------------------------------------------------


def _header_context(request, client: Client) -> dict[str, Any]:
    workspace = request.access.workspace
    return {
        "workspace": workspace,
        "client": client,
        "age": client.age(workspace_today(workspace)),
        "date_of_birth": display.date(client.date_of_birth),
        "can_cancel": policies.may_cancel_clients(request.access),
        "can_export": policies.may_export_client(request.access, client),
        **portal.portal_actions(request, client),  # R-CLI-11: "Invite to portal"
    }


def _record_context(request, client: Client, tab: tabs.Tab, **extra) -> dict[str, Any]:
    context = _header_context(request, client)
    context.update(tabs=tabs.tabs_for(request.access), tab=tab, htmx=is_htmx(request))
    context.update(tab.provider(request, client))
    context.update(extra)
    return context


def _tab_or_404(request, key: str | None) -> tabs.Tab:
    available = tabs.tabs_for(request.access)
    tab = available[0] if key is None and available else tabs.get(request.access, key or "")
    if tab is None:
        raise Http404
    return tab


@require_GET
@workspace_view(CLIENTS_VIEW)
def client_record(request, client_id: int, tab: str | None = None):
    """The record (seed 004): a header with name, age, status and quick actions, then the tabs this
    member may open (`tabs.tabs_for`). Every view of it is logged (R-AUD-1)."""
    current = _tab_or_404(request, tab)
    client = _open(request, client_id, audited=True)
    context = _record_context(request, client, current)
    if _panel_only(request):
        return render(request, "clients/record.html#tab-panel", context)
    return render(request, "clients/record.html", context)


# --- the Personal tab and its sections ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: display.Value


@dataclass
class SectionView:
    """A section as the record shows it: the fields this member may see, with this client's values."""

    key: str
    title: str
    rows: list[Row]


def _builtin_value(client: Client, name: str) -> display.Value:
    if name == "clinicians":
        return display.Value(", ".join(m.display_name for m in client.clinicians.all()))
    if name == "tags":
        return display.Value(", ".join(t.name for t in client.tags.all()))
    if name == "date_of_birth":
        return display.Value(display.date(client.date_of_birth))
    if name in ("gender", "language"):
        return display.Value(str(getattr(client, f"get_{name}_display")()) if getattr(client, name) else "")
    if name == "email":
        return display.Value(client.email, href=f"mailto:{client.email}" if client.email else "")
    if name == "phone":
        return display.Value(display.phone(client.phone), href=f"tel:{client.phone}" if client.phone else "")
    if name == "country":
        return display.Value(display.country(client.country))
    return display.Value(str(getattr(client, name) or ""))


def section_view(section: forms.Section, client: Client) -> SectionView:
    rows = [Row(forms.builtin_label(name), _builtin_value(client, name)) for name in section.builtin]
    rows += [Row(d.label, display.custom_value(d, (client.custom or {}).get(d.key))) for d in section.custom]
    return SectionView(key=section.key, title=section.title, rows=rows)


def personal_tab(request, client) -> dict[str, Any]:
    """Provider of the record's Personal tab (registered in `praxis.clients.tabs`): the built-in sections,
    then the custom sections in order, each with only the fields this member may see (R-ROLE-3)."""
    sections = [s for s in forms.sections_for(request.access) if not s.is_empty]
    return {"sections": [section_view(s, client) for s in sections],
            "can_edit": policies.may_manage_clients(request.access)}


def _section_or_404(request, key: str) -> forms.Section:
    section = forms.section_by_key(forms.sections_for(request.access), key)
    if section is None or section.is_empty:
        raise Http404
    return section


def _render_section(request, client: Client, section: forms.Section, *, saved: bool = False) -> HttpResponse:
    context = {"workspace": request.access.workspace, "client": client, "section": section_view(section, client),
               "can_edit": policies.may_manage_clients(request.access), "saved": saved}
    response = render(request, "clients/_section.html", context)
    if saved:  # the header shows the name and age: swap it too (out of band)
        header = render(request, "clients/record.html#record-header",
                         {**_header_context(request, client), "oob": True})
        response.content += header.content
    return response


def _full_page(request, client: Client, **extra) -> HttpResponse:
    """The record page with the Personal tab — what an Edit is without JavaScript."""
    personal = tabs.get(request.access, "personal")
    if personal is None:
        raise Http404
    return render(request, "clients/record.html", _record_context(request, client, personal, **extra))


@require_GET
@workspace_view(CLIENTS_VIEW)
def client_section(request, client_id: int, section: str):
    """One section read-only: what Cancel swaps back in."""
    if not _panel_only(request):
        _section_or_404(request, section)
        return _full_page(request, _open(request, client_id, audited=True))
    client = _open(request, client_id, audited=False)
    return _render_section(request, client, _section_or_404(request, section))


@workspace_view(CLIENTS_MANAGE)
def client_section_edit(request, client_id: int, section: str):
    """Edit one section in place: GET the form, POST saves only this section's fields through
    `services.client_update` — other fields keep their values even when posted (seed 004)."""
    current = _section_or_404(request, section)
    panel = _panel_only(request)
    client = _open(request, client_id, audited=not panel and request.method == "GET")
    if request.method == "POST":
        form = forms.client_form(access=request.access, sections=[current], data=request.POST, client=client)
        if form.is_valid():
            try:
                services.client_update(access=request.access, client_id=client.pk, **form.service_input())
            except ServiceError as exc:
                form_error(form, exc)
            else:
                return _saved(request, client.pk, current)
        if not panel:
            return _full_page(request, _open(request, client_id, audited=True), editing=current.key, form=form)
    else:
        form = forms.client_form(access=request.access, sections=[current], client=client, autofocus=True)
        if not panel:
            return _full_page(request, client, editing=current.key, form=form)
    return render(request, "clients/_section_form.html", {
        "workspace": request.access.workspace, "client": client, "section": section_view(current, client),
        "form": form,
    })


def _saved(request, client_id: int, section: forms.Section) -> HttpResponse:
    try:
        client = selectors.client_get(access=request.access, client_id=client_id)
    except NotFound:
        # A clinician of a team workspace who took themselves off the care team no longer sees the client.
        messages.success(request, _("Saved. The client is no longer assigned to you."))
        url = _url(request, "list")
        if is_htmx(request):
            return HttpResponse(headers={"HX-Redirect": url})
        return redirect(url)
    if _panel_only(request):
        return _render_section(request, client, section, saved=True)
    messages.success(request, _("%(section)s saved.") % {"section": section.title})
    return redirect(_url(request, "record", client_id=client.pk) + f"#section-{section.key}")


urlpatterns = [
    path("w/<slug:ws>/clients/", client_list, name="list"),
    path("w/<slug:ws>/clients/new/", client_new, name="new"),
    path("w/<slug:ws>/clients/cancel/", clients_cancel, name="cancel"),
    path("w/<slug:ws>/clients/restore/", clients_restore, name="restore"),
    path("w/<slug:ws>/clients/<int:client_id>/", client_record, name="record"),
    path("w/<slug:ws>/clients/<int:client_id>/sections/<slug:section>/", client_section, name="section"),
    path("w/<slug:ws>/clients/<int:client_id>/sections/<slug:section>/edit/", client_section_edit,
         name="section_edit"),
    # Last (and `praxis/clients/urls.py` puts this module last): a tab is any one path segment, so the
    # other modules' per-client pages (`clients/<id>/export/`, …) must be matched first.
    path("w/<slug:ws>/clients/<int:client_id>/<slug:tab>/", client_record, name="tab"),
]
