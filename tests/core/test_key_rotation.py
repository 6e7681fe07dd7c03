"""Rotating SECRET_KEY (the old one moved to SECRET_KEY_FALLBACKS) loses no live code, no link
and no queued message."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from notifications import secret_box
from recovery import codes
from recovery.models import VerificationCode

OLD_KEY = "old-secret-key-" + "x" * 40
NEW_KEY = "new-secret-key-" + "y" * 40


@pytest.mark.django_db
def test_a_code_issued_before_a_key_rotation_still_works_after_it(parent: User) -> None:
    with override_settings(SECRET_KEY=OLD_KEY):
        codes.code_issue(
            purpose=VerificationCode.Purpose.PASSWORD_RESET,
            channel="sms",
            destination="+33612345678",
            user_id=parent.pk,
            secret="123456",
            now=timezone.now(),
        )
    row = VerificationCode.objects.get()
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert codes.matches(row, "123456")
        assert not codes.matches(row, "654321")
        assert codes.code_redeem([row], "123456", now=timezone.now()) == row
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert not codes.matches(row, "123456")  # the old key retired: the code is dead


@pytest.mark.django_db
def test_a_link_issued_before_a_key_rotation_is_still_found_after_it(parent: User) -> None:
    token = codes.new_link_token()
    with override_settings(SECRET_KEY=OLD_KEY):
        codes.code_issue(
            purpose=VerificationCode.Purpose.PASSWORD_RESET,
            channel="email",
            destination="parent@exemple.fr",
            user_id=parent.pk,
            secret=token,
            now=timezone.now(),
        )
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        found = codes.link_lookup(purpose=VerificationCode.Purpose.PASSWORD_RESET, token=token)
        assert found is not None and found.user == parent


def test_a_message_queued_before_a_key_rotation_is_still_readable_after_it() -> None:
    with override_settings(SECRET_KEY=OLD_KEY):
        payload = secret_box.seal({"text": "Code 424242"})
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert secret_box.unseal(payload) == {"text": "Code 424242"}
        # New messages are sealed with the new key only.
        fresh = secret_box.seal({"text": "Code 111111"})
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert secret_box.unseal(fresh) == {"text": "Code 111111"}
        assert secret_box.unseal(payload) is None
