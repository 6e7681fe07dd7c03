"""The demo secretariat can open the console and sees only its own school."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.demo import seed_demo
from accounts.models import Student, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def college_secretary(client: Client) -> Client:
    seed_demo()
    client.force_login(User.objects.get(identifier="claire.bernard1"))
    return client


def test_the_secretariat_lists_its_students_only(college_secretary: Client) -> None:
    response = college_secretary.get(reverse("admin:accounts_student_changelist"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Yanis" in html
    assert "Emma" not in html


def test_another_schools_student_cannot_be_opened_by_id(college_secretary: Client) -> None:
    other = Student.objects.get(first_name="Emma")
    url = reverse("admin:accounts_student_change", args=[other.pk])
    response = college_secretary.get(url)
    # Django's admin answers an object outside the list with a redirect to its home page.
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")
    assert "Emma" not in response.content.decode()


def test_the_secretariat_sees_its_notification_log(college_secretary: Client) -> None:
    response = college_secretary.get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == HTTPStatus.OK


def test_another_schools_guardian_cannot_be_changed_by_a_forged_post(
    college_secretary: Client,
) -> None:
    from accounts.models import Guardian

    other = Guardian.objects.get(external_id="R008")  # Thi Nguyen, lycée
    url = reverse("admin:accounts_guardian_change", args=[other.pk])
    response = college_secretary.post(
        url,
        {
            "mobile": "0781234567",
            "email": "",
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")
    other.refresh_from_db()
    assert other.mobile == "+33644556677"


def test_another_schools_attachment_reports_stay_hidden_and_untouched(
    college_secretary: Client,
) -> None:
    from accounts.models import AttachmentReport, Guardian

    emma = Student.objects.get(first_name="Emma")
    report = AttachmentReport.objects.create(
        guardian=Guardian.objects.get(external_id="R008"),
        student=emma,
        establishment=emma.establishment,
    )
    url = reverse("admin:accounts_attachmentreport_change", args=[report.pk])
    response = college_secretary.post(url, {"decision": "detach", "resolution_comment": "x"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")
    report.refresh_from_db()
    assert report.status == "open"
    listing = college_secretary.get(reverse("admin:accounts_attachmentreport_changelist"))
    assert "Emma" not in listing.content.decode()
