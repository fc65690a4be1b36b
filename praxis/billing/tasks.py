"""Background tasks of billing: the scheduled run (enqueue daily from cron or a worker's scheduler)."""

from django_tasks import task

from praxis.core import clock

from .run import billing_run


@task()
def billing_run_task(at: str | None = None) -> dict:
    import datetime as dt

    report = billing_run(at=dt.date.fromisoformat(at) if at else clock.today())
    return {"cycle": len(report.cycle_invoices), "proration": len(report.proration_invoices)}
