"""Background tasks queued together with the data that asks for them (SPEC §14).

`enqueue_after_commit(task, ...)` is how every service queues work — an e-mail, a payment collection, an
import's commit: the task runs only if the caller's transaction commits. How depends on the backend:

- the database backend (`django_tasks_db`, production and the multi-process tests), whose queue is a table
  of the same database: the task's row is written inside the caller's transaction — a transactional
  outbox. The ticket and the e-mail about it are stored by the same COMMIT or not at all; nothing is lost
  when a process stops between its commit and a later enqueue, and a request writes one transaction
  instead of two;
- any other backend (the immediate one of development and the tests runs the task at once, before the
  caller's transaction has committed): `transaction.on_commit`.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction


def _queue_is_in_the_database(backend: Any) -> bool:
    from django_tasks_db.backend import DatabaseBackend  # its models import only once the apps are ready
    from django_tasks_db.models import DBTaskResult

    return isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue `task(*args, **kwargs)` to run once the current transaction has committed (at once outside one)."""
    if _queue_is_in_the_database(task.get_backend()):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
