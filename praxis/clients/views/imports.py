"""Client import in HTML (R-CLI-9): upload → mapping (adjustable; unmapped columns listed, mappable to
custom fields) → dry run (invalid rows with line, column and reason; duplicates) → the import as a
background task with a live progress bar (htmx polls the job). The page can be left and reopened: the
upload page lists the recent imports. Views only call `praxis.clients.imports.services`/`tasks`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from praxis.core.errors import NotFound, ServiceError
from praxis.core.web import form_error, is_htmx, refuse
from praxis.workspaces.roles import CLIENTS_MANAGE
from praxis.workspaces.web import workspace_view

from ..imports import mapping, progress, tasks
from ..imports import services as imports
from ..models import ImportJob

RECENT = 10


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))


def _job_url(request, job: ImportJob, name: str = "import_job") -> str:
    return reverse(f"clients:{name}", kwargs={"ws": request.access.workspace.slug, "job_id": job.pk})


def _job(request, job_id: int) -> ImportJob:
    try:
        return imports.import_job_get(access=request.access, job_id=job_id)
    except NotFound:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@workspace_view(CLIENTS_MANAGE)
def import_start(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_upload(access=request.access, filename=upload.name, content=upload)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return redirect(_job_url(request, job))
    recent = list(ImportJob.objects.filter(workspace=request.access.workspace).select_related("created_by")[:RECENT])
    for job in recent:
        imports.expire_if_stale(job)  # a job whose worker is gone shows failed (R-CLI-9)
    return render(request, "clients/import_start.html",
                  {"form": form, "recent": recent, "workspace": request.access.workspace})


def _job_context(request, job: ImportJob) -> dict:
    header = imports.table_of(job).header
    definitions = imports._definitions(request.access)
    sensitive_ok = imports.policies.may_see_sensitive(request.access)
    choices = [(t, label) for t, label in mapping.targets(definitions)
               if sensitive_ok or t not in imports.SENSITIVE_BUILTIN_FIELDS]
    columns = [{"index": i, "name": name, "target": job.mapping.get(name, "")} for i, name in enumerate(header)]
    return {"workspace": request.access.workspace, "job": job, "columns": columns, "choices": choices,
            "unmapped": [c["name"] for c in columns if not c["target"]],
            "report": job.report or None, "progress": progress.read(job),
            "editable": job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED, ImportJob.Status.FAILED)}


@require_GET
@workspace_view(CLIENTS_MANAGE)
def import_job(request, job_id: int):
    job = _job(request, job_id)
    return render(request, "clients/import_job.html", _job_context(request, job))


@require_POST
@workspace_view(CLIENTS_MANAGE)
def import_mapping(request, job_id: int):
    """Save the mapping (one select per column) and run the dry run at once."""
    job = _job(request, job_id)
    header = imports.table_of(job).header
    columns = {name: request.POST.get(f"column-{index}", "") for index, name in enumerate(header)}
    try:
        imports.import_map(access=request.access, job_id=job.pk, columns=columns)
        imports.import_check(access=request.access, job_id=job.pk)
    except ServiceError as exc:
        refuse(request, exc)
    return redirect(_job_url(request, job))


@require_POST
@workspace_view(CLIENTS_MANAGE)
def import_commit(request, job_id: int):
    job = _job(request, job_id)
    try:
        tasks.import_start(access=request.access, job_id=job.pk)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The import has started. You may leave this page; it continues."))
    return redirect(_job_url(request, job))


@require_GET
@workspace_view(CLIENTS_MANAGE)
def import_progress(request, job_id: int):
    """The progress bar alone (htmx polls it while the job runs)."""
    job = _job(request, job_id)
    context = _job_context(request, job)
    if not is_htmx(request):
        return render(request, "clients/import_job.html", context)
    return render(request, "clients/_import_progress.html", context)


urlpatterns = [
    path("w/<slug:ws>/clients/import/", import_start, name="import"),
    path("w/<slug:ws>/clients/import/<int:job_id>/", import_job, name="import_job"),
    path("w/<slug:ws>/clients/import/<int:job_id>/mapping/", import_mapping, name="import_mapping"),
    path("w/<slug:ws>/clients/import/<int:job_id>/commit/", import_commit, name="import_commit"),
    path("w/<slug:ws>/clients/import/<int:job_id>/progress/", import_progress, name="import_progress"),
]
