"""E-mail has a budget like SMS (issue 16, item 6), and the codes a person asks for from their
account are never starved by messages anyone can cause to be sent (items 15–16).

Categories (``notifications.budget``): codes asked for from the account (password reset code or
link), codes anyone can cause (sign-up code, Mon compte's verification link to an address of
the sender's choice), notices (reminders, welcome, invitations…).
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Establishment, User
from notifications.backends.sms import LocmemSmsBackend
from notifications.models import Notification
from notifications.services import notification_send
from recovery import codes
from tests.conftest import DEMO_PASSWORD, make_guardian, make_student
from tests.recovery.conftest import STUDENT_EMAIL, ask_reset
from tests.recovery.signup_support import legal_link, start

pytestmark = pytest.mark.django_db

FAMILY_MOBILE = "+33612345678"


def signed_in(user: User) -> Client:
    client = Client()
    client.post(
        reverse("accounts:login"), {"identifier": user.identifier, "password": DEMO_PASSWORD}
    )
    return client


def test_one_address_gets_at_most_its_email_budget_whoever_asks(
    settings, parent: User, generous_limits, delivered
) -> None:
    settings.EMAIL_BUDGET_PER_DESTINATION_PER_HOUR = 5
    client = signed_in(parent)
    with delivered():
        for number in range(40):
            spelling = "Cible@Exemple.fr" if number % 2 else "cible@exemple.FR"
            response = client.post(reverse("myaccount:change_email"), {"email": spelling})
            assert response.status_code == HTTPStatus.OK
    assert len(mail.outbox) == 5  # not 40 messages to an address of the sender's choice
    blocked = Notification.objects.filter(channel="email", status=Notification.Status.BLOCKED)
    assert blocked.count() == 35
    assert "budget d'e-mails" in blocked.first().last_error
    assert AuditEvent.objects.filter(event_type="email_blocked").count() == 35


def test_the_email_budget_is_counted_per_day_too(settings, parent: User, generous_limits) -> None:
    settings.EMAIL_BUDGET_PER_DESTINATION_PER_HOUR = 2
    settings.EMAIL_BUDGET_PER_DESTINATION_PER_DAY = 3
    start_at = timezone.now()
    statuses = []
    for hour in range(3):
        with time_machine.travel(start_at + dt.timedelta(hours=hour, minutes=5)):
            client = signed_in(parent)
            for _ in range(2):
                client.post(reverse("myaccount:change_email"), {"email": "cible@exemple.fr"})
    statuses = list(
        Notification.objects.filter(channel="email").order_by("pk").values_list("status", flat=True)
    )
    assert statuses.count("blocked") == 3 and len(statuses) == 6


def test_a_reset_link_by_email_is_never_starved_by_what_others_send_there(
    settings, student: User, parent: User, generous_limits, delivered
) -> None:
    settings.EMAIL_BUDGET_PER_DESTINATION_PER_HOUR = 3
    settings.EMAIL_BUDGET_PER_DESTINATION_PER_DAY = 3
    attacker = signed_in(parent)
    with delivered():
        for _ in range(5):  # verification links to the student's address, from another account
            attacker.post(reverse("myaccount:change_email"), {"email": STUDENT_EMAIL})
        for _ in range(5):  # identifier reminders: anyone can ask
            Client().post(
                reverse("recovery:forgot_identifier"), {"channel": "email", "email": STUDENT_EMAIL}
            )
    assert Notification.objects.filter(destination=STUDENT_EMAIL, status="blocked").exists()
    mail.outbox.clear()
    with delivered():
        ask_reset(Client(), student.identifier, channel="email")
    assert [message.to for message in mail.outbox] == [[STUDENT_EMAIL]]
    assert "/mot-de-passe-perdu/lien/" in mail.outbox[0].body


@pytest.fixture
def shared_number(college: Establishment, parent: User) -> User:
    """Patrick has an account; Marie, the other parent, shares his mobile and has none: anyone
    who knows the family's names and number can ask for Marie's sign-up codes."""
    marie = make_guardian(college, first_name="Marie", mobile=FAMILY_MOBILE)
    legal_link(marie, make_student(college, first_name="Tom"))
    return parent


def test_a_familys_reset_code_is_never_starved_by_signup_codes_or_reminders(
    settings, shared_number: User, delivered
) -> None:
    settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR = 3
    settings.SMS_BUDGET_PER_DESTINATION_PER_DAY = 3
    begin = timezone.now()
    with time_machine.travel(begin, tick=False) as traveller:
        for attempt in range(3):  # every sign-up code the number's quota allows
            traveller.shift(codes.RESEND_COOLDOWN + dt.timedelta(seconds=1))
            with delivered():
                start(Client(REMOTE_ADDR=f"198.51.100.{attempt}"), "Dupont", "Marie", "0612345678")
        for attempt in range(4):  # and identifier reminders
            with delivered():
                Client(REMOTE_ADDR=f"203.0.113.{attempt}").post(
                    reverse("recovery:forgot_identifier"),
                    {"channel": "sms", "mobile": "0612345678"},
                )
        signup_codes = Notification.objects.filter(template="signup_code", status="sent")
        assert signup_codes.count() == 3
        before = len(LocmemSmsBackend.outbox)
        traveller.shift(codes.RESEND_COOLDOWN)
        with delivered():
            ask_reset(Client(), shared_number.identifier)
    sent = LocmemSmsBackend.outbox[before:]
    assert [sms.to for sms in sent] == [FAMILY_MOBILE]
    assert Notification.objects.get(template="password_reset_code").status == "sent"


def test_a_flood_to_many_numbers_does_not_spend_the_account_codes_global_budget(
    settings, parent: User, delivered
) -> None:
    settings.SMS_BUDGET_GLOBAL_PER_HOUR = 4
    with delivered():
        for number in range(4):
            notification_send(
                channel="sms", destination=f"+3361111000{number}", template="signup_code",
                context=codes.lifetimes(), secrets={"code": "123456"},
            )  # fmt: skip
            notification_send(
                channel="sms", destination=f"+3362222000{number}", template="invitation",
                context={"school": "X", "url": "https://x"},
            )  # fmt: skip
        blocked_notice = notification_send(
            channel="sms", destination="+33633330000", template="invitation",
            context={"school": "X", "url": "https://x"},
        )  # fmt: skip
        ask_reset(Client(), parent.identifier)
    assert blocked_notice.status == Notification.Status.BLOCKED
    reset = Notification.objects.get(template="password_reset_code")
    assert reset.status == Notification.Status.SENT
