"""`{% account_standing %}`: one rendering of a person's account type for the members list and the billing
tab (issue 6 point 5) — the type in the page's language, the end of a running trial in its date format, or
"no login"; escaped."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation

from praxis.workspaces.licences import NO_LOGIN, Standing

TAG = Template("{% load workspace_tags %}{% account_standing standing %}")


def _render(standing: Standing, language: str) -> str:
    with translation.override(language):
        return TAG.render(Context({"standing": standing}))


def test_the_account_type_in_the_pages_language():
    assert _render(Standing(account_type="essentials", trial_until=None, payer_workspace_id=None), "en") == "Essentials"
    assert _render(Standing(account_type="unknown<b>", trial_until=None, payer_workspace_id=None), "en") == \
        "unknown&lt;b&gt;"


def test_a_running_trial_shows_its_end_in_the_locales_date_format():
    trial = Standing(account_type="pro", trial_until=dt.datetime(2026, 12, 18, 10, tzinfo=dt.UTC),
                     payer_workspace_id=None)
    assert _render(trial, "en") == 'Pro <span class="muted">(trial until 18 December 2026)</span>'
    assert _render(trial, "nl") == 'Pro <span class="muted">(proefperiode tot 18 december 2026)</span>'


def test_a_person_without_a_login():
    assert _render(NO_LOGIN, "de") == f'<span class="muted">{_in("de", "no login")}</span>'


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)
