"""Background tasks of billing: the scheduled run and the overdue reminders (enqueue both daily from cron or
a worker's scheduler)."""

from django_tasks import task

from praxis.core import clock

from .notify import invoices_remind
from .run import billing_run


@task()
def billing_run_task(at: str | None = None) -> dict:
    import datetime as dt

    report = billing_run(at=dt.date.fromisoformat(at) if at else clock.today())
    return {"cycle": len(report.cycle_invoices), "proration": len(report.proration_invoices)}


@task()
def invoice_reminders_task(at: str | None = None) -> list[str]:
    """Schedule daily next to `billing_run_task`: overdue invoices get their one reminder."""
    import datetime as dt

    return invoices_remind(at=dt.date.fromisoformat(at) if at else None)
