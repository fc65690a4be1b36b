"""Issue 6 point 16: flash messages and pages opened from an e-mail are in the page's language.

- a message created right after logging in (or out) is shown on the next page in that page's language:
  the user's own after logging in, the browser's after logging out;
- the invitation page, and the login after it, follow the invitation's language (the e-mail's);
- a password link follows its user's language; otherwise the browser's (Accept-Language).
"""

import re

import pytest
from django.urls import reverse
from django_scopes import scope

from praxis.accounts.models import User
from praxis.workspaces.invitations import invitations_create
from praxis.workspaces.services import workspace_create

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s/]+(/accounts/password/set/[^\s]+/)")


def _messages(body: str) -> str:
    return " ".join(re.findall(r'<p class="message[^"]*">(.*?)</p>', body, flags=re.S))


def _lang(body: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', body)
    assert match is not None, "a page without <html lang>"
    return match.group(1)


def test_logout_message_is_in_the_language_of_the_next_page(client, make_user, password):
    user = make_user(language="nl")
    client.post("/accounts/login/", {"email": user.email, "password": password})
    response = client.post("/accounts/logout/", HTTP_ACCEPT_LANGUAGE="de", follow=True)
    body = response.content.decode()
    assert _lang(body) == "de"
    assert "Sie wurden abgemeldet." in _messages(body)


def test_password_link_page_and_its_message_follow_the_users_language(client, django_capture_on_commit_callbacks,
                                                                      mailoutbox, password):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {"email": "nieuw@example.org", "language": "nl"},
                    HTTP_ACCEPT_LANGUAGE="en")
    path = LINK.search(mailoutbox[-1].body).group(1)
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _lang(page) == "nl"
    response = client.post(path, {"password": password, "password_repeat": password},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    body = response.content.decode()
    assert _lang(body) == "nl"
    assert "Je wachtwoord is ingesteld. Welkom!" in _messages(body)


def test_invitation_page_and_login_follow_the_invitations_language(client, make_user):
    owner = make_user(language="en")
    workspace = workspace_create(actor=owner, name="Cabinet Lyon", tier="practice")
    invitee = make_user(email="claire@example.org", language="fr")
    with scope(workspace=workspace):
        from praxis.workspaces.access import resolve_access

        [(_inv, token)] = invitations_create(access=resolve_access(owner, workspace.slug), emails=[invitee.email],
                                             role="clinician", account_type="pro")
    page = client.get(reverse("workspaces:invite", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE="de")
    body = page.content.decode()
    assert _lang(body) == "fr" and "Se connecter pour accepter" in body
    login = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert _lang(login) == "fr"  # the rest of the visit keeps the invitation's language


def test_new_invitee_sees_the_workspace_language_and_gets_it(client, make_user, password):
    owner = make_user(language="en")
    workspace = workspace_create(actor=owner, name="Praxis Köln", tier="practice")
    workspace.language = "de"
    workspace.save(update_fields=["language"])
    with scope(workspace=workspace):
        from praxis.workspaces.access import resolve_access

        [(_inv, token)] = invitations_create(access=resolve_access(owner, workspace.slug),
                                             emails=["neu@example.org"], role="staff", account_type="free",
                                             pay_for_user=False)
    url = reverse("workspaces:invite", kwargs={"token": token})
    assert _lang(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()) == "de"
    response = client.post(url, {"first_name": "Nora", "last_name": "Neu", "password": password,
                                 "password_repeat": password}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    body = response.content.decode()
    assert "Willkommen bei Praxis Köln." in _messages(body)
    assert User.objects.get(email="neu@example.org").language == "de"


def test_browser_language_without_any_link(client, db):
    assert _lang(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()) == "nl"
    assert _lang(client.get("/accounts/login/?lang=fr", HTTP_ACCEPT_LANGUAGE="nl").content.decode()) == "fr"
