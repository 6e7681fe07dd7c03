"""The ceremony checks, on real assertions signed by a software authenticator: what py_webauthn
verifies for us (origin, RP id, UV flag, signature, counter) and what we add (the challenge
kept once in the session, the credential known and of its user handle)."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from passkeys import ceremonies
from passkeys.ceremonies import ChallengeMissing, CredentialRefused, Purpose, ResponseMalformed
from passkeys.models import PasskeyCredential, PasskeyUser
from tests.passkeys.authenticator import UP, SoftAuthenticator


def login_options(session) -> str:  # type: ignore[no-untyped-def]
    return ceremonies.authentication_options(session, Purpose.LOGIN)


def test_registration_asks_for_a_discoverable_credential_with_user_verification(
    session, parent: User
) -> None:
    options = json.loads(ceremonies.registration_options(session, parent))
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    handle = PasskeyUser.objects.get(user=parent).handle
    assert options["user"]["id"] == handle
    assert parent.identifier not in handle and str(parent.pk) != handle
    assert len(handle) >= 43  # 32 random bytes


def test_registration_excludes_the_accounts_existing_passkeys(session, passkey) -> None:  # type: ignore[no-untyped-def]
    options = json.loads(ceremonies.registration_options(session, passkey.user))
    assert [c["id"] for c in options["excludeCredentials"]] == [passkey.credential_id]


def test_a_registered_passkey_logs_in(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    answer = authenticator.assert_(login_options(session))
    asserted = ceremonies.authentication_verify(session, Purpose.LOGIN, answer)
    assert asserted.credential == passkey
    assert asserted.new_sign_count == 1


def test_it_refuses_a_registration_from_another_origin(session, parent, authenticator) -> None:  # type: ignore[no-untyped-def]
    options = ceremonies.registration_options(session, parent)
    answer = authenticator.register(options, origin="https://portail.evil.example")
    with pytest.raises(CredentialRefused):
        ceremonies.registration_verify(session, parent, answer)


def test_it_refuses_a_registration_without_user_verification(
    session, parent, authenticator
) -> None:  # type: ignore[no-untyped-def]
    options = ceremonies.registration_options(session, parent)
    answer = authenticator.register(options, flags=UP | 0x40)
    with pytest.raises(CredentialRefused):
        ceremonies.registration_verify(session, parent, answer)


def test_it_refuses_an_assertion_from_another_origin(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    answer = authenticator.assert_(login_options(session), origin="http://localhost:9999")
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(session, Purpose.LOGIN, answer)


def test_it_refuses_an_assertion_for_another_rp_id(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    answer = authenticator.assert_(login_options(session), rp_id="evil.example")
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(session, Purpose.LOGIN, answer)


def test_it_refuses_an_assertion_without_the_user_verified_flag(
    session, passkey, authenticator
) -> None:  # type: ignore[no-untyped-def]
    answer = authenticator.assert_(login_options(session), flags=UP)
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(session, Purpose.LOGIN, answer)


def test_it_refuses_a_signature_counter_that_did_not_increase(
    session, passkey, authenticator
) -> None:  # type: ignore[no-untyped-def]
    PasskeyCredential.objects.filter(pk=passkey.pk).update(sign_count=5)
    authenticator.counter = 4
    answer = authenticator.assert_(login_options(session), counter_step=1)  # 5 again
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(session, Purpose.LOGIN, answer)


def test_a_counter_that_went_up_is_accepted(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    PasskeyCredential.objects.filter(pk=passkey.pk).update(sign_count=5)
    authenticator.counter = 5
    answer = authenticator.assert_(login_options(session), counter_step=3)
    assert ceremonies.authentication_verify(session, Purpose.LOGIN, answer).new_sign_count == 8


def test_it_refuses_a_reused_challenge(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    options = login_options(session)
    ceremonies.authentication_verify(session, Purpose.LOGIN, authenticator.assert_(options))
    with pytest.raises(ChallengeMissing):
        ceremonies.authentication_verify(session, Purpose.LOGIN, authenticator.assert_(options))


def test_a_failed_answer_uses_the_challenge_up_too(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    options = login_options(session)
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(
            session, Purpose.LOGIN, authenticator.assert_(options, flags=UP)
        )
    with pytest.raises(ChallengeMissing):
        ceremonies.authentication_verify(session, Purpose.LOGIN, authenticator.assert_(options))


def test_it_refuses_an_expired_challenge(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        options = login_options(session)
        traveller.shift(ceremonies.CHALLENGE_LIFETIME.total_seconds() + 1)
        with pytest.raises(ChallengeMissing):
            ceremonies.authentication_verify(session, Purpose.LOGIN, authenticator.assert_(options))


def test_a_challenge_serves_only_its_purpose(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    options = ceremonies.authentication_options(session, Purpose.SECOND_FACTOR, [passkey])
    with pytest.raises(ChallengeMissing):
        ceremonies.authentication_verify(session, Purpose.LOGIN, authenticator.assert_(options))


def test_it_refuses_an_unknown_credential(session, passkey) -> None:  # type: ignore[no-untyped-def]
    stranger = SoftAuthenticator(user_handle=b"x" * 32)
    with pytest.raises(CredentialRefused) as refused:
        ceremonies.authentication_verify(
            session, Purpose.LOGIN, stranger.assert_(login_options(session))
        )
    assert refused.value.user is None


def test_it_refuses_a_removed_credential(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    passkey.delete()
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(
            session, Purpose.LOGIN, authenticator.assert_(login_options(session))
        )


def test_it_refuses_a_signature_by_another_key(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    forger = SoftAuthenticator(
        credential_id=authenticator.credential_id, user_handle=authenticator.user_handle
    )
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(
            session, Purpose.LOGIN, forger.assert_(login_options(session))
        )


def test_it_refuses_another_user_handle(session, passkey, authenticator) -> None:  # type: ignore[no-untyped-def]
    answer = authenticator.assert_(login_options(session), user_handle=b"y" * 32)
    with pytest.raises(CredentialRefused):
        ceremonies.authentication_verify(session, Purpose.LOGIN, answer)


@pytest.mark.parametrize("payload", [None, [], "x", {"id": 1}, {"rawId": "!!", "response": {}}])
def test_garbage_is_malformed_not_a_crash(session, passkey, payload) -> None:  # type: ignore[no-untyped-def]
    login_options(session)
    with pytest.raises((ResponseMalformed, CredentialRefused)):
        ceremonies.authentication_verify(session, Purpose.LOGIN, payload)


def test_the_rp_id_follows_the_setting(settings, session, parent) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://portail.exemple.fr"
    assert ceremonies.relying_party().id == "portail.exemple.fr"
    assert ceremonies.relying_party().origin == "https://portail.exemple.fr"
    settings.WEBAUTHN_RP_ID = "exemple.fr"
    assert json.loads(ceremonies.registration_options(session, parent))["rp"]["id"] == "exemple.fr"
