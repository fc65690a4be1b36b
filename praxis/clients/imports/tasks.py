"""The import's commit as a background task (R-CLI-9): large files take seconds, so the page starts the
task and polls the job's progress; the task runs on the configured django-tasks backend (the database
queue in production, immediate in development and tests) and re-enters the workspace scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django_scopes import scope
from django_tasks import task

from praxis.core.errors import ServiceError
from praxis.core.tasks import enqueue_after_commit
from praxis.workspaces.roles import CLIENTS_MANAGE

from ..models import ImportJob
from . import services

if TYPE_CHECKING:
    from praxis.workspaces.access import Access


def import_start(*, access: Access, job_id: int) -> ImportJob:
    """Check that the job may start, then enqueue its commit after the current transaction commits."""
    try:
        access.require(CLIENTS_MANAGE, code="clients.imported")
    except ServiceError as exc:
        services.record_refusal(exc)
        raise
    job = services._open_job(access, job_id)
    user_id, slug = access.user.pk, access.workspace.slug
    enqueue_after_commit(import_commit_task, job_id=job.pk, user_id=user_id, ws=slug)
    job.refresh_from_db()
    return job


@task()
def import_commit_task(*, job_id: int, user_id: int, ws: str) -> int:
    """Run `import_commit` as the member who started it (their access re-resolved now: a member removed
    meanwhile cannot import). Returns the number of clients imported; a failure is on the job row."""
    from praxis.accounts.models import User
    from praxis.workspaces.access import resolve_access

    access = resolve_access(User.objects.get(pk=user_id), ws)
    with scope(workspace=access.workspace):
        try:
            return services.import_commit(access=access, job_id=job_id).imported
        except ServiceError:
            return 0  # the job row says why (status failed, error); nothing was imported
