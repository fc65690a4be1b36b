"""Background work of the account flows that must not reveal, even by timing, whether an address is
known (R-ACC-5). Arguments are plain JSON values."""

from django_tasks import task

from . import services


@task()
def signup_task(email: str, first_name: str, last_name: str, language: str, referred_by_id: int | None,
                account_type: str = "pro") -> None:
    services.signup_process(email=email, first_name=first_name, last_name=last_name, language=language,
                            referred_by_id=referred_by_id, account_type=account_type)


@task()
def password_reset_task(email: str) -> None:
    services.password_reset_process(email=email)
