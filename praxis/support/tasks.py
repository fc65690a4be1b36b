"""Background work of the support portal: the daily close of resolved tickets, for a task worker."""

from django_tasks import task

from .services import tickets_close_resolved


@task()
def close_resolved_tickets() -> int:
    return tickets_close_resolved()
