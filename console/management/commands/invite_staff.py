"""``manage.py invite_staff IDENTIFIER``: an invitation from the server's shell.

How the first académie administrator of a deployment (``createsuperuser``) enrols a second
factor: nobody can invite them from the console yet, and nobody enrols without an invitation.
The link is printed once (and e-mailed when the account has an address); any second factor
the account had is reset.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from console.staff import StaffNotAllowed, staff_invite_by_operator
from core.text import canonical_identifier


class Command(BaseCommand):
    help = "Issue a staff invitation (single use, 72 h) and print its link; resets the 2FA."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", help="The staff member's identifier.")

    def handle(self, *args: Any, **options: Any) -> None:
        identifier = canonical_identifier(options["identifier"])
        member = User.objects.filter(identifier=identifier).first()
        if member is None:
            raise CommandError(f"No account {identifier!r}.")
        try:
            sent = staff_invite_by_operator(member=member)
        except StaffNotAllowed as error:
            raise CommandError(f"{identifier} is not an active staff account.") from error
        if sent.devices_reset:
            self.stdout.write("Its previous second factor was removed.")
        if sent.emailed:
            self.stdout.write(f"Invitation e-mailed to {member.email}.")
        self.stdout.write(f"Invitation link for {identifier} (single use, 72 hours):")
        self.stdout.write(f"  {sent.link}")
