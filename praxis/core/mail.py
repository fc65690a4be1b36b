"""Templated e-mail in the recipient's language, sent after the transaction commits.

Templates live in `templates/emails/<name>_subject.txt`, `<name>.txt` and optionally `<name>.html`. The
rendering happens in the recipient's language (R-ACC-4); links are built from `PRAXIS_SITE_URL`
(R-ACC-6), never from a request.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from .tasks import enqueue_after_commit


def site_url(path: str) -> str:
    return settings.PRAXIS_SITE_URL + path


def render_email(template: str, context: dict, language: str) -> tuple[str, str, str | None]:
    with translation.override(language or settings.LANGUAGE_CODE):
        ctx = {"site_url": settings.PRAXIS_SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", ctx).split())
        body = render_to_string(f"emails/{template}.txt", ctx)
        try:
            html = render_to_string(f"emails/{template}.html", ctx)
        except TemplateDoesNotExist:
            html = None
    return subject, body, html


@task()
def send_email_task(to: list[str], subject: str, body: str, html: str | None = None,
                    reply_to: str | None = None) -> None:
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to,
                                     reply_to=[reply_to] if reply_to else None)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def send_templated_email(*, to: str, template: str, context: dict, language: str,
                         reply_to: str | None = None) -> None:
    """Render now (so the data is the data of this transaction) and send once it has committed;
    `reply_to`: where the recipient's answer goes (a support ticket's signed reply address)."""
    subject, body, html = render_email(template, context, language)
    enqueue_after_commit(send_email_task, [to], subject, body, html, reply_to)
