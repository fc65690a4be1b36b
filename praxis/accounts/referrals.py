"""Personal referral links (R-BIL-16).

Every user on a paid account type can share `…/accounts/signup/?ref=<code>`; a sign-up through it records
the referrer (`User.referred_by`) and the referrer sees who signed up. The code is random, not the user's
id, so a link reveals nothing and cannot be guessed from another one. It is made the first time it is
needed and never changes afterwards, so links already shared keep working.
"""

import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

CODE_BYTES = 6  # → 8 URL-safe characters; the column holds 16
ATTEMPTS = 5


def referral_code_for(user) -> str:
    """The user's referral code, made and saved once.

    Race-free by construction: the code is written with a conditional UPDATE (only while the column is
    still empty), so two concurrent first views agree on one code; the unique column refuses the
    (astronomically unlikely) clash with another user's code, and a fresh code is tried.
    """
    User = get_user_model()
    if user.referral_code:
        return user.referral_code
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk, referral_code__isnull=True).update(
                    referral_code=secrets.token_urlsafe(CODE_BYTES))
        except IntegrityError:
            continue
        user.referral_code = User.objects.values_list("referral_code", flat=True).get(pk=user.pk)
        if user.referral_code:
            return user.referral_code
    raise RuntimeError("could not make a unique referral code")


def referrals_of(user) -> QuerySet:
    """The people who signed up through the user's link, newest first (only what the referrer may see:
    the view shows names and dates, never addresses)."""
    User = get_user_model()
    return (User.objects.filter(referred_by=user, is_active=True)
            .only("pk", "first_name", "last_name", "date_joined").order_by("-date_joined", "-pk"))
