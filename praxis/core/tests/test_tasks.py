"""`core.tasks.enqueue_after_commit`: a task runs only if the transaction that queued it commits — written
into that transaction on the database backend (a transactional outbox), after the commit elsewhere."""

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from praxis.core.mail import send_templated_email
from praxis.core.tasks import enqueue_after_commit
from praxis.support.tasks import close_resolved_tickets

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_QUEUE)
def test_on_the_database_backend_the_task_is_written_in_the_callers_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue_after_commit(close_resolved_tickets)
        # Inside the transaction already (the worker sees it once it commits), not left to a callback.
        assert DBTaskResult.objects.filter(task_path__endswith="close_resolved_tickets").count() == 1
    assert callbacks == []
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_QUEUE)
def test_on_the_database_backend_a_rolled_back_transaction_queues_nothing(mailoutbox):
    with pytest.raises(_Rollback), transaction.atomic():
        send_templated_email(to="eva@example.test", template="password_reset",
                             context={"name": "Eva", "link": "https://praxis.example/x"}, language="nl")
        assert DBTaskResult.objects.count() == 1
        raise _Rollback
    assert DBTaskResult.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_on_the_immediate_backend_the_task_waits_for_the_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        send_templated_email(to="eva@example.test", template="password_reset",
                             context={"name": "Eva", "link": "https://praxis.example/x"}, language="nl")
        assert mailoutbox == []  # not sent while the data it speaks of may still roll back
    assert len(callbacks) == 1
    assert [message.to for message in mailoutbox] == [["eva@example.test"]]
    assert DBTaskResult.objects.count() == 0
