"""In a real browser (R-CLI-4): on a minor's record a clinician opens the "Add relationship" dialog, creates
her mother as a new client with portal access on the child's behalf, and sees the relationship on both
records — at 390 and 1280 px, with the dialog and both tabs passing the vendored axe-core check."""

import pytest
from django_scopes import scope, scopes_disabled

from praxis.clients.models import Client, Relationship
from praxis.clients.services import client_create
from praxis.testing import pages as walker
from praxis.testing.team import build_team


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_add_a_parent_for_a_minor_from_the_dialog(width, page, live_server, make_user):
    from playwright.sync_api import expect

    team = build_team(make_user, label=f"Browser{width}")
    with scope(workspace=team.workspace):
        noor = client_create(access=team.access("owner"),
                             values={"first_name": "Noor", "last_name": "Visser", "date_of_birth": "01-02-2016"},
                             clinician_ids=[team.members["clinician"].pk])
    page.context.add_cookies([walker.session_cookie(team.clinician, live_server.url)])
    walker.install_axe(page.context)
    page.set_viewport_size({"width": width, "height": 900})
    slug = team.workspace.slug

    page.goto(f"/w/{slug}/clients/{noor.pk}/relationships/")
    expect(page.get_by_role("heading", name="Relationships")).to_be_visible()
    page.get_by_role("link", name="Add relationship").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    problems = walker.check_page(page, where="relationship dialog", widths=(width,))

    dialog.get_by_label("Type").select_option("parent")
    dialog.get_by_label("A new client").check()
    expect(dialog.get_by_label("Find a client")).to_be_hidden()  # only the chosen way is shown
    dialog.get_by_label("First name").fill("Eva")
    dialog.get_by_label("Last name").fill("Visser")
    dialog.get_by_label("Date of birth").fill("05-06-1984")
    dialog.get_by_label("E-mail").first.fill("nope")
    dialog.get_by_label("Portal access on the client's behalf").check()
    dialog.get_by_role("button", name="Add relationship").click()
    # A refused save stays in the dialog, with the validator's message on its field.
    expect(dialog.get_by_text("Enter a valid e-mail address.")).to_be_visible()
    dialog.get_by_label("E-mail").first.fill("eva.visser@example.test")
    dialog.get_by_role("button", name="Add relationship").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    card = page.locator(".relationship", has_text="Eva Visser")
    expect(card).to_contain_text("Parent")
    expect(card).to_contain_text("Portal access on the client's behalf")
    problems += walker.check_page(page, where="Noor's relationships", widths=(width,))

    card.get_by_role("link", name="Eva Visser", exact=True).click()
    expect(page.get_by_role("heading", name="Eva Visser", level=1)).to_be_visible()
    page.get_by_role("link", name="Relationships").click()
    other_side = page.locator(".relationship", has_text="Noor Visser")
    expect(other_side).to_contain_text("Child")
    problems += walker.check_page(page, where="Eva's relationships", widths=(width,))
    assert not problems, "\n".join(problems)

    with scopes_disabled():
        eva = Client.objects.get(first_name="Eva")
        [relationship] = Relationship.objects.all()
    assert (relationship.client_id, relationship.other_client_id, relationship.kind) == (noor.pk, eva.pk, "parent")
    assert relationship.portal_access and eva.email == "eva.visser@example.test"
