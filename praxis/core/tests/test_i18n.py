"""R-ACC-4: the interface and every e-mail exist in English, Dutch, French and German."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from praxis.core.mail import render_email

LOCALE = Path(settings.BASE_DIR) / "praxis" / "locale"
TRANSLATED = ["nl", "fr", "de"]
EMAIL_DIR = Path(settings.BASE_DIR) / "praxis" / "templates" / "emails"
# Every e-mail there is, found on disk (issue 6 point 12): a new template is checked without a list to update.
EMAILS = sorted(path.stem for path in EMAIL_DIR.glob("*.txt") if not path.stem.endswith("_subject"))
CONTEXT = {"workspace": "Praktijk De Linde", "inviter": "Eva", "link": "https://praxis.example/x/",
           "expires_at": None, "name": "Ann", "new_email": "new@example.test", "login_url": "https://praxis.example/"}


def _po_entries(language: str) -> list[tuple[str, str]]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    entries = []
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""\n"Project' not in block:
            entries.append(("<fuzzy>", ""))
        ids = re.findall(r'^msgid "(.*)"', block, re.M)
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        context = re.search(r'^msgctxt "(.*)"((?:\n".*")*)', block, re.M)
        if ids and ids[0]:
            # The compiled catalogue keys an entry with a context as "context\x04msgid" (a long
            # context continues on the following quoted lines).
            key = ids[0]
            if context:
                key = "".join(re.findall(r'"(.*)"', f'"{context[1]}"{context[2]}')) + "\x04" + ids[0]
            entries.append((key, "".join(s[0] + s[1] for s in strs)))
    return entries


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_compiled(language):
    entries = _po_entries(language)
    assert entries, "empty catalogue"
    untranslated = [msgid for msgid, msgstr in entries if not msgstr.replace('"', "").strip()]
    assert untranslated == []
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # The compiled catalogue is the current one: every msgid of the .po is in the .mo.
    missing = [msgid for msgid, _s in entries if msgid not in compiled._catalog
               and (msgid, 0) not in compiled._catalog and '\\"' not in msgid and "\\n" not in msgid]
    assert missing == []


def test_point_12_the_email_list_enumerates_the_templates():
    """Each e-mail body has its subject, and the glob found them all (not an empty list)."""
    assert len(EMAILS) == len(list(EMAIL_DIR.glob("*.txt"))) // 2
    assert all((EMAIL_DIR / f"{name}_subject.txt").exists() for name in EMAILS)
    assert {"invitation", "payment_failed", "change_request_operator"} <= set(EMAILS)


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("template", EMAILS)
def test_every_email_is_rendered_in_the_recipients_language(language, template):
    english_subject, english_body, _html = render_email(template, CONTEXT, "en")
    subject, body, _html = render_email(template, CONTEXT, language)
    assert subject and subject != english_subject
    assert body != english_body
