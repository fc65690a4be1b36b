"""The second factor in a real browser (R-ACC-1, issue 10 point 1): a clinician sets it up from her account
page — QR code and key, password and code — keeps her recovery codes, logs out, logs in with password and
code; every page at 390, 768 and 1280 px with axe, in Dutch (her language)."""

import re

import pyotp
import pytest

from praxis.testing import PASSWORD
from praxis.testing.pages import check_page, install_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.real_second_factor]


def test_set_up_log_out_and_log_in_with_a_code(page, live_server, make_user):
    user = make_user("clara@example.org", first_name="Clara", language="nl")
    install_axe(page.context)
    page.goto("/accounts/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/w/**")

    page.goto("/accounts/profile/two-factor/")
    assert page.locator("h2#twofactor-setup").inner_text() == "Tweestapsverificatie instellen"
    assert page.locator(".qr-code img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert not check_page(page, where="two-factor-setup")
    secret = re.sub(r"\s", "", page.locator("code.secret").inner_text())
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form[action='/accounts/profile/two-factor/'] button[type=submit]")
    page.wait_for_selector("ul.recovery-codes")
    assert page.locator("ul.recovery-codes li").count() == 10
    assert not check_page(page, where="recovery-codes")

    page.click("form[action='/accounts/logout/'] button")
    page.goto("/accounts/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/login/code/")
    assert "Je wachtwoord klopt" in page.content()
    assert not check_page(page, where="login-code")
    page.fill("input[name=code]", "000000")
    page.click("button[type=submit]")
    assert page.locator(".form-errors, .errorlist").first.inner_text().startswith("Die code is niet geldig")
    # The next 30-second step: the enrolment's own code is never accepted twice.
    totp = pyotp.TOTP(secret)
    page.fill("input[name=code]", totp.at(__import__("time").time() + 30))
    page.click("button[type=submit]")
    page.wait_for_url("**/w/**")
    page.goto("/accounts/profile/two-factor/")
    assert page.locator("h2#twofactor-on").inner_text() == "Tweestapsverificatie staat aan"
    assert not check_page(page, where="two-factor-on")
