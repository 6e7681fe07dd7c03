"""A roster import that replaces an account holder's school mobile has the effects of a
correction in the console: the codes the old number received die, the old number is told, and
the journal records the change, so a number one school's import sets for a parent another
school also knows waits for the settle period like a typed correction (issue 16's leftover).

Demo data: Patrick Dupont (R001 at the collège, R002 at the lycée, both +33612345678); Karim
Martin (R007, the collège only, +33633445566)."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.demo import seed_demo
from accounts.models import AuditEvent, Establishment, User
from notifications.backends.sms import LocmemSmsBackend
from recovery.channels import MOBILE_SETTLE_PERIOD
from recovery.codes import RESEND_COOLDOWN
from tests.recovery.conftest import ask_reset, last_code, post_code
from tests.roster.imports.builders import demo_college_guardians_xml, run_import

pytestmark = pytest.mark.django_db

UAI = "0750654D"
SHARED = "+33612345678"
PATRICK_NEW = "+33799887766"
KARIM_OLD, KARIM_NEW = "+33633445566", "+33788888888"


def import_guardians(*, patrick: str = "06 12 34 56 78", karim: str = "06 33 44 55 66") -> None:
    xml = demo_college_guardians_xml(R001=patrick, R007=karim)
    run_import(Establishment.objects.get(uai=UAI), ("ResponsablesSansAdresses.xml", xml))


def import_events() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            event_type=AuditEvent.Type.CONTACT_CHANGED, details__source="import"
        )
    )


def test_the_code_the_old_number_got_dies_and_the_old_number_is_told(delivered) -> None:
    seed_demo()
    karim = User.objects.get(identifier="karim.martin1")
    asking = Client()
    with delivered():
        ask_reset(asking, karim.identifier)
    code = last_code()
    with delivered():
        import_guardians(karim="07 88 88 88 88")
    told = [sms for sms in LocmemSmsBackend.outbox if sms.to == KARIM_OLD][-1]
    assert code not in told.body
    response = post_code(asking, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    [event] = import_events()
    assert event.subject == karim and event.details["mobile_changed"] is True


def test_a_family_known_to_one_school_gets_the_imported_number_at_once(delivered) -> None:
    seed_demo()
    with delivered():
        import_guardians(karim="07 88 88 88 88")
    before = len(LocmemSmsBackend.outbox)
    with delivered():
        ask_reset(Client(), "karim.martin1")
    assert [sms.to for sms in LocmemSmsBackend.outbox[before:]] == [KARIM_NEW]


def test_a_number_one_schools_import_sets_for_a_shared_parent_waits_to_settle(delivered) -> None:
    seed_demo()
    with delivered():
        import_guardians(patrick="07 99 88 77 66")
    before = len(LocmemSmsBackend.outbox)
    with time_machine.travel(timezone.now() + RESEND_COOLDOWN), delivered():
        ask_reset(Client(), "patrick.dupont1")
    assert {sms.to for sms in LocmemSmsBackend.outbox[before:]} == {SHARED}  # the lycée's
    with time_machine.travel(timezone.now() + MOBILE_SETTLE_PERIOD + dt.timedelta(minutes=1)):
        before = len(LocmemSmsBackend.outbox)
        with delivered():
            ask_reset(Client(), "patrick.dupont1")
        assert {sms.to for sms in LocmemSmsBackend.outbox[before:]} == {SHARED, PATRICK_NEW}


def test_the_same_file_again_records_nothing(delivered) -> None:
    seed_demo()
    with delivered():
        import_guardians()
    assert import_events() == []
    assert not any("modifié" in sms.body for sms in LocmemSmsBackend.outbox)
