"""Deterministic demo data for the embedded run, the browser tests and the README.

Two schools, nine students, parents with and without accounts (one with children in both
schools, one not yet registered, with a Réunion mobile), students with and without a verified
e-mail, one secretariat per school, a head of the collège and an académie superuser. Running it
again changes nothing but the demo passwords, which it puts back so the printed table stays
true, and the staff's invitations, which it issues again when used up or expired.

Staff enrol their second factor only through an invitation, demo staff too: each one
without a second factor gets an invitation link, printed with the table. The token is derived
from ``SECRET_KEY``, so every run of the same installation prints the same link until it is
used; no second-factor secret is public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Establishment, Guardian, Guardianship, StaffMembership, Student, User
from accounts.roles import ensure_role_group
from accounts.services import user_create, user_set_password
from accounts.twofactor.devices import has_confirmed_device
from accounts.twofactor.invitations import invitation_issue, invitation_lookup
from core.crypto import keyed_digest
from core.links import absolute_url

PARENT_PASSWORD = "Cartable-Bleu-2026"
STUDENT_PASSWORD = "Trousse-Verte-2026"
TEMPORARY_PASSWORD = "Provisoire-Jaune-2026"
STAFF_PASSWORD = "Secretariat-Demo-2026!"
ADMIN_PASSWORD = "Rectorat-Demo-2026!"

ESTABLISHMENTS = [
    ("0750654D", "Collège Jean Moulin", "Paris", Establishment.Kind.COLLEGE, "01 40 00 00 01"),
    ("0910000F", "Lycée Victor Hugo", "Versailles", Establishment.Kind.LYCEE, "01 60 00 00 02"),
]

# external id, school UAI, last name, first name, birth date, class, INE
STUDENTS = [
    ("E001", "0750654D", "Dupont", "Léa", dt.date(2012, 3, 14), "5A", "070123456AB"),
    ("E002", "0910000F", "Dupont", "Hugo", dt.date(2009, 9, 2), "2nde 3", "070123457AC"),
    ("E003", "0750654D", "Benali", "Yanis", dt.date(2011, 11, 23), "4B", "070123458AD"),
    ("E004", "0750654D", "Lefèvre", "Chloé", dt.date(2010, 6, 5), "3C", "070123459AE"),
    ("E005", "0750654D", "Martin", "Inès", dt.date(2013, 1, 30), "6A", ""),
    ("E006", "0750654D", "Martin", "Lucas", dt.date(2011, 4, 17), "4B", ""),
    ("E007", "0910000F", "Nguyen", "Emma", dt.date(2008, 12, 8), "1re G2", "070123460AF"),
    ("E008", "0910000F", "Girard", "Noah", dt.date(2007, 7, 21), "Tle G1", "070123461AG"),
    ("E009", "0910000F", "Moreau", "Jade", dt.date(2008, 2, 11), "1re G2", "070123462AH"),
    ("E010", "0750654D", "Roche", "Manon", dt.date(2012, 10, 4), "5B", ""),
    ("E011", "0910000F", "Roche", "Théo", dt.date(2008, 4, 19), "1re G1", ""),
]

# external id, school UAI, last name, first name, mobile, e-mail, children (external id, level,
# relationship), account key or "" when the parent has not registered yet
GUARDIANS = [
    ("R001", "0750654D", "Dupont", "Patrick", "+33612345678", "", [("E001", 1, "pere")], "dupont"),
    ("R002", "0910000F", "Dupont", "Patrick", "+33612345678", "", [("E002", 1, "pere")], "dupont"),
    ("R003", "0750654D", "Dupont", "Sophie", "+33698765432", "", [("E001", 1, "mere")], ""),
    ("R004", "0750654D", "Benali", "Nadia", "+262692123456", "", [("E003", 1, "mere")], ""),
    (
        "R005",
        "0750654D",
        "Lefèvre",
        "Marie-Hélène",
        "+33611223344",
        "mh.lefevre@exemple.fr",
        [("E004", 1, "mere")],
        "lefevre",
    ),
    ("R006", "0750654D", "Lefèvre", "Bernard", "+33622334455", "", [("E004", 2, "famille")], ""),
    (
        "R007",
        "0750654D",
        "Martin",
        "Karim",
        "+33633445566",
        "",
        [("E005", 1, "pere"), ("E006", 1, "pere")],
        "martin",
    ),
    ("R008", "0910000F", "Nguyen", "Thi", "+33644556677", "", [("E007", 1, "mere")], ""),
    ("R009", "0910000F", "Girard", "Olivier", "", "", [("E008", 1, "pere")], ""),
    ("R010", "0910000F", "Moreau", "Camille", "+33655667788", "", [("E009", 1, "mere")], ""),
    ("R011", "0910000F", "Dupont", "Sophie", "+33698765432", "", [("E002", 1, "mere")], ""),
    # Julien Roche: each school held another mobile, so he has two accounts to merge.
    ("R012", "0750654D", "Roche", "Julien", "+33677889900", "", [("E010", 1, "pere")], "roche"),
    ("R013", "0910000F", "Roche", "Julien", "+33688990011", "", [("E011", 1, "pere")], "roche2"),
]

# student external id, e-mail (verified) or "", must change password
STUDENT_ACCOUNTS = [
    ("E002", "hugo.dupont@exemple.fr", False),
    ("E007", "", False),
    ("E009", "", True),
]

# school UAI, first name, last name, role
STAFF = [
    ("0750654D", "Claire", "Bernard", StaffMembership.Role.SECRETARIAT),
    ("0910000F", "Marc", "Petit", StaffMembership.Role.SECRETARIAT),
    ("0750654D", "Isabelle", "Roux", StaffMembership.Role.HEAD),
]
ROLE_NOTES = {
    StaffMembership.Role.SECRETARIAT: "secrétariat",
    StaffMembership.Role.VIE_SCOLAIRE: "vie scolaire",
    StaffMembership.Role.HEAD: "direction, gère le personnel",
}
DEMO_INVITATION_PURPOSE = "educonnect.accounts.demo_invitation"


@dataclass(frozen=True)
class DemoAccount:
    identifier: str
    password: str
    description: str
    is_staff: bool = False
    # Staff only: the invitation link that enrols the second factor ("" once enrolled).
    invitation: str = ""


def _establishments() -> dict[str, Establishment]:
    schools = {}
    for uai, name, academie, kind, phone in ESTABLISHMENTS:
        school, _ = Establishment.objects.update_or_create(
            uai=uai,
            defaults={"name": name, "academie": academie, "kind": kind, "secretariat_phone": phone},
        )
        schools[uai] = school
    return schools


def _students(schools: dict[str, Establishment]) -> dict[str, Student]:
    students = {}
    for external_id, uai, last, first, born, class_name, ine in STUDENTS:
        student, _ = Student.objects.update_or_create(
            establishment=schools[uai],
            external_id=external_id,
            defaults={
                "last_name": last,
                "first_name": first,
                "birth_date": born,
                "class_name": class_name,
                "ine": ine,
            },
        )
        students[external_id] = student
    return students


def _guardians(
    schools: dict[str, Establishment], students: dict[str, Student]
) -> list[DemoAccount]:
    accounts: dict[str, User] = {}
    created: list[DemoAccount] = []
    for external_id, uai, last, first, mobile, email, children, account_key in GUARDIANS:
        guardian, _ = Guardian.objects.update_or_create(
            establishment=schools[uai],
            external_id=external_id,
            defaults={"last_name": last, "first_name": first, "mobile": mobile, "email": email},
        )
        for child_id, level, relationship in children:
            Guardianship.objects.update_or_create(
                student=students[child_id],
                guardian=guardian,
                defaults={"responsibility_level": level, "relationship": relationship},
            )
        if not account_key:
            continue
        user = accounts.get(account_key) or guardian.account
        if user is None:
            user = user_create(
                kind=User.Kind.PARENT, first_name=first, last_name=last, password=PARENT_PASSWORD
            )
        user_set_password(user=user, password=PARENT_PASSWORD)
        if guardian.account_id != user.pk:
            guardian.account = user
            guardian.save(update_fields=["account"])
        if account_key not in accounts:
            accounts[account_key] = user
            created.append(
                DemoAccount(user.identifier, PARENT_PASSWORD, f"parent ({first} {last})")
            )
    return created


def _student_accounts(students: dict[str, Student]) -> list[DemoAccount]:
    created = []
    for external_id, email, must_change in STUDENT_ACCOUNTS:
        student = students[external_id]
        password = TEMPORARY_PASSWORD if must_change else STUDENT_PASSWORD
        user = User.objects.filter(student=student).first()
        if user is None:
            user = user_create(
                kind=User.Kind.STUDENT,
                first_name=student.first_name,
                last_name=student.last_name,
                password=password,
                email=email,
                email_verified=bool(email),
                student_id=student.pk,
            )
        user_set_password(user=user, password=password, must_change=must_change)
        if email:
            note = "e-mail vérifié"
        elif must_change:
            note = "mot de passe provisoire à changer"
        else:
            note = "sans e-mail"
        created.append(
            DemoAccount(user.identifier, password, f"élève ({student.first_name}, {note})")
        )
    return created


def _staff(schools: dict[str, Establishment]) -> list[DemoAccount]:
    created = []
    for uai, first, last, role in STAFF:
        membership = (
            StaffMembership.objects.filter(establishment=schools[uai], role=role)
            .select_related("user")
            .first()
        )
        if membership is None:
            user = user_create(
                kind=User.Kind.STAFF, first_name=first, last_name=last, password=STAFF_PASSWORD
            )
            membership = StaffMembership.objects.create(
                user=user, establishment=schools[uai], role=role
            )
        user = membership.user
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(ensure_role_group(role))
        user_set_password(user=user, password=STAFF_PASSWORD)
        description = f"{ROLE_NOTES[role]} ({schools[uai].name})"
        created.append(
            DemoAccount(user.identifier, STAFF_PASSWORD, description, True, _demo_invitation(user))
        )
    admin = User.objects.filter(is_superuser=True, last_name="Académie").first()
    if admin is None:
        admin = user_create(
            kind=User.Kind.STAFF, first_name="Admin", last_name="Académie", password=ADMIN_PASSWORD
        )
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    user_set_password(user=admin, password=ADMIN_PASSWORD)
    created.append(
        DemoAccount(
            admin.identifier,
            ADMIN_PASSWORD,
            "superutilisateur (académie)",
            True,
            _demo_invitation(admin),
        )
    )
    return created


def _demo_invitation(user: User) -> str:
    """The invitation link of a demo staff member without a second factor, the same on every
    run (derived from ``SECRET_KEY``): issued again only when used up, revoked or expired."""
    if has_confirmed_device(user):
        return ""
    token = keyed_digest(f"demo:{user.identifier}", purpose=DEMO_INVITATION_PURPOSE)
    now = timezone.now()
    if invitation_lookup(token, now=now) is None:
        invitation_issue(user=user, created_by=None, email=user.email, now=now, token=token)
    return absolute_url("console:invitation_link", token)


@transaction.atomic
def seed_demo() -> list[DemoAccount]:
    schools = _establishments()
    students = _students(schools)
    return _guardians(schools, students) + _student_accounts(students) + _staff(schools)
